"""The kubelet's files on every node, rendered as kubeadm writes them, and the systemd unit + drop-in the packages
ship. Pure: no Pulumi, no I/O.

INPUTS: ClusterConfig (networking), the node's CRI endpoint, lab-specific KubeletConfiguration settings.
OUTPUTS (text): /var/lib/kubelet/config.yaml, /var/lib/kubelet/instance-config.yaml,
/var/lib/kubelet/kubeadm-flags.env, kubelet.service and its 10-kubeadm.conf drop-in.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any

from components import constants as c
from components.config import ClusterConfig, Host
from components.pki.cert_specs import CA, cert_path
from components.pki.kubeconfig_specs import BOOTSTRAP_KUBELET_CONF, KUBELET_CONF
from components.render.release_images import image, minor
from components.render.static_pod_flags import merge_flags
from components.render.static_pods import kube_yaml

# Non-pointer durations and structs of KubeletConfiguration v1beta1 that Go's encoder writes even when zero.
_ZERO_DURATIONS = (
    "cpuManagerReconcilePeriod",
    "evictionPressureTransitionPeriod",
    "fileCheckFrequency",
    "httpCheckFrequency",
    "imageMaximumGCAge",
    "imageMinimumGCAge",
    "nodeStatusReportFrequency",
    "nodeStatusUpdateFrequency",
    "runtimeRequestTimeout",
    "shutdownGracePeriod",
    "shutdownGracePeriodCriticalPods",
    "streamingConnectionIdleTimeout",
    "syncFrequency",
    "volumeStatsAggPeriod",
)

# The last minor whose kubeadm writes --pod-infra-container-image (the kubelet flag is gone in 1.35).
_LAST_POD_INFRA_FLAG_MINOR = 34


def kubelet_configuration(
    config: ClusterConfig,
    *,
    container_runtime_endpoint: str = "",
    extra_config: Mapping[str, Any] | None = None,
    resolv_conf: str | None = None,
) -> dict[str, Any]:
    """The KubeletConfiguration object kubeadm builds, with `extra_config` deep-merged over it.

    `resolv_conf`: kubeadm sets /run/systemd/resolve/resolv.conf only when systemd-resolved runs on the node.
    `extra_config`: settings a user would put in a KubeletConfiguration document (the lab: failCgroupV1: false).
    """
    logging_options = {"infoBufferSize": "0"}
    obj: dict[str, Any] = {
        "apiVersion": "kubelet.config.k8s.io/v1beta1",
        "kind": "KubeletConfiguration",
        "authentication": {
            "anonymous": {"enabled": False},
            "webhook": {"cacheTTL": "0s", "enabled": True},
            "x509": {"clientCAFile": cert_path(CA)},
        },
        "authorization": {
            "mode": "Webhook",
            "webhook": {"cacheAuthorizedTTL": "0s", "cacheUnauthorizedTTL": "0s"},
        },
        "cgroupDriver": "systemd",
        "clusterDNS": [config.networking.dns_ip],
        "clusterDomain": config.networking.dns_domain,
        "containerRuntimeEndpoint": container_runtime_endpoint,
        "crashLoopBackOff": {},
        "healthzBindAddress": c.KUBELET_HEALTHZ_BIND_ADDRESS,
        "healthzPort": c.KUBELET_HEALTHZ_PORT,
        "logging": {
            "flushFrequency": 0,
            "options": {"json": dict(logging_options), "text": dict(logging_options)},
            "verbosity": 0,
        },
        "memorySwap": {},
        "rotateCertificates": True,
        "staticPodPath": c.MANIFESTS_DIR,
        **dict.fromkeys(_ZERO_DURATIONS, "0s"),
    }
    if resolv_conf:
        obj["resolvConf"] = resolv_conf
    merged = _deep_merge(obj, extra_config or {})
    merged["rotateCertificates"] = True  # kubeadm forces it, whatever the user wrote
    return merged


def _deep_merge(base: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def render_kubelet_configmap_data(
    config: ClusterConfig, *, extra_config: Mapping[str, Any] | None = None, resolv_conf: str | None = None
) -> str:
    """The `kubelet` key of the kubelet-config ConfigMap: the shared config, with an empty CRI endpoint."""
    return kube_yaml(kubelet_configuration(config, extra_config=extra_config, resolv_conf=resolv_conf))


def render_kubelet_config(
    config: ClusterConfig,
    host: Host,
    *,
    cri_socket: str = c.KUBEADM_CONTAINERD_ENDPOINT,
    extra_config: Mapping[str, Any] | None = None,
    resolv_conf: str | None = None,
) -> str:
    """/var/lib/kubelet/config.yaml on `host`: the shared config with the node's instance config applied."""
    del host  # the same on every node today; kept so per-node settings have a place to come from
    return kube_yaml(
        kubelet_configuration(
            config, container_runtime_endpoint=cri_socket, extra_config=extra_config, resolv_conf=resolv_conf
        )
    )


def render_instance_config(cri_socket: str = c.KUBEADM_CONTAINERD_ENDPOINT) -> str:
    """/var/lib/kubelet/instance-config.yaml (NodeLocalCRISocket): the node's CRI endpoint, Go-quoted."""
    escaped = cri_socket.replace("\\", "\\\\").replace('"', '\\"')
    return f'containerRuntimeEndpoint: "{escaped}"\n'


def kubeadm_flags(
    config: ClusterConfig,
    host: Host,
    *,
    hostname: str | None = None,
    kubelet_extra_args: tuple[tuple[str, str], ...] = (),
) -> list[tuple[str, str]]:
    """kubeadm's kubelet flags for `host`, merged with `kubelet_extra_args` as static pod flags are.

    `hostname`: the machine's host name; --hostname-override is written when the node name differs from it.
    --container-runtime-endpoint is not written: since 1.34 the endpoint lives in instance-config.yaml.
    """
    flags: list[tuple[str, str]] = []
    if minor(config.kubernetes_version) <= _LAST_POD_INFRA_FLAG_MINOR:
        flags.append(("pod-infra-container-image", image(config, c.PAUSE)))
    if hostname is not None and hostname.lower() != host.name:
        flags.append(("hostname-override", host.name))
    # A joining node registers with its taints already on, so nothing is scheduled before they apply.
    if host.taints:
        flags.append(("register-with-taints", ",".join(str(t) for t in host.taints)))
    return merge_flags(flags, kubelet_extra_args)


def render_kubeadm_flags_env(
    config: ClusterConfig,
    host: Host,
    *,
    hostname: str | None = None,
    kubelet_extra_args: tuple[tuple[str, str], ...] = (),
) -> str:
    """/var/lib/kubelet/kubeadm-flags.env. Pass ("node-ip", host.address) in `kubelet_extra_args` to pin the IP."""
    flags = kubeadm_flags(config, host, hostname=hostname, kubelet_extra_args=kubelet_extra_args)
    args = " ".join(f"--{name}={value}" for name, value in flags)
    return f"KUBELET_KUBEADM_ARGS={json.dumps(args)}\n"  # JSON quoting = Go's %q for printable text


def render_kubelet_unit(kubelet_binary: str = c.KUBELET_BINARY) -> str:
    """kubelet.service as the kubelet package installs it (/usr/lib/systemd/system/kubelet.service)."""
    return (
        "[Unit]\n"
        "Description=kubelet: The Kubernetes Node Agent\n"
        "Documentation=https://kubernetes.io/docs/\n"
        "Wants=network-online.target\n"
        "After=network-online.target\n"
        "\n"
        "[Service]\n"
        f"ExecStart={kubelet_binary}\n"
        "Restart=always\n"
        "StartLimitInterval=0\n"
        "RestartSec=10\n"
        "\n"
        "[Install]\n"
        "WantedBy=multi-user.target\n"
    )


def render_kubeadm_dropin(
    kubelet_binary: str = c.KUBELET_BINARY, extra_args_file: str = c.KUBELET_EXTRA_ARGS_FILE
) -> str:
    """10-kubeadm.conf as the kubeadm package installs it (directives in the package's order; our comments)."""
    kubeconfigs = f"--bootstrap-kubeconfig={BOOTSTRAP_KUBELET_CONF} --kubeconfig={KUBELET_CONF}"
    return (
        "# kubelet settings for a node managed by kubeadm.\n"
        "[Service]\n"
        f'Environment="KUBELET_KUBECONFIG_ARGS={kubeconfigs}"\n'
        f'Environment="KUBELET_CONFIG_ARGS=--config={c.KUBELET_DIR}/{c.KUBELET_CONFIG_FILE}"\n'
        "# Written by kubeadm init/join: sets KUBELET_KUBEADM_ARGS.\n"
        f"EnvironmentFile=-{c.KUBELET_DIR}/{c.KUBELET_FLAGS_ENV_FILE}\n"
        "# Left to the administrator: may set KUBELET_EXTRA_ARGS, applied last.\n"
        f"EnvironmentFile=-{extra_args_file}\n"
        "ExecStart=\n"
        f"ExecStart={kubelet_binary} $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS "
        "$KUBELET_EXTRA_ARGS\n"
    )
