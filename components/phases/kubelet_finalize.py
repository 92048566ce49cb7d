"""kubelet-finalize: a control plane's kubelet.conf pointed at the kubelet's rotated client certificate.

INPUTS   the step's name, the control-plane host, its connection, the phase before it, and the content of the
         kubelet.conf its files wrote (with an embedded client certificate, as kubeadm's kubeconfig phase writes it).
OUTPUTS  on the host: /etc/kubernetes/kubelet.conf using /var/lib/kubelet/pki/kubelet-client-current.pem (the
         embedded client certificate dropped), as kubeadm's kubelet-finalize does. It runs again whenever that
         content changes (a renewal rewrites the file), so the file the kubelet restarts on is finalized again.
"""

from __future__ import annotations

import pulumi

from components import constants as c
from components import remote
from components.config import Host
from components.phases import scripts
from components.remote import HostConnection


def kubelet_finalize(
    name: str,
    host: Host,
    conn: HostConnection,
    after: pulumi.Input[str],
    kubelet_conf: pulumi.Input[str] | None,
    opts: pulumi.ResourceOptions,
) -> pulumi.Output[str]:
    create = scripts.kubelet_finalize(f"{c.NODE_USER_PREFIX}{host.name}", host.name)
    triggers = [t for t in (after, kubelet_conf) if t is not None]
    return remote.step(name, conn=conn, create=create, triggers=triggers, opts=opts).id
