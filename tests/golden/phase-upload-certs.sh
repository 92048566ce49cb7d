admin_conf=/etc/kubernetes/admin.conf
namespace=kube-system
token_prefix=bootstrap-token-
token_type=bootstrap.kubernetes.io/token
field_manager=kubeadm-pulumi
owner_name=__OWNER_TOKEN_SECRET__
owner_uid=__OWNER_TOKEN_UID__
# upload-certs: a 2-hour owner token, then the kubeadm-certs Secret (on stdin) applied owned by it, so the Secret goes
# with the token, as kubeadm's does.
: "${admin_conf:?}" "${namespace:?}" "${token_prefix:?}" "${token_type:?}" "${field_manager:?}"
: "${owner_name:?}" "${owner_uid:?}"
set -e
k() { kubectl --kubeconfig="$admin_conf" "$@"; }
id=$(tr -dc a-z0-9 </dev/urandom | head -c 6)
secret=$(tr -dc a-z0-9 </dev/urandom | head -c 16)
expiration=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)
k -n "$namespace" create secret generic "$token_prefix$id" --type="$token_type" \
  --from-literal=token-id="$id" --from-literal=token-secret="$secret" --from-literal=expiration="$expiration" \
  --from-literal=description='Proxy for managing TTL for the kubeadm-certs secret' >/dev/null
uid=$(k -n "$namespace" get secret "$token_prefix$id" -o jsonpath='{.metadata.uid}')
sed -e "s/$owner_name/$token_prefix$id/" -e "s/$owner_uid/$uid/" |
  k apply --server-side --force-conflicts --field-manager="$field_manager" -f - >/dev/null
echo "[upload-certs] kubeadm-certs uploaded; it expires with its owner token at $expiration"
