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
from components.config.problems import Problems, kind

DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
# Dotted digits that are no IPv4 address (999.1.1.1) are no DNS name either.
NUMERIC = re.compile(r"^[0-9.]+$")


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


# kubeadm's limits: a service subnet of at most 20 host bits, a pod subnet of at least 14 addresses and no more than
# 16 bits wider than a node's pod range (kube-controller-manager's node-cidr-mask-size: /24 for IPv4, /64 for IPv6).
MAX_SERVICE_HOST_BITS = 20
MIN_POD_SUBNET_ADDRESSES = 14
MAX_POD_NODE_MASK_DIFFERENCE = 16
DEFAULT_NODE_MASK = {4: 24, 6: 64}
# A hostPath volume's type, as Kubernetes takes it ("" checks nothing).
PATH_TYPES = ("", "DirectoryOrCreate", "Directory", "FileOrCreate", "File", "Socket", "CharDevice", "BlockDevice")
_PATH_TYPES_TEXT = ", ".join(t or '""' for t in PATH_TYPES)


def parse_networking(value: Any, problems: Problems, node_mask_args: Mapping[str, str] | None = None) -> Networking:
    """networking: {serviceSubnet, podSubnet, dnsDomain}, with kubeadm's rules for their sizes and overlap;
    `node_mask_args`: controllerManager's extra args, which may set the per-node pod range."""
    defaults = Networking(
        service_subnet=constants.DEFAULT_SERVICE_SUBNET,
        pod_subnet=constants.DEFAULT_POD_SUBNET,
        dns_domain=constants.DEFAULT_DNS_DOMAIN,
    )
    if not isinstance(value, Mapping):
        problems.add("networking", f"must be a map with serviceSubnet, podSubnet, dnsDomain, not {kind(value)}", value)
        return defaults
    problems.unknown_keys(value, "networking", ("serviceSubnet", "podSubnet", "dnsDomain"))
    subnets: dict[str, ipaddress.IPv4Network | ipaddress.IPv6Network] = {}
    for key, default in (("serviceSubnet", defaults.service_subnet), ("podSubnet", defaults.pod_subnet)):
        text = value.get(key, default)
        try:
            if not isinstance(text, str):
                raise ValueError
            subnets[key] = ipaddress.ip_network(text)
        except ValueError:
            problems.add(f"networking.{key}", "must be a subnet in CIDR form like 10.96.0.0/12", text)
    service, pod = subnets.get("serviceSubnet"), subnets.get("podSubnet")
    if service is not None:
        host_bits = service.max_prefixlen - service.prefixlen
        if host_bits > MAX_SERVICE_HOST_BITS:
            longest = service.max_prefixlen - MAX_SERVICE_HOST_BITS
            problems.add("networking.serviceSubnet", f"is too large: kubeadm takes at most /{longest}", str(service))
        elif service.num_addresses < 16:
            problems.add(
                "networking.serviceSubnet", "is too small: it needs the DNS IP, its 10th address", str(service)
            )
    if pod is not None:
        _check_pod_subnet(pod, node_mask_args or {}, problems)
    if service is not None and pod is not None and service.version == pod.version and service.overlaps(pod):
        problems.add("networking.podSubnet", f"overlaps networking.serviceSubnet {service}", str(pod))
    domain = value.get("dnsDomain", defaults.dns_domain)
    if not isinstance(domain, str) or not DNS_SUBDOMAIN.match(domain):
        problems.add("networking.dnsDomain", "must be a DNS domain like cluster.local", domain)
    return Networking(
        service_subnet=str(service or defaults.service_subnet),
        pod_subnet=str(pod or defaults.pod_subnet),
        dns_domain=domain if isinstance(domain, str) else defaults.dns_domain,
    )


def _check_pod_subnet(
    pod: ipaddress.IPv4Network | ipaddress.IPv6Network, extra: Mapping[str, str], problems: Problems
) -> None:
    if pod.num_addresses < MIN_POD_SUBNET_ADDRESSES:
        problems.add("networking.podSubnet", f"is too small: at least {MIN_POD_SUBNET_ADDRESSES} addresses", str(pod))
        return
    family = "ipv4" if pod.version == 4 else "ipv6"
    text = extra.get(f"node-cidr-mask-size-{family}", extra.get("node-cidr-mask-size"))
    node_mask = int(text) if isinstance(text, str) and text.isdigit() else DEFAULT_NODE_MASK[pod.version]
    if pod.prefixlen > node_mask:
        problems.add(
            "networking.podSubnet",
            f"is smaller than one node's pod range (/{node_mask}, kube-controller-manager's node-cidr-mask-size)",
            str(pod),
        )
    elif node_mask - pod.prefixlen > MAX_POD_NODE_MASK_DIFFERENCE:
        problems.add(
            "networking.podSubnet",
            f"is more than {MAX_POD_NODE_MASK_DIFFERENCE} bits wider than one node's pod range (/{node_mask})",
            str(pod),
        )


def parse_extra_args(value: Any, path: str, problems: Problems) -> tuple[tuple[str, str], ...]:
    """extraArgs: flag names (no leading dashes) to string values, as kubeadm's strict decoding takes them."""
    if not isinstance(value, Mapping):
        problems.add(path, f"must map flag names to values, not {kind(value)}", value)
        return ()
    args = []
    for key, text in value.items():
        if not isinstance(key, str) or not key or key.startswith("-"):
            problems.add(f"{path}.{key}", "must be a flag name without leading dashes", key)
        elif not isinstance(text, str):
            hint = "; quote it" if isinstance(text, bool | int | float) else ""
            problems.add(f"{path}.{key}", f"must be a string, not {kind(value[key])}{hint}", text)
        else:
            args.append((key, text))
    return tuple(args)


def parse_sans(value: Any, path: str, problems: Problems) -> tuple[str, ...]:
    """certSANs: IP addresses or DNS names (a leading `*.` for a wildcard)."""
    if not isinstance(value, list):
        problems.add(path, f"must be a list of DNS names or IP addresses, not {kind(value)}", value)
        return ()
    for i, item in enumerate(value):
        if not isinstance(item, str) or not (_is_ip(item) or _is_dns_name(item.removeprefix("*."))):
            problems.add(f"{path}[{i}]", "must be an IP address or a DNS name", item)
    return tuple(item for item in value if isinstance(item, str))


def parse_volumes(value: Any, path: str, problems: Problems) -> tuple[ExtraVolume, ...]:
    if not isinstance(value, list):
        problems.add(path, f"must be a list of volumes, not {kind(value)}", value)
        return ()
    volumes = []
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            problems.add(where, f"must be a map with name, hostPath, mountPath, not {kind(item)}", item)
            continue
        problems.unknown_keys(item, where, ("name", "hostPath", "mountPath", "readOnly", "pathType"))
        fine = True
        for key in ("name", "hostPath", "mountPath"):
            text = item.get(key)
            if not isinstance(text, str) or not text:
                problems.add(f"{where}.{key}", "is required: a non-empty string", text)
                fine = False
            elif key != "name" and not text.startswith("/"):
                problems.add(f"{where}.{key}", "must be an absolute path", text)
                fine = False
        read_only = item.get("readOnly", False)
        if not isinstance(read_only, bool):
            problems.add(f"{where}.readOnly", f"must be true or false, not {kind(read_only)}", read_only)
            fine = False
        path_type = item.get("pathType", "")
        if path_type not in PATH_TYPES:
            problems.add(f"{where}.pathType", f"must be one of {_PATH_TYPES_TEXT}", path_type)
            fine = False
        if fine:
            volumes.append(
                ExtraVolume(
                    name=item["name"],
                    host_path=item["hostPath"],
                    mount_path=item["mountPath"],
                    read_only=read_only,
                    path_type=path_type,
                )
            )
    return tuple(volumes)


def parse_component(value: Any, path: str, allowed: set[str], problems: Problems) -> Component:
    if not isinstance(value, Mapping):
        problems.add(path, f"must be a map with {', '.join(sorted(allowed))}, not {kind(value)}", value)
        return Component()
    problems.unknown_keys(value, path, sorted(allowed))
    sans = {
        key: parse_sans(value[key], f"{path}.{key}", problems)
        for key in ("certSANs", "serverCertSANs", "peerCertSANs")
        if key in value
    }
    return Component(
        extra_volumes=parse_volumes(value.get("extraVolumes", []), f"{path}.extraVolumes", problems),
        # kubeadm appends user flags after its sorted defaults in the order given, so keep that order.
        extra_args=parse_extra_args(value.get("extraArgs", {}), f"{path}.extraArgs", problems),
        cert_sans=sans.get("certSANs") or sans.get("serverCertSANs") or (),
        peer_cert_sans=sans.get("peerCertSANs", ()),
    )


def parse_disabled(value: Any, path: str, problems: Problems) -> bool:
    if not isinstance(value, Mapping):
        problems.add(path, f"must be a map with one key, disabled, not {kind(value)}", value)
        return False
    problems.unknown_keys(value, path, ("disabled",))
    disabled = value.get("disabled", False)
    if not isinstance(disabled, bool):
        problems.add(f"{path}.disabled", f"must be true or false, not {kind(disabled)}", disabled)
        return False
    return disabled


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def _is_dns_name(text: str) -> bool:
    return len(text) <= 253 and bool(DNS_SUBDOMAIN.match(text)) and not NUMERIC.match(text)
