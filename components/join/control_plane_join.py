"""ControlPlaneJoin: kubeadm join's control-plane phases on one more control-plane host, with stacked etcd.

INPUTS   the joining host and its connection, the first control plane's connection, the kubelet-start of the host
         (its files, certificates from state included, are written by then: control-plane-prepare), and `after`:
         the previous control plane's join, so control planes join one at a time.
OUTPUTS  through the first control plane: check-etcd (every member healthy), then the host's etcd member added
         as a learner (`<name>-etcd`, which prints the member list the new etcd starts with); on the host:
         /etc/kubernetes/manifests/etcd.yaml with that list; through the first control plane again, the learner
         promoted to a voting member once it caught up (`<name>-etcd-promote`); on the host: the control plane
         waited for, marked (kubeadm's label and taint on its Node) and kubelet.conf pointed at the rotated
         client certificate. `done` is the last step; `etcd_manifest` (and its content) the file written here,
         which the node's rollout watches too.
The member is added once: later runs do not add it again nor rewrite its manifest's member list. Removing the
host from the config removes its member through the cluster's `etcd-members` step, not here.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components import remote
from components.config import ClusterConfig, Host
from components.etcd import scripts as etcd_scripts
from components.node import node_files
from components.phases.kubelet_finalize import kubelet_finalize
from components.phases.mark_control_plane import mark_control_plane
from components.phases.wait_control_plane import WaitControlPlane, WaitControlPlaneArgs
from components.pki.kubeconfig_specs import ADMIN_CONF
from components.remote import HostConnection
from components.render.static_pod_flags import etcd_peer_url


@dataclass(frozen=True, kw_only=True)
class ControlPlaneJoinArgs:
    config: ClusterConfig
    host: Host
    connection: HostConnection
    first: HostConnection
    kubelet_started: pulumi.Input[str]
    kubelet_conf: pulumi.Input[str] | None
    after: pulumi.Input[str]


class ControlPlaneJoin(pulumi.ComponentResource):
    done: pulumi.Output[str]

    def __init__(self, name: str, args: ControlPlaneJoinArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kubeadm:join:ControlPlaneJoin", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        host, peer = args.host, etcd_peer_url(args.host.address)
        check = remote.step(
            f"{name}-check-etcd",
            conn=args.first,
            create=etcd_scripts.check_etcd(host.name, peer),
            triggers=[args.after, args.kubelet_started],
            opts=child,
        )
        # Ordered after check-etcd, but not triggered by it, and run once per member whatever becomes of its script:
        # adding the member again would hand etcd a new member list, and the manifest would change (and etcd
        # restart) under a running member.
        member = remote.step(
            f"{name}-etcd",
            conn=args.first,
            create=etcd_scripts.add_learner(host.name, peer),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[check], ignore_changes=["create", "stdin"]),
        )
        manifest = node_files.etcd_file(args.config, host, member.stdout)
        written = remote.file(
            f"{host.name}{manifest.path}",
            conn=args.connection,
            path=manifest.path,
            content=manifest.content,
            mode=manifest.mode,
            opts=child,
        )
        promoted = remote.step(
            f"{name}-etcd-promote",
            conn=args.first,
            create=etcd_scripts.promote(host.name, peer),
            triggers=[written.stdout, member.stdout],
            opts=child,
        )
        wait = WaitControlPlane(
            f"{name}-wait-control-plane",
            WaitControlPlaneArgs(
                host=host,
                connection=args.connection,
                kubelet_started=promoted.id,
                kubeconfig=ADMIN_CONF,
            ),
            child,
        )
        marked = mark_control_plane(f"{name}-mark-control-plane", host, args.connection, wait.ready, child)
        finalized = kubelet_finalize(
            f"{name}-kubelet-finalize", host, args.connection, marked, args.kubelet_conf, child
        )
        self.done = finalized
        # What the node's rollout also watches: the etcd manifest, written here rather than by the node's files.
        self.etcd_manifest, self.etcd_manifest_content = written, manifest.content
        self.register_outputs({"done": self.done})
