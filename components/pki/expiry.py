"""The `expiry` report: every certificate and kubeconfig the program placed, per host, with its NotAfter, and the
check of each control plane against it (CertificateCheck, `check-expiration-<host>`: drift shows after a refresh).

The report is read from state (the Certificate resources' outputs), so it costs no host a connection. The kubelet's
own client and serving certificates are not in it: the kubelet makes and rotates those itself.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Protocol

import pulumi

from components.config import ROLE_CONTROL_PLANE, Host
from components.pki.certificate_check import CertificateCheck
from components.pki.cluster_pki import ClusterPki
from components.pki.kubeconfig_specs import KUBELET_CONF
from components.pki.kubeconfigs import Kubeconfigs


class HasFiles(Protocol):
    files: pulumi.Resource


def expiry_report(
    hosts: Iterable[Host],
    certs: ClusterPki,
    kubeconfig: Kubeconfigs,
    nodes: Mapping[str, HasFiles],
    parent: pulumi.Resource,
) -> pulumi.Output[dict[str, dict[str, str]]]:
    """{host: {path: NotAfter (ISO 8601)}}: certificates under /etc/kubernetes/pki, then kubeconfigs; each host of
    `nodes` (by name, with the HostFiles that write its files) that is a control plane gets its check."""
    per_host: dict[str, pulumi.Output[dict[str, str]]] = {}
    for host in hosts:
        placed = {**certs.not_after_for(host), **kubeconfig.not_after_for(host)}
        per_host[host.name] = pulumi.Output.all(**placed)
        # A worker holds only the cluster's CA certificate of ours, which changes only with the CA: no check, so a
        # worker costs the engine no dynamic resource. A control plane's kubelet.conf is finalized onto the kubelet's
        # rotated certificate: not ours to check.
        if host.role != ROLE_CONTROL_PLANE:
            continue
        placed.pop(KUBELET_CONF, None)
        issuers = {**certs.issuers_for(host), **kubeconfig.issuers_for(host)}
        # After the host's files: an update says the host holds what was just written there, once it was.
        opts = pulumi.ResourceOptions(parent=parent, depends_on=[nodes[host.name].files])
        CertificateCheck(host, placed, {p: issuers[p] for p in placed}, opts)
    return pulumi.Output.all(**per_host)
