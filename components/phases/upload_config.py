"""upload-config: kubeadm's ClusterConfiguration and KubeletConfiguration as ConfigMaps, so `kubeadm` itself can read
the cluster.

INPUTS   the stack config, the first control plane's connection, and the wait-control-plane phase.
OUTPUTS  in the cluster: the kubeadm:cluster-admins ClusterRoleBinding (made with super-admin.conf, as kubeadm makes
         it), then ConfigMaps kube-system/kubeadm-config and kube-system/kubelet-config with their RBAC. Returns the
         applied step's id for the next phase.
"""

from __future__ import annotations

import pulumi

from components import constants as c
from components.config import ClusterConfig
from components.phases.cluster_apply import ClusterApply, ClusterApplyArgs
from components.pki.kubeconfig_specs import SUPER_ADMIN_CONF
from components.remote import HostConnection
from components.render import cluster_objects as objects
from components.render.k8s_objects import render_objects


def upload_config(
    config: ClusterConfig, conn: HostConnection, after: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> pulumi.Output[str]:
    args = ClusterApplyArgs(
        connection=conn,
        phase="upload-config",
        manifest=upload_config_objects(config),
        after=after,
        kubeconfig=SUPER_ADMIN_CONF,
    )
    return ClusterApply("upload-config", args, opts).applied


def upload_config_objects(config: ClusterConfig) -> str:
    """The admins' binding first (kubeadm makes it with super-admin.conf), then kubeadm-config and kubelet-config."""
    admins = [o for o in objects.bootstrap_token_rbac(config) if o["metadata"]["name"] == c.CLUSTER_ADMINS_GROUP]
    kubelet = objects.kubelet_config_objects(config, extra_config=config.kubelet_configuration or None)
    return render_objects(admins + objects.kubeadm_config_objects(config) + kubelet)
