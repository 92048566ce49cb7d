#!/bin/bash
# A worker leaving the cluster: cordoned, drained (only when its kubelet answers), its Node deleted.
: "${admin_conf:?}" "${node:?}" "${address:?}" "${kubelet_port:?}" "${drain_timeout:?}"
# shellcheck source=../remote/kubectl.sh
. ../remote/kubectl.sh
found=$(k get node "$node" -o name --ignore-not-found) ||
  { echo "[remove] $node: API server unreachable, Node not deleted" >&2; exit 1; }
[ -n "$found" ] || { echo "[remove] $node: no Node object"; exit 0; }
k cordon "$node" >/dev/null
if timeout 5 bash -c "exec 3<>/dev/tcp/$address/$kubelet_port" 2>/dev/null; then
  drain "$node" "$drain_timeout" ||
    { echo "[remove] $node: drain did not finish within ${drain_timeout}s; the Node stays, cordoned" >&2; exit 1; }
  echo "[remove] $node drained"
else
  echo "[remove] $node: its kubelet at $address:$kubelet_port does not answer; not draining, its pods go with the Node"
fi
k delete node "$node" --wait=false >/dev/null
echo "[remove] Node $node deleted"
