set -e
token=$(cat)
node=node-2
endpoint=https://10.213.0.11:6443
deadline=$(( $(date +%s) + 300 ))
# An anonymous HTTPS GET of cluster-info (as kubeadm's discovery does); extra arguments go to openssl s_client.
get_cluster_info() {
  printf 'GET /api/v1/namespaces/kube-public/configmaps/cluster-info HTTP/1.0\r\nHost: 10.213.0.11:6443\r\n\r\n' \
    | openssl s_client -connect 10.213.0.11:6443 -quiet "$@" 2>/dev/null | sed '1,/^\r$/d'
}
fail() { echo "[join] $node: $1" >&2; [ -z "${2:-}" ] || journalctl -u kubelet --no-pager -n 15 >&2; exit 1; }
late() { [ "$(date +%s)" -ge "$deadline" ]; }
if [ ! -s /etc/kubernetes/kubelet.conf ]; then
  # discovery: read cluster-info anonymously and pin its CA by the hash before trusting anything in it
  ca=$(mktemp); trap 'rm -f "$ca"' EXIT
  until info=$(get_cluster_info) && echo "$info" | grep -q "certificate-authority-data"; do
    late && fail "no cluster-info at $endpoint after 300s"
    sleep 3
  done
  ca_data=$(echo "$info" | grep -o 'certificate-authority-data: [A-Za-z0-9+/=]*' | head -n1 | cut -d' ' -f2)
  server=$(echo "$info" | grep -o 'server: https://[^\\" ]*' | head -n1 | cut -d' ' -f2)
  echo "$ca_data" | base64 -d > "$ca"
  hash=sha256:$(openssl x509 -pubkey -noout -in "$ca" | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)
  [ "$hash" = sha256:abababababababababababababababababababababababababababababababab ] || fail "the cluster CA at $endpoint has hash $hash, expected sha256:abababababababababababababababababababababababababababababababab: not joining"
  # The server must prove it holds a certificate of the pinned CA before anything is trusted.
  get_cluster_info -CAfile "$ca" -verify_return_error | grep -q "certificate-authority-data" \
    || fail "$endpoint does not present a certificate of the pinned CA"
  # The bootstrap signer signs cluster-info for every valid token within seconds of its creation.
  signed=$(( $(date +%s) + 60 ))
  until get_cluster_info -CAfile "$ca" | grep -q "jws-kubeconfig-${token%%.*}"; do
    [ "$(date +%s)" -lt "$signed" ] || fail "bootstrap token ${token%%.*} is not valid any more (it expired or was \
deleted after an earlier failed run); mint a new one with: pulumi up --replace 'urn:x'"
    sleep 2
  done
  umask 077
  printf '%s\n' 'apiVersion: v1' 'clusters:' '- cluster:' "    certificate-authority-data: $ca_data" \
    "    server: $server" '  name: kubernetes' 'contexts:' '- context:' '    cluster: kubernetes' \
    '    user: tls-bootstrap-token-user' '  name: tls-bootstrap-token-user@kubernetes' \
    'current-context: tls-bootstrap-token-user@kubernetes' 'kind: Config' 'users:' \
    '- name: tls-bootstrap-token-user' '  user:' "    token: $token" > /etc/kubernetes/bootstrap-kubelet.conf.tmp
  mv -f /etc/kubernetes/bootstrap-kubelet.conf.tmp /etc/kubernetes/bootstrap-kubelet.conf
  echo "[join] discovery: cluster CA pinned ($hash), /etc/kubernetes/bootstrap-kubelet.conf written"
fi
systemctl daemon-reload && systemctl enable kubelet >/dev/null 2>&1 && systemctl restart kubelet
until [ -s /etc/kubernetes/kubelet.conf ] && kubectl --kubeconfig=/etc/kubernetes/kubelet.conf --request-timeout=5s get node "$node" >/dev/null 2>&1; do
  late && fail "the Node did not register within 300s (TLS bootstrap)" logs
  sleep 2
done
rm -f /etc/kubernetes/bootstrap-kubelet.conf
echo "[kubelet-start] $node: TLS bootstrap done, Node registered"
