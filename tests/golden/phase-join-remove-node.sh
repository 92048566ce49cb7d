admin_conf=/etc/kubernetes/admin.conf
node=node-2
address=10.213.0.12
kubelet_port=10250
drain_timeout=120
api_server=''
# A worker leaving the cluster: cordoned, drained (only when its kubelet answers), its Node deleted.
: "${admin_conf:?}" "${node:?}" "${address:?}" "${kubelet_port:?}" "${drain_timeout:?}"
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
found=$(k get node "$node" -o name --ignore-not-found) ||
  { echo "[remove] $node: API server unreachable, Node not deleted" >&2; exit 1; }
[ -n "$found" ] || { echo "[remove] $node: no Node object"; exit 0; }
k cordon "$node" >/dev/null
if timeout 5 bash -c "exec 3<>/dev/tcp/$address/$kubelet_port" 2>/dev/null; then
  drain "$node" "$drain_timeout" ||
    { echo "[remove] $node: drain did not finish within ${drain_timeout}s; the Node stays, cordoned" >&2; exit 1; }
  echo "[remove] $node drained"
else
  echo "[remove] $node: its kubelet at $address:$kubelet_port does not answer; not draining, its pods go with the Node"
fi
k delete node "$node" --wait=false >/dev/null
echo "[remove] Node $node deleted"
