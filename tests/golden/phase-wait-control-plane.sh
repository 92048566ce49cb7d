node=node-1
deadline=$(( $(date +%s) + 240 ))
late() { [ "$(date +%s)" -ge "$deadline" ]; }
kubelet_healthy() { exec 3<>/dev/tcp/127.0.0.1/10248 && printf 'GET /healthz HTTP/1.0\r\n\r\n' >&3 && grep -q '^ok' <&3; }
healthy() { [ "$(curl -sk --max-time 3 "$1" 2>/dev/null)" = ok ]; }
logs() { for f in /var/log/pods/kube-system_$1-${node}_*/$1/*.log; do [ -f "$f" ] && tail -n 15 "$f"; done; }
fail() {
  echo "[wait-control-plane] $node: $1 not healthy after 240s" >&2
  if [ -n "${2:-}" ]; then echo "--- recent $2 log lines:" >&2; logs "$2" >&2; fi
  echo "--- recent kubelet log lines:" >&2; journalctl -u kubelet --no-pager -n 15 >&2
  exit 1
}
until kubelet_healthy 2>/dev/null; do late && fail kubelet; sleep 1; done
echo "[wait-control-plane] kubelet healthy"
until healthy https://10.213.0.11:6443/livez; do late && fail kube-apiserver kube-apiserver; sleep 1; done; echo "[wait-control-plane] kube-apiserver healthy"
until healthy https://127.0.0.1:10257/healthz; do late && fail kube-controller-manager kube-controller-manager; sleep 1; done; echo "[wait-control-plane] kube-controller-manager healthy"
until healthy https://127.0.0.1:10259/livez; do late && fail kube-scheduler kube-scheduler; sleep 1; done; echo "[wait-control-plane] kube-scheduler healthy"
until kubectl --kubeconfig=/etc/kubernetes/super-admin.conf --request-timeout=5s get --raw=/readyz >/dev/null 2>&1; do late && fail "the API server (readyz)" kube-apiserver; sleep 1; done
echo "[wait-control-plane] API server ready"
