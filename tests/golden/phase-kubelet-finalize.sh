deadline=$(( $(date +%s) + 120 ))
until [ -e /var/lib/kubelet/pki/kubelet-client-current.pem ]; do
  [ "$(date +%s)" -lt "$deadline" ] || { echo "[kubelet-finalize] no /var/lib/kubelet/pki/kubelet-client-current.pem after 120s" >&2; exit 1; }
  sleep 2
done
kc() { kubectl config --kubeconfig=/etc/kubernetes/kubelet.conf "$@" >/dev/null; }
kc set-credentials system:node:node-1 --client-certificate=/var/lib/kubelet/pki/kubelet-client-current.pem --client-key=/var/lib/kubelet/pki/kubelet-client-current.pem
kc unset users.system:node:node-1.client-certificate-data
kc unset users.system:node:node-1.client-key-data
echo "[kubelet-finalize] kubelet.conf uses /var/lib/kubelet/pki/kubelet-client-current.pem"
