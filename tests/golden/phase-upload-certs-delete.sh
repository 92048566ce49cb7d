admin_conf=/etc/kubernetes/admin.conf
namespace=kube-system
secret_name=kubeadm-certs
# upload-certs removed: the kubeadm-certs Secret deleted (gone already, or the API server with it: nothing to do).
: "${admin_conf:?}" "${namespace:?}" "${secret_name:?}"
kubectl --kubeconfig="$admin_conf" -n "$namespace" delete secret "$secret_name" --ignore-not-found >/dev/null 2>&1 || true
