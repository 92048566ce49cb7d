"""Issue 14: a Kubernetes upgrade is a change of `kubernetesVersion`. On 3 control planes behind the lab's load
balancer and 2 workers, 1.36 -> 1.37: the control planes one at a time through the rolling chain (packages, static
pods, health gate) while the endpoint answers every poll, then kube-proxy and CoreDNS, then the workers drained and
upgraded one at a time; afterwards every node runs the new release and kubeadm itself agrees."""

from __future__ import annotations

import itertools
import json

import pytest
from lab_hosts import cluster_config, lab_nodes, on_host, run_kubectl
from polling import up_watched

import lab

pytestmark = pytest.mark.integration

LAB = "itest-k8s-upgrade"
FROM, TO = "v1.36.3", "v1.37.2"

nodes = lab_nodes(LAB, 5, load_balancer=True, kubernetes_minor="1.36", upgrade_to=("1.37",))


def package_versions(host) -> str:
    return on_host(host, "dpkg-query -W -f '${Package}=${Version} ' kubeadm kubectl kubelet").strip()


def span(log: str, first: str, last: str) -> tuple[float, float]:
    """From when the event log says step `first` started to when `last` finished (seconds since the epoch)."""
    began = ended = None
    for line in log.splitlines():
        event = json.loads(line)
        pre, out = event.get("resourcePreEvent"), event.get("resOutputsEvent")
        if pre and pre["metadata"]["urn"].endswith(f"::{first}") and began is None:
            began = float(event["timestamp"])
        if out and out["metadata"]["urn"].endswith(f"::{last}"):
            ended = float(event["timestamp"])
    assert began is not None and ended is not None, f"{first} .. {last} not in the event log"
    return began, ended


def test_an_upgrade_is_a_version_change_rolled_node_by_node(nodes, make_stack, tmp_path):
    control_planes, workers = nodes[:3], nodes[3:]
    endpoint = f"{lab.load_balancer_address(LAB)}:6443"
    stack = make_stack("k8s-upgrade")
    stack.set_config(cluster_config("upgrade", LAB, control_planes, workers, endpoint, kubernetesVersion=FROM))
    stack.pulumi("up", "--yes", "--skip-preview")
    kubeconfig = tmp_path / "admin.conf"
    kubeconfig.write_text(stack.outputs()["admin_kubeconfig"])
    for host in nodes:
        assert package_versions(host) == "kubeadm=1.36.3-1.1 kubectl=1.36.3-1.1 kubelet=1.36.3-1.1", host.name

    stack.set_config({"kubernetesVersion": TO})
    preview = json.loads(stack.pulumi("preview", "--json").stdout)
    planned = sorted(s["urn"].rsplit("::", 1)[1] for s in preview["steps"] if s["op"] not in ("same", "read"))
    for host in control_planes:
        assert {f"packages-{host.name}", f"files-{host.name}", f"rollout-{host.name}"} <= set(planned), planned
    for host in workers:
        assert {f"rollout-{host.name}-drain", f"rollout-{host.name}", f"rollout-{host.name}-uncordon"} <= set(planned)
        assert f"packages-{host.name}" not in planned  # a worker's packages change drained, in its rollout

    events = tmp_path / "events.jsonl"
    watched = up_watched(stack, endpoint, control_planes, kubeconfig, tmp_path, events)
    through = watched.through
    # Each API server's own /readyz also fails for a moment while another member's etcd restarts on its new release
    # (a leader election), so the one-at-a-time proof is the event log's order below, not the pollers' windows.
    assert through.failed() == [], (
        f"{len(through.failed())} of {len(through.samples)} polls through the endpoint failed:\n"
        f"{watched.failures(LAB, control_planes)}"
    )

    # Every node runs the new release, from its packages up.
    for host in nodes:
        assert package_versions(host) == "kubeadm=1.37.2-1.1 kubectl=1.37.2-1.1 kubelet=1.37.2-1.1", host.name
        assert on_host(host, "kubeadm version -o short").strip() == TO
        assert on_host(host, "kubelet --version").split() == ["Kubernetes", TO]
    listed = json.loads(run_kubectl(kubeconfig, "get", "nodes", "-o", "json").stdout)["items"]
    assert {n["metadata"]["name"]: n["status"]["nodeInfo"]["kubeletVersion"] for n in listed} == {
        h.name: TO for h in nodes
    }
    for host in control_planes:
        manifest = on_host(host, "cat /etc/kubernetes/manifests/kube-apiserver.yaml")
        assert f"registry.k8s.io/kube-apiserver:{TO}" in manifest
        assert "registry.k8s.io/etcd:3.7.0-0" in on_host(host, "cat /etc/kubernetes/manifests/etcd.yaml")
    proxy = run_kubectl(
        kubeconfig,
        "-n",
        "kube-system",
        "get",
        "ds",
        "kube-proxy",
        "-o",
        "jsonpath={.spec.template.spec.containers[0].image}",
    ).stdout
    assert proxy == f"registry.k8s.io/kube-proxy:{TO}"
    cluster_configuration = run_kubectl(
        kubeconfig, "-n", "kube-system", "get", "cm", "kubeadm-config", "-o", "jsonpath={.data.ClusterConfiguration}"
    ).stdout
    assert f"kubernetesVersion: {TO}" in cluster_configuration
    # kubeadm itself reads the cluster as upgraded (the version given: without one it asks the internet).
    plan = on_host(control_planes[0], f"kubeadm upgrade plan {TO} --ignore-preflight-errors=all 2>&1", check=False)
    assert f"[upgrade/versions] Cluster version: {TO[1:]}" in plan, plan
    assert f"[upgrade/versions] kubeadm version: {TO}" in plan, plan

    # The order: each control plane from its packages to its gate, one after another, then the workers from drain to
    # uncordon, one at a time (maxUnavailable 1), after the last control plane.
    log = events.read_text()
    spans = {h.name: span(log, f"packages-{h.name}", f"rollout-{h.name}") for h in control_planes}
    spans |= {h.name: span(log, f"rollout-{h.name}-drain", f"rollout-{h.name}-uncordon") for h in workers}
    ordered = [spans[h.name] for h in nodes]
    for (_, end), (start, _) in itertools.pairwise(ordered):
        assert end <= start, f"two nodes were upgraded at once: {spans}"
    stack.pulumi("preview", "--expect-no-changes")
    print(
        f"\n[upgrade] {FROM} -> {TO} on 3 control planes + 2 workers: {watched.seconds:.1f}s, "
        f"{len(through.samples)} polls through the endpoint, 0 failed; each API server's /readyz failing (s since start, first-last): "
        + ", ".join(
            f"{h.name} {w[0]:.1f}-{w[1]:.1f}" if w else f"{h.name} never"
            for h, w in zip(control_planes, watched.windows, strict=True)
        )
        + "; per node (s): "
        + ", ".join(f"{name} {end - start:.1f}" for name, (start, end) in spans.items())
    )
    stack.pulumi("destroy", "--yes", "--skip-preview")
