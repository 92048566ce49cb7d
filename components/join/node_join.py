"""NodeJoin: kubeadm join's worker phases on one host, with a bootstrap token that lives only for the join.

INPUTS   the worker (name, address, labels, taints) and its connection, the first control plane's connection,
         the control-plane endpoint, the CA certificate hash to pin, and the bootstrap-token phase (its RBAC and
         cluster-info must exist first). The worker's files are written by its Node before.
OUTPUTS  on the control plane: a bootstrap token Secret minted right before the join (`<name>-token`, 60 minutes
         at most) and deleted right after it (`<name>-token-delete`), so no token outlives a successful run.
         On the worker (`<name>`): /etc/kubernetes/bootstrap-kubelet.conf from cluster-info, only after its CA
         matched the pin; then the kubelet's own TLS bootstrap (its CSR approved by the RBAC from bootstrap-token),
         kubelet.conf written by the kubelet, bootstrap-kubelet.conf removed, done when the Node is registered
         (after the timeout the error carries the kubelet's recent log lines).
         In the cluster (`<name>-mark`): the worker's labels and taints on its Node. Removing the worker cordons
         and drains it and deletes its Node, from the control plane, before the host's reset.
A changed pin or phase re-runs the join with a new token; a changed kubelet file is the worker's rollout's
(WorkerRollout: drained, kubelet restarted, uncordoned); a changed label or taint only the mark step's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pulumi

from components import remote
from components.config import ClusterConfig, Host
from components.join import scripts as join_scripts
from components.node.node import Node
from components.remote import HostConnection


@dataclass(frozen=True, kw_only=True)
class NodeJoinArgs:
    host: Host
    connection: HostConnection
    control_plane: HostConnection
    endpoint: str
    ca_cert_hash: pulumi.Input[str]
    after: pulumi.Input[str]


class NodeJoin(pulumi.ComponentResource):
    joined: pulumi.Output[str]

    def __init__(self, name: str, args: NodeJoinArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kubeadm:join:NodeJoin", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        host = args.host
        # What the join depends on: when any of it changes, a new token is minted and the join runs again. A change
        # to the kubelet's files is the worker's rollout's (WorkerRollout), not a new join.
        inputs = [args.after, args.ca_cert_hash]
        token = remote.step(
            f"{name}-token",
            conn=args.control_plane,
            create=join_scripts.mint_token(host.name),
            # A removed worker's token step deletes any token a join of its left behind.
            delete=join_scripts.delete_node_tokens(host.name),
            triggers=inputs,
            # Its stdout is the token: never streamed to the console.
            logging=remote.NO_LOGGING,
            opts=child,
        )
        script = pulumi.Output.all(args.ca_cert_hash, token.urn).apply(
            lambda a: join_scripts.join_worker(host.name, args.endpoint, a[0], a[1])
        )
        # The token is a secret however the engine treats the step's stdout.
        token_text = pulumi.Output.secret(token.stdout)
        join = remote.step(name, conn=args.connection, create=script, stdin=token_text, triggers=inputs, opts=child)
        remote.step(
            f"{name}-token-delete",
            conn=args.control_plane,
            create=join_scripts.delete_token(),
            stdin=token_text,
            triggers=[join.stdout],
            opts=child,
        )
        mark = remote.step(
            f"{name}-mark",
            conn=args.control_plane,
            create=join_scripts.mark_worker(host.name, host.labels, host.taints),
            delete=join_scripts.remove_node(host.name, host.address),
            triggers=[join.stdout],
            opts=child,
        )
        self.joined = mark.id
        self.register_outputs({"joined": self.joined})


def join_workers(
    config: ClusterConfig,
    control_plane: Node,
    workers: Mapping[str, Node],
    ca_cert_hash: pulumi.Input[str],
    after: pulumi.Input[str],
    parent: pulumi.Resource,
) -> dict[str, NodeJoin]:
    """Every worker joins, in parallel with each other and with the control planes' joins, once init's
    bootstrap-token phase is done."""
    joins = {}
    for host in config.workers:
        node = workers[host.name]
        args = NodeJoinArgs(
            host=host,
            connection=node.connection,
            control_plane=control_plane.connection,
            endpoint=config.api_endpoint.host_port,
            ca_cert_hash=ca_cert_hash,
            after=after,
        )
        # The join reads the kubelet files the worker's Node wrote; nothing flows from them.
        joins[host.name] = NodeJoin(
            f"join-{host.name}", args, pulumi.ResourceOptions(parent=parent, depends_on=[node.files])
        )
    return joins
