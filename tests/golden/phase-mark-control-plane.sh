node=node-1
timeout=120
admin_conf=/etc/kubernetes/admin.conf
labels=node-role.kubernetes.io/control-plane=
taints=node-role.kubernetes.io/control-plane:NoSchedule
api_server=''
# mark-control-plane: kubeadm's labels and taints on the Node (other labels and taints are kept), once the kubelet
# has registered it (a joining control plane's API server can be up before its Node is); any failure fails the step.
# labels: "key=value ..."; taints: "key:Effect ..." (neither has spaces).
: "${node:?}" "${timeout:?}" "${admin_conf:?}" "${labels:?}" "${taints:?}"
phase=mark-control-plane
# Shared by every script that waits: a deadline `timeout` seconds away, and failing with the phase and host named.
# Parameters (every script that includes this one gets them too): node, timeout; the script sets phase itself.
: "${node:?}" "${timeout:?}" "${phase:?}"
deadline=$(( $(date +%s) + timeout ))
late() { [ "$(date +%s)" -ge "$deadline" ]; }
fail() { echo "[$phase] $node: $*" >&2; exit 1; }
# Shared by every script that talks to the cluster: kubectl as the cluster's admin, and draining a node.
# Parameters (every script that includes this one gets them too): admin_conf, and api_server: empty for the
# kubeconfig's own server, else the API server to ask instead.
: "${admin_conf:?}" "${api_server?}"
k() { kubectl --kubeconfig="$admin_conf" ${api_server:+"--server=$api_server"} --request-timeout=20s "$@"; }
# drain NODE SECONDS: cordon the node, then evict its pods (DaemonSets' stay) within SECONDS.
drain() {
  k cordon "$1" >/dev/null &&
    k drain "$1" --ignore-daemonsets --delete-emptydir-data --force --timeout="${2}s" >/dev/null
}
until k get node "$node" >/dev/null 2>&1; do late && fail "Node not registered after ${timeout}s"; sleep 1; done
mark() {
  # shellcheck disable=SC2086 # lists of words without spaces
  k label node "$node" $labels --overwrite >/dev/null && for taint in $taints; do
    k taint node "$node" "$taint" --overwrite >/dev/null || return 1
  done
}
# Through the endpoint a request can reach an API server that is still starting: retry until the deadline.
until err=$(mark 2>&1); do late && fail "$err"; sleep 1; done
echo "[$phase] $node: labels and taints set"
