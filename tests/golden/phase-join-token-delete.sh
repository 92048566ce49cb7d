token=$(cat)
k() { kubectl --kubeconfig=/etc/kubernetes/admin.conf --request-timeout=20s "$@"; }
[ -n "$token" ] || exit 0
k -n kube-system delete secret "bootstrap-token-${token%%.*}" --ignore-not-found >/dev/null \
  || { echo "[join] could not delete bootstrap token ${token%%.*}; it stays valid until it expires (at most 60 minutes)" >&2; exit 1; }
echo "[join] bootstrap token ${token%%.*} deleted"
