"""Issue 7's proof: control planes scale 1 -> 3 -> 1 by config behind the lab's load balancer, with stacked etcd."""

from __future__ import annotations

import json
import subprocess
import time

import pytest
from lab_hosts import LEFTOVERS, etcd_members, lab_nodes, on_host, run_kubectl

import lab

pytestmark = pytest.mark.integration

LAB = "itest-ha"


nodes = lab_nodes(LAB, 4, load_balancer=True)


def test_control_planes_scale_by_config(nodes, make_stack, tmp_path):
    cp1, cp2, cp3, worker = nodes
    endpoint = f"{lab.load_balancer_address(LAB)}:6443"
    stack = make_stack("ha")

    def control_planes(*hosts) -> None:
        stack.set_config({"controlPlanes": [{"name": h.name, "address": h.address} for h in hosts]})

    stack.set_config(
        {
            "clusterName": "ha",
            "controlPlaneEndpoint": endpoint,
            "ssh": {"user": "root", "privateKeyFile": str(lab.key_path())},
            "packages": lab.package_source(LAB),
            "workers": [{"name": worker.name, "address": worker.address}],
            "kubeletConfiguration": {"failCgroupV1": False},
        }
    )
    control_planes(cp1)
    stack.pulumi("up", "--yes", "--skip-preview")
    kubeconfig = tmp_path / "admin.conf"
    kubeconfig.write_text(stack.outputs()["admin_kubeconfig"])
    assert f"server: https://{endpoint}" in kubeconfig.read_text()

    def kubectl(*args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return run_kubectl(kubeconfig, "--request-timeout=10s", *args, check=check)

    # 1 -> 3 control planes by config.
    control_planes(cp1, cp2, cp3)
    started = time.monotonic()
    stack.pulumi("up", "--yes", "--skip-preview")
    one_to_three = time.monotonic() - started
    members = etcd_members(cp1)
    assert sorted(m["name"] for m in members) == [cp1.name, cp2.name, cp3.name]
    assert all(m["healthy"] and not m.get("isLearner") for m in members), json.dumps(members, indent=1)
    for cp in (cp2, cp3):
        node = json.loads(kubectl("get", "node", cp.name, "-o", "json").stdout)
        assert "node-role.kubernetes.io/control-plane" in node["metadata"]["labels"]
        assert {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"} in node["spec"]["taints"]
    assert sorted(kubectl("get", "nodes", "-o", "jsonpath={.items[*].metadata.name}").stdout.split()) == sorted(
        h.name for h in nodes
    )
    stack.pulumi("preview", "--expect-no-changes")

    # One control-plane host down: the endpoint keeps serving.
    lab.stop_node(cp2.name, name=LAB)
    deadline = time.monotonic() + 30
    answered = 0
    while time.monotonic() < deadline and answered < 5:
        answered = answered + 1 if kubectl("get", "--raw=/readyz", check=False).returncode == 0 else 0
        time.sleep(1)
    assert answered == 5, "the endpoint did not keep answering with one control plane down"

    # Removing a healthy member while another is down would leave etcd without quorum: refused at preview.
    control_planes(cp2, cp3)
    refused = stack.pulumi("preview", check=False)
    assert refused.returncode != 0
    assert f"removing {cp1.name} would leave 1 of 2 etcd members reachable" in refused.stdout + refused.stderr
    control_planes(cp1, cp2, cp3)

    # Started again, the stack reconverges: the member is healthy and nothing is left to change.
    lab.start_node(cp2.name, name=LAB)
    stack.pulumi("up", "--yes", "--skip-preview")
    deadline = time.monotonic() + 180
    members = etcd_members(cp1)
    while not all(m["healthy"] for m in members) and time.monotonic() < deadline:
        time.sleep(3)
        members = etcd_members(cp1)
    assert len(members) == 3 and all(m["healthy"] for m in members), members
    stack.pulumi("preview", "--expect-no-changes")

    # 3 -> 1: one healthy member left, no stale members, the removed hosts clean and out of the cluster.
    control_planes(cp1)
    started = time.monotonic()
    stack.pulumi("up", "--yes", "--skip-preview")
    three_to_one = time.monotonic() - started
    members = etcd_members(cp1)
    assert [m["name"] for m in members] == [cp1.name] and members[0]["healthy"], members
    assert sorted(kubectl("get", "nodes", "-o", "jsonpath={.items[*].metadata.name}").stdout.split()) == sorted(
        [cp1.name, worker.name]
    )
    for cp in (cp2, cp3):
        assert on_host(cp, LEFTOVERS).split() == ["inactive"], cp.name

    stack.pulumi("destroy", "--yes", "--skip-preview")
    for host in nodes:
        assert on_host(host, LEFTOVERS).split() == ["inactive"], host.name
    print(f"\n[timing] 1 -> 3 control planes: {one_to_three:.1f}s; 3 -> 1: {three_to_one:.1f}s")
