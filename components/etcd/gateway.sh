# shellcheck shell=bash
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
