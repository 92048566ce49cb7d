"""HostInventory: the hosts of the last run, kept in state, so a run can say what it cannot do for a host that
leaves the config: one that does not answer over SSH is not reset, and one whose kubelet does not answer is not
drained.

INPUTS   `members`: every configured host as {name, address, port, role} (port: SSH).
OUTPUTS  `members`, and `departed`: one entry per host of the last run that is no longer configured,
         {name, address, role, ssh, kubelet}, whether its SSH port and its kubelet's port answered the machine running
         Pulumi when this run began (probed in the update, so during `pulumi up`, not during a preview).
The Cluster turns `departed` into warnings (`warn_departed`), which the CLI lists under Diagnostics whichever command
plugin runs: the removal itself runs on other hosts or on this machine and cannot warn by itself.
"""

from __future__ import annotations

import socket
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

from components import constants as c
from components.config import ROLE_CONTROL_PLANE, Host

Member = Mapping[str, Any]


def answers(address: str, port: int, timeout: float = 3.0) -> bool:
    """Whether a TCP connection to address:port opens within `timeout` seconds."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


def departed(old: Sequence[Member], new: Sequence[Member], probe: Callable[[str, int], bool]) -> list[dict[str, Any]]:
    """The members of `old` that `new` no longer names, each with what of it answers."""
    kept = {m["name"] for m in new}
    return [
        {
            "name": m["name"],
            "address": m["address"],
            "role": m["role"],
            "ssh": probe(m["address"], int(m["port"])),
            "kubelet": probe(m["address"], c.KUBELET_PORT),
        }
        for m in old
        if m["name"] not in kept
    ]


def departure_warning(host: Member) -> str | None:
    """What the operator must be told about a host that left, or None when everything can be done."""
    problems = []
    # A worker is drained only when its kubelet answers; a control plane when its etcd member is healthy, which
    # etcd-members checks and reports itself.
    if host["role"] != ROLE_CONTROL_PLANE and not host["kubelet"]:
        problems.append("its kubelet does not answer, so it is not drained (its pods go with its Node)")
    if not host["ssh"]:
        problems.append("it does not answer over SSH, so the host is NOT reset; run 'kubeadm reset' on it")
    if not problems:
        return None
    return f"{host['name']} ({host['address']}) leaves the cluster, but " + "; ".join(problems)


def warn_departed(hosts: Sequence[Member] | None, resource: pulumi.Resource) -> None:
    for host in hosts or ():
        message = departure_warning(host)
        if message:
            pulumi.log.warn(message, resource=resource)


class HostInventoryProvider(ResourceProvider):
    def create(self, props: Any) -> CreateResult:
        return CreateResult("hosts", {"members": props["members"], "departed": []})

    def diff(self, _id: str, olds: Any, news: Any) -> DiffResult:
        changed = olds.get("members") != news["members"]
        return DiffResult(changes=changed, replaces=[], delete_before_replace=False)

    def update(self, _id: str, olds: Any, news: Any) -> UpdateResult:
        gone = departed(olds.get("members") or [], news["members"], answers)
        return UpdateResult({"members": news["members"], "departed": gone})


class HostInventory(Resource, module="hosts", name="HostInventory"):
    members: pulumi.Output[list[dict[str, Any]]]
    departed: pulumi.Output[list[dict[str, Any]]]

    def __init__(self, name: str, hosts: Sequence[Host], opts: pulumi.ResourceOptions | None = None) -> None:
        members = [{"name": h.name, "address": h.address, "port": h.ssh.port, "role": h.role} for h in hosts]
        super().__init__(HostInventoryProvider(), name, {"members": members, "departed": None}, opts)
