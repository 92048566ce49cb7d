node=cp-2
peer_url=https://10.0.0.2:2380
timeout=300
etcd_ca=/etc/kubernetes/pki/etcd/ca.crt
etcd_cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt
etcd_key=/etc/kubernetes/pki/etcd/healthcheck-client.key
etcd_client_port=2379
# control-plane-join etcd: once the node's learner has caught up with the leader, it becomes a voting member.
: "${node:?}" "${peer_url:?}" "${timeout:?}"
phase="control-plane-join"
# Shared by the etcd scripts: etcd's JSON gateway (/v3/...) on the local member, with the healthcheck-client
# certificate; the member list one JSON object per line; field readers. Members are matched by peer URL (a learner
# that has not started yet has no name). Parameters: etcd_ca, etcd_cert, etcd_key, etcd_client_port.
: "${etcd_ca:?}" "${etcd_cert:?}" "${etcd_key:?}" "${etcd_client_port:?}"
tls=(--cacert "$etcd_ca" --cert "$etcd_cert" --key "$etcd_key")
etcd() {
  local body=${2:-}
  [ -n "$body" ] || body='{}'
  curl -sS --max-time 10 "${tls[@]}" -X POST "https://127.0.0.1:$etcd_client_port/v3/$1" -d "$body"
}
members() {
  etcd cluster/member/list | tr -d ' \n' | sed -e 's/.*"members":\[//' -e 's/\]}[^]]*$//' -e 's/},{/}\n{/g'
  echo
}
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
first_url() { sed -n "s/.*\"$1\":\[\"\([^\"]*\)\".*/\1/p"; }
healthy() { [ -n "$1" ] && curl -sS --max-time 5 "${tls[@]}" "$1/health" 2>/dev/null | grep -q '"health":"true"'; }
# Shared by every script that waits: a deadline `timeout` seconds away, and failing with the phase and host named.
# Parameters (every script that includes this one gets them too): node, timeout; the script sets phase itself.
: "${node:?}" "${timeout:?}" "${phase:?}"
deadline=$(( $(date +%s) + timeout ))
late() { [ "$(date +%s)" -ge "$deadline" ]; }
fail() { echo "[$phase] $node: $*" >&2; exit 1; }
while :; do
  m=$(members | grep "\"peerURLs\":\[\"$peer_url\"") || fail "not an etcd member"
  echo "$m" | grep -q '"isLearner":true' || break
  answer=$(etcd cluster/member/promote "{\"ID\":\"$(echo "$m" | field ID)\"}" 2>&1) || true
  # Success lists the members; a learner that has not caught up yet gets an error (`code` and `message`).
  echo "$answer" | grep -q '"members"' && break
  late && fail "etcd did not catch up within ${timeout}s: $answer"
  sleep 2
done
echo "[control-plane-join] etcd: $node is a voting member"
