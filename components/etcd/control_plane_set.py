"""ControlPlaneSet: the control planes of the last run, kept in state, so a change that would cost etcd its quorum
is refused at preview time, before any host is touched.

Input/output: `members`, the control planes as [{name, address, port}] (port: SSH). Its diff compares the members
of the last run with the configured ones; when some are removed it probes each old member's SSH port from the
machine running Pulumi and replays the removals (unreachable members first) the way `etcd-members` will do them.
If a step would leave fewer reachable members than a quorum, or the first control plane listed is a new host
(it would start a second cluster), the diff fails with a message naming the members, so `pulumi preview` and
`pulumi up` stop before changing anything.
Reachability is a stand-in for etcd health here; `etcd-members` checks real etcd health again before it removes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

from components.config import Host
from components.node.host_inventory import answers

Member = Mapping[str, Any]


def quorum_problem(old: Sequence[Member], new: Sequence[Member], reachable: Callable[[Member], bool]) -> str | None:
    """Why removing the members in `old` but not in `new` would break etcd, or None when it is safe."""
    new_names = {m["name"] for m in new}
    old_names = {m["name"] for m in old}
    if old and new and new[0]["name"] not in old_names:
        return (
            f"controlPlanes[0]: {new[0]['name']} is not a member of the running cluster; the first control plane "
            "runs the cluster's own steps, so list a running one first and new ones after it"
        )
    removed = [m for m in old if m["name"] not in new_names]
    if not removed:
        return None
    up = {m["name"] for m in old if reachable(m)}
    members = [m["name"] for m in old]
    for gone in sorted(removed, key=lambda m: m["name"] in up):
        quorum = len(members) // 2 + 1
        healthy = [n for n in members if n in up]
        if len(healthy) < quorum:
            return (
                f"controlPlanes: removing {gone['name']} needs a quorum of {quorum} reachable etcd members, "
                f"but only {len(healthy)} of {len(members)} answer ({', '.join(healthy) or 'none'}); "
                "start the stopped control planes first"
            )
        members.remove(gone["name"])
        left = [n for n in members if n in up]
        if len(left) < len(members) // 2 + 1:
            return (
                f"controlPlanes: removing {gone['name']} would leave {len(left)} of {len(members)} etcd members "
                f"reachable ({', '.join(left) or 'none'}), below quorum; start the stopped control planes first, "
                "or remove those instead"
            )
    return None


def ssh_reachable(member: Member) -> bool:
    return answers(member["address"], int(member["port"]))


class ControlPlaneSetProvider(ResourceProvider):
    def create(self, props: Any) -> CreateResult:
        return CreateResult("control-planes", {"members": props["members"]})

    def diff(self, _id: str, olds: Any, news: Any) -> DiffResult:
        problem = quorum_problem(olds.get("members") or [], news["members"], ssh_reachable)
        if problem:
            raise ValueError(problem)
        return DiffResult(changes=olds.get("members") != news["members"], replaces=[], delete_before_replace=False)

    def update(self, _id: str, _olds: Any, news: Any) -> UpdateResult:
        return UpdateResult({"members": news["members"]})


class ControlPlaneSet(Resource, module="etcd", name="ControlPlaneSet"):
    members: pulumi.Output[list[dict[str, Any]]]

    def __init__(self, name: str, hosts: Sequence[Host], opts: pulumi.ResourceOptions | None = None) -> None:
        members = [{"name": h.name, "address": h.address, "port": h.ssh.port} for h in hosts]
        super().__init__(ControlPlaneSetProvider(), name, {"members": members}, opts)
