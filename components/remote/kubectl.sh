# shellcheck shell=bash
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
