set -e
k() { kubectl --kubeconfig=/etc/kubernetes/admin.conf --request-timeout=20s "$@"; }
k -n kube-system delete secret -l kubeadm-pulumi.io/join-node=node-2 --ignore-not-found >/dev/null
pick() { tr -dc 0123456789abcdefghijklmnopqrstuvwxyz </dev/urandom | head -c "$1"; }
id=$(pick 6); secret=$(pick 16)
expiration=$(date -u -d '+60 minutes' +%Y-%m-%dT%H:%M:%SZ)
k create -f - >/dev/null <<EOF
"apiVersion": "v1"
"kind": "Secret"
"metadata":
  "name": "bootstrap-token-$id"
  "namespace": "kube-system"
  "labels":
    "kubeadm-pulumi.io/join-node": "node-2"
"type": "bootstrap.kubernetes.io/token"
"stringData":
  "token-id": "$id"
  "token-secret": "$secret"
  "description": "kubeadm-pulumi: the join of one node, deleted once it is done"
  "expiration": "$expiration"
  "usage-bootstrap-authentication": "true"
  "usage-bootstrap-signing": "true"
  "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token"
EOF
printf '%s.%s' "$id" "$secret"
