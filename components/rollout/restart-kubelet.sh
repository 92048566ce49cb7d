#!/bin/bash
# A worker's rolling change: its kubelet restarted on the files written before, then healthy and its Node Ready.
: "${node:?}" "${timeout:?}" "${kubelet_conf:?}" "${kubelet_healthz:?}"
phase="rollout"
# shellcheck source=../remote/wait.sh
. ../remote/wait.sh
systemctl daemon-reload && systemctl restart kubelet
until curl -sf --max-time 3 -o /dev/null "http://$kubelet_healthz/healthz"; do
  late && { journalctl -u kubelet --no-pager -n 15 >&2; fail "the kubelet is not healthy after ${timeout}s"; }
  sleep 1
done
ready() {
  kubectl --kubeconfig="$kubelet_conf" --request-timeout=5s get node "$node" \
    -o 'jsonpath={.status.conditions[?(@.type=="Ready")].status}' 2>/dev/null
}
until [ "$(ready)" = True ]; do late && fail "the Node is not Ready after ${timeout}s"; sleep 1; done
echo "[rollout] $node: kubelet restarted, Node Ready"
