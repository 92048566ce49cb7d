"""The certificates kubeadm init makes, as a table, and the SAN rules that depend on the node. Pure: no Pulumi.

Each CA comes before its leaves. A row's `sans` rule takes the node's facts and returns the normalised
alternative names: DNS names de-duplicated and sorted, IPs de-duplicated in first-seen order.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from components import constants
from components.config import CertificateLifetimes, ClusterConfig, Host
from components.config.certificates import DEFAULT_LIFETIMES
from components.pki.crypto import CertFields, hours

# Stands for "the node's name" where a row's CN depends on the node (etcd server and peer).
NODE_NAME = "<node name>"

_DNS_SUBDOMAIN = re.compile(r"^(\*\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")


@dataclass(frozen=True, kw_only=True)
class NodeFacts:
    """What the SAN rules read about one control-plane node and the cluster."""

    name: str
    advertise_address: str
    service_ip: str
    dns_domain: str
    # The control-plane endpoint's host (a DNS name or an IP), when there is one.
    endpoint_host: str | None = None
    apiserver_sans: tuple[str, ...] = ()
    etcd_server_sans: tuple[str, ...] = ()
    etcd_peer_sans: tuple[str, ...] = ()


@dataclass(frozen=True)
class Sans:
    dns: tuple[str, ...] = ()
    ips: tuple[str, ...] = ()


def node_facts(config: ClusterConfig, host: Host) -> NodeFacts:
    return NodeFacts(
        name=host.name,
        advertise_address=host.address,
        service_ip=config.networking.service_ip,
        dns_domain=config.networking.dns_domain,
        endpoint_host=config.control_plane_endpoint.host if config.control_plane_endpoint else None,
        apiserver_sans=config.api_server.cert_sans,
        etcd_server_sans=config.etcd.cert_sans,
        etcd_peer_sans=config.etcd.peer_cert_sans,
    )


def normalise(dns: Iterable[str], ips: Iterable[str], extra: Iterable[str] = ()) -> Sans:
    """Sort the user's extra SANs into IPs and DNS names (others are dropped, as kubeadm does), then dedupe."""
    dns, ips = list(dns), list(ips)
    for value in extra:
        try:
            ips.append(str(ipaddress.ip_address(value)))
        except ValueError:
            if len(value) <= 253 and _DNS_SUBDOMAIN.match(value):
                dns.append(value)
    return Sans(dns=tuple(sorted(set(dns))), ips=tuple(dict.fromkeys(str(ipaddress.ip_address(i)) for i in ips)))


def ca_sans(common_name: str) -> Callable[[NodeFacts], Sans]:
    """A CA names itself: one DNS SAN equal to its CN."""

    def rule(_: NodeFacts) -> Sans:
        return Sans(dns=(common_name,))

    rule.__name__ = f"ca_sans_{common_name}"
    return rule


def no_sans(_: NodeFacts) -> Sans:
    return Sans()


def apiserver_sans(node: NodeFacts) -> Sans:
    """The node, the `kubernetes` service names, the service IP, the advertise address, the endpoint, certSANs."""
    svc = "kubernetes.default.svc"
    dns = [node.name, "kubernetes", "kubernetes.default", svc, f"{svc}.{node.dns_domain}"]
    extra = [node.endpoint_host] if node.endpoint_host else []
    return normalise(dns, [node.service_ip, node.advertise_address], [*extra, *node.apiserver_sans])


def etcd_server_sans(node: NodeFacts) -> Sans:
    """The node and loopback by name and address, plus etcd serverCertSANs."""
    return normalise([node.name, "localhost"], [node.advertise_address, "127.0.0.1", "::1"], node.etcd_server_sans)


def etcd_peer_sans(node: NodeFacts) -> Sans:
    """The same base list as the server's, plus etcd peerCertSANs."""
    return normalise([node.name, "localhost"], [node.advertise_address, "127.0.0.1", "::1"], node.etcd_peer_sans)


@dataclass(frozen=True, kw_only=True)
class CertSpec:
    """One row of kubeadm's certificate list."""

    name: str  # base name under PKI_DIR, e.g. "etcd/server"
    ca: str | None  # name of the signing CA row; None for a CA
    common_name: str  # or NODE_NAME
    organizations: tuple[str, ...] = ()
    usages: tuple[str, ...] = ()  # keys of pki_crypto.USAGES
    sans: Callable[[NodeFacts], Sans] = no_sans
    per_node: bool = False  # made once per control-plane node (its names and addresses are in it)

    @property
    def is_ca(self) -> bool:
        return self.ca is None

    @property
    def base_path(self) -> str:
        return f"{constants.PKI_DIR}/{self.name}"

    @property
    def cert_path(self) -> str:
        return f"{self.base_path}.crt"

    @property
    def key_path(self) -> str:
        return f"{self.base_path}.key"

    @property
    def slug(self) -> str:
        """The name as it appears in resource names: `etcd/server` -> `etcd-server`."""
        return self.name.replace("/", "-")

    def fields(self, node: NodeFacts, lifetimes: CertificateLifetimes = DEFAULT_LIFETIMES) -> CertFields:
        """The certificate this row describes, for `node`, valid as long as `lifetimes` says for a CA or a leaf."""
        sans = self.sans(node)
        return CertFields(
            common_name=node.name if self.common_name == NODE_NAME else self.common_name,
            organizations=self.organizations,
            usages=self.usages,
            dns_names=sans.dns,
            ip_addresses=sans.ips,
            is_ca=self.is_ca,
            validity_hours=hours(lifetimes.ca_validity_seconds if self.is_ca else lifetimes.validity_seconds),
        )


def _ca(name: str, common_name: str) -> CertSpec:
    return CertSpec(name=name, ca=None, common_name=common_name, sans=ca_sans(common_name))


CA, FRONT_PROXY_CA, ETCD_CA = "ca", "front-proxy-ca", "etcd/ca"

CERTS: tuple[CertSpec, ...] = (
    _ca(CA, "kubernetes"),
    CertSpec(
        name="apiserver", ca=CA, common_name="kube-apiserver", usages=("server",), sans=apiserver_sans, per_node=True
    ),
    # No organization from the 1.37.0 fix on (also 1.36.1, 1.35.5, 1.34.8): RBAC binds the user by name.
    CertSpec(name="apiserver-kubelet-client", ca=CA, common_name="kube-apiserver-kubelet-client", usages=("client",)),
    _ca(FRONT_PROXY_CA, "front-proxy-ca"),
    CertSpec(name="front-proxy-client", ca=FRONT_PROXY_CA, common_name="front-proxy-client", usages=("client",)),
    _ca(ETCD_CA, "etcd-ca"),
    CertSpec(
        name="etcd/server",
        ca=ETCD_CA,
        common_name=NODE_NAME,
        usages=("server", "client"),
        sans=etcd_server_sans,
        per_node=True,
    ),
    CertSpec(
        name="etcd/peer",
        ca=ETCD_CA,
        common_name=NODE_NAME,
        usages=("server", "client"),
        sans=etcd_peer_sans,
        per_node=True,
    ),
    CertSpec(
        name="etcd/healthcheck-client", ca=ETCD_CA, common_name="kube-etcd-healthcheck-client", usages=("client",)
    ),
    CertSpec(name="apiserver-etcd-client", ca=ETCD_CA, common_name="kube-apiserver-etcd-client", usages=("client",)),
)

BY_NAME = {spec.name: spec for spec in CERTS}


def cert_path(name: str) -> str:
    """The certificate file of table row `name` (e.g. "etcd/server"): flags and scripts name no path of their own."""
    return BY_NAME[name].cert_path


def key_path(name: str) -> str:
    return BY_NAME[name].key_path


@dataclass(frozen=True, kw_only=True)
class KeyPairSpec:
    """A bare key pair (no certificate): the service-account signing key."""

    name: str

    @property
    def slug(self) -> str:
        return self.name

    @property
    def key_path(self) -> str:
        return f"{constants.PKI_DIR}/{self.name}.key"

    @property
    def pub_path(self) -> str:
        return f"{constants.PKI_DIR}/{self.name}.pub"


SA = KeyPairSpec(name=constants.SA_KEY_BASE)
