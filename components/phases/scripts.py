"""The shell of kubeadm's init phases on a control-plane host, from the `.sh` files beside this module, with their
parameters. Pure: values in, command text out; golden-tested. Every script runs as root over SSH, prints
`[<phase>] ...` lines like kubeadm, never prints key material, and fails naming the host and what it waited for.
"""

from __future__ import annotations

from components import constants as c
from components.config.endpoint import url_host
from components.pki.kubeconfig_specs import ADMIN_CONF, KUBELET_CONF, SUPER_ADMIN_CONF
from components.remote.shell import script
from components.render import cluster_objects as objects

# Where the kubelet keeps the containers' logs (kubeadm's wait shows the failing component's).
POD_LOGS_DIR = "/var/log/pods"


def wait_control_plane(
    node: str,
    address: str,
    timeout: int = c.CONTROL_PLANE_HEALTH_CHECK_SECONDS,
    kubeconfig: str = SUPER_ADMIN_CONF,
) -> str:
    """wait-control-plane: the kubelet healthy, then each component's own health endpoint, as kubeadm 1.37 polls
    them (the API server's /livez on the node's address, the controller-manager's /healthz and the scheduler's
    /livez on loopback), then the API server answering the kubeconfig's client. Probing the endpoints directly
    does not wait for the mirror pods' startup probes. On timeout, the failing part's recent log lines.

    On init the API server is asked with super-admin.conf: admin.conf's group is bound to cluster-admin only by
    upload-config, later. A joining control plane has admin.conf only, and the binding exists."""
    return script(
        __file__,
        "wait-control-plane.sh",
        node=node,
        timeout=timeout,
        kubeconfig=kubeconfig,
        kubelet_healthz=f"{c.KUBELET_HEALTHZ_BIND_ADDRESS}:{c.KUBELET_HEALTHZ_PORT}",
        components="\n".join(f"{name} {url}" for name, url in health_endpoints(address)),
        pod_logs=POD_LOGS_DIR,
    )


def health_endpoints(address: str) -> tuple[tuple[str, str], ...]:
    """Each control-plane component's own health endpoint on a host, as kubeadm 1.37's wait polls them."""
    return (
        (c.KUBE_APISERVER, f"https://{url_host(address)}:{c.APISERVER_PORT}/livez"),
        (c.KUBE_CONTROLLER_MANAGER, f"https://127.0.0.1:{c.CONTROLLER_MANAGER_PORT}/healthz"),
        (c.KUBE_SCHEDULER, f"https://127.0.0.1:{c.SCHEDULER_PORT}/livez"),
    )


def apply(phase: str, kubeconfig: str = ADMIN_CONF) -> str:
    """Server-side apply of the objects on stdin, owned by our field manager (others' fields are kept)."""
    return script(__file__, "apply.sh", phase=phase, kubeconfig=kubeconfig, field_manager=c.FIELD_MANAGER)


def delete(phase: str, manifest_b64: str, kubeconfig: str = ADMIN_CONF) -> str:
    """Remove the phase's objects; an API server that is already gone leaves them to reset (etcd is wiped)."""
    return script(__file__, "delete.sh", phase=phase, kubeconfig=kubeconfig, manifest_b64=manifest_b64)


def mark_control_plane(node: str, labels: dict[str, str], taints: list[str], timeout: int = 120) -> str:
    """mark-control-plane: the labels and taints on the Node (other labels and taints are kept), once the kubelet
    has registered it; any failure fails the step."""
    return script(
        __file__,
        "mark-control-plane.sh",
        node=node,
        timeout=timeout,
        admin_conf=ADMIN_CONF,
        api_server="",
        labels=" ".join(f"{k}={v}" for k, v in sorted(labels.items())),
        taints=" ".join(taints),
    )


def mark_kubeadm_control_plane(node: str) -> str:
    """mark-control-plane with kubeadm's own control-plane label and taint."""
    marks = objects.CONTROL_PLANE_MARKS
    return mark_control_plane(node, dict(marks.labels), [f"{t['key']}:{t['effect']}" for t in marks.taints])


def kubelet_finalize(user: str, node: str, timeout: int = 120) -> str:
    """kubelet-finalize: point kubelet.conf at the kubelet's rotated client certificate, as kubeadm does."""
    return script(
        __file__,
        "kubelet-finalize.sh",
        node=node,
        user=user,
        timeout=timeout,
        kubelet_conf=KUBELET_CONF,
        current=c.KUBELET_CLIENT_CURRENT,
    )
