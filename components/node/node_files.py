"""The files the control-plane, etcd and kubelet-start phases put on a host. Pure: config values in, files out.

Keys, certificates and kubeconfigs come from ClusterPki and Kubeconfigs; these are the rendered ones.
"""

from __future__ import annotations

import pulumi

from components import constants as c
from components.config import ROLE_CONTROL_PLANE, ClusterConfig, Host
from components.remote import HostFile
from components.render.kubelet_config import render_instance_config, render_kubeadm_flags_env, render_kubelet_config
from components.render.static_pod_specs import STATIC_PODS
from components.render.static_pods import manifest_path, render_manifest


def static_pod_files(config: ClusterConfig, host: Host, *, etcd: bool = True) -> list[HostFile]:
    """etcd and control-plane phases: the static pod manifests of a control-plane host (0600, as kubeadm).

    `etcd=False` leaves out etcd's: a joining control plane gets it only once its member is added (etcd_file)."""
    if host.role != ROLE_CONTROL_PLANE:
        return []
    return [
        HostFile(manifest_path(spec), render_manifest(spec, config, host), c.PRIVATE_FILE_MODE)
        for spec in STATIC_PODS
        if etcd or spec.name != c.ETCD
    ]


def etcd_file(config: ClusterConfig, host: Host, initial_cluster: pulumi.Input[str]) -> HostFile:
    """control-plane-join etcd: the etcd manifest of a joining member, with the --initial-cluster etcd reported."""
    spec = next(s for s in STATIC_PODS if s.name == c.ETCD)
    text = pulumi.Output.from_input(initial_cluster).apply(
        lambda members: render_manifest(spec, config, host, etcd_initial_cluster=members)
    )
    return HostFile(manifest_path(spec), text, c.PRIVATE_FILE_MODE)


def kubelet_files(config: ClusterConfig, host: Host) -> list[HostFile]:
    """kubelet-start phase: the kubelet's configuration, its kubeadm flags and its instance config (0644)."""
    rendered = {
        c.KUBELET_CONFIG_FILE: render_kubelet_config(config, host, extra_config=config.kubelet_configuration),
        # The node's address pins the kubelet to the interface the cluster reaches it on.
        c.KUBELET_FLAGS_ENV_FILE: render_kubeadm_flags_env(
            config, host, kubelet_extra_args=(("node-ip", host.address),)
        ),
        c.KUBELET_INSTANCE_CONFIG_FILE: render_instance_config(),
    }
    return [HostFile(f"{c.KUBELET_DIR}/{name}", text, c.PUBLIC_FILE_MODE) for name, text in rendered.items()]
