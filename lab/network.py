"""Host-side plumbing: one Linux bridge per lab, one network namespace + veth per node.

Nodes are systemd-nspawn machines joined to a namespace prepared here
(--network-namespace-path): nspawn's own --network-veth needs a system bus the machine
does not have. The lab's traffic stays on the bridge (no NAT, no default route out).
"""

from __future__ import annotations

import fcntl
import json
import os
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

from .paths import DEFAULT_LAB, LabError, labs_dir, run

PREFIX = "10.213"
# Machine number of the load balancer (`up --load-balancer`): it sits at .10, just below node-1's .11, and takes
# the place of a node number in the per-machine names below.
LB = 0
NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]{0,19}$")


@dataclass(frozen=True)
class LabNet:
    """Addresses and device names of one lab (derived from its subnet index)."""

    name: str
    index: int  # third octet of 10.213.<index>.0/24

    @property
    def bridge(self) -> str:
        return f"kplab{self.index}"  # <= 8 chars, well under IFNAMSIZ

    @property
    def gateway(self) -> str:
        return f"{PREFIX}.{self.index}.1"

    def address(self, i: int) -> str:
        """Node i at .(10+i); the load balancer (i = LB) at .10. Nothing else in the /24 is used but .1."""
        return f"{PREFIX}.{self.index}.{10 + i}"

    def netns(self, i: int) -> str:
        return f"kplab-{self.name}-lb" if i == LB else f"kplab-{self.name}-node-{i}"

    def veth(self, i: int) -> str:
        return f"kpl{self.index}lb" if i == LB else f"kpl{self.index}n{i}"  # host end; the node end is renamed eth0


def machine_name(i: int) -> str:
    """node-<i>, or lb for the load balancer."""
    return "lb" if i == LB else f"node-{i}"


def validate_name(name: str) -> None:
    if not NAME_RE.match(name):
        raise LabError(f"lab name {name!r}: use 1-20 of a-z, 0-9 and '-'")


def lab_net(name: str) -> LabNet:
    """Subnet index of a lab: 0 for the default lab, else a stable entry in labs/index.json.

    A hash alone could collide; the index file (guarded by a lock) keeps every lab on
    its own /24 and its own bridge so a test lab and the user's lab coexist.
    """
    validate_name(name)
    if name == DEFAULT_LAB:
        return LabNet(name, 0)
    labs_dir().mkdir(parents=True, exist_ok=True)
    index_file = labs_dir() / "index.json"
    with open(labs_dir() / ".index.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        table: dict[str, int] = {}
        if index_file.exists():
            table = json.loads(index_file.read_text() or "{}")
        if name not in table:
            used = set(table.values()) | {0}
            start = 1 + zlib.crc32(name.encode()) % 254
            for k in [*range(start, 255), *range(1, start)]:
                if k not in used:
                    table[name] = k
                    break
            else:
                raise LabError("no free 10.213.<k>.0/24 subnet left for a new lab")
            tmp = index_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(table, indent=1, sort_keys=True) + "\n")
            os.replace(tmp, index_file)
        return LabNet(name, table[name])


def is_known(name: str) -> bool:
    """True for the default lab and for any lab that was given a subnet before."""
    validate_name(name)
    index_file = labs_dir() / "index.json"
    if name == DEFAULT_LAB:
        return True
    return index_file.exists() and name in json.loads(index_file.read_text() or "{}")


def link_exists(dev: str, netns: str | None = None) -> bool:
    prefix = ["ip", "-n", netns] if netns else ["ip"]
    return run([*prefix, "link", "show", dev], "ip link show", check=False).returncode == 0


def netns_exists(ns: str) -> bool:
    return Path("/run/netns", ns).exists()


def ensure_bridge(net: LabNet) -> None:
    """Create (or repair) the lab bridge holding the gateway address .1."""
    br = net.bridge
    if not link_exists(br):
        run(["ip", "link", "add", br, "type", "bridge"], f"bridge {br}: create")
    addrs = run(["ip", "-o", "-4", "addr", "show", "dev", br], f"bridge {br}: show").stdout
    if f" {net.gateway}/24 " not in addrs:
        run(["ip", "addr", "replace", f"{net.gateway}/24", "dev", br], f"bridge {br}: address")
    run(["ip", "link", "set", br, "up"], f"bridge {br}: up")


def node_link_ok(net: LabNet, i: int) -> bool:
    """True when node i's namespace, veth pair and address are all in place."""
    ns, veth = net.netns(i), net.veth(i)
    if not netns_exists(ns) or not link_exists(veth):
        return False
    shown = run(
        ["ip", "-n", ns, "-o", "-4", "addr", "show", "dev", "eth0"], f"{machine_name(i)}: check address", check=False
    )
    master = run(["ip", "-o", "link", "show", veth], "check veth", check=False).stdout
    return f" {net.address(i)}/24 " in shown.stdout and f"master {net.bridge} " in master


def remove_node_link(net: LabNet, i: int) -> None:
    """Delete node i's veth and namespace; silent when they are already gone."""
    if link_exists(net.veth(i)):
        run(["ip", "link", "del", net.veth(i)], f"{machine_name(i)}: delete veth", check=False)
    ns = net.netns(i)
    if netns_exists(ns):
        run(["ip", "netns", "del", ns], f"{machine_name(i)}: delete netns", check=False)
        Path("/run/netns", ns).unlink(missing_ok=True)  # stale file after a reboot


def ensure_node_link(net: LabNet, i: int) -> None:
    """Namespace + veth into the bridge + address .(10+i)/24 + default route via .1."""
    if node_link_ok(net, i):
        return
    remove_node_link(net, i)
    ns, veth, step = net.netns(i), net.veth(i), f"{machine_name(i)}: network"
    run(["ip", "netns", "add", ns], f"{step}: netns add {ns}")
    peer = f"{veth}p"
    run(["ip", "link", "add", veth, "type", "veth", "peer", "name", peer], f"{step}: veth")
    run(["ip", "link", "set", peer, "netns", ns], f"{step}: move veth peer")
    run(["ip", "-n", ns, "link", "set", peer, "name", "eth0"], f"{step}: rename eth0")
    run(["ip", "-n", ns, "addr", "add", f"{net.address(i)}/24", "dev", "eth0"], f"{step}: addr")
    run(["ip", "-n", ns, "link", "set", "lo", "up"], f"{step}: lo up")
    run(["ip", "-n", ns, "link", "set", "eth0", "up"], f"{step}: eth0 up")
    run(["ip", "-n", ns, "route", "add", "default", "via", net.gateway], f"{step}: route")
    run(["ip", "link", "set", veth, "master", net.bridge], f"{step}: attach to bridge")
    run(["ip", "link", "set", veth, "up"], f"{step}: veth up")


def set_node_link(net: LabNet, i: int, up: bool) -> None:
    """Cut (or restore) node i's cable without stopping it: its host-side veth goes down."""
    run(["ip", "link", "set", net.veth(i), "up" if up else "down"], f"{machine_name(i)}: link")


def ensure_attached(net: LabNet, i: int) -> None:
    """Re-plug a running node's host-side veth into the (maybe re-created) bridge."""
    run(["ip", "link", "set", net.veth(i), "master", net.bridge], f"{machine_name(i)}: attach")
    set_node_link(net, i, up=True)


def remove_bridge(net: LabNet) -> None:
    if link_exists(net.bridge):
        run(["ip", "link", "del", net.bridge], f"bridge {net.bridge}: delete")


def stale_node_indices(net: LabNet) -> set[int]:
    """Node numbers (LB for the load balancer) that still have a namespace or veth on the machine (for cleanup)."""
    found = set()
    if netns_exists(net.netns(LB)) or link_exists(net.veth(LB)):
        found.add(LB)
    for p in Path("/run/netns").glob(f"kplab-{net.name}-node-*") if Path("/run/netns").exists() else []:
        tail = p.name.rsplit("-", 1)[-1]
        if tail.isdigit():
            found.add(int(tail))
    links = run(["ip", "-o", "link", "show"], "ip link", check=False).stdout
    for m in re.finditer(rf"\d+: kpl{net.index}n(\d+)[@:]", links):
        found.add(int(m.group(1)))
    return found
