"""The cluster, in the order of kubeadm's phases.

INPUTS   the parsed stack config and the SSH private key text of each key file it names.
OUTPUTS  per host: the phases below, as child resources named `<phase>-<host>`.

Phases so far: preflight on every host; certs and kubeconfig (made in state, written to each host). The
remaining init and join phases are added here, in kubeadm's order, as they land.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import pulumi

from components import remote
from components.config import ClusterConfig
from components.host_files import HostFiles, HostFilesArgs
from components.kubeconfigs import Kubeconfigs, KubeconfigsArgs
from components.pki import ClusterPki, ClusterPkiArgs
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

        connections = {
            host.name: remote.connection(host, args.private_keys[host.ssh.private_key_file]) for host in config.hosts
        }
        preflights = {
            host.name: Preflight(
                f"preflight-{host.name}",
                PreflightArgs(host=host, connection=connections[host.name], ignored=config.ignore_preflight_errors),
                child,
            )
            for host in config.hosts
        }
        pki = ClusterPki("certs", ClusterPkiArgs(config=config), child)
        kubeconfigs = Kubeconfigs(
            "kubeconfig",
            KubeconfigsArgs(config=config, ca_cert_pem=pki.ca_cert_pem, ca_key_pem=pki.ca_key_pem),
            child,
        )
        for host in config.hosts:
            HostFiles(
                f"files-{host.name}",
                HostFilesArgs(
                    host=host,
                    connection=connections[host.name],
                    files=pki.files_for(host) + kubeconfigs.files_for(host),
                ),
                # Nothing flows from preflight to the files, but no file may land on a host that failed it.
                pulumi.ResourceOptions(parent=self, depends_on=[preflights[host.name]]),
            )

        self.admin_kubeconfig = kubeconfigs.admin_kubeconfig
        self.ca_cert_hash = pki.ca_cert_hash

        self.preflight_reports = pulumi.Output.all(**{host: preflight.report for host, preflight in preflights.items()})
        self.register_outputs(
            {
                "preflight_reports": self.preflight_reports,
                "admin_kubeconfig": self.admin_kubeconfig,
                "ca_cert_hash": self.ca_cert_hash,
            }
        )
