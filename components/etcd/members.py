"""etcd-members: control planes that left the config leave etcd and the cluster, after any joining ones joined.

INPUTS   the stack config (the control planes that stay), the first control plane's connection, and the last
         control-plane join.
OUTPUTS  through the first control plane: each member no longer configured drained (when healthy), removed from
         etcd (unhealthy ones first) and its Node deleted; a removal that would cost etcd its healthy quorum is
         refused with nothing removed. The removed hosts' resets run at the end of the run.
"""

from __future__ import annotations

import pulumi

from components import remote
from components.config import ClusterConfig
from components.config.endpoint import Endpoint
from components.etcd import scripts
from components.remote import HostConnection
from components.render.static_pod_flags import etcd_peer_url


def etcd_members(
    config: ClusterConfig, conn: HostConnection, after: pulumi.Input[str], opts: pulumi.ResourceOptions
) -> pulumi.Output[str]:
    peers = [etcd_peer_url(h.address) for h in config.control_planes]
    local_api = Endpoint.of_address(config.control_planes[0].address).url
    create = scripts.remove_members(peers, local_api)
    return remote.step("etcd-members", conn=conn, create=create, triggers=[after], opts=opts).id
