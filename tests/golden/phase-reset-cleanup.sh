[ "$(id -u)" = 0 ] || { echo "[reset] node-1: root is required" >&2; exit 1; }
systemctl stop kubelet 2>/dev/null
systemctl disable kubelet >/dev/null 2>&1
# Remove every Kubernetes container and pod sandbox (the CRI namespace), then their mounts.
for id in $(ctr -n k8s.io tasks ls -q 2>/dev/null); do ctr -n k8s.io tasks kill -s SIGKILL "$id" >/dev/null 2>&1; done
sleep 1
for id in $(ctr -n k8s.io tasks ls -q 2>/dev/null); do ctr -n k8s.io tasks delete -f "$id" >/dev/null 2>&1; done
for id in $(ctr -n k8s.io containers ls -q 2>/dev/null); do ctr -n k8s.io containers delete "$id" >/dev/null 2>&1; done
awk '$2 ~ "^/var/lib/kubelet/" {print $2}' /proc/mounts | sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
rm -rf /etc/kubernetes/manifests/* /var/lib/kubelet/* /etc/kubernetes/pki /var/lib/etcd/* /etc/kubernetes/tmp
rm -f /etc/kubernetes/admin.conf /etc/kubernetes/super-admin.conf /etc/kubernetes/kubelet.conf /etc/kubernetes/bootstrap-kubelet.conf /etc/kubernetes/controller-manager.conf /etc/kubernetes/scheduler.conf
echo "[reset] cleaned /etc/kubernetes, /var/lib/kubelet and /var/lib/etcd"
