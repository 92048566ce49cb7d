"""The ClusterConfiguration-like sections of the stack config (networking, components, addons), parsed and
validated with field-path messages. `config.parse` is the entry point; this module holds the section parsers.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components import constants

DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


class Problems:
    """Collects `path: message` lines while parsing."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, path: str, message: str) -> None:
        self.lines.append(f"{path}: {message}")


@dataclass(frozen=True, kw_only=True)
class Networking:
    """ClusterConfiguration.networking; the API server's service IP and the DNS IP derive from the subnet."""

    service_subnet: str
    pod_subnet: str
    dns_domain: str

    @property
    def service_ip(self) -> str:
        """The first address of the service subnet (kubeadm's GetAPIServerVirtualIP)."""
        return str(ipaddress.ip_network(self.service_subnet)[1])

    @property
    def dns_ip(self) -> str:
        """The tenth address of the service subnet (kubeadm's GetDNSIP)."""
        return str(ipaddress.ip_network(self.service_subnet)[10])


@dataclass(frozen=True, kw_only=True)
class ExtraVolume:
    """A hostPath volume added to a control-plane static pod (kubeadm's HostPathMount)."""

    name: str
    host_path: str
    mount_path: str
    read_only: bool = False
    path_type: str = ""


@dataclass(frozen=True, kw_only=True)
class Component:
    """Per-component settings: extra command-line flags (override kubeadm's defaults, in the order given) and
    extra SANs."""

    extra_args: tuple[tuple[str, str], ...] = ()
    extra_volumes: tuple[ExtraVolume, ...] = ()
    cert_sans: tuple[str, ...] = ()
    peer_cert_sans: tuple[str, ...] = ()


def parse_networking(value: Any, problems: Problems) -> Networking:
    defaults = Networking(
        service_subnet=constants.DEFAULT_SERVICE_SUBNET,
        pod_subnet=constants.DEFAULT_POD_SUBNET,
        dns_domain=constants.DEFAULT_DNS_DOMAIN,
    )
    if not isinstance(value, Mapping):
        problems.add("networking", "must be a map with serviceSubnet, podSubnet, dnsDomain")
        return defaults
    for key in sorted(set(value) - {"serviceSubnet", "podSubnet", "dnsDomain"}):
        problems.add(f"networking.{key}", "unknown key (known: serviceSubnet, podSubnet, dnsDomain)")
    subnets = {}
    for key, default in (("serviceSubnet", defaults.service_subnet), ("podSubnet", defaults.pod_subnet)):
        text = value.get(key, default)
        try:
            subnets[key] = ipaddress.ip_network(str(text))
        except ValueError:
            problems.add(f"networking.{key}", f"not a CIDR subnet: {text!r}")
    service, pod = subnets.get("serviceSubnet"), subnets.get("podSubnet")
    if service is not None and pod is not None and service.version == pod.version and service.overlaps(pod):
        problems.add("networking.podSubnet", f"{pod} overlaps networking.serviceSubnet {service}")
    if service is not None and service.num_addresses < 16:
        problems.add("networking.serviceSubnet", f"{service} is too small (it needs the DNS IP, its 10th address)")
    domain = value.get("dnsDomain", defaults.dns_domain)
    if not isinstance(domain, str) or not DNS_SUBDOMAIN.match(domain):
        problems.add("networking.dnsDomain", f"must be a DNS domain like cluster.local, got {domain!r}")
    return Networking(
        service_subnet=str(service or defaults.service_subnet),
        pod_subnet=str(pod or defaults.pod_subnet),
        dns_domain=domain if isinstance(domain, str) else defaults.dns_domain,
    )


def parse_component(value: Any, path: str, allowed: set[str], problems: Problems) -> Component:
    if not isinstance(value, Mapping):
        problems.add(path, f"must be a map with {', '.join(sorted(allowed))}")
        return Component()
    for key in sorted(set(value) - allowed):
        problems.add(f"{path}.{key}", f"unknown key (known: {', '.join(sorted(allowed))})")
    extra = value.get("extraArgs", {})
    if not isinstance(extra, Mapping) or not all(isinstance(k, str) and k and not k.startswith("-") for k in extra):
        problems.add(f"{path}.extraArgs", "must map flag names (without leading dashes) to values")
        extra = {}
    sans: dict[str, tuple[str, ...]] = {}
    for key in ("certSANs", "serverCertSANs", "peerCertSANs"):
        items = value.get(key, [])
        if not isinstance(items, list) or not all(isinstance(i, str) and i for i in items):
            problems.add(f"{path}.{key}", "must be a list of DNS names or IP addresses")
            items = []
        sans[key] = tuple(items)
    volumes = []
    for i, item in enumerate(value.get("extraVolumes", [])):
        where = f"{path}.extraVolumes[{i}]"
        known = {"name", "hostPath", "mountPath", "readOnly", "pathType"}
        if not isinstance(item, Mapping) or not {"name", "hostPath", "mountPath"} <= set(item) or set(item) - known:
            problems.add(where, "must have name, hostPath, mountPath (and optionally readOnly, pathType)")
            continue
        if not str(item["hostPath"]).startswith("/") or not str(item["mountPath"]).startswith("/"):
            problems.add(where, "hostPath and mountPath must be absolute paths")
            continue
        volumes.append(
            ExtraVolume(
                name=str(item["name"]),
                host_path=str(item["hostPath"]),
                mount_path=str(item["mountPath"]),
                read_only=bool(item.get("readOnly", False)),
                path_type=str(item.get("pathType", "")),
            )
        )
    return Component(
        extra_volumes=tuple(volumes),
        # kubeadm appends user flags after its sorted defaults in the order given, so keep that order.
        extra_args=tuple((k, str(v)) for k, v in extra.items()),
        cert_sans=sans["certSANs"] or sans["serverCertSANs"],
        peer_cert_sans=sans["peerCertSANs"],
    )


def parse_disabled(value: Any, path: str, problems: Problems) -> bool:
    if (
        not isinstance(value, Mapping)
        or set(value) - {"disabled"}
        or not isinstance(value.get("disabled", False), bool)
    ):
        problems.add(path, "must be a map with one key, disabled: true or false")
        return False
    return bool(value.get("disabled", False))
