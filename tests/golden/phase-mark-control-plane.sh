set -e
k() { kubectl --kubeconfig=/etc/kubernetes/admin.conf "$@"; }
deadline=$(( $(date +%s) + 120 ))
until k get node node-1 >/dev/null 2>&1; do [ "$(date +%s)" -lt "$deadline" ] || { echo '[mark-control-plane] Node node-1 not registered after 120s' >&2; exit 1; }; sleep 1; done
mark() { k label node node-1 node-role.kubernetes.io/control-plane= --overwrite >/dev/null && k taint node node-1 node-role.kubernetes.io/control-plane:NoSchedule --overwrite >/dev/null; }
until err=$(mark 2>&1); do [ "$(date +%s)" -lt "$deadline" ] || { echo "[mark-control-plane] node-1: $err" >&2; exit 1; }; sleep 1; done
echo '[mark-control-plane] node-1: labels and taints set'
