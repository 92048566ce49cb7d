"""addons: CoreDNS and kube-proxy, as kubeadm installs them; either can be disabled.

INPUTS   the stack config (dns.disabled, proxy.disabled and what the addons render from), the first control plane's
         connection, and kubelet-finalize.
OUTPUTS  in the cluster: CoreDNS's and kube-proxy's objects, unless both are disabled (then no phase at all).
"""

from __future__ import annotations

import pulumi

from components.config import ClusterConfig
from components.phases.cluster_apply import apply_phase
from components.remote import HostConnection
from components.render.coredns_objects import coredns_objects
from components.render.k8s_objects import render_objects
from components.render.kube_proxy_objects import kube_proxy_objects


def addons(
    config: ClusterConfig, conn: HostConnection, after: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> pulumi.Output[str] | None:
    return apply_phase("addons", conn, addon_objects(config), after, opts)


def addon_objects(config: ClusterConfig) -> str:
    dns = [] if config.dns_disabled else coredns_objects(config)
    proxy = [] if config.proxy_disabled else kube_proxy_objects(config)
    return render_objects([*dns, *proxy]) if dns or proxy else ""
