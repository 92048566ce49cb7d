"""packages-<host>: kubelet, kubeadm and kubectl installed on a host at the cluster's version, from Kubernetes' package
repository or the site's mirror of it (`kubeadm:packages`), and held so that no unattended upgrade moves them.

INPUTS   the stack config (kubernetesVersion, packages), the host and its SSH connection.
OUTPUTS  on the host: the repository's key and apt source (/etc/apt/keyrings, /etc/apt/sources.list.d), the three
         packages installed and held. On a control plane it runs again when the version or the source changes (in
         the rolling chain: its files follow the previous control plane's gate, and so does this); a worker's runs
         once, at creation: its later changes happen drained, in its rollout (WorkerRollout). A host that already
         has them at the version, held, is left as it is.
DELETE   nothing: like kubeadm reset, `pulumi destroy` leaves the packages installed.
"""

from __future__ import annotations

import pulumi
from pulumi_command import remote

from components import constants as c
from components import remote as primitives
from components.config import ROLE_WORKER, ClusterConfig, Host
from components.node import scripts
from components.remote import HostConnection


def params(config: ClusterConfig, host: Host) -> dict[str, str]:
    """The host's packages.sh parameters, for its packages step or a worker's rollout."""
    return scripts.packages_params(*_args(config, host))


def _args(config: ClusterConfig, host: Host) -> tuple[str, str, str, str]:
    source = config.packages.source(config.kubernetes_version)
    return host.name, source, config.packages.signing_key, config.kubernetes_version


def trigger(config: ClusterConfig) -> str:
    """What a change of the packages is, for a worker's rollout triggers (the key by digest)."""
    source = config.packages.source(config.kubernetes_version)
    key = primitives.digest(config.packages.signing_key)[:16]
    return f"{' '.join(c.KUBERNETES_PACKAGES)} {config.kubernetes_version} from {source} key {key}"


def install(config: ClusterConfig, host: Host, conn: HostConnection, opts: pulumi.ResourceOptions) -> remote.Command:
    """The host's packages step; `opts` carries what it follows (preflight, and on a joining control plane the
    previous one's gate)."""
    if host.role == ROLE_WORKER:
        # Its script changes run drained, in the worker's rollout, never here.
        opts = pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(ignore_changes=["create", "stdin"]))
    return primitives.step(f"packages-{host.name}", conn=conn, create=scripts.packages(*_args(config, host)), opts=opts)
