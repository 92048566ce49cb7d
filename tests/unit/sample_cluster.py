"""The sample cluster the render tests share: control plane node-1 10.213.0.11, worker node-2 10.213.0.12, `lab`."""

from __future__ import annotations

from pathlib import Path

from components import constants as c
from components.config import ROLE_CONTROL_PLANE, ROLE_WORKER, ClusterConfig, Component, Host, Networking, Ssh

SSH = Ssh(user="root", port=22, private_key_file=Path("/nonexistent/id_ed25519"))
CP = Host(name="node-1", address="10.213.0.11", role=ROLE_CONTROL_PLANE, ssh=SSH)
WORKER = Host(name="node-2", address="10.213.0.12", role=ROLE_WORKER, ssh=SSH)
CONFIG = ClusterConfig(
    cluster_name="lab",
    kubernetes_version=c.DEFAULT_KUBERNETES_VERSION,
    control_plane_endpoint=None,
    image_repository=c.DEFAULT_IMAGE_REPOSITORY,
    networking=Networking(service_subnet="10.96.0.0/12", pod_subnet="10.244.0.0/16", dns_domain="cluster.local"),
    api_server=Component(),
    controller_manager=Component(),
    scheduler=Component(),
    etcd=Component(),
    control_planes=(CP,),
    workers=(WORKER,),
    ignore_preflight_errors=frozenset(),
)
