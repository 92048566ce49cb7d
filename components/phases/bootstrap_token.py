"""bootstrap-token: what joining nodes need from the cluster, without a standing token.

INPUTS   the stack config, the cluster CA certificate, the first control plane's connection, the previous phase.
OUTPUTS  in the cluster: the RBAC for TLS bootstrap, CSR approval and certificate rotation, and the cluster-info
         ConfigMap in kube-public. No token: each join mints its own right before it runs and deletes it after
         (NodeJoin).
"""

from __future__ import annotations

import pulumi

from components.config import ClusterConfig
from components.phases.cluster_apply import ClusterApply, ClusterApplyArgs
from components.remote import HostConnection
from components.render import cluster_objects as objects
from components.render.k8s_objects import render_objects


def bootstrap_token(
    config: ClusterConfig,
    ca_cert_pem: pulumi.Output[str],
    conn: HostConnection,
    after: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> pulumi.Output[str]:
    manifest = ca_cert_pem.apply(lambda ca: bootstrap_objects(config, ca))
    args = ClusterApplyArgs(connection=conn, phase="bootstrap-token", manifest=manifest, after=after)
    return ClusterApply("bootstrap-token", args, opts).applied


def bootstrap_objects(config: ClusterConfig, ca_cert_pem: str) -> str:
    """The RBAC for TLS bootstrap, CSR approval and rotation, and the cluster-info ConfigMap."""
    return render_objects([*objects.bootstrap_token_rbac(config), *objects.cluster_info_objects(config, ca_cert_pem)])
