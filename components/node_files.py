"""The files the control-plane, etcd and kubelet-start phases put on a host. Pure: config values in, files out.

Keys, certificates and kubeconfigs come from ClusterPki and Kubeconfigs; these are the rendered ones.
"""

from __future__ import annotations

from components import constants as c
from components.config import ROLE_CONTROL_PLANE, ClusterConfig, Host
from components.kubelet_config import render_instance_config, render_kubeadm_flags_env, render_kubelet_config
from components.remote import HostFile
from components.static_pod_specs import STATIC_PODS
from components.static_pods import manifest_path, render_manifest


def static_pod_files(config: ClusterConfig, host: Host) -> list[HostFile]:
    """etcd and control-plane phases: the four static pod manifests of a control-plane host (0600, as kubeadm)."""
    if host.role != ROLE_CONTROL_PLANE:
        return []
    return [
        HostFile(manifest_path(spec), render_manifest(spec, config, host), c.PRIVATE_FILE_MODE) for spec in STATIC_PODS
    ]


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
