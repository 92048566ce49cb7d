#!/bin/bash
# kubeadm token delete of the token on stdin, once its join is done. A token that cannot be deleted fails the step
# (which runs again on the next `pulumi up`): no valid token is left behind without saying so.
: "${admin_conf:?}" "${namespace:?}" "${token_prefix:?}" "${ttl_minutes:?}"
token=$(cat)
# shellcheck source=../remote/kubectl.sh
. ../remote/kubectl.sh
[ -n "$token" ] || exit 0
k -n "$namespace" delete secret "$token_prefix${token%%.*}" --ignore-not-found >/dev/null || {
  echo "[join] could not delete bootstrap token ${token%%.*}; it stays valid until it expires (at most $ttl_minutes minutes)" >&2
  exit 1
}
echo "[join] bootstrap token ${token%%.*} deleted"
