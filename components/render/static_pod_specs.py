"""The four control-plane static pods as a table, in the manner of kubeadm's GetStaticPodSpecs. Pure: no Pulumi.

Each `StaticPodSpec` row names the component (pod, container, binary and image share the name), its resource
requests and probe paths, plus small functions of the `Node` being rendered for what depends on the cluster
config or the host: default flags, probe target, hostPath volumes, annotations. `static_pods.render_manifest`
turns a row into the YAML kubeadm writes to /etc/kubernetes/manifests/<name>.yaml.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from components import constants as c
from components.config import ClusterConfig
from components.config.endpoint import url_host
from components.pki.kubeconfig_specs import CONTROLLER_MANAGER_CONF, SCHEDULER_CONF
from components.render.static_pod_flags import (
    Flag,
    Node,
    apiserver_flags,
    controller_manager_flags,
    etcd_client_url,
    etcd_flags,
    last_arg,
    probe_address,
    scheduler_flags,
)


@dataclass(frozen=True, kw_only=True)
class HostPathVolume:
    """A hostPath volume, mounted at the same path in the container."""

    name: str
    path: str
    type: str = "DirectoryOrCreate"
    read_only: bool = True
    # Where the container sees it, when not at `path` (user extraVolumes).
    mount_path: str | None = None


@dataclass(frozen=True, kw_only=True)
class ProbeTarget:
    """Where the probes of a pod go; the port is also the container's `probe-port`."""

    host: str
    port: int
    scheme: str


@dataclass(frozen=True, kw_only=True)
class StaticPodSpec:
    name: str
    # Port the probes reach: the secure port, or etcd's plain-HTTP metrics port.
    probe_port: int
    cpu_request: str
    memory_request: str | None
    liveness_path: str
    readiness_path: str | None
    startup_path: str
    default_flags: Callable[[Node], list[Flag]]
    extra_args: Callable[[ClusterConfig], tuple[Flag, ...]]
    probe_target: Callable[[Node], ProbeTarget]
    volumes: Callable[[Node], tuple[HostPathVolume, ...]]
    annotations: Callable[[Node], dict[str, str]]
    # kubeadm sorts mounts by name, except etcd's (data, then certs).
    sort_mounts: bool = True


def _apiserver_probe(node: Node) -> ProbeTarget:
    return ProbeTarget(host=probe_address(node.host.address), port=c.APISERVER_PORT, scheme="HTTPS")


def _local_probe(extra: Callable[[ClusterConfig], tuple[Flag, ...]], port: int) -> Callable[[Node], ProbeTarget]:
    """Controller-manager and scheduler probes follow a `bind-address` extra arg; the port stays the constant."""

    def target(node: Node) -> ProbeTarget:
        bind = last_arg(extra(node.config), "bind-address")
        return ProbeTarget(host=probe_address(bind) if bind is not None else "127.0.0.1", port=port, scheme="HTTPS")

    return target


def _etcd_probe(node: Node) -> ProbeTarget:
    """etcd probes use the first `listen-metrics-urls` entry (default: plain HTTP on loopback port 2381)."""
    metrics = last_arg(node.config.etcd.extra_args, "listen-metrics-urls")
    if metrics is None:
        return ProbeTarget(host=node.loopback, port=c.ETCD_METRICS_PORT, scheme="HTTP")
    url = urlsplit(metrics.split(",")[0])
    return ProbeTarget(host=url.hostname or "", port=url.port or c.ETCD_METRICS_PORT, scheme=url.scheme.upper())


def ca_cert_volumes(node: Node) -> tuple[HostPathVolume, ...]:
    """The host's CA bundle directories; /etc/ssl/certs is always mounted, as `ca-certs`."""
    dirs = dict.fromkeys(("/etc/ssl/certs", *node.ca_cert_dirs))
    return tuple(
        HostPathVolume(name="ca-certs" if d == "/etc/ssl/certs" else d.strip("/").replace("/", "-"), path=d)
        for d in dirs
    )


def _apiserver_volumes(node: Node) -> tuple[HostPathVolume, ...]:
    return (*ca_cert_volumes(node), HostPathVolume(name="k8s-certs", path=c.PKI_DIR))


def _controller_manager_volumes(node: Node) -> tuple[HostPathVolume, ...]:
    # No flexvolume-dir: kubeadm 1.36+ no longer mounts the FlexVolume plugin directory.
    conf = CONTROLLER_MANAGER_CONF
    return (*_apiserver_volumes(node), HostPathVolume(name="kubeconfig", path=conf, type="FileOrCreate"))


def _scheduler_volumes(node: Node) -> tuple[HostPathVolume, ...]:
    conf = SCHEDULER_CONF
    return (HostPathVolume(name="kubeconfig", path=conf, type="FileOrCreate"),)


def _etcd_volumes(node: Node) -> tuple[HostPathVolume, ...]:
    return (
        HostPathVolume(name="etcd-data", path=c.ETCD_DATA_DIR, read_only=False),
        HostPathVolume(name="etcd-certs", path=c.ETCD_PKI_DIR, read_only=False),
    )


def _apiserver_annotations(node: Node) -> dict[str, str]:
    return {c.APISERVER_ENDPOINT_ANNOTATION: f"{url_host(node.host.address)}:{c.APISERVER_PORT}"}


def _etcd_annotations(node: Node) -> dict[str, str]:
    return {c.ETCD_CLIENT_URLS_ANNOTATION: etcd_client_url(node.host.address)}


def _no_annotations(node: Node) -> dict[str, str]:
    return {}


def _apiserver_extra(config: ClusterConfig) -> tuple[Flag, ...]:
    return config.api_server.extra_args


def _controller_manager_extra(config: ClusterConfig) -> tuple[Flag, ...]:
    return config.controller_manager.extra_args


def _scheduler_extra(config: ClusterConfig) -> tuple[Flag, ...]:
    return config.scheduler.extra_args


def _etcd_extra(config: ClusterConfig) -> tuple[Flag, ...]:
    return config.etcd.extra_args


STATIC_PODS: tuple[StaticPodSpec, ...] = (
    StaticPodSpec(
        name=c.ETCD,
        probe_port=c.ETCD_METRICS_PORT,
        cpu_request="100m",
        memory_request="100Mi",
        liveness_path="/livez",
        readiness_path="/readyz",
        startup_path="/readyz",
        default_flags=etcd_flags,
        extra_args=_etcd_extra,
        probe_target=_etcd_probe,
        volumes=_etcd_volumes,
        annotations=_etcd_annotations,
        sort_mounts=False,
    ),
    StaticPodSpec(
        name=c.KUBE_APISERVER,
        probe_port=c.APISERVER_PORT,
        cpu_request="250m",
        memory_request=None,
        liveness_path="/livez",
        readiness_path="/readyz",
        startup_path="/livez",
        default_flags=apiserver_flags,
        extra_args=_apiserver_extra,
        probe_target=_apiserver_probe,
        volumes=_apiserver_volumes,
        annotations=_apiserver_annotations,
    ),
    StaticPodSpec(
        name=c.KUBE_CONTROLLER_MANAGER,
        probe_port=c.CONTROLLER_MANAGER_PORT,
        cpu_request="200m",
        memory_request=None,
        liveness_path="/healthz",
        readiness_path=None,
        startup_path="/healthz",
        default_flags=controller_manager_flags,
        extra_args=_controller_manager_extra,
        probe_target=_local_probe(_controller_manager_extra, c.CONTROLLER_MANAGER_PORT),
        volumes=_controller_manager_volumes,
        annotations=_no_annotations,
    ),
    StaticPodSpec(
        name=c.KUBE_SCHEDULER,
        probe_port=c.SCHEDULER_PORT,
        cpu_request="100m",
        memory_request=None,
        liveness_path="/livez",
        readiness_path="/readyz",
        startup_path="/livez",
        default_flags=scheduler_flags,
        extra_args=_scheduler_extra,
        probe_target=_local_probe(_scheduler_extra, c.SCHEDULER_PORT),
        volumes=_scheduler_volumes,
        annotations=_no_annotations,
    ),
)

SPECS_BY_NAME = {spec.name: spec for spec in STATIC_PODS}
