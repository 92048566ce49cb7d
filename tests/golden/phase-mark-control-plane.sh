k() { kubectl --kubeconfig=/etc/kubernetes/admin.conf "$@"; }
k label node node-1 node-role.kubernetes.io/control-plane= --overwrite >/dev/null
k taint node node-1 node-role.kubernetes.io/control-plane:NoSchedule --overwrite >/dev/null
echo '[mark-control-plane] node-1: labels and taints set'
