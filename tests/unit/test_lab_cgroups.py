"""Where the lab puts each node's cgroups."""

from __future__ import annotations

from pathlib import Path

from lab import cgroups


def test_node_cgroups_sit_below_the_callers_cgroup_in_every_hierarchy():
    mounts = (
        "tmpfs /sys/fs/cgroup tmpfs rw,relatime,mode=755 0 0\n"
        "cgroup /sys/fs/cgroup/cpu,cpuacct cgroup rw,relatime,cpu,cpuacct 0 0\n"
        "cgroup /sys/fs/cgroup/memory cgroup rw,relatime,memory 0 0\n"
        "cgroup /sys/fs/cgroup/systemd cgroup rw,relatime,name=systemd 0 0\n"
        "cgroup2 /sys/fs/cgroup/unified cgroup2 rw,relatime 0 0\n"
    )
    own = "4:memory:/process_api/abc\n3:cpu,cpuacct:/\n1:name=systemd:/user.slice/s.scope\n0::/\n"
    assert cgroups.hierarchies(mounts, own) == [
        Path("/sys/fs/cgroup/memory/process_api/abc"),
        Path("/sys/fs/cgroup/cpu,cpuacct"),
        Path("/sys/fs/cgroup/systemd/user.slice/s.scope"),
        Path("/sys/fs/cgroup/unified"),
    ]
