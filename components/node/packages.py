"""packages-<host>: kubelet, kubeadm and kubectl installed on a host at the cluster's version, from Kubernetes' package
repository or the site's mirror of it (`kubeadm:packages`), and held so that no unattended upgrade moves them.

INPUTS   the stack config (kubernetesVersion, packages), the host and its SSH connection.
OUTPUTS  on the host: the repository's key and apt source (/etc/apt/keyrings, /etc/apt/sources.list.d), the three
         packages installed and held. Runs again when the version or the source changes; a host that already has
         them at the version, held, is left as it is.
DELETE   nothing: like kubeadm reset, `pulumi destroy` leaves the packages installed.
"""

from __future__ import annotations

import pulumi
from pulumi_command import remote

from components import remote as primitives
from components.config import ClusterConfig, Host
from components.node import scripts
from components.remote import HostConnection


def install(config: ClusterConfig, host: Host, conn: HostConnection, opts: pulumi.ResourceOptions) -> remote.Command:
    """The host's packages step; `opts` carries what it follows (preflight)."""
    source = config.packages.source(config.kubernetes_version)
    return primitives.step(
        f"packages-{host.name}",
        conn=conn,
        create=scripts.packages(host.name, source, config.packages.signing_key, config.kubernetes_version),
        opts=opts,
    )
