node=node-1
user=system:node:node-1
timeout=120
kubelet_conf=/etc/kubernetes/kubelet.conf
current=/var/lib/kubelet/pki/kubelet-client-current.pem
# kubelet-finalize: point kubelet.conf at the kubelet's rotated client certificate, as kubeadm does.
: "${node:?}" "${user:?}" "${timeout:?}" "${kubelet_conf:?}" "${current:?}"
phase=kubelet-finalize
# Shared by every script that waits: a deadline `timeout` seconds away, and failing with the phase and host named.
# Parameters (every script that includes this one gets them too): node, timeout; the script sets phase itself.
: "${node:?}" "${timeout:?}" "${phase:?}"
deadline=$(( $(date +%s) + timeout ))
late() { [ "$(date +%s)" -ge "$deadline" ]; }
fail() { echo "[$phase] $node: $*" >&2; exit 1; }
until [ -e "$current" ]; do late && fail "no $current after ${timeout}s"; sleep 2; done
kc() { kubectl config --kubeconfig="$kubelet_conf" "$@" >/dev/null; }
kc set-credentials "$user" --client-certificate="$current" --client-key="$current"
kc unset "users.$user.client-certificate-data"
kc unset "users.$user.client-key-data"
echo "[$phase] kubelet.conf uses $current"
