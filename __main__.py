"""kubeadm-pulumi: read the stack config once, validate it, build the cluster, export what operators need."""

from __future__ import annotations

import json

import pulumi
from pulumi.runtime import config as runtime_config

from components import config as cluster_config
from components.cluster import Cluster, ClusterArgs
from components.constants import CONFIG_NAMESPACE


def _raw_stack_config() -> dict[str, object]:
    """Every `kubeadm:*` key of the stack, decoded; unknown keys are kept so validation can name typos."""
    prefix = f"{CONFIG_NAMESPACE}:"
    raw: dict[str, object] = {}
    keys = set(runtime_config.get_config_env()) | set(runtime_config.CONFIG.get())
    for key in sorted(k for k in keys if k.startswith(prefix)):
        value = runtime_config.get_config(key)
        # Structured values and booleans arrive JSON-encoded; plain strings arrive as they are.
        is_json = isinstance(value, str) and (value[:1] in ("[", "{") or value in ("true", "false"))
        raw[key[len(prefix) :]] = json.loads(value) if is_json else value
    return raw


try:
    config = cluster_config.parse(_raw_stack_config())
except cluster_config.ConfigError as error:
    # RunError prints just the message: the operator needs the field paths, not a traceback.
    raise pulumi.RunError(str(error)) from None
for warning in config.warnings:
    pulumi.log.warn(warning)
private_keys = {
    path: pulumi.Output.secret(path.read_text()) for path in {host.ssh.private_key_file for host in config.hosts}
}

cluster = Cluster(config.cluster_name, ClusterArgs(config=config, private_keys=private_keys))

pulumi.export("preflight", cluster.preflight_reports)
pulumi.export("admin_kubeconfig", cluster.admin_kubeconfig)
pulumi.export("ca_cert_hash", cluster.ca_cert_hash)
pulumi.export("endpoint", cluster.endpoint)
if cluster.certificate_key is not None:
    pulumi.export("certificate_key", cluster.certificate_key)
