"""Reset: the anchor of everything kubeadm-pulumi puts on a host, and `kubeadm reset` when it goes.

INPUTS   the host (its address, SSH user, port and key file).
OUTPUTS  nothing on create. On delete, which Pulumi runs after every resource that depends on it is gone: root
         checked, the kubelet stopped and disabled, Kubernetes containers and pod sandboxes removed, mounts under
         /var/lib/kubelet unmounted, and the contents of /etc/kubernetes (manifests, pki, kubeconfigs),
         /var/lib/kubelet and /var/lib/etcd deleted, as `kubeadm reset` does. Host files have no delete of their
         own: this is it.
The delete is a local command that runs `ssh` from the machine running Pulumi, not a remote one: a remote
command whose host is gone fails the whole run, while a host removed from the config because it died must not
block the cluster. An unreachable host is reported as a warning naming it, and is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
from pulumi_command import local

from components import remote
from components.config import Host
from components.node import scripts as node_scripts


@dataclass(frozen=True, kw_only=True)
class ResetArgs:
    host: Host


class Reset(pulumi.ComponentResource):
    """Give this as `depends_on` to every host resource, so destroy resets the host last."""

    def __init__(self, name: str, args: ResetArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kubeadm:reset:Reset", name, None, opts)
        h = args.host
        self.step = local.Command(
            f"{name}-cleanup-node",
            delete=node_scripts.reset_over_ssh(h.name, h.address, h.ssh.port, h.ssh.user, str(h.ssh.private_key_file)),
            stdin=node_scripts.reset_cleanup(h.name),
            add_previous_output_in_env=False,
            opts=pulumi.ResourceOptions(parent=self, additional_secret_outputs=remote.SECRET_OUTPUTS),
        )
        self.register_outputs({})
