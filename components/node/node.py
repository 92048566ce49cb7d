"""Node: what every host of the cluster gets, in order: the reset anchor, preflight, the packages, its files, and
(control planes) kubelet-start.

INPUTS   the stack config and the host, its SSH connection, the PKI and kubeconfig files it needs (from ClusterPki
         and Kubeconfigs), and `reset_after`: the resets this host's reset must follow on destroy.
OUTPUTS  on the host: preflight's checks, then kubelet, kubeadm and kubectl installed at the cluster's version and
         held (`packages-<host>`, unless kubeadm:packages.install is false), then the certs, kubeconfig, etcd,
         control-plane and kubelet-start phases' files (one command, `files-<host>`), then on a control plane the
         kubelet (re)started on them (KubeletStart). `pulumi destroy` resets the host after everything else of it is
         gone (Reset).
         `connection`, `files` (the command writing them), `contents` (of every file: the node's rollout's triggers),
         `kubelet_inputs` (the contents of what the kubelet reads: its restarts' triggers), `kubelet_started` and
         `kubelet_conf` (its content as written; control planes only), `reset`, `preflight` (its report) for the
         phases that follow.
A joining control plane gets its etcd manifest from ControlPlaneJoin, once its member is added.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import pulumi

from components import constants as c
from components import remote
from components.config import ROLE_CONTROL_PLANE, ClusterConfig, Host
from components.node import node_files, packages
from components.node.kubelet_start import KubeletStart, KubeletStartArgs
from components.node.preflight import Preflight, PreflightArgs
from components.node.reset import Reset, ResetArgs
from components.pki.cert_specs import CA, cert_path
from components.pki.kubeconfig_specs import KUBELET_CONF
from components.remote import HostConnection, HostFile


class FileSource(Protocol):
    """ClusterPki and Kubeconfigs: what each host gets of them."""

    def files_for(self, host: Host) -> list[HostFile]: ...


@dataclass(frozen=True, kw_only=True)
class NodeArgs:
    config: ClusterConfig
    host: Host
    connection: HostConnection
    # Keys, certificates and kubeconfigs from ClusterPki and Kubeconfigs.
    pki_files: Sequence[HostFile]
    # Resources this host's reset runs after on destroy: the control-plane set guard, or the control planes' resets.
    reset_after: Sequence[pulumi.Resource]
    # Whether this host runs etcd from the start (the first control plane); a joining one gets it later.
    etcd: bool = False
    # What the host's files wait for: the previous control plane's rollout, so control planes change one at a time.
    files_after: Sequence[pulumi.Resource] = ()


class Node:
    """One host's resources, children of the cluster (as they always were: a component of its own would add a
    resource to every existing stack's plan). Their names carry the host, so a preview still reads per host."""

    kubelet_started: pulumi.Output[str] | None
    kubelet_conf: pulumi.Input[str] | None

    def __init__(self, args: NodeArgs, parent: pulumi.Resource) -> None:
        config, host = args.config, args.host

        def child(*after: pulumi.Resource) -> pulumi.ResourceOptions:
            return pulumi.ResourceOptions(parent=parent, depends_on=list(after))

        self.host, self.connection = host, args.connection
        # Every other resource of the host depends on its reset, so destroy resets the host last.
        self.reset = Reset(f"reset-{host.name}", ResetArgs(host=host), child(*args.reset_after))
        self.preflight = Preflight(
            f"preflight-{host.name}",
            PreflightArgs(
                host=host,
                connection=args.connection,
                ignored=config.ignore_preflight_errors,
                packages=config.packages.install,
            ),
            child(self.reset),
        )
        # Nothing is installed on a host that failed preflight (nothing flows from preflight to the packages), nor on
        # a joining control plane before the previous one passed its gate: an upgrade installs one at a time.
        installed = []
        if config.packages.install:
            opts = child(self.preflight, self.reset, *args.files_after)
            installed.append(packages.install(config, host, args.connection, opts))
        static_pods = node_files.static_pod_files(config, host, etcd=args.etcd)
        kubelet = node_files.kubelet_files(config, host)
        files = [*args.pki_files, *static_pods, *kubelet]
        # No file may land on a host that failed preflight; nothing flows from preflight to the files.
        # One command writes them all (`files-<host>`): one SSH round trip for the host's files, not one per file.
        self.files = remote.files(
            f"files-{host.name}",
            conn=args.connection,
            files=files,
            # The files follow the packages: kubeadm's drop-in and the kubelet's unit come with them.
            opts=child(self.preflight, self.reset, *installed, *args.files_after),
        )
        # Everything the host's static pods and kubelet read: a change to any of it rolls the node.
        self.contents = [f.content for f in files]
        # The kubelet reads its own files, kubelet.conf and the cluster CA (its clientCAFile).
        kubelet_reads = (KUBELET_CONF, cert_path(CA))
        self.kubelet_inputs = [f.content for f in files if f.path.startswith(c.KUBELET_DIR) or f.path in kubelet_reads]
        # A control plane's, as written (kubelet-finalize then points it at the rotated certificate); workers have none.
        self.kubelet_conf = next((f.content for f in files if f.path == KUBELET_CONF), None)
        self.kubelet_started = None
        if host.role == ROLE_CONTROL_PLANE:
            # The kubelet reads what `files` wrote; it restarts when any of it changes.
            kubelet_start = KubeletStart(
                f"kubelet-start-{host.name}",
                KubeletStartArgs(connection=args.connection, inputs=self.kubelet_inputs),
                child(self.files),
            )
            self.kubelet_started = kubelet_start.started


def control_plane_node(
    config: ClusterConfig,
    host: Host,
    private_keys: Mapping[Path, pulumi.Input[str]],
    pki: Sequence[FileSource],
    guard: pulumi.Resource,
    parent: pulumi.Resource,
    files_after: Sequence[pulumi.Resource] = (),
) -> Node:
    """A control plane's Node; its reset follows the guard that keeps etcd's quorum, on destroy."""
    return Node(_args(config, host, private_keys, pki, [guard], files_after), parent)


def worker_nodes(
    config: ClusterConfig,
    private_keys: Mapping[Path, pulumi.Input[str]],
    pki: Sequence[FileSource],
    control_planes: Sequence[Node],
    parent: pulumi.Resource,
) -> dict[str, Node]:
    """Each worker's Node, by name; on destroy the workers are reset before the control planes."""
    resets = [n.reset for n in control_planes]
    return {w.name: Node(_args(config, w, private_keys, pki, resets, ()), parent) for w in config.workers}


def _args(
    config: ClusterConfig,
    host: Host,
    private_keys: Mapping[Path, pulumi.Input[str]],
    pki: Sequence[FileSource],
    reset_after: Sequence[pulumi.Resource],
    files_after: Sequence[pulumi.Resource],
) -> NodeArgs:
    return NodeArgs(
        config=config,
        host=host,
        connection=remote.connection(host, private_keys[host.ssh.private_key_file]),
        pki_files=[f for source in pki for f in source.files_for(host)],
        reset_after=reset_after,
        etcd=host == config.control_planes[0],
        files_after=files_after,
    )
