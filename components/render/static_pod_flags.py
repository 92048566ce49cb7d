"""Default command-line flags of the four control-plane static pods (kubeadm's get<Component>Command). Pure.

Each function takes the `Node` being rendered and returns kubeadm's defaults as (name, value) pairs; the
renderer merges them with the component's extraArgs: an extra arg drops the default of its name, and extra args
follow the sorted defaults in their configured order, as kubeadm 1.36+ writes them.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass

from components import constants as c
from components.config import ClusterConfig, Host
from components.config.endpoint import url_host
from components.pki.cert_specs import CA, ETCD_CA, FRONT_PROXY_CA, SA, cert_path, key_path
from components.pki.kubeconfig_specs import CONTROLLER_MANAGER_CONF, SCHEDULER_CONF

Flag = tuple[str, str]


@dataclass(frozen=True, kw_only=True)
class Node:
    """What a manifest depends on besides the cluster config: the host, and facts about it or the etcd cluster."""

    config: ClusterConfig
    host: Host
    # Joining etcd member: `name=peerURL,...` of every member, itself included, as etcd reported them when this
    # member was added (its --initial-cluster). Empty on init.
    etcd_initial_cluster: str = ""
    # CA bundle directories that exist on the host; kubeadm mounts only those.
    ca_cert_dirs: tuple[str, ...] = c.DEBIAN_CA_CERT_DIRS

    @property
    def ipv6(self) -> bool:
        return ipaddress.ip_address(self.host.address).version == 6

    @property
    def loopback(self) -> str:
        return "::1" if self.ipv6 else "127.0.0.1"


def last_arg(extra: tuple[Flag, ...], name: str) -> str | None:
    """The last value of `name` among extra args (kubeadm reads the last occurrence)."""
    values = [v for k, v in extra if k == name]
    return values[-1] if values else None


def probe_address(address: str) -> str:
    """A probe host: the address itself, or empty (the pod IP) when it is 0.0.0.0 or ::."""
    try:
        return "" if ipaddress.ip_address(address).is_unspecified else address
    except ValueError:
        return address


def apiserver_flags(node: Node) -> list[Flag]:
    cfg, adv = node.config, node.host.address
    flags = [
        ("advertise-address", adv),
        ("allow-privileged", "true"),
        ("client-ca-file", cert_path(CA)),
        ("enable-admission-plugins", "NodeRestriction"),
        ("enable-bootstrap-token-auth", "true"),
        ("etcd-cafile", cert_path(ETCD_CA)),
        ("etcd-certfile", cert_path("apiserver-etcd-client")),
        ("etcd-keyfile", key_path("apiserver-etcd-client")),
        ("etcd-servers", f"https://{url_host(node.loopback)}:{c.ETCD_CLIENT_PORT}"),
        ("kubelet-client-certificate", cert_path("apiserver-kubelet-client")),
        ("kubelet-client-key", key_path("apiserver-kubelet-client")),
        ("kubelet-preferred-address-types", "InternalIP,ExternalIP,Hostname"),
        ("proxy-client-cert-file", cert_path("front-proxy-client")),
        ("proxy-client-key-file", key_path("front-proxy-client")),
        ("requestheader-allowed-names", "front-proxy-client"),
        ("requestheader-client-ca-file", cert_path(FRONT_PROXY_CA)),
        ("requestheader-extra-headers-prefix", "X-Remote-Extra-"),
        ("requestheader-group-headers", "X-Remote-Group"),
        ("requestheader-username-headers", "X-Remote-User"),
        ("secure-port", str(c.APISERVER_PORT)),
        ("service-account-issuer", f"https://kubernetes.default.svc.{cfg.networking.dns_domain}"),
        ("service-account-key-file", SA.pub_path),
        ("service-account-signing-key-file", SA.key_path),
        ("service-cluster-ip-range", cfg.networking.service_subnet),
        ("tls-cert-file", cert_path("apiserver")),
        ("tls-private-key-file", key_path("apiserver")),
    ]
    # A structured authorization config replaces the mode flag; the two may not be combined.
    if last_arg(cfg.api_server.extra_args, "authorization-config") is None:
        flags.append(("authorization-mode", "Node,RBAC"))
    return flags


def controller_manager_flags(node: Node) -> list[Flag]:
    cfg, conf = node.config, CONTROLLER_MANAGER_CONF
    flags = [
        ("authentication-kubeconfig", conf),
        ("authorization-kubeconfig", conf),
        ("bind-address", "127.0.0.1"),
        ("client-ca-file", cert_path(CA)),
        ("cluster-name", cfg.cluster_name),
        ("cluster-signing-cert-file", cert_path(CA)),
        ("cluster-signing-key-file", key_path(CA)),
        ("controllers", "*,bootstrapsigner,tokencleaner"),
        ("kubeconfig", conf),
        ("leader-elect", "true"),
        ("requestheader-client-ca-file", cert_path(FRONT_PROXY_CA)),
        ("root-ca-file", cert_path(CA)),
        ("service-account-private-key-file", SA.key_path),
        ("use-service-account-credentials", "true"),
    ]
    if cfg.networking.pod_subnet:
        flags += [
            ("allocate-node-cidrs", "true"),
            ("cluster-cidr", cfg.networking.pod_subnet),
            ("service-cluster-ip-range", cfg.networking.service_subnet),
        ]
    return flags


def scheduler_flags(node: Node) -> list[Flag]:
    conf = SCHEDULER_CONF
    return [
        ("authentication-kubeconfig", conf),
        ("authorization-kubeconfig", conf),
        ("bind-address", "127.0.0.1"),
        ("kubeconfig", conf),
        ("leader-elect", "true"),
    ]


def etcd_client_url(address: str) -> str:
    return f"https://{url_host(address)}:{c.ETCD_CLIENT_PORT}"


def etcd_peer_url(address: str) -> str:
    return f"https://{url_host(address)}:{c.ETCD_PEER_PORT}"


def etcd_flags(node: Node) -> list[Flag]:
    host = node.host
    flags = [
        ("advertise-client-urls", etcd_client_url(host.address)),
        ("cert-file", cert_path("etcd/server")),
        ("client-cert-auth", "true"),
        ("data-dir", c.ETCD_DATA_DIR),
        ("feature-gates", "InitialCorruptCheck=true"),
        ("initial-advertise-peer-urls", etcd_peer_url(host.address)),
        ("key-file", key_path("etcd/server")),
        ("listen-client-urls", f"{etcd_client_url(node.loopback)},{etcd_client_url(host.address)}"),
        ("listen-metrics-urls", f"http://{url_host(node.loopback)}:{c.ETCD_METRICS_PORT}"),
        ("listen-peer-urls", etcd_peer_url(host.address)),
        ("name", host.name),
        ("peer-cert-file", cert_path("etcd/peer")),
        ("peer-client-cert-auth", "true"),
        ("peer-key-file", key_path("etcd/peer")),
        ("peer-trusted-ca-file", cert_path(ETCD_CA)),
        ("snapshot-count", "10000"),
        ("trusted-ca-file", cert_path(ETCD_CA)),
        ("watch-progress-notify-interval", "5s"),
    ]
    if not node.etcd_initial_cluster:
        return [*flags, ("initial-cluster", f"{host.name}={etcd_peer_url(host.address)}")]
    return [*flags, ("initial-cluster", node.etcd_initial_cluster), ("initial-cluster-state", "existing")]


def merge_flags(defaults: list[Flag], extra: tuple[Flag, ...]) -> list[Flag]:
    """kubeadm's rule (1.36+): the defaults sorted, less those an extra arg names, then every extra arg in order."""
    overridden = {name for name, _ in extra}
    return sorted(f for f in defaults if f[0] not in overridden) + list(extra)


def command(binary: str, flags: list[Flag]) -> list[str]:
    return [binary, *(f"--{name}={value}" for name, value in flags)]
