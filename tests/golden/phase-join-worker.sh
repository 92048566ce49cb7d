node=node-2
endpoint=10.213.0.11:6443
ca_cert_hash=sha256:abababababababababababababababababababababababababababababababab
token_urn=urn:x
timeout=300
kubelet_conf=/etc/kubernetes/kubelet.conf
bootstrap_conf=/etc/kubernetes/bootstrap-kubelet.conf
cluster_info=/api/v1/namespaces/kube-public/configmaps/cluster-info
# kubeadm join for a worker: token discovery pinned by the CA hash, bootstrap-kubelet.conf, then the kubelet's own
# TLS bootstrap; done when the Node is registered. The token (<id>.<secret>) comes on stdin. token_urn names the
# token step in the error for a token that is no longer valid (an earlier failed run).
: "${node:?}" "${endpoint:?}" "${ca_cert_hash:?}" "${token_urn:?}" "${timeout:?}" "${kubelet_conf:?}"
: "${bootstrap_conf:?}" "${cluster_info:?}"
set -e
token=$(cat)
phase="join"
# Shared by every script that waits: a deadline `timeout` seconds away, and failing with the phase and host named.
# Parameters (every script that includes this one gets them too): node, timeout; the script sets phase itself.
: "${node:?}" "${timeout:?}" "${phase:?}"
deadline=$(( $(date +%s) + timeout ))
late() { [ "$(date +%s)" -ge "$deadline" ]; }
fail() { echo "[$phase] $node: $*" >&2; exit 1; }
# An anonymous HTTPS GET of cluster-info (as kubeadm's discovery does); extra arguments go to openssl s_client.
get_cluster_info() {
  printf 'GET %s HTTP/1.0\r\nHost: %s\r\n\r\n' "$cluster_info" "$endpoint" |
    openssl s_client -connect "$endpoint" -quiet "$@" 2>/dev/null | sed '1,/^\r$/d'
}
kubelet_logs() { journalctl -u kubelet --no-pager -n 15 >&2; }
if [ ! -s "$kubelet_conf" ]; then
  # discovery: read cluster-info anonymously and pin its CA by the hash before trusting anything in it
  ca=$(mktemp)
  trap 'rm -f "$ca"' EXIT
  until info=$(get_cluster_info) && echo "$info" | grep -q "certificate-authority-data"; do
    late && fail "no cluster-info at https://$endpoint after ${timeout}s"
    sleep 3
  done
  ca_data=$(echo "$info" | grep -o 'certificate-authority-data: [A-Za-z0-9+/=]*' | head -n1 | cut -d' ' -f2)
  server=$(echo "$info" | grep -o 'server: https://[^\\" ]*' | head -n1 | cut -d' ' -f2)
  echo "$ca_data" | base64 -d >"$ca"
  hash=sha256:$(openssl x509 -pubkey -noout -in "$ca" | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)
  [ "$hash" = "$ca_cert_hash" ] ||
    fail "the cluster CA at https://$endpoint has hash $hash, expected $ca_cert_hash: not joining"
  # The server must prove it holds a certificate of the pinned CA before anything is trusted.
  get_cluster_info -CAfile "$ca" -verify_return_error | grep -q "certificate-authority-data" ||
    fail "https://$endpoint does not present a certificate of the pinned CA"
  umask 077
  printf '%s\n' 'apiVersion: v1' 'clusters:' '- cluster:' "    certificate-authority-data: $ca_data" \
    "    server: $server" '  name: kubernetes' 'contexts:' '- context:' '    cluster: kubernetes' \
    '    user: tls-bootstrap-token-user' '  name: tls-bootstrap-token-user@kubernetes' \
    'current-context: tls-bootstrap-token-user@kubernetes' 'kind: Config' 'users:' \
    '- name: tls-bootstrap-token-user' '  user:' "    token: $token" >"$bootstrap_conf.tmp"
  # No wait for the bootstrap signer's JWS of this token on cluster-info (seconds after the token is made): it
  # lets a joiner that trusts nothing yet tell the real cluster-info from a forged one, and the CA pinned above,
  # with the server proven to hold a certificate of that CA, already does. The token must still authenticate,
  # which the API server's token authenticator allows as soon as the token's Secret exists.
  valid=$(($(date +%s) + 60))
  until kubectl --kubeconfig="$bootstrap_conf.tmp" --request-timeout=5s get --raw /api >/dev/null 2>&1; do
    [ "$(date +%s)" -lt "$valid" ] || fail "bootstrap token ${token%%.*} is not valid any more (it expired or was" \
      "deleted after an earlier failed run); mint a new one with: pulumi up --replace '$token_urn'"
    sleep 1
  done
  mv -f "$bootstrap_conf.tmp" "$bootstrap_conf"
  echo "[join] discovery: cluster CA pinned ($hash), $bootstrap_conf written"
fi
systemctl daemon-reload && systemctl enable kubelet >/dev/null 2>&1 && systemctl restart kubelet
until [ -s "$kubelet_conf" ] && kubectl --kubeconfig="$kubelet_conf" --request-timeout=5s get node "$node" >/dev/null 2>&1; do
  late && { kubelet_logs; fail "the Node did not register within ${timeout}s (TLS bootstrap)"; }
  sleep 2
done
rm -f "$bootstrap_conf"
echo "[kubelet-start] $node: TLS bootstrap done, Node registered"
