node=node-2
timeout=240
admin_conf=/etc/kubernetes/admin.conf
api_server=''
# A worker's rolling change ends: its Node Ready, then uncordoned (the next workers' change starts after this).
: "${node:?}" "${timeout:?}"
phase="rollout"
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
ready() { k get node "$node" -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null; }
until [ "$(ready)" = True ]; do late && fail "the Node is not Ready after ${timeout}s"; sleep 1; done
k uncordon "$node" >/dev/null
echo "[rollout] $node uncordoned"
