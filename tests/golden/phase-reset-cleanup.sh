host=node-1
manifests_dir=/etc/kubernetes/manifests
kubelet_dir=/var/lib/kubelet
pki_dir=/etc/kubernetes/pki
etcd_data_dir=/var/lib/etcd
kubernetes_dir=/etc/kubernetes
kubeconfigs='/etc/kubernetes/admin.conf /etc/kubernetes/super-admin.conf /etc/kubernetes/kubelet.conf /etc/kubernetes/bootstrap-kubelet.conf /etc/kubernetes/controller-manager.conf /etc/kubernetes/scheduler.conf'
# kubeadm reset: root is required; then cleanup-node: stop the kubelet, remove pods and containers, unmount,
# delete kubeadm's files.
: "${host:?}" "${manifests_dir:?}" "${kubelet_dir:?}" "${pki_dir:?}" "${etcd_data_dir:?}" "${kubernetes_dir:?}"
: "${kubeconfigs:?}"
[ "$(id -u)" = 0 ] || { echo "[reset] $host: root is required" >&2; exit 1; }
systemctl stop kubelet 2>/dev/null
systemctl disable kubelet >/dev/null 2>&1
# Remove every Kubernetes container and pod sandbox (the CRI namespace), then their mounts.
for id in $(ctr -n k8s.io tasks ls -q 2>/dev/null); do ctr -n k8s.io tasks kill -s SIGKILL "$id" >/dev/null 2>&1; done
sleep 1
for id in $(ctr -n k8s.io tasks ls -q 2>/dev/null); do ctr -n k8s.io tasks delete -f "$id" >/dev/null 2>&1; done
for id in $(ctr -n k8s.io containers ls -q 2>/dev/null); do ctr -n k8s.io containers delete "$id" >/dev/null 2>&1; done
awk -v dir="$kubelet_dir/" 'index($2, dir) == 1 {print $2}' /proc/mounts | sort -r |
  while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
rm -rf "${manifests_dir:?}"/* "${kubelet_dir:?}"/* "$pki_dir" "${etcd_data_dir:?}"/* "$kubernetes_dir/tmp"
rm -f $kubeconfigs
echo "[reset] cleaned $kubernetes_dir, $kubelet_dir and $etcd_data_dir"
