"""The shell of stacked etcd membership (check-etcd, member add as a learner, promote, removal), from the `.sh` files
beside this module, with their parameters. Every script runs on the first control plane and talks to etcd's JSON
gateway on its local member with curl and the healthcheck-client certificate, as kubeadm's own etcd client does
with its certificates. Pure: values in, command text out; golden-tested.
"""

from __future__ import annotations

from collections.abc import Sequence

from components import constants as c
from components.pki.cert_specs import ETCD_CA, cert_path, key_path
from components.pki.kubeconfig_specs import ADMIN_CONF
from components.remote.shell import script

_CLIENT = "etcd/healthcheck-client"
_GATEWAY: dict[str, str | int] = {
    "etcd_ca": cert_path(ETCD_CA),
    "etcd_cert": cert_path(_CLIENT),
    "etcd_key": key_path(_CLIENT),
    "etcd_client_port": c.ETCD_CLIENT_PORT,
}


def check_etcd(node: str, peer_url: str) -> str:
    """check-etcd: before `node` joins, every other member is started and healthy."""
    return script(__file__, "check-etcd.sh", **_GATEWAY, node=node, peer_url=peer_url)


def add_learner(node: str, peer_url: str) -> str:
    """control-plane-join etcd: add `node` as a learner (once) and print the --initial-cluster its etcd starts with."""
    return script(__file__, "add-learner.sh", **_GATEWAY, node=node, peer_url=peer_url)


def promote(node: str, peer_url: str, timeout: int = 300) -> str:
    """control-plane-join etcd: once `node`'s learner has caught up with the leader, make it a voting member."""
    return script(__file__, "promote.sh", **_GATEWAY, node=node, peer_url=peer_url, timeout=timeout)


def remove_members(
    wanted_peer_urls: Sequence[str], api_server: str, drain_timeout: int = c.DRAIN_TIMEOUT_SECONDS
) -> str:
    """Control planes that left the config: each drained, its etcd member removed (unhealthy members first), its
    Node deleted; a removal that would leave etcd without a healthy quorum is refused before anything is removed.
    kubectl asks `api_server`, the first control plane's own API server."""
    return script(
        __file__,
        "remove-members.sh",
        **_GATEWAY,
        admin_conf=ADMIN_CONF,
        api_server=api_server,
        wanted=" ".join(wanted_peer_urls),
        drain_timeout=drain_timeout,
    )
