"""cni: the pod network, once the control plane is up (kubeadm leaves this step to the operator).

INPUTS   the stack config (`kubeadm:cni` and the pod subnet), the first control plane's connection, and what must
         exist first (the addons, else kubelet-finalize).
OUTPUTS  in the cluster: the built-in flannel's objects or the operator's manifest with the pod subnet filled in,
         applied server-side; re-applied in place when it changes, deleted when `cni` goes back to none. No phase
         at all with `cni: none`.
"""

from __future__ import annotations

import pulumi

from components.config import ClusterConfig
from components.phases.cluster_apply import ClusterApply, ClusterApplyArgs
from components.remote import HostConnection
from components.render.flannel_objects import flannel_objects
from components.render.k8s_objects import render_objects


def cni(
    config: ClusterConfig, conn: HostConnection, after: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> pulumi.Output[str] | None:
    manifest = cni_manifest(config)
    if not manifest:
        return None
    return ClusterApply(
        "cni", ClusterApplyArgs(connection=conn, phase="cni", manifest=manifest, after=after), opts
    ).applied


def cni_manifest(config: ClusterConfig) -> str:
    if config.cni.plugin == "flannel":
        return render_objects(flannel_objects(config))
    if config.cni.plugin == "manifest":
        return config.cni.manifest(config.networking.pod_subnet)
    return ""
