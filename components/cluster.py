"""The cluster, in the order of kubeadm's phases.

INPUTS   the parsed stack config and the SSH private key text of each key file it names.
OUTPUTS  per host: the phases below, as child resources named `<phase>-<host>`.

Phases so far: preflight on every host (kubeadm init's and join's first phase). The remaining init and join
phases are added here, in kubeadm's order, as they land.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi

from components import remote
from components.config import ClusterConfig
from components.preflight import Preflight, PreflightArgs


@dataclass(frozen=True, kw_only=True)
class ClusterArgs:
    config: ClusterConfig
    private_keys: Mapping[Path, pulumi.Input[str]]


class Cluster(pulumi.ComponentResource):
    """A kubeadm-style cluster on the configured hosts."""

    preflight_reports: pulumi.Output[dict[str, str]]

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kubeadm:index:Cluster", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        config = args.config

        preflights = {
            host.name: Preflight(
                f"preflight-{host.name}",
                PreflightArgs(
                    host=host,
                    connection=remote.connection(host, args.private_keys[host.ssh.private_key_file]),
                    ignored=config.ignore_preflight_errors,
                ),
                child,
            )
            for host in config.hosts
        }

        self.preflight_reports = pulumi.Output.all(**{host: preflight.report for host, preflight in preflights.items()})
        self.register_outputs({"preflight_reports": self.preflight_reports})
