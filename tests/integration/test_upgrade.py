"""A change to the program that must leave running clusters alone, proven on the lab: a stack created by an earlier
commit (KUBEADM_PULUMI_UPGRADE_FROM) is `pulumi preview --expect-no-changes` clean under this tree, and its
`pulumi up` runs no host command. `make upgrade-check FROM=<rev>`; not part of `make test` (its baseline moves
whenever a change is meant to be visible). For a change meant to be visible on running clusters,
`make upgrade-check FROM=<rev> EXPECT=changes` proves it harmless instead: its first `pulumi up` under this tree
restarts no control-plane component, every Node stays Ready, and nothing is left to change after it."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
from io import BytesIO
from pathlib import Path

import pytest
from lab_hosts import LEFTOVERS, lab_nodes, on_host, run_kubectl, started
from project import PROJECT_FILES, ROOT

import lab

pytestmark = pytest.mark.integration

LAB = "itest-upgrade"
FROM_VARIABLE = "KUBEADM_PULUMI_UPGRADE_FROM"
EXPECT_VARIABLE = "KUBEADM_PULUMI_UPGRADE_EXPECT"
COMPONENTS = ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "etcd")


@pytest.fixture(scope="module")
def base_rev() -> str:
    rev = os.environ.get(FROM_VARIABLE, "")
    assert rev, f"set {FROM_VARIABLE} (make upgrade-check FROM=<rev>) to the commit whose stacks must stay unchanged"
    return subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--verify", f"{rev}^{{commit}}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()


nodes = lab_nodes(LAB, 4, load_balancer=True)


def use_tree(stack, tree: Path) -> None:
    """Point the stack's project at the program files of `tree`."""
    for item in PROJECT_FILES:
        link = stack.project / item
        link.unlink()
        link.symlink_to(tree / item)


def checkout(rev: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", "--format=tar", rev, *PROJECT_FILES], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def git_show(rev: str, path: str) -> str:
    return subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:{path}"], capture_output=True, text=True, check=True
    ).stdout


def operations(event_log: Path) -> dict[str, str]:
    """Resource name -> the step the engine took for it, from an event log."""
    ops = {}
    for line in event_log.read_text().splitlines():
        event = json.loads(line)
        pre = event.get("resourcePreEvent")
        if pre:
            ops[pre["metadata"]["urn"].rsplit("::", 1)[1]] = pre["metadata"]["op"]
    return ops


@pytest.mark.parametrize(
    ("shape", "control_planes", "workers"),
    [("1cp-2w", 1, 2), ("3cp-1w", 3, 1)],
    ids=["one_control_plane_two_workers", "three_control_planes_one_worker"],
)
def test_a_stack_of_the_earlier_commit_is_unchanged(
    nodes, make_stack, base_rev, tmp_path, shape: str, control_planes: int, workers: int
) -> None:
    old = checkout(base_rev, tmp_path / "old")
    stack = make_stack(f"upgrade-{shape}")
    config = {
        "clusterName": "upgrade",
        "ssh": {"user": "root", "privateKeyFile": str(lab.key_path())},
        "packages": lab.package_source(LAB),
        "controlPlanes": [{"name": n.name, "address": n.address} for n in nodes[:control_planes]],
        "workers": [{"name": n.name, "address": n.address} for n in nodes[control_planes : control_planes + workers]],
        "kubeletConfiguration": {"failCgroupV1": False},
    }
    if control_planes > 1:
        config["controlPlaneEndpoint"] = f"{lab.load_balancer_address(LAB)}:6443"
    # A commit from before the packages phase neither knows `kubeadm:packages` nor installs anything: its hosts
    # get the packages by hand first (as its users' hosts had them), and this tree's stack then names the source.
    installs_packages = '"packages"' in git_show(base_rev, "components/config/__init__.py")
    if not installs_packages:
        for host in nodes[: control_planes + workers]:
            lab.install_packages(host.name, LAB)
        stack.set_config({k: v for k, v in config.items() if k != "packages"})
    else:
        stack.set_config(config)

    try:
        use_tree(stack, old)
        stack.pulumi("up", "--yes", "--skip-preview")
        use_tree(stack, ROOT)
        stack.set_config(config)

        log = tmp_path / "events.jsonl"
        stack.env["PULUMI_DEBUG_COMMANDS"] = "true"  # `--event-log` is one of the CLI's debug flags (3.260)
        if os.environ.get(EXPECT_VARIABLE, "none") == "none":
            stack.pulumi("preview", "--expect-no-changes", "--diff")
            stack.pulumi("up", "--yes", "--skip-preview", "--event-log", str(log))
            changed = {name: op for name, op in operations(log).items() if op != "same"}
            assert changed == {}, f"under this tree, `pulumi up` changed {changed}"
        else:
            before = {n.name: started(n, *COMPONENTS) for n in nodes[:control_planes]}
            stack.pulumi("up", "--yes", "--skip-preview", "--event-log", str(log))
            changed = sorted(name for name, op in operations(log).items() if op != "same")
            assert {n.name: started(n, *COMPONENTS) for n in nodes[:control_planes]} == before, (
                "a control-plane pod restarted"
            )
            kubeconfig = tmp_path / "admin.conf"
            kubeconfig.write_text(stack.outputs()["admin_kubeconfig"])  # type: ignore[arg-type]
            names = [f"node/{n.name}" for n in nodes[: control_planes + workers]]
            run_kubectl(kubeconfig, "wait", "--for=condition=Ready", "--timeout=60s", *names)
            stack.pulumi("preview", "--expect-no-changes")
            print(f"\n[upgrade] {shape}: the first up under this tree changed {len(changed)} resources: {changed}")
    finally:
        # The next shape reuses these hosts: they must be reset whatever happened here (with this tree: its
        # deletes must handle state the earlier commit wrote).
        use_tree(stack, ROOT)
        stack.pulumi("destroy", "--yes", "--skip-preview")
    for host in nodes[: control_planes + workers]:
        assert on_host(host, LEFTOVERS).split() == ["inactive"], host.name
