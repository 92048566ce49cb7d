"""mark-control-plane: kubeadm's control-plane label and taint on a control plane's Node.

INPUTS   the step's name, the control-plane host, the connection it runs on, and the phase before it.
OUTPUTS  in the cluster: the label node-role.kubernetes.io/control-plane and kubeadm's NoSchedule taint on the Node
         (others' labels and taints kept), once the kubelet has registered it.
"""

from __future__ import annotations

import pulumi

from components import remote
from components.config import Host
from components.phases import scripts
from components.remote import HostConnection


def mark_control_plane(
    name: str, host: Host, conn: HostConnection, after: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> pulumi.Output[str]:
    create = scripts.mark_kubeadm_control_plane(host.name)
    return remote.step(name, conn=conn, create=create, triggers=[after], opts=opts).id
