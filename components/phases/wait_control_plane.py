"""WaitControlPlane: the wait-control-plane phase on the first control-plane host.

INPUTS   the host's connection and the kubelet-start step (so the wait follows the kubelet's first start). Later
         changes to what the pods read are the control plane's rollout's to wait for (ControlPlaneRollout).
OUTPUTS  nothing on the host. The step succeeds once the kubelet is healthy, the API server is live and etcd,
         kube-apiserver, kube-controller-manager and kube-scheduler are Ready; after the timeout it fails with
         the failing component's recent log lines and the kubelet's.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components import remote
from components.config import Host
from components.phases import scripts as phase_scripts
from components.remote import HostConnection


@dataclass(frozen=True, kw_only=True)
class WaitControlPlaneArgs:
    host: Host
    connection: HostConnection
    kubelet_started: pulumi.Input[str]
    # Which kubeconfig on the host asks the API server (phase_scripts.wait_control_plane's default: init's).
    kubeconfig: str | None = None


class WaitControlPlane(pulumi.ComponentResource):
    ready: pulumi.Output[str]

    def __init__(self, name: str, args: WaitControlPlaneArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kubeadm:controlplane:WaitControlPlane", name, None, opts)
        step = remote.step(
            name,
            conn=args.connection,
            create=phase_scripts.wait_control_plane(args.host.name, args.host.address, kubeconfig=args.kubeconfig)
            if args.kubeconfig
            else phase_scripts.wait_control_plane(args.host.name, args.host.address),
            triggers=[args.kubelet_started],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.ready = step.id
        self.register_outputs({"ready": self.ready})
