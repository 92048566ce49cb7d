set -e
k() { kubectl --kubeconfig=/etc/kubernetes/admin.conf "$@"; }
id=$(tr -dc a-z0-9 </dev/urandom | head -c 6); secret=$(tr -dc a-z0-9 </dev/urandom | head -c 16)
expiration=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)
k -n kube-system create secret generic "bootstrap-token-$id" \
  --type=bootstrap.kubernetes.io/token \
  --from-literal=token-id="$id" --from-literal=token-secret="$secret" --from-literal=expiration="$expiration" \
  --from-literal=description='Proxy for managing TTL for the kubeadm-certs secret' >/dev/null
uid=$(k -n kube-system get secret "bootstrap-token-$id" -o jsonpath='{.metadata.uid}')
sed -e "s/__OWNER_TOKEN_SECRET__/bootstrap-token-$id/" -e "s/__OWNER_TOKEN_UID__/$uid/" \
  | k apply --server-side --force-conflicts --field-manager=kubeadm-pulumi -f - >/dev/null
echo "[upload-certs] kubeadm-certs uploaded; it expires with its owner token at $expiration"
