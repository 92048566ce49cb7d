"""Reset: the anchor of everything kubeadm-pulumi puts on a host, and `kubeadm reset` when it goes.

INPUTS   the host and its SSH connection.
OUTPUTS  nothing on create (kubeadm reset's preflight only checks for root). On delete, which Pulumi runs after
         every resource that depends on it is gone: the kubelet stopped and disabled, Kubernetes containers and
         pod sandboxes removed, mounts under /var/lib/kubelet unmounted, and the contents of /etc/kubernetes
         (manifests, pki, kubeconfigs), /var/lib/kubelet and /var/lib/etcd deleted, as `kubeadm reset` does.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_command import remote as command

from components import phase_scripts, remote
from components.config import Host


@dataclass(frozen=True, kw_only=True)
class ResetArgs:
    host: Host
    connection: command.ConnectionArgs


class Reset(pulumi.ComponentResource):
    """Give this as `depends_on` to every host resource, so destroy resets the host last."""

    def __init__(self, name: str, args: ResetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kubeadm:reset:Reset", name, None, opts)
        self.step = remote.step(
            f"{name}-cleanup-node",
            conn=args.connection,
            create=phase_scripts.reset_preflight(args.host.name),
            delete=phase_scripts.reset_cleanup(),
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.register_outputs({})
