"""The control-plane endpoint, parsed once: every client URL, SAN and ConfigMap takes it from here."""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass

from components import constants

DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
NUMERIC = re.compile(r"^[0-9.]+$")


def url_host(host: str) -> str:
    """A host as it appears in a URL or host:port (an IPv6 address in brackets)."""
    return f"[{host}]" if ":" in host else host


@dataclass(frozen=True)
class Endpoint:
    """Where clients reach the API servers: a DNS name or an IP (canonical form, no brackets) and a port."""

    host: str
    port: int
    # As the stack gave it (kubeadm-config's ClusterConfiguration.controlPlaneEndpoint keeps it so).
    text: str

    @property
    def host_port(self) -> str:
        return f"{url_host(self.host)}:{self.port}"

    @property
    def url(self) -> str:
        return f"https://{self.host_port}"

    @classmethod
    def of_address(cls, address: str, port: int = constants.APISERVER_PORT) -> Endpoint:
        """A node's own API server."""
        host = str(ipaddress.ip_address(address))
        return cls(host=host, port=port, text=f"{url_host(host)}:{port}")


def parse_endpoint(value: object) -> Endpoint | None:
    """`host`, `host:port`, `[v6]`, `[v6]:port` or a bare IPv6 address (the port defaults to 6443, as kubeadm's);
    None when it is none of these."""
    if not isinstance(value, str) or not value:
        return None
    host, port = value, ""
    if value.startswith("["):
        host, bracket, rest = value[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return None
        port = rest[1:]
        if rest and not port:
            return None
    elif value.count(":") == 1:
        host, _, port = value.partition(":")
        if not port:
            return None
    if port and (not port.isdigit() or not 0 < int(port) < 65536):
        return None
    try:
        host = str(ipaddress.ip_address(host))
    except ValueError:
        # Dotted digits that are no IPv4 address (999.1.1.1) are no DNS name either.
        if value.startswith("[") or not DNS_SUBDOMAIN.match(host) or len(host) > 253 or NUMERIC.match(host):
            return None
    return Endpoint(host=host, port=int(port) if port else constants.APISERVER_PORT, text=value)
