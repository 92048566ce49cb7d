"""The cluster, in the order of kubeadm init's phases, then kubeadm join's.

INPUTS   the parsed stack config and the SSH private key text of each key file it names.
OUTPUTS  every host (Node): preflight, then its files of the certs, kubeconfig, etcd, control-plane and kubelet-start
         phases, and on control planes the kubelet started; `pulumi destroy` resets every host last, the workers
         before the control planes. On the first control plane: wait-control-plane, then the cluster objects of
         upload-config, upload-certs (with uploadCerts), mark-control-plane, bootstrap-token, kubelet-finalize and
         the addons. More control planes join one at a time (ControlPlaneJoin) and those that left the config leave
         etcd (`etcd-members`); a change that would cost etcd its quorum is refused at preview (ControlPlaneSet).
         Workers join in parallel (NodeJoin). Hosts that leave and cannot be drained or reset are warned about.
The first control plane in the list runs the cluster-level steps; it must be a member of the running cluster.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi

from components.config import ClusterConfig
from components.etcd.control_plane_set import ControlPlaneSet
from components.etcd.members import etcd_members
from components.join.control_plane_join import join_control_planes
from components.join.node_join import join_workers
from components.node.host_inventory import HostInventory, warn_departed
from components.node.node import cluster_nodes
from components.phases.addons import addons
from components.phases.bootstrap_token import bootstrap_token
from components.phases.kubelet_finalize import kubelet_finalize
from components.phases.mark_control_plane import mark_control_plane
from components.phases.upload_certs import upload_certs
from components.phases.upload_config import upload_config
from components.phases.wait_control_plane import WaitControlPlane, WaitControlPlaneArgs
from components.pki.cluster_pki import ClusterPki, ClusterPkiArgs
from components.pki.kubeconfigs import Kubeconfigs, KubeconfigsArgs


@dataclass(frozen=True, kw_only=True)
class ClusterArgs:
    config: ClusterConfig
    private_keys: Mapping[Path, pulumi.Input[str]]


class Cluster(pulumi.ComponentResource):
    """A kubeadm-style cluster on the configured hosts."""

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kubeadm:index:Cluster", name, None, opts)
        config, child = args.config, pulumi.ResourceOptions(parent=self)
        first = config.control_planes[0]

        # A control-plane change that would cost etcd its quorum fails here, at preview, before any host is touched.
        guard = ControlPlaneSet("control-planes", config.control_planes, child)
        # Hosts that leave and cannot be drained or reset are named in the run's Diagnostics.
        inventory = HostInventory("hosts", config.hosts, child)
        inventory.departed.apply(lambda gone: warn_departed(gone, inventory))
        certs = ClusterPki("certs", ClusterPkiArgs(config=config), child)
        kubeconfig = Kubeconfigs(
            "kubeconfig",
            KubeconfigsArgs(config=config, ca_cert_pem=certs.ca_cert_pem, ca_key_pem=certs.ca_key_pem),
            child,
        )
        # reset anchor -> preflight -> files (certs, kubeconfig, etcd, control-plane, kubelet) -> kubelet-start
        nodes = cluster_nodes(config, args.private_keys, (certs, kubeconfig), guard, self)

        init = nodes[first.name]
        assert init.kubelet_started is not None  # a control plane's Node starts its kubelet
        wait = WaitControlPlane(
            "wait-control-plane",
            WaitControlPlaneArgs(
                host=first, connection=init.connection, kubelet_started=init.kubelet_started, manifests=init.manifests
            ),
            child,
        )
        uploaded = upload_config(config, init.connection, wait.ready, child)
        self.certificate_key: pulumi.Output[str] | None = None
        if config.upload_certs:
            uploaded, self.certificate_key = upload_certs(certs.files_for(first), init.connection, uploaded, child)
        marked = mark_control_plane("mark-control-plane", first, init.connection, uploaded, child)
        bootstrapped = bootstrap_token(config, certs.ca_cert_pem, init.connection, marked, child)
        finalized = kubelet_finalize("kubelet-finalize", first, init.connection, bootstrapped, child)

        # Control planes join one at a time, then those that left the config leave etcd; workers do not wait.
        joined = join_control_planes(config, nodes, bootstrapped, child)
        etcd_members(config, init.connection, joined, child)
        join_workers(config, nodes, certs.ca_cert_hash, bootstrapped, self)
        addons(config, init.connection, finalized, child)

        self.admin_kubeconfig = kubeconfig.admin_kubeconfig
        self.ca_cert_hash = certs.ca_cert_hash
        self.endpoint = config.api_endpoint.url
        self.preflight_reports: pulumi.Output[dict[str, str]] = pulumi.Output.all(
            **{n: node.preflight.report for n, node in nodes.items()}
        )
        self.register_outputs(
            {"admin_kubeconfig": self.admin_kubeconfig, "ca_cert_hash": self.ca_cert_hash, "endpoint": self.endpoint}
        )
