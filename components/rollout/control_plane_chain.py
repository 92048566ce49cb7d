"""The control planes' chain: each control plane after the first gets its Node (files, kubelet-start) only once the
previous one's rollout passed its gate, joins (ControlPlaneJoin), then passes its own rollout's gate. Creating the
cluster and every later change to what the control planes run go down this one chain, one node at a time.

INPUTS   the stack config, the SSH keys, the PKI and kubeconfig sources, the quorum guard, the first control plane's
         gate (its rollout) and init's bootstrap-token phase.
OUTPUTS  every control plane's Node, by name; the last join (for etcd-members) and the last gate (for the workers).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import pulumi

from components.config import ClusterConfig
from components.join.control_plane_join import ControlPlaneJoin, ControlPlaneJoinArgs
from components.node.node import FileSource, Node, control_plane_node
from components.rollout.control_plane_rollout import ControlPlaneRollout, ControlPlaneRolloutArgs


def control_plane_chain(
    config: ClusterConfig,
    private_keys: Mapping[Path, pulumi.Input[str]],
    pki: Sequence[FileSource],
    guard: pulumi.Resource,
    first: tuple[Node, ControlPlaneRollout],
    bootstrapped: pulumi.Input[str],
    parent: pulumi.Resource,
) -> tuple[dict[str, Node], pulumi.Input[str], ControlPlaneRollout]:
    node, gate = first
    nodes = {config.control_planes[0].name: node}
    joined = bootstrapped
    for host in config.control_planes[1:]:
        node = control_plane_node(config, host, private_keys, pki, guard, parent, files_after=[gate])
        assert node.kubelet_started is not None  # a control plane's Node starts its kubelet
        join = ControlPlaneJoin(
            f"join-{host.name}",
            ControlPlaneJoinArgs(
                config=config,
                host=host,
                connection=node.connection,
                first=nodes[config.control_planes[0].name].connection,
                kubelet_started=node.kubelet_started,
                kubelet_conf=node.kubelet_conf,
                after=joined,
            ),
            pulumi.ResourceOptions(parent=parent),
        )
        joined = join.done
        gate = control_plane_rollout(
            config, node, after=join.done, extra=(join.etcd_manifest, join.etcd_manifest_content), parent=parent
        )
        nodes[host.name] = node
    return nodes, joined, gate


def control_plane_rollout(
    config: ClusterConfig,
    node: Node,
    after: pulumi.Input[str],
    parent: pulumi.Resource,
    extra: tuple[pulumi.Resource, pulumi.Input[str]] | None = None,
) -> ControlPlaneRollout:
    """The node's rollout, after the step that brought it up; `extra`: a file written outside the node's own files
    (a joining member's etcd manifest), and its content."""
    writers: list[pulumi.Resource] = [node.files, *([extra[0]] if extra else [])]
    contents = [*node.contents, *([extra[1]] if extra else [])]
    args = ControlPlaneRolloutArgs(
        config=config, host=node.host, connection=node.connection, contents=contents, writers=writers, after=after
    )
    return ControlPlaneRollout(f"rollout-{node.host.name}", args, pulumi.ResourceOptions(parent=parent))
