"""Stack configuration, parsed once into frozen dataclasses and validated once. May import components.constants
only; everything else imports this.

Every problem is reported with the path of the field that causes it (`workers[2].address: not an IP address`),
all problems at once, before any resource is registered, so a bad config never touches a host.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from components import constants
from components.config.endpoint import Endpoint, parse_endpoint
from components.config.hosts import (
    NODE_NAME,
    ROLE_CONTROL_PLANE,
    ROLE_WORKER,
    TAINT_EFFECTS,
    Host,
    Ssh,
    Taint,
    check_unique,
    parse_hosts,
    parse_ssh,
)
from components.config.sections import (
    Component,
    Networking,
    Problems,
    parse_component,
    parse_disabled,
    parse_networking,
)

# Keys a stack may set under `kubeadm:`; anything else is a typo and is reported as such.
KNOWN_KEYS = (
    "clusterName",
    "kubernetesVersion",
    "controlPlaneEndpoint",
    "imageRepository",
    "networking",
    "apiServer",
    "controllerManager",
    "scheduler",
    "etcd",
    "kubeletConfiguration",
    "dns",
    "proxy",
    "uploadCerts",
    "workerRollout",
    "ssh",
    "controlPlanes",
    "workers",
    "ignorePreflightErrors",
)

_VERSION = re.compile(r"^v1\.(\d+)\.(\d+)$")


class ConfigError(ValueError):
    """The stack configuration is invalid; `problems` holds one `field.path: message` line each."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        lines = "\n".join(f"  {p}" for p in self.problems)
        super().__init__(f"invalid stack configuration (namespace {constants.CONFIG_NAMESPACE}):\n{lines}")


@dataclass(frozen=True, kw_only=True)
class ClusterConfig:
    """Everything the program reads from the stack."""

    cluster_name: str
    kubernetes_version: str
    # ClusterConfiguration.controlPlaneEndpoint, when the stack sets one (a load balancer or DNS name).
    control_plane_endpoint: Endpoint | None
    image_repository: str
    networking: Networking
    api_server: Component
    controller_manager: Component
    scheduler: Component
    etcd: Component
    # Merged into every node's KubeletConfiguration (kubeadm's `--config` KubeletConfiguration document).
    kubelet_configuration: Mapping[str, Any] = field(default_factory=dict)
    # ClusterConfiguration.dns.disabled / proxy.disabled: skip the CoreDNS / kube-proxy addon.
    dns_disabled: bool = False
    proxy_disabled: bool = False
    # kubeadm's --upload-certs: the kubeadm-certs Secret for joining control planes by hand.
    upload_certs: bool = False
    # How many workers a rolling change (kubelet reconfiguration, later upgrades) may take out of service at once.
    max_unavailable_workers: int = 1
    control_planes: tuple[Host, ...]
    workers: tuple[Host, ...]
    ignore_preflight_errors: frozenset[str]
    # Valid but questionable choices, for the operator to see (an even number of control planes).
    warnings: tuple[str, ...] = ()

    @property
    def hosts(self) -> tuple[Host, ...]:
        return self.control_planes + self.workers

    @property
    def api_endpoint(self) -> Endpoint:
        """Where clients reach the API: the control-plane endpoint, else the first control plane's API server."""
        return self.control_plane_endpoint or Endpoint.of_address(self.control_planes[0].address)


def parse(raw: Mapping[str, Any]) -> ClusterConfig:
    """Turn the `kubeadm:*` stack config (key without namespace -> decoded value) into a ClusterConfig."""
    problems = Problems()
    for key in sorted(set(raw) - set(KNOWN_KEYS)):
        problems.add(key, f"unknown key (known: {', '.join(KNOWN_KEYS)})")

    cluster_name = raw.get("clusterName", constants.DEFAULT_CLUSTER_NAME)
    if not isinstance(cluster_name, str) or not NODE_NAME.match(cluster_name):
        problems.add("clusterName", f"must be a lower-case DNS label, got {cluster_name!r}")

    version = raw.get("kubernetesVersion", constants.DEFAULT_KUBERNETES_VERSION)
    if not isinstance(version, str) or not _VERSION.match(version):
        problems.add("kubernetesVersion", f"must look like v1.37.2, got {version!r}")
    endpoint_text = raw.get("controlPlaneEndpoint")
    endpoint = parse_endpoint(endpoint_text) if endpoint_text is not None else None
    if endpoint_text is not None and endpoint is None:
        problems.add("controlPlaneEndpoint", f"must be host or host:port (a DNS name or an IP), got {endpoint_text!r}")
    repository = raw.get("imageRepository", constants.DEFAULT_IMAGE_REPOSITORY)
    if not isinstance(repository, str) or not repository or " " in repository:
        problems.add("imageRepository", f"must be an image repository like registry.k8s.io, got {repository!r}")
    networking = parse_networking(raw.get("networking", {}), problems)
    components = {
        key: parse_component(raw.get(key, {}), key, allowed, problems)
        for key, allowed in (
            ("apiServer", {"extraArgs", "extraVolumes", "certSANs"}),
            ("controllerManager", {"extraArgs", "extraVolumes"}),
            ("scheduler", {"extraArgs", "extraVolumes"}),
            ("etcd", {"extraArgs", "serverCertSANs", "peerCertSANs"}),
        )
    }
    kubelet_configuration = raw.get("kubeletConfiguration", {})
    if not isinstance(kubelet_configuration, Mapping):
        problems.add("kubeletConfiguration", "must be a map of KubeletConfiguration fields")
        kubelet_configuration = {}
    disabled = {key: parse_disabled(raw.get(key, {}), key, problems) for key in ("dns", "proxy")}
    upload_certs = raw.get("uploadCerts", False)
    if not isinstance(upload_certs, bool):
        problems.add("uploadCerts", f"must be true or false, got {upload_certs!r}")
    max_unavailable = _parse_rollout(raw.get("workerRollout", {}), problems)
    default_ssh = parse_ssh(raw.get("ssh", {}), "ssh", None, problems)
    control_planes = parse_hosts(raw.get("controlPlanes"), "controlPlanes", ROLE_CONTROL_PLANE, default_ssh, problems)
    workers = parse_hosts(raw.get("workers", []), "workers", ROLE_WORKER, default_ssh, problems, node_marks=True)
    if raw.get("controlPlanes") is not None and not control_planes and not problems.lines:
        problems.add("controlPlanes", "at least one control-plane host is required")
    warnings = []
    if len(control_planes) > 1 and endpoint is None:
        problems.add(
            "controlPlaneEndpoint",
            f"is required with {len(control_planes)} control planes: a load balancer or DNS name in front of them all",
        )
    if len(control_planes) > 1 and len(control_planes) % 2 == 0:
        warnings.append(
            f"controlPlanes: {len(control_planes)} control planes tolerate no more failures than "
            f"{len(control_planes) - 1}; an odd number (3, 5) is what etcd's quorum rewards"
        )
    check_unique(control_planes + workers, problems)

    ignored = raw.get("ignorePreflightErrors", [])
    if not isinstance(ignored, list) or not all(isinstance(i, str) for i in ignored):
        problems.add("ignorePreflightErrors", "must be a list of preflight check names")
        ignored = []

    if problems.lines:
        raise ConfigError(problems.lines)
    return ClusterConfig(
        cluster_name=cluster_name,
        kubernetes_version=version,
        control_plane_endpoint=endpoint,
        image_repository=repository,
        networking=networking,
        api_server=components["apiServer"],
        controller_manager=components["controllerManager"],
        scheduler=components["scheduler"],
        etcd=components["etcd"],
        kubelet_configuration=dict(kubelet_configuration),
        dns_disabled=disabled["dns"],
        proxy_disabled=disabled["proxy"],
        upload_certs=upload_certs is True,
        max_unavailable_workers=max_unavailable,
        control_planes=tuple(host for _, host in control_planes),
        workers=tuple(host for _, host in workers),
        ignore_preflight_errors=frozenset(i.lower() for i in ignored),
        warnings=tuple(warnings),
    )


def _parse_rollout(value: Any, problems: Problems) -> int:
    """workerRollout: {maxUnavailable: N}, N >= 1 (default 1)."""
    if not isinstance(value, Mapping):
        problems.add("workerRollout", "must be a map with maxUnavailable")
        return 1
    for key in sorted(set(value) - {"maxUnavailable"}):
        problems.add(f"workerRollout.{key}", "unknown key (known: maxUnavailable)")
    count = value.get("maxUnavailable", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        problems.add("workerRollout.maxUnavailable", f"must be a whole number of workers, 1 or more, got {count!r}")
        return 1
    return count


__all__ = [
    "ROLE_CONTROL_PLANE",
    "ROLE_WORKER",
    "TAINT_EFFECTS",
    "ClusterConfig",
    "Component",
    "ConfigError",
    "Endpoint",
    "Host",
    "Networking",
    "Ssh",
    "Taint",
    "parse",
]
