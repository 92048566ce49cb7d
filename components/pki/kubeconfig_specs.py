"""The kubeconfig files kubeadm init writes under /etc/kubernetes, as a table, and their text. Pure: no Pulumi.

A kubeconfig names one cluster, one user (the client certificate's CN) and the context `<user>@<cluster>`, and
embeds the CA and the client's certificate and key. The text matches client-go's writer: keys sorted at every
level, sequences not indented under their key, and no `preferences` (client-go of 1.34 and later).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import yaml

from components import constants
from components.config.certificates import DEFAULT_LIFETIMES, CertificateLifetimes
from components.config.endpoint import Endpoint
from components.pki.crypto import CertFields, hours

# Stands for "the node's name" in the kubelet's client name.
NODE_NAME = "<node name>"

# Where a file's `server:` points: the control-plane endpoint (or the node when there is none), or the node.
ENDPOINT = "endpoint"
LOCAL = "local"


@dataclass(frozen=True, kw_only=True)
class KubeconfigSpec:
    """One kubeconfig file and the client certificate embedded in it."""

    file: str  # under KUBERNETES_DIR
    client_name: str  # the cert CN and the user name; NODE_NAME for the kubelet
    organizations: tuple[str, ...] = ()
    server: str = LOCAL  # ENDPOINT or LOCAL
    per_node: bool = True  # one per control-plane node; else one for the cluster
    first_node_only: bool = False  # written on the first control-plane node only (kubeadm init, not join)

    @property
    def slug(self) -> str:
        """The name as it appears in resource names: `controller-manager.conf` -> `controller-manager`."""
        return self.file.removesuffix(".conf")

    @property
    def path(self) -> str:
        return f"{constants.KUBERNETES_DIR}/{self.file}"

    def user(self, node_name: str) -> str:
        return self.client_name.replace(NODE_NAME, node_name)

    def fields(self, node_name: str, lifetimes: CertificateLifetimes = DEFAULT_LIFETIMES) -> CertFields:
        """The client certificate: ClientAuth, signed by the cluster CA, starting when the CA does."""
        return CertFields(
            validity_hours=hours(lifetimes.validity_seconds),
            common_name=self.user(node_name),
            organizations=self.organizations,
            usages=("client",),
            not_before_from_ca=True,
        )


KUBECONFIGS: tuple[KubeconfigSpec, ...] = (
    KubeconfigSpec(
        file=constants.ADMIN_KUBECONFIG,
        client_name=constants.ADMIN_USER,
        organizations=(constants.CLUSTER_ADMINS_GROUP,),
        server=ENDPOINT,
        per_node=False,
    ),
    KubeconfigSpec(
        file=constants.SUPER_ADMIN_KUBECONFIG,
        client_name=constants.SUPER_ADMIN_USER,
        organizations=(constants.SYSTEM_MASTERS_GROUP,),
        server=ENDPOINT,
        per_node=False,
        first_node_only=True,
    ),
    # Local mode (the default from 1.33, the only mode from 1.36): the kubelet talks to its own API server.
    KubeconfigSpec(
        file=constants.KUBELET_KUBECONFIG,
        client_name=f"{constants.NODE_USER_PREFIX}{NODE_NAME}",
        organizations=(constants.NODES_GROUP,),
    ),
    KubeconfigSpec(file=constants.CONTROLLER_MANAGER_KUBECONFIG, client_name=constants.CONTROLLER_MANAGER_USER),
    KubeconfigSpec(file=constants.SCHEDULER_KUBECONFIG, client_name=constants.SCHEDULER_USER),
)


BY_FILE = {spec.file: spec for spec in KUBECONFIGS}
# The files' paths, from the table: scripts and flags name no path of their own.
ADMIN_CONF = BY_FILE[constants.ADMIN_KUBECONFIG].path
SUPER_ADMIN_CONF = BY_FILE[constants.SUPER_ADMIN_KUBECONFIG].path
KUBELET_CONF = BY_FILE[constants.KUBELET_KUBECONFIG].path
CONTROLLER_MANAGER_CONF = BY_FILE[constants.CONTROLLER_MANAGER_KUBECONFIG].path
SCHEDULER_CONF = BY_FILE[constants.SCHEDULER_KUBECONFIG].path
# Not in the table: join's discovery writes it for the kubelet's TLS bootstrap, which then removes it.
BOOTSTRAP_KUBELET_CONF = f"{constants.KUBERNETES_DIR}/{constants.BOOTSTRAP_KUBELET_KUBECONFIG}"


def server_url(spec: KubeconfigSpec, *, advertise_address: str, control_plane_endpoint: Endpoint | None) -> str:
    """The control-plane endpoint for ENDPOINT rows when there is one, else the node's own API server."""
    if spec.server == ENDPOINT and control_plane_endpoint:
        return control_plane_endpoint.url
    return Endpoint.of_address(advertise_address).url


@dataclass(frozen=True, kw_only=True)
class KubeconfigValues:
    """Everything one kubeconfig file holds."""

    cluster_name: str
    server: str
    user: str
    ca_cert_pem: str
    client_cert_pem: str
    client_key_pem: str


def _b64(pem: str) -> str:
    return base64.b64encode(pem.encode()).decode()


def render(values: KubeconfigValues) -> str:
    """The kubeconfig text."""
    context = f"{values.user}@{values.cluster_name}"
    document = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [
            {
                "name": values.cluster_name,
                "cluster": {"certificate-authority-data": _b64(values.ca_cert_pem), "server": values.server},
            }
        ],
        "contexts": [{"name": context, "context": {"cluster": values.cluster_name, "user": values.user}}],
        "current-context": context,
        "users": [
            {
                "name": values.user,
                "user": {
                    "client-certificate-data": _b64(values.client_cert_pem),
                    "client-key-data": _b64(values.client_key_pem),
                },
            }
        ],
    }
    return yaml.safe_dump(document, sort_keys=True, default_flow_style=False, width=1 << 30)
