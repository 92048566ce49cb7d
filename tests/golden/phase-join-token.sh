admin_conf=/etc/kubernetes/admin.conf
namespace=kube-system
label=kubeadm-pulumi.io/join-node=node-2
alphabet=0123456789abcdefghijklmnopqrstuvwxyz
ttl_minutes=60
manifest='"apiVersion": "v1"
"kind": "Secret"
"metadata":
  "name": "bootstrap-token-@id@"
  "namespace": "kube-system"
  "labels":
    "kubeadm-pulumi.io/join-node": "node-2"
"type": "bootstrap.kubernetes.io/token"
"stringData":
  "token-id": "@id@"
  "token-secret": "@secret@"
  "description": "kubeadm-pulumi: the join of one node, deleted once it is done"
  "expiration": "@expiration@"
  "usage-bootstrap-authentication": "true"
  "usage-bootstrap-signing": "true"
  "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token"
'
api_server=''
# kubeadm token create for one join: a fresh token Secret (the manifest, with @id@, @secret@ and @expiration@ for what
# the host picks), printed as <id>.<secret> on stdout only. Tokens an earlier, unfinished join of the same node left
# behind are deleted first (by their label).
: "${admin_conf:?}" "${namespace:?}" "${label:?}" "${alphabet:?}" "${ttl_minutes:?}" "${manifest:?}"
set -e
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
k -n "$namespace" delete secret -l "$label" --ignore-not-found >/dev/null
pick() { tr -dc "$alphabet" </dev/urandom | head -c "$1"; }
id=$(pick 6)
secret=$(pick 16)
expiration=$(date -u -d "+$ttl_minutes minutes" +%Y-%m-%dT%H:%M:%SZ)
# Filled in by the shell itself: the secret never appears in a command line (ps) on the host.
filled=${manifest//@id@/$id}
filled=${filled//@secret@/$secret}
printf '%s\n' "${filled//@expiration@/$expiration}" | k create -f - >/dev/null
printf '%s.%s' "$id" "$secret"
