admin_conf=/etc/kubernetes/admin.conf
namespace=kube-system
node=node-2
label=kubeadm-pulumi.io/join-node=node-2
ttl_minutes=60
api_server=''
# Every bootstrap token minted for a node's joins (by their label), when its token step goes: a join that never
# finished leaves none behind. An API server that no longer answers leaves them to expire.
: "${admin_conf:?}" "${namespace:?}" "${node:?}" "${label:?}" "${ttl_minutes:?}"
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
k -n "$namespace" delete secret -l "$label" --ignore-not-found >/dev/null || {
  echo "[join] API server unreachable: bootstrap tokens of $node are left to expire (at most $ttl_minutes minutes)" >&2
  exit 0
}
echo "[join] bootstrap tokens of $node deleted"
