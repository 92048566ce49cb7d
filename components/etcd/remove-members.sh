#!/bin/bash
# Control planes that left the config: each is drained, its etcd member removed through the first control plane
# (unhealthy members first), and its Node deleted. A removal that would leave etcd without a healthy quorum is
# refused before anything is removed. wanted: the peer URLs of the members that stay, space-separated.
# kubectl asks api_server, the first control plane's own API server, not the endpoint: behind the endpoint, the API
# server of a member just removed still accepts connections but can no longer answer.
: "${wanted:?}" "${drain_timeout:?}"
set -e
# shellcheck source=gateway.sh
. gateway.sh
# shellcheck source=../remote/kubectl.sh
. ../remote/kubectl.sh
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
# shellcheck disable=SC2086 # words without spaces
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
