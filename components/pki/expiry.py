"""The `expiry` report: every certificate and kubeconfig the program placed, per host, with its NotAfter.

Read from state (the Certificate resources' outputs), so it costs no host a connection. The kubelet's own
client and serving certificates are not in it: the kubelet makes and rotates those itself.
"""

from __future__ import annotations

from collections.abc import Iterable

import pulumi

from components.config import Host
from components.pki.cluster_pki import ClusterPki
from components.pki.kubeconfigs import Kubeconfigs


def expiry_report(
    hosts: Iterable[Host], certs: ClusterPki, kubeconfig: Kubeconfigs
) -> pulumi.Output[dict[str, dict[str, str]]]:
    """{host: {path: NotAfter (ISO 8601)}}: certificates under /etc/kubernetes/pki, then kubeconfigs."""
    per_host: dict[str, pulumi.Output[dict[str, str]]] = {
        host.name: pulumi.Output.all(**certs.not_after_for(host), **kubeconfig.not_after_for(host)) for host in hosts
    }
    return pulumi.Output.all(**per_host)
