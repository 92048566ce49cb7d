"""The cluster, in the order of kubeadm init's phases, then kubeadm join's.

INPUTS   the parsed stack config and the SSH private key text of each key file it names.
OUTPUTS  every host (Node): preflight, then its files of the certs, kubeconfig, etcd, control-plane and kubelet-start
         phases, and on control planes the kubelet started; `pulumi destroy` resets every host last, the workers before
         the control planes. On the first control plane: wait-control-plane, then the cluster objects of upload-config,
         upload-certs (with uploadCerts), mark-control-plane, bootstrap-token, kubelet-finalize and the addons, then the
         pod network (`cni`). More control planes join one at a time (ControlPlaneJoin) and those that left the config
         leave etcd (`etcd-members`); a change that would cost etcd its quorum is refused at preview (ControlPlaneSet).
         Workers join in parallel (NodeJoin). Hosts that leave and cannot be drained or reset are warned about.
`expiry`: each certificate and kubeconfig placed on each host, with its NotAfter; certificates are renewed with their
keys on a plain `pulumi up` once closer to it than `certificateRenewBefore`, and roll like any other change.
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
from components.join.node_join import join_workers
from components.node.host_inventory import HostInventory, warn_departed
from components.node.node import control_plane_node, worker_nodes
from components.phases.addons import addons
from components.phases.bootstrap_token import bootstrap_token
from components.phases.cni import cni
from components.phases.kubelet_finalize import kubelet_finalize
from components.phases.mark_control_plane import mark_control_plane
from components.phases.upload_certs import upload_certs
from components.phases.upload_config import upload_config
from components.phases.wait_control_plane import WaitControlPlane, WaitControlPlaneArgs
from components.pki.cluster_pki import ClusterPki, ClusterPkiArgs
from components.pki.expiry import expiry_report
from components.pki.kubeconfigs import Kubeconfigs, KubeconfigsArgs
from components.rollout.control_plane_chain import control_plane_chain, control_plane_rollout
from components.rollout.kubernetes_version import KubernetesVersion
from components.rollout.worker_rollout import roll_workers


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

        # A version change kubeadm would refuse (two minors at once, a lower minor) fails here, at preview.
        version = KubernetesVersion("kubernetes-version", config.kubernetes_version, child)
        # A control-plane change that would cost etcd its quorum fails here, at preview, before any host is touched.
        # Every host's resources follow this guard; it follows the version check (no data flows between them).
        guard = ControlPlaneSet(
            "control-planes", config.control_planes, pulumi.ResourceOptions(parent=self, depends_on=[version])
        )
        # Hosts that leave and cannot be drained or reset are named in the run's Diagnostics.
        inventory = HostInventory("hosts", config.hosts, child)
        inventory.departed.apply(lambda gone: warn_departed(gone, inventory))
        certs = ClusterPki("certs", ClusterPkiArgs(config=config), child)
        kubeconfig = Kubeconfigs(
            "kubeconfig",
            KubeconfigsArgs(config=config, ca_cert_pem=certs.ca_cert_pem, ca_key_pem=certs.ca_key_pem),
            child,
        )
        pki = (certs, kubeconfig)
        # reset anchor -> preflight -> files (certs, kubeconfig, etcd, control-plane, kubelet) -> kubelet-start
        init = control_plane_node(config, first, args.private_keys, pki, guard, self)
        assert init.kubelet_started is not None  # a control plane's Node starts its kubelet
        wait = WaitControlPlane(
            "wait-control-plane",
            WaitControlPlaneArgs(host=first, connection=init.connection, kubelet_started=init.kubelet_started),
            child,
        )
        # The rolling chain starts here: the first control plane's gate, then each joining one's (below). The
        # cluster-level phases follow the first gate, so a change they carry is applied to a healthy control plane.
        gate = control_plane_rollout(config, init, after=wait.ready, parent=self)
        uploaded = upload_config(config, init.connection, gate.gate, child)
        self.certificate_key: pulumi.Output[str] | None = None
        if config.upload_certs:
            uploaded, self.certificate_key = upload_certs(certs.files_for(first), init.connection, uploaded, child)
        marked = mark_control_plane("mark-control-plane", first, init.connection, uploaded, child)
        bootstrapped = bootstrap_token(config, certs.ca_cert_pem, init.connection, marked, child)
        finalized = kubelet_finalize("kubelet-finalize", first, init.connection, bootstrapped, init.kubelet_conf, child)

        control_planes, joined, gate = control_plane_chain(
            config, args.private_keys, pki, guard, (init, gate), bootstrapped, self
        )
        # Control planes that left the config leave etcd once the others joined; workers do not wait for joins.
        etcd_members(config, init.connection, joined, child)
        workers = worker_nodes(config, args.private_keys, pki, list(control_planes.values()), self)
        joins = join_workers(config, init, workers, certs.ca_cert_hash, bootstrapped, self)
        roll_workers(config, init, workers, joins, gate, self)
        # kube-proxy and CoreDNS follow the last control plane's gate too: an upgrade moves them to the new version
        # only once every API server runs it (the value passed on is kubelet-finalize's).
        added = addons(config, init.connection, gate.gate.apply(lambda _: finalized), child)
        cni(config, init.connection, added or finalized, child)

        self.admin_kubeconfig = kubeconfig.admin_kubeconfig
        self.ca_cert_hash = certs.ca_cert_hash
        self.endpoint = config.api_endpoint.url
        self.expiry = expiry_report(config, certs, kubeconfig, {**control_planes, **workers}, self)
        self.preflight_reports: pulumi.Output[dict[str, str]] = pulumi.Output.all(
            **{n: node.preflight.report for n, node in {**control_planes, **workers}.items()}
        )
        self.register_outputs(
            {"admin_kubeconfig": self.admin_kubeconfig, "ca_cert_hash": self.ca_cert_hash, "endpoint": self.endpoint}
        )
