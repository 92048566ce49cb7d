wanted='https://10.0.0.1:2380 https://10.0.0.2:2380'
drain_timeout=120
etcd_ca=/etc/kubernetes/pki/etcd/ca.crt
etcd_cert=/etc/kubernetes/pki/etcd/healthcheck-client.crt
etcd_key=/etc/kubernetes/pki/etcd/healthcheck-client.key
etcd_client_port=2379
admin_conf=/etc/kubernetes/admin.conf
api_server=https://10.0.0.1:6443
# Control planes that left the config: each is drained, its etcd member removed through the first control plane
# (unhealthy members first), and its Node deleted. A removal that would leave etcd without a healthy quorum is
# refused before anything is removed. wanted: the peer URLs of the members that stay, space-separated.
# kubectl asks api_server, the first control plane's own API server, not the endpoint: behind the endpoint, the API
# server of a member just removed still accepts connections but can no longer answer.
: "${wanted:?}" "${drain_timeout:?}"
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
# Shared by every script that talks to the cluster: kubectl as the cluster's admin, and draining a node.
# Parameters (every script that includes this one gets them too): admin_conf, and api_server: empty for the
# kubeconfig's own server, else the API server to ask instead.
: "${admin_conf:?}" "${api_server?}"
k() { kubectl --kubeconfig="$admin_conf" ${api_server:+"--server=$api_server"} --request-timeout=20s "$@"; }
# drain NODE SECONDS: cordon the node, then evict its pods (DaemonSets' stay) within SECONDS.
drain() {
  k cordon "$1" >/dev/null &&
    k drain "$1" --ignore-daemonsets --delete-emptydir-data --force --timeout="${2}s" >/dev/null
}
list=$(members)
[ -n "$list" ] || { echo "[etcd] the etcd cluster does not answer on the first control plane" >&2; exit 1; }
total=0
up=0
gone=""
while read -r m; do
  [ -n "$m" ] || continue
  total=$((total + 1))
  peer=$(echo "$m" | first_url peerURLs)
  ok=0
  if healthy "$(echo "$m" | first_url clientURLs)"; then ok=1; up=$((up + 1)); fi
  case " $wanted " in *" $peer "*) ;; *) gone="$gone $ok:$(echo "$m" | field ID):$(echo "$m" | field name)" ;; esac
done <<END
$list
END
# Unhealthy members go first: they do not count towards the quorum anyway.
gone=$(printf '%s\n' $gone | sort | tr '\n' ' ')
n=$total
h=$up
for entry in $gone; do
  ok=${entry%%:*}
  name=${entry##*:}
  n=$((n - 1))
  h=$((h - ok))
  if [ "$n" -gt 0 ] && [ "$h" -lt $((n / 2 + 1)) ]; then
    echo "[etcd] removing ${name:-a member} would leave $h of $n etcd members healthy, below quorum: nothing removed" >&2
    exit 1
  fi
done
for entry in $gone; do
  ok=${entry%%:*}
  rest=${entry#*:}
  id=${rest%%:*}
  name=${rest#*:}
  if [ -n "$name" ] && [ -n "$(k get node "$name" -o name --ignore-not-found)" ]; then
    k cordon "$name" >/dev/null
    if [ "$ok" = 1 ]; then
      drain "$name" "$drain_timeout" || {
        echo "[etcd] $name: drain did not finish within ${drain_timeout}s; its member and Node stay (cordoned): rerun, or stop it to remove it undrained" >&2
        exit 1
      }
    fi
  fi
  etcd cluster/member/remove "{\"ID\":\"$id\"}" | grep -q '"members"' ||
    { echo "[etcd] could not remove member $name ($id)" >&2; exit 1; }
  echo "[etcd] member ${name:-$id} removed"
  [ -z "$name" ] || k delete node "$name" --ignore-not-found --wait=false >/dev/null
  [ -z "$name" ] || echo "[remove] Node $name deleted"
done
echo "[etcd] members: $(members | field name | paste -sd' ' -)"
