"""ClusterApply: one phase's cluster objects, applied with the kubectl on a control-plane host.

INPUTS   the control-plane host's connection, the phase name, the objects as YAML (a secret when they hold a
         token), the kubeconfig to use, and what must exist first (`after`: an output of the previous phase).
OUTPUTS  the objects in the cluster, applied server-side under kubeadm-pulumi's field manager, so fields other
         controllers add (the bootstrap signer's cluster-info signatures) are kept. Re-applied when the YAML
         changes; deleted when the phase is removed (an unreachable API server leaves them to reset).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass

import pulumi

from components import remote
from components.phases import scripts as phase_scripts
from components.remote import HostConnection


@dataclass(frozen=True, kw_only=True)
class ClusterApplyArgs:
    connection: HostConnection
    phase: str
    manifest: pulumi.Input[str]
    after: pulumi.Input[str]
    kubeconfig: str | None = None


class ClusterApply(pulumi.ComponentResource):
    applied: pulumi.Output[str]

    def __init__(self, name: str, args: ClusterApplyArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kubeadm:objects:ClusterApply", name, None, opts)
        manifest = pulumi.Output.from_input(args.manifest)
        kubeconfig = {"kubeconfig": args.kubeconfig} if args.kubeconfig else {}
        step = remote.step(
            name,
            conn=args.connection,
            create=phase_scripts.apply(args.phase, **kubeconfig),
            delete=manifest.apply(
                lambda text: phase_scripts.delete(args.phase, base64.b64encode(text.encode()).decode(), **kubeconfig)
            ),
            stdin=manifest,
            # `after` orders the apply behind the phase it needs; a new manifest (stdin) re-applies in place.
            triggers=[args.after],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.applied = step.id
        self.register_outputs({"applied": self.applied})


def apply_phase(
    phase: str, conn: HostConnection, manifest: str, after: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> pulumi.Output[str] | None:
    """The phase's objects applied as ClusterApply `phase`; no phase at all when there are none to apply."""
    if not manifest:
        return None
    return ClusterApply(
        phase, ClusterApplyArgs(connection=conn, phase=phase, manifest=manifest, after=after), opts
    ).applied
