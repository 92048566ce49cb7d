"""Issue 12's smoke set: a cluster made with `kubeadm:cni: flannel` carries workloads as a real site's does.

On a lab whose nodes have no network config of their own (`--cni flannel`), one `pulumi up` applies flannel; then
pods on different nodes reach each other through flannel's VXLAN, a Service answers by name through CoreDNS, and a
NodePort answers from the other node. The images are the lab's preloaded e2e ones (agnhost), under e2e's names.
"""

from __future__ import annotations

import json
import time

import pytest
from lab_hosts import lab_nodes, on_host, run_kubectl

import lab
from components import constants

pytestmark = pytest.mark.integration

LAB = "itest-net"
AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.66.1"
NAMESPACE = "smoke"

nodes = lab_nodes(LAB, 2, cni="flannel")


def _pod(name: str, node: str) -> dict:
    """agnhost netexec (HTTP on 8080: /hostname, /shell) pinned to `node`, tolerating the control plane's taint."""
    return {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {"name": name, "namespace": NAMESPACE, "labels": {"app": "web"}},
        "spec": {
            "nodeName": node,
            "tolerations": [{"key": constants.CONTROL_PLANE_ROLE_LABEL, "effect": "NoSchedule"}],
            "containers": [
                {
                    "name": "netexec",
                    "image": AGNHOST,
                    "imagePullPolicy": "Never",  # the lab is air-gapped: only preloaded images run
                    "args": ["netexec", "--http-port=8080"],
                    "readinessProbe": {"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 1},
                }
            ],
        },
    }


def test_flannel_carries_pods_services_and_dns_across_nodes(nodes, make_stack, tmp_path):
    control_plane, worker = nodes
    stack = make_stack("net")
    stack.set_config(
        {
            "ssh": {"user": "root", "privateKeyFile": str(lab.key_path())},
            "packages": lab.package_source(LAB),
            "controlPlanes": [{"name": control_plane.name, "address": control_plane.address}],
            "workers": [{"name": worker.name, "address": worker.address}],
            "kubeletConfiguration": {"failCgroupV1": False},
            "cni": "flannel",
        }
    )
    stack.pulumi("up", "--yes", "--skip-preview")
    kubeconfig = tmp_path / "admin.conf"
    kubeconfig.write_text(stack.outputs()["admin_kubeconfig"])

    def kubectl(*args: str, stdin: str | None = None) -> str:
        if stdin is not None:
            path = tmp_path / "objects.json"
            path.write_text(stdin)
            args = (*args, "-f", str(path))
        return run_kubectl(kubeconfig, *args).stdout

    # The nodes become Ready only through flannel: they have no CNI config of their own. The up ends once flannel's
    # objects are applied and the worker is registered; its flannel pod writes the config a few seconds later.
    kubectl("wait", "--for=condition=Ready", "node", "--all", "--timeout=180s")
    for node in nodes:
        assert on_host(node, "ls /etc/cni/net.d").split() == ["10-flannel.conflist"]
    kubectl("wait", "--for=condition=Ready", "node", "--all", "--timeout=180s")
    kubectl("-n", constants.FLANNEL_NAMESPACE, "rollout", "status", "daemonset/kube-flannel-ds", "--timeout=180s")

    kubectl("create", "namespace", NAMESPACE)
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "web", "namespace": NAMESPACE},
        "spec": {"type": "NodePort", "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]},
    }
    objects = {"apiVersion": "v1", "kind": "List", "items": [_pod("a", control_plane.name), _pod("b", worker.name)]}
    kubectl("apply", stdin=json.dumps({**objects, "items": [*objects["items"], service]}))
    kubectl("-n", NAMESPACE, "wait", "--for=condition=Ready", "pod/a", "pod/b", "--timeout=180s")
    pods = json.loads(kubectl("-n", NAMESPACE, "get", "pods", "-o", "json"))["items"]
    ips = {p["metadata"]["name"]: p["status"]["podIP"] for p in pods}
    # Each node's pods sit in the /24 flannel leased to it, inside the pod subnet.
    leases = {
        n["metadata"]["name"]: n["spec"]["podCIDR"] for n in json.loads(kubectl("get", "nodes", "-o", "json"))["items"]
    }
    assert ips["a"].rsplit(".", 1)[0] == leases[control_plane.name].rsplit(".", 1)[0]
    assert ips["b"].rsplit(".", 1)[0] == leases[worker.name].rsplit(".", 1)[0]

    def from_pod(pod: str, url: str) -> str:
        return kubectl("-n", NAMESPACE, "exec", pod, "--", "curl", "-sS", "--max-time", "5", url)

    # Pod to pod across nodes, both ways, over flannel's VXLAN (flannel.1 on each node).
    assert from_pod("a", f"http://{ips['b']}:8080/hostname") == "b"
    assert from_pod("b", f"http://{ips['a']}:8080/hostname") == "a"
    for node in nodes:
        assert "vxlan" in on_host(node, "ip -d link show flannel.1")

    # A Service by name through CoreDNS, from a pod on each node: both endpoints answer in time.
    seen: set[str] = set()
    deadline = time.monotonic() + 60
    while seen != {"a", "b"} and time.monotonic() < deadline:
        for pod in ("a", "b"):
            seen.add(from_pod(pod, f"http://web.{NAMESPACE}.svc.cluster.local/hostname"))
    assert seen == {"a", "b"}

    # A NodePort from the other node's host (through kube-proxy to a pod on either node).
    port = json.loads(kubectl("-n", NAMESPACE, "get", "svc", "web", "-o", "json"))["spec"]["ports"][0]["nodePort"]
    answers = {
        on_host(control_plane, f"curl -sS --max-time 5 http://{worker.address}:{port}/hostname"),
        on_host(worker, f"curl -sS --max-time 5 http://{control_plane.address}:{port}/hostname"),
    }
    assert answers <= {"a", "b"} and answers
