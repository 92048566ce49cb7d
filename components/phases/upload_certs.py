"""upload-certs: the kubeadm-certs Secret, so an operator can still join a control plane by hand with
`kubeadm join --control-plane --certificate-key <key>`.

INPUTS   the first control plane's PKI files (the shared CA, front-proxy CA, etcd CA and sa key pair are taken, PEM,
         secret), its connection, and the phase before it.
OUTPUTS  `certificate_key` (secret, 64 hex characters). In the cluster: Secret kube-system/kubeadm-certs with each
         file encrypted under that key (EncryptedCerts), owned by a bootstrap token that expires after two hours
         (so the Secret goes with it, as with kubeadm), and the kubeadm:kubeadm-certs Role/RoleBinding for
         bootstrappers. A rerun re-encrypts nothing. `pulumi up --replace` on the step uploads again.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pulumi

from components import constants as c
from components import remote
from components.pki.encrypted_certs import EncryptedCerts
from components.pki.kubeconfig_specs import ADMIN_CONF
from components.remote import HostConnection, HostFile
from components.remote.shell import script
from components.render.k8s_objects import render_objects, role, role_binding, subject

SECRET_NAME = "kubeadm-certs"
RBAC_NAME = "kubeadm:kubeadm-certs"
OWNER_PLACEHOLDER_NAME = "__OWNER_TOKEN_SECRET__"
OWNER_PLACEHOLDER_UID = "__OWNER_TOKEN_UID__"
# The files kubeadm-certs carries, by their data keys (the path under the PKI directory, `/` as `-`).
UPLOADED = (
    "ca.crt",
    "ca.key",
    "front-proxy-ca.crt",
    "front-proxy-ca.key",
    "sa.key",
    "sa.pub",
    "etcd-ca.crt",
    "etcd-ca.key",
)


def upload_certs(
    pki_files: Sequence[HostFile], conn: HostConnection, after: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
    """The step's id (for the next phase) and the certificate key."""
    files = {f.path.removeprefix(f"{c.PKI_DIR}/").replace("/", "-"): f.content for f in pki_files}
    encrypted = EncryptedCerts("upload-certs-encrypted", {name: files[name] for name in UPLOADED}, opts)
    admin = ADMIN_CONF
    step = remote.step(
        "upload-certs",
        conn=conn,
        create=upload_script(admin),
        delete=delete_script(admin),
        stdin=encrypted.data.apply(kubeadm_certs_objects),
        triggers=[after],
        opts=opts,
    )
    return step.id, encrypted.certificate_key


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
    return script(
        __file__,
        "upload-certs.sh",
        admin_conf=admin_kubeconfig,
        namespace=c.KUBE_SYSTEM_NAMESPACE,
        token_prefix=c.BOOTSTRAP_TOKEN_SECRET_PREFIX,
        token_type=c.BOOTSTRAP_TOKEN_SECRET_TYPE,
        field_manager=c.FIELD_MANAGER,
        owner_name=OWNER_PLACEHOLDER_NAME,
        owner_uid=OWNER_PLACEHOLDER_UID,
    )


def delete_script(admin_kubeconfig: str) -> str:
    return script(
        __file__,
        "upload-certs-delete.sh",
        admin_conf=admin_kubeconfig,
        namespace=c.KUBE_SYSTEM_NAMESPACE,
        secret_name=SECRET_NAME,
    )
