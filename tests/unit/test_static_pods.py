"""Static pod specs and the manifests rendered from them."""

from __future__ import annotations

import dataclasses

import pytest
import yaml
from sample_cluster import CONFIG, CP

from components import constants as c
from components.config import ClusterConfig, Component, Host
from components.render.release_images import image
from components.render.static_pod_flags import merge_flags
from components.render.static_pod_specs import SPECS_BY_NAME, STATIC_PODS
from components.render.static_pods import kube_yaml, manifest_path, render_manifest


def with_args(field: str, *args: tuple[str, str]) -> ClusterConfig:
    return dataclasses.replace(CONFIG, **{field: Component(extra_args=tuple(sorted(args)))})


def pod(name: str, config: ClusterConfig = CONFIG, host: Host = CP, **kw: object) -> dict:
    return yaml.safe_load(render_manifest(SPECS_BY_NAME[name], config, host, **kw))  # type: ignore[arg-type]


def command(name: str, config: ClusterConfig = CONFIG, host: Host = CP, **kw: object) -> list[str]:
    return pod(name, config, host, **kw)["spec"]["containers"][0]["command"]


def test_static_pod_names_are_unique_and_the_four_kubeadm_writes() -> None:
    names = [s.name for s in STATIC_PODS]
    assert sorted(names) == ["etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler"]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("spec", STATIC_PODS, ids=lambda s: s.name)
def test_every_mount_has_a_volume_and_names_are_unique(spec) -> None:
    rendered = pod(spec.name)["spec"]
    volumes = [v["name"] for v in rendered["volumes"]]
    mounts = [m["name"] for m in rendered["containers"][0]["volumeMounts"]]
    assert len(volumes) == len(set(volumes))
    assert sorted(mounts) == sorted(volumes)


@pytest.mark.parametrize(
    ("name", "port"),
    [
        ("kube-apiserver", c.APISERVER_PORT),
        ("kube-controller-manager", c.CONTROLLER_MANAGER_PORT),
        ("kube-scheduler", c.SCHEDULER_PORT),
        ("etcd", c.ETCD_METRICS_PORT),
    ],
    ids=["apiserver_on_6443", "controller_manager_on_10257", "scheduler_on_10259", "etcd_on_metrics_2381"],
)
def test_probe_port_is_the_components_port_constant(name: str, port: int) -> None:
    container = pod(name)["spec"]["containers"][0]
    assert SPECS_BY_NAME[name].probe_port == port
    assert container["ports"] == [{"containerPort": port, "name": "probe-port", "protocol": "TCP"}]
    probes = [container[k] for k in ("livenessProbe", "readinessProbe", "startupProbe") if k in container]
    assert probes and all(p["httpGet"]["port"] == "probe-port" for p in probes)


@pytest.mark.parametrize(
    ("defaults", "extra", "expected"),
    [
        ([("b", "1"), ("a", "2")], (), [("a", "2"), ("b", "1")]),
        ([("a", "1"), ("b", "2")], (("a", "9"),), [("b", "2"), ("a", "9")]),
        ([("a", "1")], (("a", "y"), ("a", "x")), [("a", "y"), ("a", "x")]),
        ([("z", "1"), ("b", "1")], (("y", "v"), ("c", "w")), [("b", "1"), ("z", "1"), ("y", "v"), ("c", "w")]),
    ],
    ids=[
        "defaults_are_sorted_by_name",
        "an_extra_arg_replaces_the_default_of_its_name_and_follows_the_defaults",
        "repeated_extra_args_all_stay_in_their_order",
        "extra_args_follow_the_sorted_defaults_unsorted",
    ],
)
def test_flag_merge_follows_kubeadm(defaults, extra, expected) -> None:
    assert merge_flags(defaults, extra) == expected


@pytest.mark.parametrize(
    ("name", "config", "present", "absent"),
    [
        (
            "kube-apiserver",
            with_args("api_server", ("secure-port", "7443")),
            "--secure-port=7443",
            "--secure-port=6443",
        ),
        (
            "kube-apiserver",
            with_args("api_server", ("authorization-config", "/etc/kubernetes/authz.yaml")),
            "--authorization-config=/etc/kubernetes/authz.yaml",
            "--authorization-mode=Node,RBAC",
        ),
        (
            "kube-controller-manager",
            with_args("controller_manager", ("controllers", "*")),
            "--controllers=*",
            "--controllers=*,bootstrapsigner,tokencleaner",
        ),
        ("kube-scheduler", with_args("scheduler", ("leader-elect", "false")), "--leader-elect=false", None),
        ("etcd", with_args("etcd", ("snapshot-count", "5000")), "--snapshot-count=5000", "--snapshot-count=10000"),
    ],
    ids=[
        "apiserver_secure_port_replaced",
        "authorization_config_drops_the_authorization_mode_flag",
        "controller_manager_controllers_replaced",
        "scheduler_leader_elect_replaced",
        "etcd_snapshot_count_replaced",
    ],
)
def test_extra_args_replace_defaults(name: str, config: ClusterConfig, present: str, absent: str | None) -> None:
    args = command(name, config)
    assert present in args
    assert absent not in args
    assert args[-1] == present  # after the sorted defaults, as kubeadm 1.36+ writes extra args


def test_service_subnet_flows_into_apiserver_and_controller_manager() -> None:
    networking = dataclasses.replace(CONFIG.networking, service_subnet="10.112.0.0/16", pod_subnet="10.80.0.0/16")
    config = dataclasses.replace(CONFIG, networking=networking)
    assert "--service-cluster-ip-range=10.112.0.0/16" in command("kube-apiserver", config)
    cm = command("kube-controller-manager", config)
    assert {"--service-cluster-ip-range=10.112.0.0/16", "--cluster-cidr=10.80.0.0/16"} <= set(cm)


def test_dns_domain_sets_the_service_account_issuer() -> None:
    config = dataclasses.replace(CONFIG, networking=dataclasses.replace(CONFIG.networking, dns_domain="lab.test"))
    assert "--service-account-issuer=https://kubernetes.default.svc.lab.test" in command("kube-apiserver", config)


def test_ipv6_advertise_address_uses_brackets_and_ipv6_loopback() -> None:
    host = dataclasses.replace(CP, address="fd00:213::11")
    apiserver = pod("kube-apiserver", host=host)
    annotations = apiserver["metadata"]["annotations"]
    assert annotations[c.APISERVER_ENDPOINT_ANNOTATION] == "[fd00:213::11]:6443"
    assert "--etcd-servers=https://[::1]:2379" in command("kube-apiserver", host=host)
    assert apiserver["spec"]["containers"][0]["livenessProbe"]["httpGet"]["host"] == "fd00:213::11"
    etcd = command("etcd", host=host)
    assert "--listen-client-urls=https://[::1]:2379,https://[fd00:213::11]:2379" in etcd
    assert "--listen-metrics-urls=http://[::1]:2381" in etcd
    assert "--initial-cluster=node-1=https://[fd00:213::11]:2380" in etcd
    assert pod("etcd", host=host)["spec"]["containers"][0]["startupProbe"]["httpGet"]["host"] == "::1"


def test_joining_etcd_member_lists_the_cluster_and_state_existing() -> None:
    node2 = dataclasses.replace(CP, name="node-3", address="10.213.0.13")
    members = "node-1=https://10.213.0.11:2380,node-3=https://10.213.0.13:2380"
    args = command("etcd", host=node2, etcd_initial_cluster=members)
    assert "--initial-cluster=node-1=https://10.213.0.11:2380,node-3=https://10.213.0.13:2380" in args
    assert "--initial-cluster-state=existing" in args


@pytest.mark.parametrize(
    ("bind", "host"),
    [("0.0.0.0", None), ("10.213.0.11", "10.213.0.11")],
    ids=["unspecified_bind_address_leaves_probe_host_empty", "specific_bind_address_is_the_probe_host"],
)
def test_controller_manager_probe_follows_bind_address(bind: str, host: str | None) -> None:
    container = pod("kube-controller-manager", with_args("controller_manager", ("bind-address", bind)))
    assert container["spec"]["containers"][0]["livenessProbe"]["httpGet"].get("host") == host


def test_etcd_probe_follows_listen_metrics_urls() -> None:
    config = with_args("etcd", ("listen-metrics-urls", "http://10.213.0.11:2391,http://127.0.0.1:2381"))
    container = pod("etcd", config)["spec"]["containers"][0]
    assert container["readinessProbe"]["httpGet"] == {
        "host": "10.213.0.11",
        "path": "/readyz",
        "port": "probe-port",
        "scheme": "HTTP",
    }
    assert container["ports"][0]["containerPort"] == 2391


@pytest.mark.parametrize(
    ("repository", "version", "name", "expected"),
    [
        ("registry.k8s.io", "v1.37.2", "kube-apiserver", "registry.k8s.io/kube-apiserver:v1.37.2"),
        ("registry.k8s.io", "v1.37.2", "etcd", "registry.k8s.io/etcd:3.7.0-0"),
        ("registry.k8s.io", "v1.37.2", "coredns", "registry.k8s.io/coredns/coredns:v1.14.6"),
        ("registry.k8s.io", "v1.37.2", "pause", "registry.k8s.io/pause:3.10.2"),
        ("registry.k8s.io", "v1.36.3", "etcd", "registry.k8s.io/etcd:3.6.8-0"),
        ("registry.k8s.io", "v1.36.3", "coredns", "registry.k8s.io/coredns/coredns:v1.14.2"),
        ("mirror.lab:5000/k8s", "v1.37.2", "coredns", "mirror.lab:5000/k8s/coredns:v1.14.6"),
        ("registry.k8s.io", "v1.37.2+lab.1", "kube-proxy", "registry.k8s.io/kube-proxy:v1.37.2_lab.1"),
    ],
    ids=[
        "component_tag_is_the_version",
        "etcd_tag_paired_with_1_37",
        "coredns_keeps_its_sub_path_on_the_default_registry",
        "pause_tag_paired_with_1_37",
        "etcd_tag_paired_with_1_36",
        "coredns_tag_paired_with_1_36",
        "custom_registry_drops_the_coredns_sub_path",
        "plus_in_the_version_becomes_underscore",
    ],
)
def test_images(repository: str, version: str, name: str, expected: str) -> None:
    config = dataclasses.replace(CONFIG, image_repository=repository, kubernetes_version=version)
    assert image(config, name) == expected


def test_unknown_release_is_refused_with_the_field_name() -> None:
    with pytest.raises(ValueError, match=r"kubernetesVersion: no image tags known for v1\.39\.0"):
        image(dataclasses.replace(CONFIG, kubernetes_version="v1.39.0"), "etcd")


def test_ca_dirs_absent_on_the_host_are_not_mounted() -> None:
    spec = pod("kube-apiserver", ca_cert_dirs=("/etc/pki/ca-trust", "/etc/pki/tls/certs"))["spec"]
    assert [v["name"] for v in spec["volumes"]] == ["ca-certs", "etc-pki-ca-trust", "etc-pki-tls-certs", "k8s-certs"]


def test_yaml_quotes_strings_that_would_read_as_other_types_like_go() -> None:
    assert kube_yaml({"a": "", "b": "true", "c": "0", "d": "text", "e": "x\ny\n"}) == (
        'a: ""\nb: "true"\nc: "0"\nd: text\ne: |\n  x\n  y\n'
    )


@pytest.mark.parametrize("spec", STATIC_PODS, ids=lambda s: s.name)
def test_manifest_matches_golden(spec, golden) -> None:
    assert manifest_path(spec) == f"/etc/kubernetes/manifests/{spec.name}.yaml"
    golden(f"manifest-{spec.name}.yaml", render_manifest(spec, CONFIG, CP))
