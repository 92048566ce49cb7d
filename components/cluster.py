"""The cluster, in the order of kubeadm init's phases.

INPUTS   the parsed stack config and the SSH private key text of each key file it names.
OUTPUTS  on every host: preflight, then the files of the certs, kubeconfig, etcd, control-plane and kubelet-start
         phases (HostFiles); on the first control plane: the kubelet started, the control plane waited for, and
         the cluster objects of upload-config, mark-control-plane, bootstrap-token and the addons.
         `pulumi destroy` resets every host last (Reset), the workers before the control planes.
More control planes: their files (etcd's manifest aside), then kubeadm join's control-plane phases, one host at
a time (ControlPlaneJoin); control planes that left the config leave etcd and the cluster (`etcd-members`), and a
change that would cost etcd its quorum is refused at preview (ControlPlaneSet).
Workers: preflight, the cluster CA and the kubelet files, then kubeadm join's worker phases (NodeJoin), in
parallel with the control planes' joins.
The first control plane in the list runs the cluster-level steps; it must be a member of the running cluster.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi

from components import cluster_objects as objects
from components import constants as c
from components import etcd_scripts, node_files, phase_scripts, remote
from components.cluster_addons import coredns_objects
from components.cluster_apply import ClusterApply, ClusterApplyArgs
from components.config import ROLE_CONTROL_PLANE, ClusterConfig
from components.control_plane_join import ControlPlaneJoin, ControlPlaneJoinArgs
from components.control_plane_set import ControlPlaneSet
from components.host_files import HostFiles, HostFilesArgs
from components.host_inventory import HostInventory, warn_departed
from components.k8s_objects import render_objects
from components.kube_proxy_objects import kube_proxy_objects
from components.kubeconfigs import Kubeconfigs, KubeconfigsArgs
from components.kubelet_start import KubeletStart, KubeletStartArgs
from components.node_join import NodeJoin, NodeJoinArgs
from components.pki import ClusterPki, ClusterPkiArgs
from components.preflight import Preflight, PreflightArgs
from components.reset import Reset, ResetArgs
from components.static_pod_flags import etcd_peer_url, url_host
from components.upload_certs import EncryptedCerts, delete_script, kubeadm_certs_objects, upload_script
from components.wait_control_plane import WaitControlPlane, WaitControlPlaneArgs


@dataclass(frozen=True, kw_only=True)
class ClusterArgs:
    config: ClusterConfig
    private_keys: Mapping[Path, pulumi.Input[str]]


class Cluster(pulumi.ComponentResource):
    """A kubeadm-style cluster on the configured hosts."""

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kubeadm:index:Cluster", name, None, opts)
        config, first = args.config, args.config.control_planes[0]
        self._child = pulumi.ResourceOptions(parent=self)
        self.certificate_key: pulumi.Output[str] | None = None  # set by upload-certs when the stack asks for it
        conn = {h.name: remote.connection(h, args.private_keys[h.ssh.private_key_file]) for h in config.hosts}

        # reset: every host resource depends on it, so `pulumi destroy` resets each host after the rest is gone;
        # the workers' resets depend on the control planes', so on destroy the workers are reset first.
        # A control-plane change that would cost etcd its quorum fails here, at preview, before any host is touched.
        guard = ControlPlaneSet("control-planes", config.control_planes, self._child)
        # Hosts that leave and cannot be drained or reset are named in the run's Diagnostics.
        inventory = HostInventory("hosts", config.hosts, self._child)
        inventory.departed.apply(lambda gone: warn_departed(gone, inventory))
        resets = {
            h.name: Reset(f"reset-{h.name}", ResetArgs(host=h), self._after(guard)) for h in config.control_planes
        }
        control_plane_resets = list(resets.values())
        for w in config.workers:
            resets[w.name] = Reset(f"reset-{w.name}", ResetArgs(host=w), self._after(*control_plane_resets))
        preflight = {
            h.name: Preflight(
                f"preflight-{h.name}",
                PreflightArgs(host=h, connection=conn[h.name], ignored=config.ignore_preflight_errors),
                self._after(resets[h.name]),
            )
            for h in config.hosts
        }
        pki = ClusterPki("certs", ClusterPkiArgs(config=config), self._child)
        kubeconfig = Kubeconfigs(
            "kubeconfig",
            KubeconfigsArgs(config=config, ca_cert_pem=pki.ca_cert_pem, ca_key_pem=pki.ca_key_pem),
            self._child,
        )

        kubelets: dict[str, KubeletStart] = {}
        kubelet_inputs: dict[str, list[pulumi.Input[str]]] = {}
        written_files: dict[str, HostFiles] = {}
        manifests: dict[str, list[pulumi.Input[str]]] = {}
        for h in config.hosts:
            kubelet = node_files.kubelet_files(config, h)
            # A joining control plane gets its etcd manifest from ControlPlaneJoin, once its member is added.
            static_pods = node_files.static_pod_files(config, h, etcd=h == first)
            manifests[h.name] = [f.content for f in static_pods]
            files = pki.files_for(h) + kubeconfig.files_for(h) + static_pods + kubelet
            # No file may land on a host that failed preflight; nothing flows from preflight to the files.
            written = HostFiles(
                f"files-{h.name}",
                HostFilesArgs(host=h, connection=conn[h.name], files=files),
                self._after(preflight[h.name], resets[h.name]),
            )
            written_files[h.name] = written
            # The kubelet reads what HostFiles wrote; it restarts when any of it changes.
            kubelet_inputs[h.name] = [
                f.content for f in files if f.path.startswith(c.KUBELET_DIR) or f.path.endswith(c.KUBELET_KUBECONFIG)
            ]
            if h.role == ROLE_CONTROL_PLANE:
                kubelets[h.name] = KubeletStart(
                    f"kubelet-start-{h.name}",
                    KubeletStartArgs(connection=conn[h.name], inputs=kubelet_inputs[h.name]),
                    self._after(written),
                )

        wait = WaitControlPlane(
            "wait-control-plane",
            WaitControlPlaneArgs(
                host=first,
                connection=conn[first.name],
                kubelet_started=kubelets[first.name].started,
                manifests=manifests[first.name],
            ),
            self._child,
        )
        upload = self._apply(
            "upload-config",
            conn[first.name],
            wait.ready,
            self._upload_config(config),
            kubeconfig=f"{c.KUBERNETES_DIR}/{c.SUPER_ADMIN_KUBECONFIG}",
        )
        if config.upload_certs:
            upload = self._upload_certs(pki.files_for(first), conn[first.name], upload)
        marked = self._step(
            "mark-control-plane",
            conn[first.name],
            phase_scripts.mark_kubeadm_control_plane(first.name),
            upload,
        )
        # No token here: each join mints its own right before it runs and deletes it after (NodeJoin).
        bootstrap = self._apply(
            "bootstrap-token", conn[first.name], marked, pki.ca_cert_pem.apply(lambda ca: bootstrap_objects(config, ca))
        )
        finalized = self._step(
            "kubelet-finalize",
            conn[first.name],
            phase_scripts.kubelet_finalize(f"{c.NODE_USER_PREFIX}{first.name}"),
            bootstrap,
        )
        # Control planes join one at a time; workers do not wait for them.
        joined = bootstrap
        for h in config.control_planes[1:]:
            join_cp = ControlPlaneJoinArgs(
                config=config,
                host=h,
                connection=conn[h.name],
                first=conn[first.name],
                kubelet_started=kubelets[h.name].started,
                manifests=manifests[h.name],
                after=joined,
            )
            joined = ControlPlaneJoin(f"join-{h.name}", join_cp, self._child).done
        # Control planes that left the config leave etcd (and the cluster), after any joining ones have joined.
        peers = [etcd_peer_url(h.address) for h in config.control_planes]
        local_api = f"https://{url_host(first.address)}:{c.APISERVER_PORT}"
        self._step("etcd-members", conn[first.name], etcd_scripts.remove_members(peers, local_api), joined)
        for w in config.workers:
            join = NodeJoinArgs(
                host=w,
                connection=conn[w.name],
                control_plane=conn[first.name],
                endpoint=objects.control_plane_endpoint(config),
                ca_cert_hash=pki.ca_cert_hash,
                after=bootstrap,
                kubelet_inputs=kubelet_inputs[w.name],
            )
            # The join reads the kubelet files HostFiles wrote on the worker; nothing flows from them.
            NodeJoin(f"join-{w.name}", join, self._after(written_files[w.name]))
        addons = self._addons(config)
        if addons:
            self._apply("addons", conn[first.name], finalized, addons)

        self.admin_kubeconfig = kubeconfig.admin_kubeconfig
        self.ca_cert_hash = pki.ca_cert_hash
        self.endpoint = f"https://{objects.control_plane_endpoint(config)}"
        self.preflight_reports: pulumi.Output[dict[str, str]] = pulumi.Output.all(
            **{n: p.report for n, p in preflight.items()}
        )
        self.register_outputs(
            {"admin_kubeconfig": self.admin_kubeconfig, "ca_cert_hash": self.ca_cert_hash, "endpoint": self.endpoint}
        )

    def _upload_certs(self, pki_files: list[remote.HostFile], conn, after: pulumi.Input[str]) -> pulumi.Output[str]:
        # The shared CAs and the sa key pair, named as kubeadm names them in kubeadm-certs (etcd/ca.crt: etcd-ca.crt).
        wanted = (
            "ca.crt",
            "ca.key",
            "front-proxy-ca.crt",
            "front-proxy-ca.key",
            "sa.key",
            "sa.pub",
            "etcd-ca.crt",
            "etcd-ca.key",
        )
        files = {f.path.removeprefix(f"{c.PKI_DIR}/").replace("/", "-"): f.content for f in pki_files}
        encrypted = EncryptedCerts("upload-certs-encrypted", {name: files[name] for name in wanted}, self._child)
        self.certificate_key = encrypted.certificate_key
        step = remote.step(
            "upload-certs",
            conn=conn,
            create=upload_script(f"{c.KUBERNETES_DIR}/{c.ADMIN_KUBECONFIG}"),
            delete=delete_script(f"{c.KUBERNETES_DIR}/{c.ADMIN_KUBECONFIG}"),
            stdin=encrypted.data.apply(kubeadm_certs_objects),
            triggers=[after],
            opts=self._child,
        )
        return step.id

    def _after(self, *resources: pulumi.Resource) -> pulumi.ResourceOptions:
        return pulumi.ResourceOptions(parent=self, depends_on=list(resources))

    def _step(self, phase: str, conn, script: str, after: pulumi.Input[str]) -> pulumi.Output[str]:
        return remote.step(phase, conn=conn, create=script, triggers=[after], opts=self._child).id

    def _apply(
        self, phase: str, conn, after: pulumi.Input[str], manifest: pulumi.Input[str], kubeconfig: str | None = None
    ) -> pulumi.Output[str]:
        args = ClusterApplyArgs(connection=conn, phase=phase, manifest=manifest, after=after, kubeconfig=kubeconfig)
        return ClusterApply(phase, args, self._child).applied

    @staticmethod
    def _upload_config(config: ClusterConfig) -> str:
        # The admins' binding first (kubeadm makes it with super-admin.conf), then kubeadm-config and kubelet-config.
        admins = [o for o in objects.bootstrap_token_rbac(config) if o["metadata"]["name"] == c.CLUSTER_ADMINS_GROUP]
        kubelet = objects.kubelet_config_objects(config, extra_config=config.kubelet_configuration or None)
        return render_objects(admins + objects.kubeadm_config_objects(config) + kubelet)

    @staticmethod
    def _addons(config: ClusterConfig) -> str:
        dns = [] if config.dns_disabled else coredns_objects(config)
        proxy = [] if config.proxy_disabled else kube_proxy_objects(config)
        return render_objects([*dns, *proxy]) if dns or proxy else ""


def bootstrap_objects(config: ClusterConfig, ca_cert_pem: str) -> str:
    """bootstrap-token: the RBAC for TLS bootstrap, CSR approval and rotation, and the cluster-info ConfigMap."""
    return render_objects([*objects.bootstrap_token_rbac(config), *objects.cluster_info_objects(config, ca_cert_pem)])
