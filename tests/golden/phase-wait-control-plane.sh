node=node-1
timeout=240
kubeconfig=/etc/kubernetes/super-admin.conf
kubelet_healthz=127.0.0.1:10248
components='kube-apiserver https://10.213.0.11:6443/livez
kube-controller-manager https://127.0.0.1:10257/healthz
kube-scheduler https://127.0.0.1:10259/livez'
pod_logs=/var/log/pods
# wait-control-plane: the kubelet healthy, then each component's own health endpoint, as kubeadm 1.37 polls them,
# then the API server answering the kubeconfig's client. On timeout, the failing part's recent log lines.
# components: one "name url" per line.
: "${node:?}" "${timeout:?}" "${kubeconfig:?}" "${kubelet_healthz:?}" "${components:?}" "${pod_logs:?}"
phase=wait-control-plane
# Shared by every script that waits: a deadline `timeout` seconds away, and failing with the phase and host named.
# Parameters (every script that includes this one gets them too): node, timeout; the script sets phase itself.
: "${node:?}" "${timeout:?}" "${phase:?}"
deadline=$(( $(date +%s) + timeout ))
late() { [ "$(date +%s)" -ge "$deadline" ]; }
fail() { echo "[$phase] $node: $*" >&2; exit 1; }
kubelet_healthy() {
  exec 3<>"/dev/tcp/${kubelet_healthz%:*}/${kubelet_healthz##*:}" && printf 'GET /healthz HTTP/1.0\r\n\r\n' >&3 &&
    grep -q '^ok' <&3
}
healthy() { [ "$(curl -sk --max-time 3 "$1" 2>/dev/null)" = ok ]; }
logs() { for f in "$pod_logs/kube-system_$1-${node}_"*"/$1/"*.log; do [ -f "$f" ] && tail -n 15 "$f"; done; }
not_healthy() {
  {
    echo "[$phase] $node: $1 not healthy after ${timeout}s"
    if [ -n "${2:-}" ]; then echo "--- recent $2 log lines:"; logs "$2"; fi
    echo "--- recent kubelet log lines:"; journalctl -u kubelet --no-pager -n 15
  } >&2
  exit 1
}
until kubelet_healthy 2>/dev/null; do late && not_healthy kubelet; sleep 1; done
echo "[$phase] kubelet healthy"
while read -r name url; do
  until healthy "$url"; do late && not_healthy "$name" "$name"; sleep 1; done
  echo "[$phase] $name healthy"
done <<END
$components
END
until kubectl --kubeconfig="$kubeconfig" --request-timeout=5s get --raw=/readyz >/dev/null 2>&1; do
  late && not_healthy "the API server (readyz)" kube-apiserver
  sleep 1
done
echo "[$phase] API server ready"
