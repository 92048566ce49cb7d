"""Preflight: kubeadm's host checks, run on one host before anything is written to it.

INPUTS   the host (name, address, role), its SSH connection, the stack's ignorePreflightErrors list, whether the
         packages phase installs kubelet, kubeadm and kubectl after it (else they must be on the host already).
OUTPUTS  nothing on the host. `report` is the check-by-check result (one `[preflight] ...` line per check).
         A failing check fails the run with a message naming the host and every failed check.
DELETE   nothing: the checks change nothing on the host.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components import remote as primitives
from components.config import Host
from components.node import preflight_checks
from components.remote import HostConnection


@dataclass(frozen=True, kw_only=True)
class PreflightArgs:
    host: Host
    connection: HostConnection
    ignored: frozenset[str]
    packages: bool = True


class Preflight(pulumi.ComponentResource):
    """Runs the preflight checks that apply to the host's role; re-runs whenever the check script changes."""

    report: pulumi.Output[str]

    def __init__(self, name: str, args: PreflightArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kubeadm:preflight:Preflight", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        target = preflight_checks.Target(
            name=args.host.name,
            address=args.host.address,
            role=args.host.role,
            ignored=args.ignored,
            packages=args.packages,
        )
        script = preflight_checks.render_script(target)
        checks = primitives.step(
            f"{name}-checks",
            conn=args.connection,
            create=script,
            # A changed script (new checks, a changed ignore list) is a changed `create`: it runs again.
            opts=child,
        )
        self.report = checks.stdout
        self.register_outputs({"report": self.report})
