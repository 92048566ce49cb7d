node=cp-2
peer_url=https://10.0.0.2:2380
etcd_ca=/etc/kubernetes/pki/etcd/ca.crt
etcd_cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt
etcd_key=/etc/kubernetes/pki/etcd/healthcheck-client.key
etcd_client_port=2379
# check-etcd: before a control plane joins, every other etcd member is started and healthy.
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
list=$(members)
[ -n "$list" ] || { echo "[check-etcd] the etcd cluster does not answer on the first control plane" >&2; exit 1; }
echo "$list" | while read -r m; do
  [ -n "$m" ] || continue
  peer=$(echo "$m" | first_url peerURLs)
  [ "$peer" != "$peer_url" ] || continue
  name=$(echo "$m" | field name)
  healthy "$(echo "$m" | first_url clientURLs)" || {
    echo "[check-etcd] member ${name:-(not started)} at $peer is not healthy: $node does not join an unhealthy etcd cluster" >&2
    exit 1
  }
done
echo "[check-etcd] every etcd member is healthy"
