"""The `expiry` report: every certificate and kubeconfig the program placed, per host, with its NotAfter, and the
check of each control plane against it (CertificateCheck, `check-expiration-<host>`: drift shows after a refresh).
A preview also says, per control plane, which of them expires first and from when `pulumi up` renews it.

The report is read from state (the Certificate resources' outputs), so it costs no host a connection. The kubelet's
own client and serving certificates are not in it: the kubelet makes and rotates those itself (and a control
plane's kubelet.conf points at its client certificate once finalized, so that file is not in it either).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from typing import Protocol

import pulumi

from components.config import ROLE_CONTROL_PLANE, ClusterConfig
from components.pki.certificate_check import CertificateCheck
from components.pki.cluster_pki import ClusterPki
from components.pki.kubeconfig_specs import KUBELET_CONF
from components.pki.kubeconfigs import Kubeconfigs
from components.pki.renewal import UNKNOWN, span


class HasFiles(Protocol):
    @property
    def files(self) -> pulumi.Resource: ...


def expiry_report(
    config: ClusterConfig,
    certs: ClusterPki,
    kubeconfig: Kubeconfigs,
    nodes: Mapping[str, HasFiles],
    parent: pulumi.Resource,
) -> pulumi.Output[dict[str, dict[str, str]]]:
    """{host: {path: NotAfter (ISO 8601)}}: certificates under /etc/kubernetes/pki, then kubeconfigs; each host of
    `nodes` (by name, with the command that writes its files) that is a control plane gets its check."""
    per_host: dict[str, pulumi.Output[dict[str, str]]] = {}
    renew_before = config.certificates.renew_before_seconds
    for host in config.hosts:
        placed = {**certs.not_after_for(host), **kubeconfig.not_after_for(host)}
        # A control plane's kubelet.conf is finalized onto the kubelet's own rotating certificate, which is not ours.
        placed.pop(KUBELET_CONF, None)
        per_host[host.name] = pulumi.Output.all(**placed)
        # A worker holds only the cluster's CA certificate of ours, which changes only with the CA: no check, so a
        # worker costs the engine no dynamic resource.
        if host.role != ROLE_CONTROL_PLANE:
            continue
        if pulumi.runtime.is_dry_run():
            per_host[host.name].apply(_teller(host.display, renew_before))
        issuers = {**certs.issuers_for(host), **kubeconfig.issuers_for(host)}
        # After the host's files: an update says the host holds what was just written there, once it was.
        opts = pulumi.ResourceOptions(parent=parent, depends_on=[nodes[host.name].files])
        CertificateCheck(host, placed, {p: issuers[p] for p in placed}, opts)
    return pulumi.Output.all(**per_host)


def first_to_expire(
    where: str, rows: Mapping[str, str | None], renew_before_seconds: int | None, now: datetime.datetime
) -> str | None:
    """What a preview says of a host's certificates: how many, which expires first, and when a run renews it."""
    known = {path: datetime.datetime.fromisoformat(t) for path, t in rows.items() if t and t != UNKNOWN}
    if not known:
        return None
    path = min(known, key=lambda p: (known[p], p))
    first = known[path]
    line = f"{where}: {len(known)} certificates and kubeconfigs; the first to expire is {path}, {_iso(first)} "
    line += f"(in {span((first - now).total_seconds())})" if first > now else "(expired)"
    if renew_before_seconds:
        renew = first - datetime.timedelta(seconds=renew_before_seconds)
        line += f"; pulumi up renews it from {_iso(renew)} (certificateRenewBefore {span(renew_before_seconds)})"
    return line


def _iso(moment: datetime.datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


def _teller(where: str, renew_before_seconds: int | None) -> Callable[[Mapping[str, str | None]], None]:
    """What a preview runs on a host's rows: say which expires first (pulumi.log.info, under Diagnostics)."""

    def tell(rows: Mapping[str, str | None]) -> None:
        line = first_to_expire(where, rows, renew_before_seconds, _now())
        if line:
            pulumi.log.info(line)

    return tell
