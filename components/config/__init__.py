"""Stack configuration, parsed once into frozen dataclasses and validated once. May import components.constants
only; everything else imports this.

Every problem is reported with the path of the field that causes it (`workers[2].address: not an IP address`),
all problems at once, before any resource is registered, so a bad config never touches a host.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from components import constants
from components.config import kubelet, source
from components.config.certificates import CertificateLifetimes, parse_lifetimes
from components.config.cni import Cni, parse_cni
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
from components.config.packages import Packages, parse_packages
from components.config.problems import Problems, kind
from components.config.sections import (
    Component,
    Networking,
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
    "cni",
    "certificateValidityPeriod",
    "caCertificateValidityPeriod",
    "certificateRenewBefore",
    "packages",
)

_VERSION = re.compile(r"^v1\.(\d+)\.(\d+)$")
# An image repository: a registry host (with a port) and path components, as a container image reference has them.
_REPOSITORY = re.compile(r"^[a-z0-9]([a-z0-9.-]*[a-z0-9])?(:[0-9]+)?(/[a-z0-9]([a-z0-9._-]*[a-z0-9])?)*$")
# A preflight check's name, as kubeadm prints it (FileExisting-crictl, Port-6443, DirAvailable--etc-kubernetes-...).
_CHECK_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


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
    # The pod network applied after the addons (`kubeadm:cni`; none by default, as with kubeadm).
    cni: Cni = field(default_factory=Cni)
    # Where kubelet, kubeadm and kubectl come from (`kubeadm:packages`), or that the hosts carry them already.
    packages: Packages = field(default_factory=Packages)
    # Certificate validity and when a plain `pulumi up` renews (certificateValidityPeriod and friends).
    certificates: CertificateLifetimes = field(default_factory=CertificateLifetimes)
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


def load(env: Mapping[str, str], project: str, stack_file: Path | None = None) -> ClusterConfig:
    """The stack's config from the engine's `namespace:key` -> text (source.settings), parsed and validated; every
    problem of it in one ConfigError. `stack_file` is read only to explain a config with no kubeadm: key at all."""
    problems = Problems()
    raw, reported = source.settings(env, project, problems)
    if not raw and not reported and stack_file is not None:
        reason = source.stack_file_problem(stack_file)
        if reason:
            raise ConfigError([*problems.lines, reason])
    return _parse(raw, problems, reported)


def parse(raw: Mapping[str, Any]) -> ClusterConfig:
    """Turn the `kubeadm:*` stack config (key without namespace -> decoded value) into a ClusterConfig."""
    return _parse(raw, Problems(), set())


def _parse(raw: Mapping[str, Any], problems: Problems, reported: set[str]) -> ClusterConfig:
    problems.unknown_keys(raw, "", KNOWN_KEYS)

    cluster_name = raw.get("clusterName", constants.DEFAULT_CLUSTER_NAME)
    if not isinstance(cluster_name, str) or not NODE_NAME.match(cluster_name):
        problems.add("clusterName", "must be a lower-case DNS label", cluster_name)

    version = raw.get("kubernetesVersion", constants.DEFAULT_KUBERNETES_VERSION)
    matched = _VERSION.match(version) if isinstance(version, str) else None
    if matched is None:
        problems.add("kubernetesVersion", "must be a release like v1.37.2", version)
    elif int(matched.group(1)) not in constants.SUPPORTED_MINORS:
        known = ", ".join(f"1.{m}" for m in constants.SUPPORTED_MINORS)
        problems.add("kubernetesVersion", f"is not a release kubeadm-pulumi supports (supported: {known})", version)
    endpoint_text = raw.get("controlPlaneEndpoint")
    endpoint = parse_endpoint(endpoint_text) if endpoint_text is not None else None
    if endpoint_text is not None and endpoint is None:
        problems.add("controlPlaneEndpoint", "must be host or host:port, a DNS name or an IP address", endpoint_text)
    repository = raw.get("imageRepository", constants.DEFAULT_IMAGE_REPOSITORY)
    if not isinstance(repository, str) or "://" in repository or not _REPOSITORY.match(repository):
        problems.add("imageRepository", "must be an image repository like registry.k8s.io (no scheme)", repository)
    components = {
        key: parse_component(raw.get(key, {}), key, allowed, problems)
        for key, allowed in (
            ("apiServer", {"extraArgs", "extraVolumes", "certSANs"}),
            ("controllerManager", {"extraArgs", "extraVolumes"}),
            ("scheduler", {"extraArgs", "extraVolumes"}),
            ("etcd", {"extraArgs", "serverCertSANs", "peerCertSANs"}),
        )
    }
    node_masks = dict(components["controllerManager"].extra_args)
    networking = parse_networking(raw.get("networking", {}), problems, node_masks)
    kubelet_configuration = raw.get("kubeletConfiguration", {})
    kubelet.check(kubelet_configuration, "kubeletConfiguration", problems)
    if not isinstance(kubelet_configuration, Mapping):
        kubelet_configuration = {}
    disabled = {key: parse_disabled(raw.get(key, {}), key, problems) for key in ("dns", "proxy")}
    upload_certs = raw.get("uploadCerts", False)
    if not isinstance(upload_certs, bool):
        problems.add("uploadCerts", "must be true or false", upload_certs)
    max_unavailable = _parse_rollout(raw.get("workerRollout", {}), problems)
    cni = parse_cni(raw.get("cni"), problems, Path.cwd())
    packages = parse_packages(raw.get("packages"), problems, Path.cwd())
    certificates = parse_lifetimes(raw, problems)
    checked: dict[Path, str | None] = {}
    default_ssh = parse_ssh(raw.get("ssh", {}), "ssh", None, problems, checked)
    control_planes = parse_hosts(
        raw.get("controlPlanes"), "controlPlanes", ROLE_CONTROL_PLANE, default_ssh, problems, checked=checked
    )
    workers = parse_hosts(
        raw.get("workers", []), "workers", ROLE_WORKER, default_ssh, problems, node_marks=True, checked=checked
    )
    if "controlPlanes" in reported:
        problems.lines = [line for line in problems.lines if not line.startswith("controlPlanes: is required")]
    elif raw.get("controlPlanes") is not None and not control_planes and not problems.lines:
        problems.add("controlPlanes", "at least one control-plane host is required")
    warnings = []
    if len(control_planes) > 1 and endpoint is None and endpoint_text is None:
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
    ignored = _parse_ignored(raw.get("ignorePreflightErrors", []), problems)

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
        cni=cni,
        packages=packages,
        certificates=certificates,
        max_unavailable_workers=max_unavailable,
        control_planes=tuple(host for _, host in control_planes),
        workers=tuple(host for _, host in workers),
        ignore_preflight_errors=ignored,
        warnings=tuple(warnings),
    )


def _parse_ignored(value: Any, problems: Problems) -> frozenset[str]:
    """ignorePreflightErrors: check names, or `all` alone (kubeadm refuses `all` beside named checks)."""
    if not isinstance(value, list):
        problems.add("ignorePreflightErrors", f"must be a list of preflight check names, not {kind(value)}", value)
        return frozenset()
    names = []
    for i, item in enumerate(value):
        if not isinstance(item, str) or not _CHECK_NAME.match(item):
            problems.add(f"ignorePreflightErrors[{i}]", "must be a preflight check's name, or all", item)
        else:
            names.append(item.lower())
    if "all" in names and len(set(names)) > 1:
        problems.add("ignorePreflightErrors", "lists `all` beside named checks: give `all` alone, or only names", value)
    return frozenset(names)


def _parse_rollout(value: Any, problems: Problems) -> int:
    """workerRollout: {maxUnavailable: N}, N >= 1 (default 1)."""
    if not isinstance(value, Mapping):
        problems.add("workerRollout", f"must be a map with maxUnavailable, not {kind(value)}", value)
        return 1
    problems.unknown_keys(value, "workerRollout", ("maxUnavailable",))
    count = value.get("maxUnavailable", 1)
    if not isinstance(count, int) or isinstance(count, bool) or count < 1:
        problems.add("workerRollout.maxUnavailable", "must be a whole number of workers, 1 or more", count)
        return 1
    return count


__all__ = [
    "ROLE_CONTROL_PLANE",
    "ROLE_WORKER",
    "TAINT_EFFECTS",
    "CertificateLifetimes",
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
