phase=addons
kubeconfig=/etc/kubernetes/admin.conf
field_manager=kubeadm-pulumi
# A phase's objects (on stdin) applied server-side, owned by kubeadm-pulumi's field manager: others' fields are kept.
: "${phase:?}" "${kubeconfig:?}" "${field_manager:?}"
kubectl --kubeconfig="$kubeconfig" apply --server-side --force-conflicts --field-manager="$field_manager" -f - \
  >/dev/null && echo "[$phase] applied"
