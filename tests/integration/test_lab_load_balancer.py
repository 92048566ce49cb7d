"""The lab's load balancer: HAProxy on the machine lb sends port 6443 only to nodes whose API server is ready.

Plain hosts (no Kubernetes): an `openssl s_server` on a node's port 6443 stands in for its API server, answering
/readyz over HTTPS with its node's name, so which node served a request through the load balancer can be read off
the answer.
"""

from __future__ import annotations

import socket
import ssl
import time
from pathlib import Path

import pytest
import yaml
from lab_hosts import lab_nodes, on_host

import lab

pytestmark = pytest.mark.integration

LAB = "itest-lb"
PORT = 6443


nodes = lab_nodes(LAB, 3, kubernetes_minor=None, load_balancer=True)


def balancer() -> lab.Node:
    return lab.Node("lb", lab.load_balancer_address(LAB), 0)


def ask() -> str:
    """One HTTPS GET of /readyz through the load balancer: the answering node's name, or '' when nobody answered."""
    context = ssl.create_default_context()
    context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
    try:
        with (
            socket.create_connection((lab.load_balancer_address(LAB), PORT), timeout=3) as conn,
            context.wrap_socket(conn) as tls,
        ):
            tls.sendall(b"GET /readyz HTTP/1.0\r\n\r\n")
            data = b""
            while chunk := tls.recv(100):
                data += chunk
    except OSError:
        return ""
    head, _, body = data.decode().partition("\r\n\r\n")
    return body.strip() if " 200 " in head.split("\r\n")[0] else ""


def answers(count: int) -> list[str]:
    return [ask() for _ in range(count)]


def wait_for(predicate, timeout: float, what: str) -> list[str]:
    """Ask rounds of 6 until predicate(round) holds; fail naming `what` and the last round after timeout."""
    deadline = time.monotonic() + timeout
    while True:
        seen = answers(6)
        if predicate(seen):
            return seen
        if time.monotonic() > deadline:
            pytest.fail(f"{what}: not within {timeout:.0f}s; last answers {seen}")
        time.sleep(0.5)


def listen(node: lab.Node) -> str:
    """Start an HTTPS listener on node's port 6443 whose /readyz answers the node's name; its transient unit."""
    unit = f"itest-echo-{time.monotonic_ns()}"  # a stopped unit's name is not free again at once
    folder = f"/run/{unit}"
    on_host(
        node,
        f"mkdir -p {folder} && echo {node.name} > {folder}/readyz && openssl req -x509 -newkey rsa:2048 -nodes "
        f"-subj /CN={node.name} -days 1 -keyout {folder}/key.pem -out {folder}/cert.pem 2>/dev/null",
    )
    command = f"openssl s_server -quiet -accept {PORT} -cert {folder}/cert.pem -key {folder}/key.pem -WWW"
    on_host(node, f"systemd-run --quiet --collect --unit={unit} --working-directory={folder} {command}")
    return unit


def server_states() -> dict[str, str]:
    """HAProxy's own view from its stats socket: node name -> 'up' or 'down' (as its checks see it)."""
    dump = on_host(balancer(), "echo 'show servers state kube-apiserver' | socat stdio /run/haproxy/admin.sock")
    rows = [line.split() for line in dump.splitlines()[1:] if line and not line.startswith("#")]
    return {row[3]: {"0": "down", "2": "up"}.get(row[5], row[5]) for row in rows}  # srv_name, srv_op_state


def wait_states(expected: dict[str, str], timeout: float) -> float:
    """Seconds until HAProxy sees `expected`; fail after timeout."""
    started = time.monotonic()
    while (states := server_states()) != expected:
        if time.monotonic() - started > timeout:
            pytest.fail(f"haproxy servers {states}, want {expected} within {timeout:.0f}s")
        time.sleep(0.2)
    return time.monotonic() - started


def haproxy_config() -> str:
    return on_host(balancer(), "cat /etc/haproxy/haproxy.cfg")


def test_lb_is_a_plain_machine_just_below_node_1(nodes):
    address = lab.load_balancer_address(LAB)
    assert address.rsplit(".", 1)[1] == "10"
    assert nodes[0].address == address.rsplit(".", 1)[0] + ".11"
    assert [n.name for n in nodes] == ["node-1", "node-2", "node-3"]  # up returns the nodes only
    listed = {n.name: n for n in lab.status(LAB)}
    assert list(listed) == ["node-1", "node-2", "node-3", "lb"]
    assert listed["lb"].address == address and listed["lb"].ssh
    assert lab.node_address("lb", LAB) == address
    assert on_host(balancer(), "hostname").strip() == "lb"
    assert on_host(balancer(), "systemctl is-active haproxy").strip() == "active"
    assert on_host(balancer(), "systemctl is-active containerd || true").strip() != "active"
    # Every other machine has haproxy installed but not running, and reaches lb by name.
    assert on_host(nodes[0], "systemctl is-active haproxy || true").strip() != "active"
    assert on_host(nodes[0], "getent hosts lb").split()[0] == address
    config = haproxy_config()
    for node in nodes:
        assert f"server {node.name} {node.address}:{PORT} check" in config


def test_connections_reach_only_listening_nodes(nodes):
    node1, node2, _node3 = nodes  # node-3 never listens
    listen(node1)
    echo2 = listen(node2)
    wait_states({"node-1": "up", "node-2": "up", "node-3": "down"}, 10)
    seen = answers(24)
    assert set(seen) == {"node-1", "node-2"}, seen  # no failed connection: node-3 is out

    on_host(node2, f"systemctl stop {echo2}")
    # Connections refused by node-2 go to node-1 at once (redispatch); the checks take node-2 out in ~2s.
    wait_for(lambda seen: seen == ["node-1"] * 6, 5, "only node-1 answers")
    took = wait_states({"node-1": "up", "node-2": "down", "node-3": "down"}, 5)
    print(f"\nnode-2 marked down {took:.1f}s after its listener stopped")
    assert answers(12) == ["node-1"] * 12

    listen(node2)
    wait_states({"node-1": "up", "node-2": "up", "node-3": "down"}, 5)
    wait_for(lambda seen: set(seen) == {"node-1", "node-2"}, 5, "node-2 back")


def test_up_again_rewrites_the_backends_only_when_they_change(nodes):
    lab.up(LAB, 2, write_config=False, kubernetes_minor=None, load_balancer=True)
    config = haproxy_config()
    assert "server node-2 " in config and "node-3" not in config
    # A rewrite shows in the file's mtime, a restart in the master's pid, a reload in a newer worker.
    stamp = "stat -c %.9Y /etc/haproxy/haproxy.cfg; systemctl show -p MainPID --value haproxy; pgrep -n haproxy"
    time.sleep(2)  # the worker the last reload replaced is gone
    before = on_host(balancer(), stamp)
    lab.up(LAB, 2, write_config=False, kubernetes_minor=None, load_balancer=True)
    assert on_host(balancer(), stamp) == before
    assert haproxy_config() == config


def test_up_without_load_balancer_removes_it(nodes, tmp_path: Path):
    stack = tmp_path / "Pulumi.itest-lb.yaml"
    lab.up(LAB, 2, stack_config=stack, kubernetes_minor=None, load_balancer=True)
    config = yaml.safe_load(stack.read_text())["config"]
    assert config["kubeadm:controlPlaneEndpoint"] == f"{lab.load_balancer_address(LAB)}:{PORT}"

    lab.up(LAB, 2, stack_config=stack, kubernetes_minor=None)
    assert [n.name for n in lab.status(LAB)] == ["node-1", "node-2"]
    assert not lab.has_load_balancer(LAB)
    assert not Path(f"/run/netns/kplab-{LAB}-lb").exists()
    assert "controlPlaneEndpoint" not in stack.read_text()
    assert ask() == ""

    # and down takes an lb away with the rest
    lab.up(LAB, 2, write_config=False, kubernetes_minor=None, load_balancer=True)
    assert Path(f"/run/netns/kplab-{LAB}-lb").exists()
    lab.down(LAB)
    assert not Path(f"/run/netns/kplab-{LAB}-lb").exists()
    assert lab.status(LAB) == []
