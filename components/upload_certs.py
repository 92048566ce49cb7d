"""upload-certs: the kubeadm-certs Secret, so an operator can still join a control plane by hand with
`kubeadm join --control-plane --certificate-key <key>`.

INPUTS   the shared CA, front-proxy CA, etcd CA and sa key pair (PEM, secret), the first control plane's connection.
OUTPUTS  `certificate_key` (secret, 64 hex characters). In the cluster: Secret kube-system/kubeadm-certs with each
         file encrypted by AES-256-GCM under that key (nonce | ciphertext | tag, as kubeadm stores it), owned by a
         bootstrap token that expires after two hours (so the Secret goes with it, as with kubeadm), and the
         kubeadm:kubeadm-certs Role/RoleBinding for bootstrappers. The encryption is done once, in a dynamic
         resource kept in state: a rerun re-encrypts nothing. `pulumi up --replace` on the step uploads again.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider

from components import constants as c
from components.k8s_objects import render_objects, role, role_binding, subject

SECRET_NAME = "kubeadm-certs"
RBAC_NAME = "kubeadm:kubeadm-certs"
OWNER_PLACEHOLDER_NAME = "__OWNER_TOKEN_SECRET__"
OWNER_PLACEHOLDER_UID = "__OWNER_TOKEN_UID__"


class EncryptedCertsProvider(ResourceProvider):
    """Inputs: files {data key: PEM}. Outputs: files, certificate_key (hex), data {data key: base64 ciphertext}."""

    def diff(self, _id: str, olds: Any, news: Any) -> DiffResult:
        changed = olds.get("files") != news.get("files")
        return DiffResult(changes=changed, replaces=["files"] if changed else [], delete_before_replace=False)

    def create(self, props: Any) -> CreateResult:
        import base64
        import os

        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key = os.urandom(32)
        aead = AESGCM(key)
        data = {}
        for name, pem in sorted(props["files"].items()):
            nonce = os.urandom(12)
            data[name] = base64.b64encode(nonce + aead.encrypt(nonce, pem.encode(), None)).decode()
        outs = {"files": props["files"], "certificate_key": key.hex(), "data": data}
        return CreateResult(key.hex()[:16], outs)


class EncryptedCerts(Resource, module="pki", name="EncryptedCerts"):
    certificate_key: pulumi.Output[str]
    data: pulumi.Output[dict[str, str]]

    def __init__(self, name: str, files: Mapping[str, pulumi.Input[str]], opts: pulumi.ResourceOptions | None = None):
        secret = pulumi.ResourceOptions(additional_secret_outputs=["certificate_key", "data", "files"])
        props = {"files": pulumi.Output.secret(dict(files)), "certificate_key": None, "data": None}
        super().__init__(EncryptedCertsProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret))


def kubeadm_certs_objects(data: Mapping[str, str]) -> str:
    """The Secret (its owner filled in on the host) and the RBAC that lets a joining control plane read it."""
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": SECRET_NAME,
            "namespace": c.KUBE_SYSTEM_NAMESPACE,
            "ownerReferences": [
                {
                    "apiVersion": "v1",
                    "kind": "Secret",
                    "name": OWNER_PLACEHOLDER_NAME,
                    "uid": OWNER_PLACEHOLDER_UID,
                    "controller": True,
                }
            ],
        },
        "type": "Opaque",
        "data": dict(sorted(data.items())),
    }
    bootstrappers = [subject("Group", c.BOOTSTRAP_TOKEN_GROUP)]
    rule = {"apiGroups": [""], "resources": ["secrets"], "resourceNames": [SECRET_NAME], "verbs": ["get"]}
    return render_objects(
        [
            secret,
            role(RBAC_NAME, c.KUBE_SYSTEM_NAMESPACE, [rule]),
            role_binding(RBAC_NAME, c.KUBE_SYSTEM_NAMESPACE, RBAC_NAME, bootstrappers),
        ]
    )


def upload_script(admin_kubeconfig: str) -> str:
    """Create the 2-hour owner token, then apply the Secret (stdin) owned by it."""
    return f"""\
set -e
k() {{ kubectl --kubeconfig={admin_kubeconfig} "$@"; }}
id=$(tr -dc a-z0-9 </dev/urandom | head -c 6); secret=$(tr -dc a-z0-9 </dev/urandom | head -c 16)
expiration=$(date -u -d '+2 hours' +%Y-%m-%dT%H:%M:%SZ)
k -n {c.KUBE_SYSTEM_NAMESPACE} create secret generic "{c.BOOTSTRAP_TOKEN_SECRET_PREFIX}$id" \\
  --type={c.BOOTSTRAP_TOKEN_SECRET_TYPE} \\
  --from-literal=token-id="$id" --from-literal=token-secret="$secret" --from-literal=expiration="$expiration" \\
  --from-literal=description='Proxy for managing TTL for the kubeadm-certs secret' >/dev/null
uid=$(k -n {c.KUBE_SYSTEM_NAMESPACE} get secret "{c.BOOTSTRAP_TOKEN_SECRET_PREFIX}$id" -o jsonpath='{{.metadata.uid}}')
sed -e "s/{OWNER_PLACEHOLDER_NAME}/{c.BOOTSTRAP_TOKEN_SECRET_PREFIX}$id/" -e "s/{OWNER_PLACEHOLDER_UID}/$uid/" \\
  | k apply --server-side --force-conflicts --field-manager={c.FIELD_MANAGER} -f - >/dev/null
echo "[upload-certs] kubeadm-certs uploaded; it expires with its owner token at $expiration"
"""


def delete_script(admin_kubeconfig: str) -> str:
    return (
        f"kubectl --kubeconfig={admin_kubeconfig} -n {c.KUBE_SYSTEM_NAMESPACE} delete secret {SECRET_NAME} "
        "--ignore-not-found >/dev/null 2>&1 || true\n"
    )
