admin_conf=/etc/kubernetes/admin.conf
node=node-2
labels=tier=web
taints=dedicated=web:NoSchedule
label_keys=tier
taint_keys=dedicated:NoSchedule
labels_annotation=kubeadm-pulumi.io/labels
taints_annotation=kubeadm-pulumi.io/taints
api_server=''
# A worker's configured labels and taints on its Node. Those an earlier run set and the config no longer has are
# removed: the Node's own annotations name what kubeadm-pulumi set; labels and taints of others are kept.
# labels: "key=value ..."; taints: "key[=value]:Effect ..."; label_keys, taint_keys: what they set (words, no spaces).
: "${admin_conf:?}" "${node:?}" "${labels?}" "${taints?}" "${label_keys?}" "${taint_keys?}"
: "${labels_annotation:?}" "${taints_annotation:?}"
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
# jsonpath needs the dots of an annotation key escaped.
previous() { k get node "$node" -o "jsonpath={.metadata.annotations.${1//./\\.}}"; }
old_labels=$(previous "$labels_annotation")
old_taints=$(previous "$taints_annotation")
for key in $old_labels; do
  case " $label_keys " in *" $key "*) ;; *) k label node "$node" "$key-" >/dev/null 2>&1 || true ;; esac
done
for key in $old_taints; do
  case " $taint_keys " in *" $key "*) ;; *) k taint node "$node" "$key-" >/dev/null 2>&1 || true ;; esac
done
[ -z "$labels" ] || k label node "$node" $labels --overwrite >/dev/null
for taint in $taints; do k taint node "$node" "$taint" --overwrite >/dev/null; done
k annotate node "$node" --overwrite "$labels_annotation=$label_keys" "$taints_annotation=$taint_keys" >/dev/null
echo "[join] $node: labels (${label_keys:-none}) and taints (${taint_keys:-none}) set"
