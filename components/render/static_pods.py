"""Render a control-plane static pod manifest exactly as kubeadm writes it, and the YAML dumper shared by the
other renderers. Pure: no Pulumi, no I/O.

kubeadm encodes the Pod to JSON and converts it to YAML, so keys come out sorted at every level, lists sit at
their parent key's indent, zero values are omitted, and strings that would read as another type are
double-quoted. `kube_yaml` reproduces that layout.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import yaml

from components import constants as c
from components.config import ClusterConfig, Host
from components.config.endpoint import url_host
from components.render.release_images import image
from components.render.static_pod_flags import Node, command, merge_flags
from components.render.static_pod_specs import HostPathVolume, StaticPodSpec


class _KubeDumper(yaml.SafeDumper):
    """Go-yaml-like output: multi-line strings as literal blocks, look-alike scalars double-quoted."""


def _represent_str(dumper: yaml.SafeDumper, value: str) -> yaml.Node:
    if "\n" in value:
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style="|")
    if dumper.resolve(yaml.ScalarNode, value, (True, False)) != "tag:yaml.org,2002:str":
        return dumper.represent_scalar("tag:yaml.org,2002:str", value, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", value)


_KubeDumper.add_representer(str, _represent_str)


def kube_yaml(obj: Any) -> str:
    """One YAML document the way kubeadm's JSON-to-YAML conversion writes it."""
    return yaml.dump(obj, Dumper=_KubeDumper, sort_keys=True, default_flow_style=False, width=1 << 30)


def kube_yaml_documents(objs: list[dict[str, Any]]) -> str:
    """Several objects as one multi-document YAML stream (`---` between documents)."""
    return "---\n".join(kube_yaml(o) for o in objs)


def _probe(target: Any, path: str, *, initial_delay: int | None, period: int, failures: int) -> dict[str, Any]:
    http: dict[str, Any] = {"path": path, "port": c.PROBE_PORT_NAME, "scheme": target.scheme}
    if target.host:
        http["host"] = target.host
    probe: dict[str, Any] = {"failureThreshold": failures, "httpGet": http, "periodSeconds": period}
    if initial_delay is not None:
        probe["initialDelaySeconds"] = initial_delay
    probe["timeoutSeconds"] = 15
    return probe


def _volume(v: HostPathVolume) -> dict[str, Any]:
    # kubeadm writes `type: ""` for an extra volume without a pathType, so the key is always there.
    return {"hostPath": {"path": v.path, "type": v.type}, "name": v.name}


def _mount(v: HostPathVolume) -> dict[str, Any]:
    mount: dict[str, Any] = {"mountPath": v.mount_path or v.path, "name": v.name}
    if v.read_only:
        mount["readOnly"] = True
    return mount


def pod(spec: StaticPodSpec, node: Node) -> dict[str, Any]:
    """The Pod object kubeadm builds for one component on one node."""
    config = node.config
    flags = merge_flags(spec.default_flags(node), spec.extra_args(config))
    target = spec.probe_target(node)
    startup_failures = -(-c.CONTROL_PLANE_HEALTH_CHECK_SECONDS // 10)
    requests = {"cpu": spec.cpu_request} | ({"memory": spec.memory_request} if spec.memory_request else {})
    volumes = _with_extra_volumes(spec.volumes(node), spec, config)
    container: dict[str, Any] = {
        "command": command(spec.name, flags),
        "image": image(config, spec.name),
        "imagePullPolicy": "IfNotPresent",
        "livenessProbe": _probe(target, spec.liveness_path, initial_delay=10, period=10, failures=8),
        "name": spec.name,
        "ports": [{"containerPort": target.port, "name": c.PROBE_PORT_NAME, "protocol": "TCP"}],
        "resources": {"requests": requests},
        "startupProbe": _probe(target, spec.startup_path, initial_delay=10, period=10, failures=startup_failures),
        "volumeMounts": [_mount(v) for v in (sorted(volumes, key=_name) if spec.sort_mounts else volumes)],
    }
    if spec.readiness_path:
        container["readinessProbe"] = _probe(target, spec.readiness_path, initial_delay=None, period=1, failures=3)
    metadata: dict[str, Any] = {
        "labels": {"component": spec.name, "tier": "control-plane"},
        "name": spec.name,
        "namespace": c.KUBE_SYSTEM_NAMESPACE,
    }
    if annotations := spec.annotations(node):
        metadata["annotations"] = annotations
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": metadata,
        "spec": {
            "containers": [container],
            "hostNetwork": True,
            "priority": c.NODE_CRITICAL_PRIORITY,
            "priorityClassName": c.NODE_CRITICAL_PRIORITY_CLASS,
            "securityContext": {"seccompProfile": {"type": "RuntimeDefault"}},
            "volumes": [_volume(v) for v in sorted(volumes, key=_name)],
        },
        "status": {},
    }


def _with_extra_volumes(
    volumes: Sequence[HostPathVolume], spec: StaticPodSpec, config: Any
) -> Sequence[HostPathVolume]:
    """kubeadm adds the user's extraVolumes by name (replacing a default volume of the same name)."""
    component = {
        c.KUBE_APISERVER: config.api_server,
        c.KUBE_CONTROLLER_MANAGER: config.controller_manager,
        c.KUBE_SCHEDULER: config.scheduler,
    }.get(spec.name)
    if component is None or not component.extra_volumes:
        return volumes
    extra = {
        v.name: HostPathVolume(
            name=v.name, path=v.host_path, type=v.path_type, read_only=v.read_only, mount_path=v.mount_path
        )
        for v in component.extra_volumes
    }
    return [v for v in volumes if v.name not in extra] + list(extra.values())


def _name(v: HostPathVolume) -> str:
    return v.name


def render_manifest(
    spec: StaticPodSpec,
    config: ClusterConfig,
    host: Host,
    *,
    etcd_initial_cluster: str = "",
    ca_cert_dirs: tuple[str, ...] = c.DEBIAN_CA_CERT_DIRS,
) -> str:
    """/etc/kubernetes/manifests/<spec.name>.yaml for `host` (a control-plane node).

    `etcd_initial_cluster`: for a joining etcd member, `name=peerURL,...` of every member (empty on init).
    `ca_cert_dirs`: the CA bundle directories present on the host (kubeadm mounts only those that exist).
    """
    node = Node(config=config, host=host, etcd_initial_cluster=etcd_initial_cluster, ca_cert_dirs=ca_cert_dirs)
    return kube_yaml(pod(spec, node))


def manifest_path(spec: StaticPodSpec) -> str:
    return f"{c.MANIFESTS_DIR}/{spec.name}.yaml"


def health_url(spec: StaticPodSpec, config: ClusterConfig, host: Host) -> str:
    """Where the pod's readiness probe goes (its liveness probe's, when it has none): an HTTP 200 there, and the
    component serves (etcd's readyz: the member is healthy, with a leader)."""
    target = spec.probe_target(Node(config=config, host=host))
    path = spec.readiness_path or spec.liveness_path
    return f"{target.scheme.lower()}://{url_host(target.host or host.address)}:{target.port}{path}"


def files_read(manifest: str) -> tuple[str, ...]:
    """The files under /etc/kubernetes the pod's command names (its certificates, keys and kubeconfigs): when one
    changes, the running pod must restart to read it."""
    command = yaml.safe_load(manifest)["spec"]["containers"][0]["command"]
    paths = {value for arg in command for value in arg.partition("=")[2].split(",") if value.startswith(_UNDER)}
    return tuple(sorted(paths))


_UNDER = f"{c.KUBERNETES_DIR}/"
