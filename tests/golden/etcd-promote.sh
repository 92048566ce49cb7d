tls="--cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/healthcheck-client.crt --key /etc/kubernetes/pki/etcd/healthcheck-client.key"
etcd() { body=${2:-}; [ -n "$body" ] || body='{}'; curl -sS --max-time 10 $tls -X POST "https://127.0.0.1:2379/v3/$1" -d "$body"; }
members() { etcd cluster/member/list | tr -d ' \n' | sed -e 's/.*"members":\[//' -e 's/\]}[^]]*$//' -e 's/},{/}\n{/g'; echo; }
field() { sed -n "s/.*\"$1\":\"\([^\"]*\)\".*/\1/p"; }
first_url() { sed -n "s/.*\"$1\":\[\"\([^\"]*\)\".*/\1/p"; }
healthy() { [ -n "$1" ] && curl -sS --max-time 5 $tls "$1/health" 2>/dev/null | grep -q '"health":"true"'; }

peer=https://10.0.0.2:2380
deadline=$(( $(date +%s) + 300 ))
while :; do
  m=$(members | grep "\"peerURLs\":\[\"$peer\"") || { echo "[control-plane-join] cp-2 is not an etcd member" >&2; exit 1; }
  echo "$m" | grep -q '"isLearner":true' || break
  answer=$(etcd cluster/member/promote "{\"ID\":\"$(echo "$m" | field ID)\"}" 2>&1) || true
  # Success lists the members; a learner that has not caught up yet gets an error (`code` and `message`).
  echo "$answer" | grep -q '"members"' && break
  [ "$(date +%s)" -lt "$deadline" ] || { echo "[control-plane-join] etcd on cp-2 did not catch up within 300s: $answer" >&2; exit 1; }
  sleep 2
done
echo "[control-plane-join] etcd: cp-2 is a voting member"
