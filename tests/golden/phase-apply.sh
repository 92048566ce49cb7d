kubectl --kubeconfig=/etc/kubernetes/admin.conf apply --server-side --force-conflicts --field-manager=kubeadm-pulumi -f - >/dev/null && echo '[addons] applied'
