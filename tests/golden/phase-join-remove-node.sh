k() { kubectl --kubeconfig=/etc/kubernetes/admin.conf --request-timeout=20s "$@"; }
node=node-2
found=$(k get node "$node" -o name --ignore-not-found) || { echo "[remove] $node: API server unreachable, Node not deleted" >&2; exit 1; }
[ -n "$found" ] || { echo "[remove] $node: no Node object"; exit 0; }
k cordon "$node" >/dev/null
if timeout 5 bash -c 'exec 3<>/dev/tcp/10.213.0.12/10250' 2>/dev/null; then
  k drain "$node" --ignore-daemonsets --delete-emptydir-data --force --timeout=120s >/dev/null \
    || { echo "[remove] $node: drain did not finish within 120s; the Node stays, cordoned" >&2; exit 1; }
  echo "[remove] $node drained"
else
  echo "[remove] $node: its kubelet at 10.213.0.12:10250 does not answer; not draining, its pods go with the Node"
fi
k delete node "$node" --wait=false >/dev/null
echo "[remove] Node $node deleted"
