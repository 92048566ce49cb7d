kubectl --kubeconfig=/etc/kubernetes/admin.conf -n kube-system delete secret kubeadm-certs --ignore-not-found >/dev/null 2>&1 || true
