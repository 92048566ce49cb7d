set -e
tls="--cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/healthcheck-client.crt --key /etc/kubernetes/pki/etcd/healthcheck-client.key"
etcd() { body=${2:-}; [ -n "$body" ] || body='{}'; curl -sS --max-time 10 $tls -X POST "https://127.0.0.1:2379/v3/$1" -d "$body"; }
members() { etcd cluster/member/list | tr -d ' \n' | sed -e 's/.*"members":\[//' -e 's/\]}[^]]*$//' -e 's/},{/}\n{/g'; echo; }
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
first_url() { sed -n "s/.*\"$1\":\[\"\([^\"]*\)\".*/\1/p"; }
healthy() { [ -n "$1" ] && curl -sS --max-time 5 $tls "$1/health" 2>/dev/null | grep -q '"health":"true"'; }

list=$(members)
[ -n "$list" ] || { echo "[check-etcd] the etcd cluster does not answer on the first control plane" >&2; exit 1; }
echo "$list" | while read -r m; do
  [ -n "$m" ] || continue
  peer=$(echo "$m" | first_url peerURLs)
  [ "$peer" != https://10.0.0.2:2380 ] || continue
  name=$(echo "$m" | field name)
  healthy "$(echo "$m" | first_url clientURLs)" || {
    echo "[check-etcd] member ${name:-(not started)} at $peer is not healthy: cp-2 does not join an unhealthy etcd cluster" >&2
    exit 1
  }
done
echo "[check-etcd] every etcd member is healthy"
