set -e
tls="--cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/healthcheck-client.crt --key /etc/kubernetes/pki/etcd/healthcheck-client.key"
etcd() { body=${2:-}; [ -n "$body" ] || body='{}'; curl -sS --max-time 10 $tls -X POST "https://127.0.0.1:2379/v3/$1" -d "$body"; }
members() { etcd cluster/member/list | tr -d ' \n' | sed -e 's/.*"members":\[//' -e 's/\]}[^]]*$//' -e 's/},{/}\n{/g'; echo; }
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
first_url() { sed -n "s/.*\"$1\":\[\"\([^\"]*\)\".*/\1/p"; }
healthy() { [ -n "$1" ] && curl -sS --max-time 5 $tls "$1/health" 2>/dev/null | grep -q '"health":"true"'; }

peer=https://10.0.0.2:2380
if ! members | grep -q "\"peerURLs\":\[\"$peer\""; then
  etcd cluster/member/add "{\"peerURLs\":[\"$peer\"],\"isLearner\":true}" | grep -q '"member"' \
    || { echo "[control-plane-join] etcd refused to add cp-2 at $peer" >&2; exit 1; }
fi
members | while read -r m; do
  [ -n "$m" ] || continue
  p=$(echo "$m" | first_url peerURLs); n=$(echo "$m" | field name)
  [ "$p" = "$peer" ] && n=cp-2
  printf '%s=%s\n' "$n" "$p"
done | sort | paste -sd, -
