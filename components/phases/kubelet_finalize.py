"""kubelet-finalize: a control plane's kubelet.conf pointed at the kubelet's rotated client certificate.

INPUTS   the step's name, the control-plane host, its connection, and the phase before it.
OUTPUTS  on the host: /etc/kubernetes/kubelet.conf using /var/lib/kubelet/pki/kubelet-client-current.pem (the
         embedded client certificate dropped), as kubeadm's kubelet-finalize does.
"""

from __future__ import annotations

import pulumi

from components import constants as c
from components import remote
from components.config import Host
from components.phases import scripts
from components.remote import HostConnection


def kubelet_finalize(
    name: str, host: Host, conn: HostConnection, after: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> pulumi.Output[str]:
    create = scripts.kubelet_finalize(f"{c.NODE_USER_PREFIX}{host.name}", host.name)
    return remote.step(name, conn=conn, create=create, triggers=[after], opts=opts).id
