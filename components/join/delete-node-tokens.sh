#!/bin/bash
# Every bootstrap token minted for a node's joins (by their label), when its token step goes: a join that never
# finished leaves none behind. An API server that no longer answers leaves them to expire.
: "${admin_conf:?}" "${namespace:?}" "${node:?}" "${label:?}" "${ttl_minutes:?}"
# shellcheck source=../remote/kubectl.sh
. ../remote/kubectl.sh
k -n "$namespace" delete secret -l "$label" --ignore-not-found >/dev/null || {
  echo "[join] API server unreachable: bootstrap tokens of $node are left to expire (at most $ttl_minutes minutes)" >&2
  exit 0
}
echo "[join] bootstrap tokens of $node deleted"
