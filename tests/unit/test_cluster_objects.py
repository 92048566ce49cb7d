"""Cluster objects kubeadm creates as plain manifests: configs, RBAC, cluster-info, token, addons."""

from __future__ import annotations

import base64
import dataclasses
import hashlib

import pytest
import yaml
from sample_cluster import CONFIG, CP

from components import constants as c
from components.config import Component
from components.config.endpoint import parse_endpoint
from components.render.cluster_objects import (
    CONTROL_PLANE_MARKS,
    binds_apiserver_kubelet_client,
    bootstrap_token_rbac,
    bootstrap_token_secret,
    cluster_configuration,
    cluster_info_objects,
    kubeadm_config_objects,
    kubelet_config_objects,
)
from components.render.coredns_objects import coredns_objects, corefile
from components.render.flannel_objects import flannel_objects, net_conf
from components.render.k8s_objects import config_hash, render_objects
from components.render.kube_proxy_objects import kube_proxy_configuration, kube_proxy_kubeconfig, kube_proxy_objects

CA_PEM = "-----BEGIN CERTIFICATE-----\nTUlJQ0xBQg==\n-----END CERTIFICATE-----\n"


def by_kind(objects: list[dict], kind: str, name: str) -> dict:
    return next(o for o in objects if o["kind"] == kind and o["metadata"]["name"] == name)


@pytest.mark.parametrize(
    ("endpoint", "expected"),
    [
        (None, "10.213.0.11:6443"),
        ("k8s.lab.test", "k8s.lab.test:6443"),
        ("k8s.lab.test:8443", "k8s.lab.test:8443"),
        ("10.213.0.100", "10.213.0.100:6443"),
        ("10.213.0.100:443", "10.213.0.100:443"),
        ("fd00:213::100", "[fd00:213::100]:6443"),
    ],
    ids=[
        "no_endpoint_uses_the_first_control_plane",
        "dns_name_gets_the_default_port",
        "dns_name_keeps_its_port",
        "ip_gets_the_default_port",
        "ip_keeps_its_port",
        "bare_ipv6_is_bracketed",
    ],
)
def test_control_plane_endpoint_flows_to_clients(endpoint: str | None, expected: str) -> None:
    config = dataclasses.replace(CONFIG, control_plane_endpoint=parse_endpoint(endpoint) if endpoint else None)
    assert config.api_endpoint.host_port == expected
    info = by_kind(cluster_info_objects(config, CA_PEM), "ConfigMap", "cluster-info")
    assert yaml.safe_load(info["data"]["kubeconfig"])["clusters"][0]["cluster"]["server"] == f"https://{expected}"
    assert f"    server: https://{expected}\n" in kube_proxy_kubeconfig(config)
    assert cluster_configuration(config).get("controlPlaneEndpoint") == endpoint


def test_ipv6_control_plane_binds_kube_proxy_to_the_ipv6_wildcard() -> None:
    v6 = dataclasses.replace(CP, address="fd00:213::11")
    assert kube_proxy_configuration(dataclasses.replace(CONFIG, control_planes=(v6,)))["bindAddress"] == "::"
    assert kube_proxy_configuration(CONFIG)["bindAddress"] == "0.0.0.0"


def test_dns_ip_and_domain_flow_into_coredns() -> None:
    networking = dataclasses.replace(CONFIG.networking, service_subnet="10.112.0.0/16", dns_domain="lab.test")
    objects = coredns_objects(dataclasses.replace(CONFIG, networking=networking))
    assert by_kind(objects, "Service", "kube-dns")["spec"]["clusterIP"] == "10.112.0.10"
    text = by_kind(objects, "ConfigMap", "coredns")["data"]["Corefile"]
    assert "    kubernetes lab.test in-addr.arpa ip6.arpa {\n" in text
    assert "       disable denial lab.test\n" in text


def test_corefile_has_kubeadms_23_lines_and_ends_with_one_newline() -> None:
    text = corefile("cluster.local")
    assert len(text.splitlines()) == 23
    assert text.endswith("}\n") and not text.endswith("\n\n")


def test_config_hash_concatenates_values_in_key_order() -> None:
    expected = "sha256:" + hashlib.sha256(b"AB").hexdigest()
    assert config_hash({"b": "B", "a": "A"}) == expected


def test_kubelet_config_map_is_hashed_unless_user_settings_are_given() -> None:
    cm = by_kind(kubelet_config_objects(CONFIG), "ConfigMap", "kubelet-config")
    assert cm["metadata"]["annotations"][c.COMPONENT_CONFIG_HASH_ANNOTATION] == config_hash(cm["data"])
    user = by_kind(kubelet_config_objects(CONFIG, extra_config={"failCgroupV1": False}), "ConfigMap", "kubelet-config")
    assert "annotations" not in user["metadata"]
    assert "failCgroupV1: false\n" in user["data"]["kubelet"]


def test_kube_proxy_config_map_is_hashed_and_its_values_have_no_final_newline() -> None:
    cm = by_kind(kube_proxy_objects(CONFIG), "ConfigMap", "kube-proxy")
    assert cm["metadata"]["annotations"][c.COMPONENT_CONFIG_HASH_ANNOTATION] == config_hash(cm["data"])
    assert all(not v.endswith("\n") for v in cm["data"].values())
    assert "clusterCIDR: 10.244.0.0/16\n" in cm["data"]["config.conf"]


def test_cluster_configuration_carries_extra_args_and_sans() -> None:
    config = dataclasses.replace(
        CONFIG,
        api_server=Component(extra_args=(("audit-log-maxage", "7"),), cert_sans=("k8s.lab.test",)),
        etcd=Component(cert_sans=("etcd.lab.test",), peer_cert_sans=("10.213.0.50",)),
    )
    obj = cluster_configuration(config)
    assert obj["apiServer"] == {"certSANs": ["k8s.lab.test"], "extraArgs": [{"name": "audit-log-maxage", "value": "7"}]}
    assert obj["etcd"]["local"]["serverCertSANs"] == ["etcd.lab.test"]
    assert obj["etcd"]["local"]["peerCertSANs"] == ["10.213.0.50"]


@pytest.mark.parametrize(
    ("version", "expected"),
    [("v1.37.0", True), ("v1.36.0", False), ("v1.36.1", True), ("v1.35.4", False), ("v1.38.0", True)],
    ids=["all_of_1_37", "first_1_36_lacks_it", "fixed_1_36_1", "unfixed_1_35_4", "later_minors"],
)
def test_apiserver_kubelet_client_binding_by_release(version: str, expected: bool) -> None:
    assert binds_apiserver_kubelet_client(version) is expected
    names = {
        o["metadata"]["name"] for o in bootstrap_token_rbac(dataclasses.replace(CONFIG, kubernetes_version=version))
    }
    assert ("kubeadm:apiserver-kubelet-client" in names) is expected


def test_bootstrap_token_secret_encodes_kubeadms_keys() -> None:
    secret = bootstrap_token_secret("abcdef", "0123456789abcdef", expiration="2026-11-30T15:00:00Z")
    data = {k: base64.b64decode(v).decode() for k, v in secret["data"].items()}
    assert secret["metadata"] == {"name": "bootstrap-token-abcdef", "namespace": "kube-system"}
    assert secret["type"] == "bootstrap.kubernetes.io/token"
    assert data == {
        "auth-extra-groups": "system:bootstrappers:kubeadm:default-node-token",
        "description": "The default bootstrap token generated by 'kubeadm init'.",
        "expiration": "2026-11-30T15:00:00Z",
        "token-id": "abcdef",
        "token-secret": "0123456789abcdef",
        "usage-bootstrap-authentication": "true",
        "usage-bootstrap-signing": "true",
    }
    assert "expiration" not in bootstrap_token_secret("abcdef", "0123456789abcdef", expiration=None)["data"]


def test_control_plane_marks() -> None:
    assert dict(CONTROL_PLANE_MARKS.labels) == {
        "node-role.kubernetes.io/control-plane": "",
        "node.kubernetes.io/exclude-from-external-load-balancers": "",
    }
    assert [dict(t) for t in CONTROL_PLANE_MARKS.taints] == [
        {"effect": "NoSchedule", "key": "node-role.kubernetes.io/control-plane"}
    ]


def test_every_rbac_binding_points_at_a_role_of_its_scope() -> None:
    objects = [
        *kubeadm_config_objects(CONFIG),
        *kubelet_config_objects(CONFIG),
        *bootstrap_token_rbac(CONFIG),
        *cluster_info_objects(CONFIG, CA_PEM),
        *kube_proxy_objects(CONFIG),
        *coredns_objects(CONFIG),
    ]
    roles = {(o["metadata"].get("namespace"), o["metadata"]["name"]) for o in objects if o["kind"] == "Role"}
    for binding in (o for o in objects if o["kind"] == "RoleBinding"):
        assert binding["roleRef"]["kind"] == "Role"
        assert (binding["metadata"]["namespace"], binding["roleRef"]["name"]) in roles
    keys = [(o["kind"], o["metadata"].get("namespace"), o["metadata"]["name"]) for o in objects]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize(
    ("name", "objects"),
    [
        ("objects-kubeadm-config.yaml", lambda: kubeadm_config_objects(CONFIG)),
        ("objects-kubelet-config.yaml", lambda: kubelet_config_objects(CONFIG)),
        ("objects-bootstrap-token-rbac.yaml", lambda: bootstrap_token_rbac(CONFIG)),
        ("objects-cluster-info.yaml", lambda: cluster_info_objects(CONFIG, CA_PEM)),
        (
            "objects-bootstrap-token.yaml",
            lambda: [bootstrap_token_secret("abcdef", "0123456789abcdef", expiration="2026-11-30T15:00:00Z")],
        ),
        ("objects-coredns.yaml", lambda: coredns_objects(CONFIG)),
        ("objects-kube-proxy.yaml", lambda: kube_proxy_objects(CONFIG)),
        ("objects-flannel.yaml", lambda: flannel_objects(CONFIG)),
    ],
    ids=[
        "kubeadm_config",
        "kubelet_config",
        "bootstrap_token_rbac",
        "cluster_info",
        "token",
        "coredns",
        "kube_proxy",
        "flannel",
    ],
)
def test_objects_match_golden(name: str, objects, golden) -> None:
    golden(name, render_objects(objects()))


def test_flannel_leases_node_subnets_from_the_pod_subnet() -> None:
    (cfg,) = [o for o in flannel_objects(CONFIG) if o["kind"] == "ConfigMap"]
    assert cfg["data"]["net-conf.json"] == net_conf(CONFIG.networking.pod_subnet)
    assert f'"Network": "{CONFIG.networking.pod_subnet}"' in cfg["data"]["net-conf.json"]
    # The lab's plugin (containernetworking/plugins v0.9.1) speaks CNI up to 0.4.0; upstream's speaks 0.3.1 too.
    assert '"cniVersion": "0.3.1"' in cfg["data"]["cni-conf.json"]
