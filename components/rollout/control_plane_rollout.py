"""ControlPlaneRollout: one control plane's link in the rolling chain, and its health gate.

INPUTS   the stack config, the control-plane host and its connection, the contents of every file its static pods
         and kubelet read (certificates and kubeconfigs included), the resources that write them, and `after`: the
         step that brought the node up (wait-control-plane, or its join).
OUTPUTS  on the host, `rollout-<host>`: when the node comes up, what each static pod runs on is noted; when any of
         those files changes, each pod whose files changed runs on them (the kubelet replaces a pod whose manifest
         changed; a pod whose certificates or kubeconfig changed is restarted), then every component is healthy,
         the etcd member is ready and the API answers through the endpoint. `gate` is that step: the next control
         plane's files are written only after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from components import remote
from components.config import ClusterConfig, Host
from components.remote import HostConnection
from components.render.static_pod_specs import STATIC_PODS
from components.render.static_pods import files_read, health_url, manifest_path, render_manifest
from components.rollout import scripts


@dataclass(frozen=True, kw_only=True)
class ControlPlaneRolloutArgs:
    config: ClusterConfig
    host: Host
    connection: HostConnection
    # The contents of every file of the node: a change to any of them rolls it.
    contents: Sequence[pulumi.Input[str]]
    # The resources that write those files (the rollout runs after they did).
    writers: Sequence[pulumi.Resource]
    after: pulumi.Input[str]


class ControlPlaneRollout(pulumi.ComponentResource):
    gate: pulumi.Output[str]

    def __init__(self, name: str, args: ControlPlaneRolloutArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kubeadm:rollout:ControlPlaneRollout", name, None, opts)
        config, host = args.config, args.host
        pods = [
            (
                spec.name,
                manifest_path(spec),
                health_url(spec, config, host),
                files_read(render_manifest(spec, config, host)),
            )
            for spec in STATIC_PODS
        ]
        endpoint = config.api_endpoint.url
        step = remote.step(
            name,
            conn=args.connection,
            create=scripts.control_plane(host.name, "record", pods, endpoint),
            update=scripts.control_plane(host.name, "roll", pods, endpoint),
            triggers=[args.after, *args.contents],
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.writers)),
        )
        self.gate = step.id
        self.register_outputs({"gate": self.gate})
