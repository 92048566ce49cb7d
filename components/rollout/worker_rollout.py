"""WorkerRollout: one worker's link in the rolling chain: drained, its packages brought to the cluster's version
(where kubeadm-pulumi installs them), its kubelet restarted on its new files, Ready again, uncordoned.

INPUTS   the worker and its connection, the first control plane's connection (kubectl with admin.conf), the contents
         of what its kubelet reads, the packages' parameters and what a change of them is (or None: the host brings
         its own), the worker's join, and `after`: the workers of the previous wave (their
         uncordon steps) or the last control plane's rollout.
OUTPUTS  when what the kubelet reads or the packages change (an upgrade): `rollout-<w>-drain` (on the control
         plane: cordon and drain), `rollout-<w>` (on the worker: the packages installed, the kubelet restarted,
         healthy, its Node Ready), `rollout-<w>-uncordon` (on
         the control plane). Creating a worker runs none of them (its join starts the kubelet), not even a
         connection. `done` is the uncordon step, for the next wave to wait on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi

from components import remote
from components.config import ClusterConfig, Host
from components.join.node_join import NodeJoin
from components.node import packages
from components.node.node import Node
from components.remote import HostConnection
from components.rollout import scripts


@dataclass(frozen=True, kw_only=True)
class WorkerRolloutArgs:
    host: Host
    connection: HostConnection
    control_plane: HostConnection
    kubelet_inputs: Sequence[pulumi.Input[str]]
    # packages.sh's parameters and the trigger text of the packages (version, source, key), or None.
    packages: tuple[Mapping[str, str], str] | None
    joined: pulumi.Input[str]
    after: Sequence[pulumi.Resource]


class WorkerRollout(pulumi.ComponentResource):
    done: pulumi.Resource

    def __init__(self, name: str, args: WorkerRolloutArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kubeadm:rollout:WorkerRollout", name, None, opts)
        node, triggers = args.host.name, [args.joined, *args.kubelet_inputs]
        restart = scripts.restart_kubelet(node)
        if args.packages is not None:
            params, changed = args.packages
            triggers.append(changed)
            restart = scripts.upgrade_worker(node, params)

        def on_change(step: str, conn: HostConnection, script: str, *after: pulumi.Resource) -> pulumi.Resource:
            return remote.step(
                step,
                conn=conn,
                create=None,
                update=script,
                triggers=triggers,
                opts=pulumi.ResourceOptions(parent=self, depends_on=list(after)),
            )

        drained = on_change(f"{name}-drain", args.control_plane, scripts.drain_worker(node), *args.after)
        restarted = on_change(name, args.connection, restart, drained)
        self.done = on_change(f"{name}-uncordon", args.control_plane, scripts.uncordon_worker(node), restarted)
        self.register_outputs({})


def worker_packages(config: ClusterConfig, host: Host) -> tuple[Mapping[str, str], str] | None:
    if not config.packages.install:
        return None
    return packages.params(config, host), packages.trigger(config)


def roll_workers(
    config: ClusterConfig,
    control_plane: Node,
    workers: Mapping[str, Node],
    joins: Mapping[str, NodeJoin],
    after: pulumi.Resource,
    parent: pulumi.Resource,
) -> list[WorkerRollout]:
    """Workers in waves of workerRollout.maxUnavailable, in the config's order, after the control planes (`after`:
    the last one's rollout): a wave starts when the previous one is done."""
    rollouts: list[WorkerRollout] = []
    size = config.max_unavailable_workers
    for start in range(0, len(config.workers), size):
        previous = [r.done for r in rollouts[-size:]] if rollouts else [after]
        for host in config.workers[start : start + size]:
            args = WorkerRolloutArgs(
                host=host,
                connection=workers[host.name].connection,
                control_plane=control_plane.connection,
                kubelet_inputs=workers[host.name].kubelet_inputs,
                packages=worker_packages(config, host),
                joined=joins[host.name].joined,
                after=previous,
            )
            rollouts.append(WorkerRollout(f"rollout-{host.name}", args, pulumi.ResourceOptions(parent=parent)))
    return rollouts
