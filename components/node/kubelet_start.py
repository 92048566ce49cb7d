"""KubeletStart: the kubelet-start phase on one host.

INPUTS   the host's connection and the files the kubelet reads (written by the host's `files-<host>` before this step).
OUTPUTS  the kubelet enabled and restarted whenever one of those files changes (the step's triggers are their
         hashes). Stopping it is the host's reset (Reset), so a host that is gone does not block its removal.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from components import remote
from components.node import scripts as node_scripts
from components.remote import HostConnection


@dataclass(frozen=True, kw_only=True)
class KubeletStartArgs:
    connection: HostConnection
    # The content of every file the kubelet reads; when one changes, the kubelet restarts.
    inputs: Sequence[pulumi.Input[str]]


class KubeletStart(pulumi.ComponentResource):
    started: pulumi.Output[str]

    def __init__(self, name: str, args: KubeletStartArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kubeadm:kubelet:KubeletStart", name, None, opts)
        step = remote.step(
            name,
            conn=args.connection,
            create=node_scripts.kubelet_start(),
            triggers=list(args.inputs),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.started = step.id
        self.register_outputs({"started": self.started})
