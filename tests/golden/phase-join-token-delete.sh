admin_conf=/etc/kubernetes/admin.conf
namespace=kube-system
token_prefix=bootstrap-token-
ttl_minutes=60
api_server=''
# kubeadm token delete of the token on stdin, once its join is done. A token that cannot be deleted fails the step
# (which runs again on the next `pulumi up`): no valid token is left behind without saying so.
: "${admin_conf:?}" "${namespace:?}" "${token_prefix:?}" "${ttl_minutes:?}"
token=$(cat)
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
[ -n "$token" ] || exit 0
k -n "$namespace" delete secret "$token_prefix${token%%.*}" --ignore-not-found >/dev/null || {
  echo "[join] could not delete bootstrap token ${token%%.*}; it stays valid until it expires (at most $ttl_minutes minutes)" >&2
  exit 1
}
echo "[join] bootstrap token ${token%%.*} deleted"
