node=node-1
deadline=$(( $(date +%s) + 240 ))
k() { kubectl --kubeconfig=/etc/kubernetes/super-admin.conf --request-timeout=5s "$@"; }
kubelet_healthy() { exec 3<>/dev/tcp/127.0.0.1/10248 && printf 'GET /healthz HTTP/1.0\r\n\r\n' >&3 && grep -q '^ok' <&3; }
pod_ready() { [ "$(k -n kube-system get pod "$1-$node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null)" = True ]; }
logs() { for f in /var/log/pods/kube-system_$1-${node}_*/$1/*.log; do [ -f "$f" ] && tail -n 15 "$f"; done; }
fail() {
  echo "[wait-control-plane] $node: $1 not healthy after 240s" >&2
  if [ -n "${2:-}" ]; then echo "--- recent $2 log lines:" >&2; logs "$2" >&2; fi
  echo "--- recent kubelet log lines:" >&2; journalctl -u kubelet --no-pager -n 15 >&2
  exit 1
}
until kubelet_healthy 2>/dev/null; do [ "$(date +%s)" -lt "$deadline" ] || fail kubelet; sleep 2; done
echo "[wait-control-plane] kubelet healthy"
until k get --raw=/livez >/dev/null 2>&1; do [ "$(date +%s)" -lt "$deadline" ] || fail "the API server" kube-apiserver; sleep 2; done
echo "[wait-control-plane] API server live"
for component in etcd kube-apiserver kube-controller-manager kube-scheduler; do
  until pod_ready "$component"; do [ "$(date +%s)" -lt "$deadline" ] || fail "$component" "$component"; sleep 2; done
  echo "[wait-control-plane] $component ready"
done
