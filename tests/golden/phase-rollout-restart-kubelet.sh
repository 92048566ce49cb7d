node=node-2
timeout=240
kubelet_conf=/etc/kubernetes/kubelet.conf
kubelet_healthz=127.0.0.1:10248
# A worker's rolling change: its kubelet restarted on the files written before, then healthy and its Node Ready.
: "${node:?}" "${timeout:?}" "${kubelet_conf:?}" "${kubelet_healthz:?}"
phase="rollout"
# Shared by every script that waits: a deadline `timeout` seconds away, and failing with the phase and host named.
# Parameters (every script that includes this one gets them too): node, timeout; the script sets phase itself.
: "${node:?}" "${timeout:?}" "${phase:?}"
deadline=$(( $(date +%s) + timeout ))
late() { [ "$(date +%s)" -ge "$deadline" ]; }
fail() { echo "[$phase] $node: $*" >&2; exit 1; }
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
