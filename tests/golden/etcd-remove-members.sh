set -e
tls="--cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/healthcheck-client.crt --key /etc/kubernetes/pki/etcd/healthcheck-client.key"
etcd() { body=${2:-}; [ -n "$body" ] || body='{}'; curl -sS --max-time 10 $tls -X POST "https://127.0.0.1:2379/v3/$1" -d "$body"; }
members() { etcd cluster/member/list | tr -d ' \n' | sed -e 's/.*"members":\[//' -e 's/\]}[^]]*$//' -e 's/},{/}\n{/g'; echo; }
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
first_url() { sed -n "s/.*\"$1\":\[\"\([^\"]*\)\".*/\1/p"; }
healthy() { [ -n "$1" ] && curl -sS --max-time 5 $tls "$1/health" 2>/dev/null | grep -q '"health":"true"'; }

k() { kubectl --kubeconfig=/etc/kubernetes/admin.conf --server=https://10.0.0.1:6443 --request-timeout=20s "$@"; }
list=$(members)
[ -n "$list" ] || { echo "[etcd] the etcd cluster does not answer on the first control plane" >&2; exit 1; }
total=0; up=0; gone=""
while read -r m; do
  [ -n "$m" ] || continue
  total=$((total + 1))
  peer=$(echo "$m" | first_url peerURLs); ok=0
  if healthy "$(echo "$m" | first_url clientURLs)"; then ok=1; up=$((up + 1)); fi
  case " https://10.0.0.1:2380 https://10.0.0.2:2380 " in *" $peer "*) ;; *) gone="$gone $ok:$(echo "$m" | field ID):$(echo "$m" | field name)" ;; esac
done <<EOF
$list
EOF
# Unhealthy members go first: they do not count towards the quorum anyway.
gone=$(printf '%s\n' $gone | sort | tr '\n' ' ')
n=$total; h=$up
for entry in $gone; do
  ok=${entry%%:*}; name=${entry##*:}
  n=$((n - 1)); h=$((h - ok))
  if [ "$n" -gt 0 ] && [ "$h" -lt $((n / 2 + 1)) ]; then
    echo "[etcd] removing ${name:-a member} would leave $h of $n etcd members healthy, below quorum: nothing removed" >&2
    exit 1
  fi
done
for entry in $gone; do
  ok=${entry%%:*}; rest=${entry#*:}; id=${rest%%:*}; name=${rest#*:}
  if [ -n "$name" ] && [ -n "$(k get node "$name" -o name --ignore-not-found)" ]; then
    k cordon "$name" >/dev/null
    if [ "$ok" = 1 ]; then
      k drain "$name" --ignore-daemonsets --delete-emptydir-data --force --timeout=120s >/dev/null \
        || { echo "[etcd] $name: drain did not finish within 120s; its member and Node stay (cordoned): rerun, or stop it to remove it undrained" >&2; exit 1; }
    fi
  fi
  etcd cluster/member/remove "{\"ID\":\"$id\"}" | grep -q '"members"' || { echo "[etcd] could not remove member $name ($id)" >&2; exit 1; }
  echo "[etcd] member ${name:-$id} removed"
  [ -z "$name" ] || k delete node "$name" --ignore-not-found --wait=false >/dev/null
  [ -z "$name" ] || echo "[remove] Node $name deleted"
done
echo "[etcd] members: $(members | field name | paste -sd' ' -)"
