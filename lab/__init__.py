"""kubeadm-pulumi's lab: Linux hosts for the project's tests, on one machine.

Each host is a systemd-nspawn machine (systemd as PID 1, sshd, containerd, runc) in its
own network namespace on a per-lab bridge, booting a cached Debian bookworm root file
system copy-on-write. Use it as `python -m lab up|down|status|ssh|stop-node|start-node`
or call the functions below from Python (pytest):

    import lab
    nodes = lab.up("itest", nodes=2, stack_config="/tmp/Pulumi.itest.yaml")
    lab.stop_node("node-2", name="itest"); lab.start_node(2, name="itest")
    lab.down("itest")

`up(..., load_balancer=True)` (CLI `up --load-balancer`) adds the machine `lb` running HAProxy in
front of port 6443 of every node: `lab.load_balancer_address("itest") + ":6443"` is then a stable
control-plane endpoint (also written into the stack config as kubeadm:controlPlaneEndpoint).

Nodes carry no Kubernetes: the lab serves a Debian package repository on its own network, laid out and versioned
as pkgs.k8s.io and signed with a lab key, and `lab.package_source("itest")` is the `kubeadm:packages` setting that
points a stack at it (written into the stack config by `up`).
"""

from __future__ import annotations

from pathlib import Path

from .core import (
    Node,
    disconnect_node,
    down,
    has_load_balancer,
    install_packages,
    load_balancer_address,
    node_address,
    package_source,
    parse_node,
    start_node,
    status,
    stop_node,
    up,
)
from .paths import DEFAULT_LAB, LabError, cache_dir, key_path
from .remote import SSH_OPTIONS, ssh_argv

__all__ = [
    "DEFAULT_LAB",
    "KEY_PATH",
    "SSH_OPTIONS",
    "LabError",
    "Node",
    "cache_dir",
    "disconnect_node",
    "down",
    "has_load_balancer",
    "install_packages",
    "key_path",
    "load_balancer_address",
    "node_address",
    "package_source",
    "parse_node",
    "ssh_argv",
    "start_node",
    "status",
    "stop_node",
    "up",
]


# Path of the lab key for this process (honours KUBEADM_PULUMI_CACHE at import time);
# call key_path() to re-read the environment.
KEY_PATH: Path = key_path()
