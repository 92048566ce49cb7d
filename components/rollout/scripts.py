"""The shell of rolling changes, from the `.sh` files beside this module, with their parameters. Pure: values in,
command text out; golden-tested.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from components import constants as c
from components.pki.kubeconfig_specs import ADMIN_CONF, KUBELET_CONF
from components.remote.shell import script

# Where a control plane's rollout keeps what its pods run on (kubeadm's own tmp folder, which reset removes).
STATE_DIR = f"{c.KUBERNETES_DIR}/tmp/kubeadm-pulumi-rollout"
_ADMIN = {"admin_conf": ADMIN_CONF, "api_server": ""}


def control_plane(
    node: str,
    mode: str,
    pods: Sequence[tuple[str, str, str, Sequence[str]]],
    endpoint: str,
    timeout: int = c.CONTROL_PLANE_HEALTH_CHECK_SECONDS,
) -> str:
    """One control plane's rolling change (`roll`) or what its pods run on, noted when it came up (`record`).

    `pods`: (name, manifest path, health URL, the files its command names) of each static pod."""
    return script(
        __file__,
        "rollout-control-plane.sh",
        node=node,
        timeout=timeout,
        mode=mode,
        pods="\n".join(f"{name} {manifest} {health} {','.join(files)}" for name, manifest, health, files in pods),
        state_dir=STATE_DIR,
        endpoint=endpoint,
        grace=c.STATIC_POD_GRACE_SECONDS,
    )


def drain_worker(node: str, drain_timeout: int = c.DRAIN_TIMEOUT_SECONDS) -> str:
    return script(__file__, "drain-worker.sh", **_ADMIN, node=node, drain_timeout=drain_timeout)


def restart_kubelet(node: str, timeout: int = c.CONTROL_PLANE_HEALTH_CHECK_SECONDS) -> str:
    return script(__file__, "restart-kubelet.sh", **_restart_params(node, timeout))


def upgrade_worker(node: str, packages: Mapping[str, str], timeout: int = c.CONTROL_PLANE_HEALTH_CHECK_SECONDS) -> str:
    """A drained worker's packages brought to the cluster's version (`packages`: packages.sh's parameters,
    node.scripts.packages_params), then its kubelet restarted, healthy and Ready."""
    return script(__file__, "upgrade-worker.sh", **packages, **_restart_params(node, timeout))


def _restart_params(node: str, timeout: int) -> dict[str, str | int]:
    return {
        "node": node,
        "timeout": timeout,
        "kubelet_conf": KUBELET_CONF,
        "kubelet_healthz": f"{c.KUBELET_HEALTHZ_BIND_ADDRESS}:{c.KUBELET_HEALTHZ_PORT}",
    }


def uncordon_worker(node: str, timeout: int = c.CONTROL_PLANE_HEALTH_CHECK_SECONDS) -> str:
    return script(__file__, "uncordon-worker.sh", **_ADMIN, node=node, timeout=timeout)
