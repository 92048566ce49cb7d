node=cp-2
peer_url=https://10.0.0.2:2380
etcd_ca=/etc/kubernetes/pki/etcd/ca.crt
etcd_cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt
etcd_key=/etc/kubernetes/pki/etcd/healthcheck-client.key
etcd_client_port=2379
# control-plane-join etcd: the node added as a learner (once; a learner left by a failed run is reused), then the
# --initial-cluster its etcd must start with printed: every member's name=peerURL.
: "${node:?}" "${peer_url:?}"
set -e
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
if ! members | grep -q "\"peerURLs\":\[\"$peer_url\""; then
  etcd cluster/member/add "{\"peerURLs\":[\"$peer_url\"],\"isLearner\":true}" | grep -q '"member"' ||
    { echo "[control-plane-join] etcd refused to add $node at $peer_url" >&2; exit 1; }
fi
members | while read -r m; do
  [ -n "$m" ] || continue
  p=$(echo "$m" | first_url peerURLs)
  n=$(echo "$m" | field name)
  [ "$p" = "$peer_url" ] && n=$node
  printf '%s=%s\n' "$n" "$p"
done | sort | paste -sd, -
