"""The rolling chain on the lab: a change to what the control planes run restarts their API servers one at a time,
each behind its health gate, while the endpoint answers every poll; a worker's label touches no control plane; a
kubelet change rolls the worker through drain, restart and uncordon."""

from __future__ import annotations

import json

import pytest
from lab_hosts import BEHIND_LB_ARGS, LEFTOVERS, cluster_config, lab_nodes, on_host, run_kubectl, started
from polling import assert_one_down_at_a_time, up_watched

import lab

pytestmark = pytest.mark.integration

LAB = "itest-rollout"

nodes = lab_nodes(LAB, 4, load_balancer=True)


def apiserver_started(node) -> str:
    return started(node, "kube-apiserver")["kube-apiserver"]


def test_changes_roll_one_node_at_a_time(nodes, make_stack, tmp_path):
    cp1, cp2, cp3, worker = nodes
    control_planes = (cp1, cp2, cp3)
    endpoint = f"{lab.load_balancer_address(LAB)}:6443"
    stack = make_stack("rollout")
    stack.set_config(cluster_config("rollout", LAB, control_planes, [worker], endpoint))
    stack.pulumi("up", "--yes", "--skip-preview")
    kubeconfig = tmp_path / "admin.conf"
    kubeconfig.write_text(stack.outputs()["admin_kubeconfig"])
    before = {h.name: apiserver_started(h) for h in control_planes}

    # An API server flag on every control plane: each restarts, one after the other, behind its gate.
    stack.set_config({"apiServer": {"extraArgs": {**BEHIND_LB_ARGS, "event-ttl": "2h0m0s"}}})
    watched = up_watched(stack, endpoint, control_planes, kubeconfig, tmp_path)
    through, windows = watched.through, watched.windows
    after = {h.name: apiserver_started(h) for h in control_planes}
    for h in control_planes:
        assert after[h.name] != before[h.name], f"{h.name}'s API server did not restart"
        assert "--event-ttl=2h0m0s" in on_host(h, "tr '\\0' ' ' < /proc/$(pgrep -o -f '^kube-apiserver ')/cmdline")
    assert_one_down_at_a_time(windows)
    assert through.failed() == [], (
        f"{len(through.failed())} of {len(through.samples)} polls through the endpoint failed; the API servers were "
        f"down (s since start): {windows}\n{watched.failures(LAB, control_planes)}"
    )
    print(
        f"\n[rollout] extra arg on 3 control planes: {watched.seconds:.1f}s; {len(through.samples)} polls through the endpoint, "
        f"0 failed; each API server down (s since start): "
        + ", ".join(f"{h.name} {w[0]:.1f}-{w[1]:.1f}" for h, w in zip(control_planes, windows, strict=True))  # type: ignore[index]
    )
    stack.pulumi("preview", "--expect-no-changes")

    # A worker's label: only its mark step changes; no control plane restarts anything.
    stack.set_config({"workers": [{"name": worker.name, "address": worker.address, "labels": {"tier": "web"}}]})
    preview = json.loads(stack.pulumi("preview", "--json").stdout)
    changed = sorted(s["urn"].rsplit("::", 1)[1] for s in preview["steps"] if s["op"] not in ("same", "read"))
    assert changed == [f"join-{worker.name}-mark"], changed
    stack.pulumi("up", "--yes", "--skip-preview")
    assert {h.name: apiserver_started(h) for h in control_planes} == after
    labels = json.loads(run_kubectl(kubeconfig, "get", "node", worker.name, "-o", "jsonpath={.metadata.labels}").stdout)
    assert labels["tier"] == "web"

    # A kubelet setting: the control planes' kubelets restart one at a time behind their gates, the worker is
    # drained, restarted and uncordoned.
    stack.set_config({"kubeletConfiguration": {"failCgroupV1": False, "maxPods": 100}})
    result = stack.pulumi("up", "--yes", "--skip-preview")
    output = result.stdout + result.stderr
    for step in (f"rollout-{worker.name}-drain", f"rollout-{worker.name}", f"rollout-{worker.name}-uncordon"):
        assert step in output, step
    configz = json.loads(run_kubectl(kubeconfig, "get", "--raw", f"/api/v1/nodes/{worker.name}/proxy/configz").stdout)
    assert configz["kubeletconfig"]["maxPods"] == 100
    node = json.loads(run_kubectl(kubeconfig, "get", "node", worker.name, "-o", "json").stdout)
    assert not node["spec"].get("unschedulable"), "the worker was left cordoned"
    stack.pulumi("preview", "--expect-no-changes")

    stack.pulumi("destroy", "--yes", "--skip-preview")
    for host in nodes:
        assert on_host(host, LEFTOVERS).split() == ["inactive"], host.name
