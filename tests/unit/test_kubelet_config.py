"""The kubelet's files: config.yaml, instance-config.yaml, kubeadm-flags.env, and the packaged unit + drop-in."""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from sample_cluster import CONFIG, CP, WORKER

from components.render.kubelet_config import (
    kubelet_configuration,
    render_instance_config,
    render_kubeadm_dropin,
    render_kubeadm_flags_env,
    render_kubelet_config,
    render_kubelet_configmap_data,
    render_kubelet_unit,
)
from components.render.release_images import RELEASE_IMAGE_TAGS, ImageTags

LAB_KUBELET = {"failCgroupV1": False}


@pytest.mark.parametrize(
    ("service_subnet", "dns_domain", "dns_ip"),
    [
        ("10.96.0.0/12", "cluster.local", "10.96.0.10"),
        ("10.112.0.0/16", "lab.test", "10.112.0.10"),
        ("fd00:96::/108", "cluster.local", "fd00:96::a"),
    ],
    ids=["default_subnet_gives_10_96_0_10", "other_subnet_gives_its_tenth_address", "ipv6_subnet_gives_its_tenth"],
)
def test_cluster_dns_and_domain_come_from_networking(service_subnet: str, dns_domain: str, dns_ip: str) -> None:
    networking = dataclasses.replace(CONFIG.networking, service_subnet=service_subnet, dns_domain=dns_domain)
    obj = kubelet_configuration(dataclasses.replace(CONFIG, networking=networking))
    assert obj["clusterDNS"] == [dns_ip]
    assert obj["clusterDomain"] == dns_domain


def test_kubeadm_settings_are_filled() -> None:
    obj = yaml.safe_load(render_kubelet_config(CONFIG, WORKER))
    assert obj["cgroupDriver"] == "systemd"
    assert obj["rotateCertificates"] is True
    assert obj["staticPodPath"] == "/etc/kubernetes/manifests"
    assert obj["authentication"]["anonymous"] == {"enabled": False}
    assert obj["authentication"]["webhook"]["enabled"] is True
    assert obj["authentication"]["x509"] == {"clientCAFile": "/etc/kubernetes/pki/ca.crt"}
    assert obj["authorization"]["mode"] == "Webhook"
    assert (obj["healthzBindAddress"], obj["healthzPort"]) == ("127.0.0.1", 10248)
    assert obj["containerRuntimeEndpoint"] == "unix:///var/run/containerd/containerd.sock"
    assert "resolvConf" not in obj and "failCgroupV1" not in obj


@pytest.mark.parametrize(
    ("extra", "key", "expected"),
    [
        (LAB_KUBELET, "failCgroupV1", False),
        ({"authentication": {"webhook": {"cacheTTL": "2m0s"}}}, "authentication", None),
        ({"rotateCertificates": False}, "rotateCertificates", True),
    ],
    ids=["lab_cgroup_v1_setting_is_added", "nested_setting_merges_without_dropping_siblings", "rotation_stays_forced"],
)
def test_extra_config_merges_into_the_kubelet_configuration(extra: dict, key: str, expected: object) -> None:
    obj = kubelet_configuration(CONFIG, extra_config=extra)
    if key == "authentication":
        assert obj["authentication"]["webhook"] == {"cacheTTL": "2m0s", "enabled": True}
        assert obj["authentication"]["anonymous"] == {"enabled": False}
    else:
        assert obj[key] is expected


def test_configmap_copy_keeps_an_empty_cri_endpoint() -> None:
    assert 'containerRuntimeEndpoint: ""\n' in render_kubelet_configmap_data(CONFIG)


def test_resolv_conf_is_set_only_when_asked() -> None:
    text = render_kubelet_config(CONFIG, CP, resolv_conf="/run/systemd/resolve/resolv.conf")
    assert "resolvConf: /run/systemd/resolve/resolv.conf\n" in text


@pytest.mark.parametrize(
    ("version", "kw", "expected"),
    [
        ("v1.37.2", {}, 'KUBELET_KUBEADM_ARGS=""\n'),
        ("v1.36.3", {}, 'KUBELET_KUBEADM_ARGS=""\n'),
        (
            "v1.37.2",
            {"kubelet_extra_args": (("node-ip", "10.213.0.12"),)},
            'KUBELET_KUBEADM_ARGS="--node-ip=10.213.0.12"\n',
        ),
        ("v1.37.2", {"hostname": "Node-2"}, 'KUBELET_KUBEADM_ARGS=""\n'),
        ("v1.37.2", {"hostname": "debian"}, 'KUBELET_KUBEADM_ARGS="--hostname-override=node-2"\n'),
        (
            "v1.37.2",
            {"hostname": "debian", "kubelet_extra_args": (("node-ip", "10.213.0.12"), ("hostname-override", "x"))},
            'KUBELET_KUBEADM_ARGS="--node-ip=10.213.0.12 --hostname-override=x"\n',
        ),
    ],
    ids=[
        "default_1_37_node_has_no_flags",
        "default_1_36_node_has_no_flags",
        "node_ip_comes_from_kubelet_extra_args",
        "host_name_equal_to_node_name_ignoring_case_needs_no_override",
        "different_host_name_gets_hostname_override",
        "extra_args_replace_defaults_and_keep_their_order",
    ],
)
def test_kubeadm_flags_env(version: str, kw: dict, expected: str) -> None:
    config = dataclasses.replace(CONFIG, kubernetes_version=version)
    assert render_kubeadm_flags_env(config, WORKER, **kw) == expected


def test_release_1_34_still_names_the_pause_image(monkeypatch: pytest.MonkeyPatch) -> None:
    # The program ships no 1.34 tags; a table row stands in for one to check the release rule.
    monkeypatch.setitem(RELEASE_IMAGE_TAGS, 34, ImageTags(etcd="3.6.4-0", coredns="v1.12.1", pause="3.10.1"))
    config = dataclasses.replace(CONFIG, kubernetes_version="v1.34.2")
    expected = 'KUBELET_KUBEADM_ARGS="--pod-infra-container-image=registry.k8s.io/pause:3.10.1"\n'
    assert render_kubeadm_flags_env(config, WORKER) == expected


def test_instance_config_is_one_go_quoted_line() -> None:
    assert render_instance_config() == 'containerRuntimeEndpoint: "unix:///var/run/containerd/containerd.sock"\n'


def test_dropin_runs_the_kubelet_with_kubeadms_variables_in_order() -> None:
    lines = [line for line in render_kubeadm_dropin().splitlines() if not line.startswith("#")]
    assert lines == [
        "[Service]",
        'Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf '
        '--kubeconfig=/etc/kubernetes/kubelet.conf"',
        'Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"',
        "EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env",
        "EnvironmentFile=-/etc/default/kubelet",
        "ExecStart=",
        "ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS "
        "$KUBELET_EXTRA_ARGS",
    ]


@pytest.mark.parametrize(
    ("name", "render"),
    [
        ("kubelet-config.yaml", lambda: render_kubelet_config(CONFIG, WORKER, extra_config=LAB_KUBELET)),
        ("kubelet-configmap.yaml", lambda: render_kubelet_configmap_data(CONFIG)),
        ("kubelet-instance-config.yaml", render_instance_config),
        ("kubelet-flags-node-2.env", lambda: render_kubeadm_flags_env(CONFIG, WORKER)),
        (
            "kubelet-flags-node-ip.env",
            lambda: render_kubeadm_flags_env(CONFIG, CP, kubelet_extra_args=(("node-ip", CP.address),)),
        ),
        ("kubelet-service.conf", render_kubelet_unit),
        ("kubelet-10-kubeadm.conf", render_kubeadm_dropin),
    ],
)
def test_kubelet_files_match_golden(name: str, render, golden) -> None:
    golden(name, render())
