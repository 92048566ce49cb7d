"""The lab's load balancer: its addresses and names, its HAProxy config, and the stack config's endpoint."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from lab import loadbalancer, stackconfig
from lab.network import LB, LabNet, machine_name
from lab.paths import LabError

NET = LabNet("demo", 42)
KEY = Path("/keys/id_ed25519")
NODES = [("node-1", "10.213.42.11"), ("node-2", "10.213.42.12")]
LB_ENDPOINT = "10.213.42.10:6443"

EXPECTED_CONFIG = """\
# Written by kubeadm-pulumi's lab (`python -m lab up --load-balancer`); rewritten by every `up`.
# TCP pass-through to the API servers of the lab's nodes; an HTTPS check of /readyz every second takes a node
# out after 2 failures and back after 2 successes (kubeadm's HA guide checks the API servers the same way).
global
    log /dev/log local0
    chroot /var/lib/haproxy
    stats socket /run/haproxy/admin.sock mode 660 level admin
    user haproxy
    group haproxy

defaults
    log global
    mode tcp
    option tcplog
    option dontlognull
    timeout connect 5s
    # long enough for `kubectl ... --watch` and the kubelet's watches
    timeout client 1h
    timeout server 1h
    timeout check 1s
    # a connection refused by a node not yet marked down is retried on another one
    retries 3
    option redispatch 1

frontend kube-apiserver
    bind *:6443
    default_backend kube-apiserver

backend kube-apiserver
    balance roundrobin
    option httpchk
    http-check send meth GET uri /readyz
    http-check expect status 200
    default-server inter 1s fall 2 rise 2 check-ssl verify none
    server node-1 10.213.42.11:6443 check
    server node-2 10.213.42.12:6443 check
"""


def test_load_balancer_sits_just_below_node_1():
    assert NET.address(LB) == "10.213.42.10"
    assert NET.address(1) == "10.213.42.11"
    assert NET.gateway == "10.213.42.1"
    assert loadbalancer.endpoint(NET.address(LB)) == LB_ENDPOINT


def test_load_balancer_names_differ_from_every_node():
    assert machine_name(LB) == "lb"
    assert machine_name(3) == "node-3"
    assert (NET.netns(LB), NET.veth(LB)) == ("kplab-demo-lb", "kpl42lb")
    assert (NET.netns(1), NET.veth(1)) == ("kplab-demo-node-1", "kpl42n1")
    assert len(LabNet("x", 254).veth(LB) + "p") <= 15  # IFNAMSIZ - 1, the peer's temporary name included


def test_haproxy_config_lists_every_node_with_checks():
    assert loadbalancer.render_config(NODES) == EXPECTED_CONFIG


def test_haproxy_config_follows_the_node_count():
    three = loadbalancer.render_config([*NODES, ("node-3", "10.213.42.13")])
    assert three == EXPECTED_CONFIG + "    server node-3 10.213.42.13:6443 check\n"
    with pytest.raises(LabError, match="no nodes"):
        loadbalancer.render_config([])


def config_of(text: str) -> dict:
    return yaml.safe_load(text)["config"]


def test_stack_config_gets_the_load_balancer_as_endpoint():
    config = config_of(stackconfig.render("", NODES, KEY, LB_ENDPOINT, LB_ENDPOINT))
    assert config["kubeadm:controlPlaneEndpoint"] == LB_ENDPOINT
    assert config["kubeadm:controlPlanes"] == [{"name": "node-1", "address": "10.213.42.11"}]


def test_stack_config_without_load_balancer_has_no_endpoint():
    text = stackconfig.render("", NODES, KEY, None, LB_ENDPOINT)
    assert "controlPlaneEndpoint" not in text
    # and is what it was before load balancers existed
    assert text == stackconfig.render("", NODES, KEY)


def test_stack_config_drops_only_the_labs_own_endpoint():
    with_lb = stackconfig.render("", NODES, KEY, LB_ENDPOINT, LB_ENDPOINT)
    assert "controlPlaneEndpoint" not in config_of(stackconfig.render(with_lb, NODES, KEY, None, LB_ENDPOINT))
    users = with_lb.replace(LB_ENDPOINT, "api.example.org:6443")
    kept = config_of(stackconfig.render(users, NODES, KEY, None, LB_ENDPOINT))
    assert kept["kubeadm:controlPlaneEndpoint"] == "api.example.org:6443"


def test_stack_config_with_load_balancer_is_stable():
    once = stackconfig.render("encryptionsalt: abc\n", NODES, KEY, LB_ENDPOINT, LB_ENDPOINT)
    assert stackconfig.render(once, NODES, KEY, LB_ENDPOINT, LB_ENDPOINT) == once


def test_stack_config_carries_what_the_machine_imposes_into_any_stack(tmp_path) -> None:
    # A stack written for another lab name kept only the hosts, and its kubelets refused cgroup v1 (issue 12).
    config = config_of(stackconfig.render("", NODES, KEY))
    assert config["kubeadm:kubeletConfiguration"] == {"failCgroupV1": False}
    assert config["kubeadm:cni"] == "flannel"
    users = "config:\n  kubeadm:kubeletConfiguration:\n    maxPods: 50\n    failCgroupV1: true\n"
    merged = config_of(stackconfig.render(users, NODES, KEY))["kubeadm:kubeletConfiguration"]
    assert merged == {"maxPods": 50, "failCgroupV1": False}


def test_stack_config_of_a_bridge_lab_applies_no_cni() -> None:
    flannel = stackconfig.render("", NODES, KEY)
    assert "kubeadm:cni" not in config_of(stackconfig.render(flannel, NODES, KEY, cni="bridge"))
    theirs = flannel.replace("kubeadm:cni: flannel", "kubeadm:cni:\n    manifest: calico.yaml")
    assert config_of(stackconfig.render(theirs, NODES, KEY, cni="bridge"))["kubeadm:cni"] == {"manifest": "calico.yaml"}


def test_stack_config_points_the_stack_at_the_labs_package_repository() -> None:
    source = ("http://10.213.42.1/core:/stable:", Path.home() / ".cache/kubeadm-pulumi/apt/Release.key")
    config = config_of(stackconfig.render("", NODES, KEY, packages=source))
    assert config["kubeadm:packages"] == {
        "repository": "http://10.213.42.1/core:/stable:",
        "signingKeyFile": "~/.cache/kubeadm-pulumi/apt/Release.key",
    }
    # Plain hosts (no release, no repository) leave whatever the stack says.
    mirror = "config:\n  kubeadm:packages:\n    repository: 'https://mirror.example/core:/stable:'\n"
    assert config_of(stackconfig.render(mirror, NODES, KEY))["kubeadm:packages"] == {
        "repository": "https://mirror.example/core:/stable:"
    }


def test_inotify_instances_are_raised_for_more_machines_never_lowered(tmp_path) -> None:
    from lab import core

    sysctl = tmp_path / "max_user_instances"
    sysctl.write_text("128\n")
    core.ensure_inotify_instances(8, sysctl)
    raised = int(sysctl.read_text())
    assert raised >= 128 + 8 * core.INOTIFY_INSTANCES_PER_MACHINE
    sysctl.write_text("100000\n")
    core.ensure_inotify_instances(8, sysctl)
    assert sysctl.read_text() == "100000\n"


def test_load_image_names_what_an_archive_carries(tmp_path) -> None:
    import io
    import json
    import tarfile

    from lab import kubernetes

    def archive(name: str, files: dict[str, object]) -> Path:
        path = tmp_path / name
        with tarfile.open(path, "w") as tar:
            for member, content in files.items():
                data = json.dumps(content).encode()
                info = tarfile.TarInfo(member)
                info.size = len(data)
                tar.addfile(info, io.BytesIO(data))
        return path

    docker = archive("docker.tar", {"manifest.json": [{"RepoTags": ["example.org/web:1.0", "example.org/web:v1"]}]})
    assert kubernetes.image_names(docker) == ["example.org/web:1.0", "example.org/web:v1"]
    index = {"manifests": [{"annotations": {"io.containerd.image.name": "example.org/api:2"}}]}
    assert kubernetes.image_names(archive("oci.tar", {"index.json": index})) == ["example.org/api:2"]


def test_load_image_refuses_what_is_no_archive_before_touching_a_node(tmp_path) -> None:
    from lab import core

    text = tmp_path / "web.tar"
    text.write_text("not a tarball")
    with pytest.raises(LabError, match=r"web\.tar: not an image archive"):
        core.load_images([text], "no-such-lab")
