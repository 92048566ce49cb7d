"""NodeJoin: kubeadm join's worker phases on one host.

INPUTS   the worker's connection, the control-plane endpoint, the CA certificate hash to pin, a bootstrap token
         (secret), the kubelet files HostFiles wrote, and the bootstrap-token phase (its RBAC and the signed
         cluster-info must exist first).
OUTPUTS  on the worker: /etc/kubernetes/bootstrap-kubelet.conf (from cluster-info, only after its CA matched the
         pin), then the kubelet's own TLS bootstrap (its CSR approved by the RBAC from bootstrap-token), kubelet.conf
         written by the kubelet, bootstrap-kubelet.conf removed. Done when the Node is registered; after the
         timeout the error carries the kubelet's recent log lines. A changed kubelet file restarts the kubelet.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_command import remote as command

from components import phase_scripts, remote
from components.config import Host


@dataclass(frozen=True, kw_only=True)
class NodeJoinArgs:
    host: Host
    connection: command.ConnectionArgs
    endpoint: str
    ca_cert_hash: pulumi.Input[str]
    token: pulumi.Input[str]
    after: pulumi.Input[str]
    kubelet_inputs: Sequence[pulumi.Input[str]]


class NodeJoin(pulumi.ComponentResource):
    joined: pulumi.Output[str]

    def __init__(self, name: str, args: NodeJoinArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kubeadm:join:NodeJoin", name, None, opts)
        script = pulumi.Output.from_input(args.ca_cert_hash).apply(
            lambda pin: phase_scripts.join_worker(args.host.name, args.endpoint, pin)
        )
        step = remote.step(
            name,
            conn=args.connection,
            create=script,
            delete=phase_scripts.kubelet_stop(),
            stdin=pulumi.Output.secret(args.token),
            triggers=[args.after, *args.kubelet_inputs],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.joined = step.id
        self.register_outputs({"joined": self.joined})
