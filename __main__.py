"""kubeadm-pulumi: read the stack config once, validate it, build the cluster, export what operators need."""

from __future__ import annotations

import sys
from pathlib import Path

import pulumi
import yaml
from pulumi.runtime import config as runtime_config

from components import config as cluster_config
from components.cluster import Cluster, ClusterArgs
from components.node import host_watch


def _stack_file() -> Path:
    """The stack's settings file (`stackConfigDir` of Pulumi.yaml), read only to explain a config without settings."""
    project = yaml.safe_load(Path("Pulumi.yaml").read_text()) or {}
    return Path(project.get("stackConfigDir", ".")) / f"Pulumi.{pulumi.get_stack()}.yaml"


# Every setting of the stack as the engine hands it over: `namespace:key` -> text.
settings = {
    key: runtime_config.get_config(key)
    for key in set(runtime_config.get_config_env()) | set(runtime_config.CONFIG.get())
}
try:
    config = cluster_config.load(
        {k: v for k, v in settings.items() if v is not None}, pulumi.get_project(), _stack_file()
    )
except cluster_config.ConfigError as error:
    # The field paths alone, as one error: not a traceback, and not RunError's second "unhandled error" line.
    # Exit status 32 tells the language host the program has already shown the operator what went wrong.
    pulumi.log.error(str(error))
    sys.exit(32)
for warning in config.warnings:
    pulumi.log.warn(warning)
private_keys = {
    path: pulumi.Output.secret(path.read_text()) for path in {host.ssh.private_key_file for host in config.hosts}
}

# During `pulumi up`, a host that stops answering is named within seconds, not when its step's connection gives up.
host_watch.start(config.hosts)
cluster = Cluster(config.cluster_name, ClusterArgs(config=config, private_keys=private_keys))

pulumi.export("preflight", cluster.preflight_reports)
pulumi.export("admin_kubeconfig", cluster.admin_kubeconfig)
pulumi.export("ca_cert_hash", cluster.ca_cert_hash)
pulumi.export("endpoint", cluster.endpoint)
pulumi.export("expiry", cluster.expiry)
if cluster.certificate_key is not None:
    pulumi.export("certificate_key", cluster.certificate_key)
