"""Stack config parsing: every mistake is reported with its field path, all at once, before anything runs."""

from __future__ import annotations

from pathlib import Path

import pytest

from components import constants
from components.config import ROLE_CONTROL_PLANE, ROLE_WORKER, ConfigError, parse
from tests.conftest import write_ssh_key


@pytest.fixture
def key(tmp_path: Path) -> str:
    return str(write_ssh_key(tmp_path / "id_ed25519"))


def base(key: str, **overrides: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "ssh": {"user": "root", "privateKeyFile": key},
        "controlPlanes": [{"name": "node-1", "address": "10.213.0.11"}],
        "workers": [{"name": "node-2", "address": "10.213.0.12"}, {"name": "node-3", "address": "10.213.0.13"}],
    }
    raw.update(overrides)
    return raw


def test_a_valid_config_parses_into_hosts_with_roles_and_ssh(key: str) -> None:
    config = parse(base(key, ignorePreflightErrors=["FileExisting-Kubelet"]))
    assert [(h.name, h.address, h.role) for h in config.hosts] == [
        ("node-1", "10.213.0.11", ROLE_CONTROL_PLANE),
        ("node-2", "10.213.0.12", ROLE_WORKER),
        ("node-3", "10.213.0.13", ROLE_WORKER),
    ]
    assert all(h.ssh.user == "root" and h.ssh.port == 22 and str(h.ssh.private_key_file) == key for h in config.hosts)
    assert config.cluster_name == "kubernetes"
    assert config.ignore_preflight_errors == frozenset({"fileexisting-kubelet"})


def test_a_host_can_override_the_ssh_user_and_port(key: str) -> None:
    raw = base(key)
    raw["workers"] = [{"name": "node-2", "address": "10.213.0.12", "ssh": {"user": "debian", "port": 2222}}]
    worker = parse(raw).workers[0]
    assert (worker.ssh.user, worker.ssh.port, str(worker.ssh.private_key_file)) == ("debian", 2222, key)


BAD = [
    (
        "address_not_an_ip",
        {"workers": [{"name": "node-2", "address": "ten"}]},
        "workers[0].address: must be an IP address (got: 'ten')",
    ),
    (
        "name_not_a_label",
        {"workers": [{"name": "Node_2", "address": "10.0.0.2"}]},
        "workers[0].name: must be a lower-case DNS label",
    ),
    (
        "duplicate_name",
        {"workers": [{"name": "node-1", "address": "10.0.0.2"}]},
        "workers[0].name: duplicate host name 'node-1' (also controlPlanes[0])",
    ),
    (
        "duplicate_address",
        {"workers": [{"name": "node-2", "address": "10.213.0.11"}]},
        "workers[0].address: duplicate address 10.213.0.11 (also controlPlanes[0])",
    ),
    ("no_control_plane", {"controlPlanes": []}, "controlPlanes: at least one control-plane host is required"),
    ("control_planes_missing", {"controlPlanes": None}, "controlPlanes: is required"),
    ("unknown_top_level_key", {"contolPlanes": []}, "contolPlanes: unknown key"),
    (
        "unknown_host_key",
        {"workers": [{"name": "node-2", "address": "10.0.0.2", "adress": "x"}]},
        "workers[0].adress: unknown key",
    ),
    (
        "missing_key_file",
        {"ssh": {"privateKeyFile": "/nonexistent/id"}},
        "ssh.privateKeyFile: no such file: /nonexistent/id",
    ),
    ("no_key_anywhere", {"ssh": {}}, "controlPlanes[0].ssh.privateKeyFile: is required"),
    ("bad_port", {"ssh": {"port": 70000}}, "ssh.port: must be a TCP port number, 1 to 65535 (got: 70000)"),
    ("workers_not_a_list", {"workers": {"name": "node-2"}}, "workers: must be a list"),
    ("ignore_list_not_strings", {"ignorePreflightErrors": "all"}, "ignorePreflightErrors: must be a list"),
    ("cluster_name_invalid", {"clusterName": "My Cluster"}, "clusterName: must be a lower-case DNS label"),
    (
        "worker_is_the_control_plane",
        {"workers": [{"name": "node-1", "address": "10.213.0.11"}]},
        "workers[0]: node-1 (10.213.0.11) is also a control plane (controlPlanes[0]): a host has one role",
    ),
    (
        "several_control_planes_without_endpoint",
        {"controlPlanes": [{"name": "node-1", "address": "10.213.0.11"}, {"name": "cp-2", "address": "10.213.0.21"}]},
        "controlPlaneEndpoint: is required with 2 control planes",
    ),
    (
        "label_key_invalid",
        {"workers": [{"name": "node-2", "address": "10.0.0.2", "labels": {"bad key": "x"}}]},
        "workers[0].labels.bad key: not a valid label key",
    ),
    (
        "taint_effect_invalid",
        {"workers": [{"name": "node-2", "address": "10.0.0.2", "taints": [{"key": "a", "effect": "Never"}]}]},
        "workers[0].taints[0].effect: must be one of NoSchedule, PreferNoSchedule, NoExecute (got: 'Never')",
    ),
    (
        "control_planes_take_no_labels",
        {"controlPlanes": [{"name": "node-1", "address": "10.213.0.11", "labels": {}}]},
        "controlPlanes[0].labels: unknown key",
    ),
]


@pytest.mark.parametrize(("case", "overrides", "message"), BAD, ids=[b[0] for b in BAD])
def test_a_bad_config_names_the_field(key: str, case: str, overrides: dict[str, object], message: str) -> None:
    raw = base(key, **overrides)
    if case == "bad_port":
        raw["ssh"] = {"privateKeyFile": key, "port": 70000}
    if case == "control_planes_missing":
        del raw["controlPlanes"]
    with pytest.raises(ConfigError) as error:
        parse(raw)
    assert any(p.startswith(message) for p in error.value.problems), error.value.problems


def test_every_problem_is_reported_at_once(key: str) -> None:
    raw = base(key, workers=[{"name": "BAD", "address": "nowhere"}], clusterName="X")
    with pytest.raises(ConfigError) as error:
        parse(raw)
    assert len(error.value.problems) == 3
    assert "invalid stack configuration" in str(error.value)


CLUSTER_BAD = [
    ("version_without_v", {"kubernetesVersion": "1.37.2"}, "kubernetesVersion: must be a release like v1.37.2"),
    ("endpoint_with_bad_port", {"controlPlaneEndpoint": "lb.example:99999"}, "controlPlaneEndpoint: must be host"),
    (
        "service_subnet_not_cidr",
        {"networking": {"serviceSubnet": "10.96.0.0/33"}},
        "networking.serviceSubnet: must be a",
    ),
    (
        "pod_overlaps_service",
        {"networking": {"serviceSubnet": "10.96.0.0/12", "podSubnet": "10.100.0.0/16"}},
        "networking.podSubnet: overlaps networking.serviceSubnet 10.96.0.0/12 (got: '10.100.0.0/16')",
    ),
    ("dns_domain_invalid", {"networking": {"dnsDomain": "Cluster Local"}}, "networking.dnsDomain: must be a DNS"),
    (
        "extra_args_with_dashes",
        {"apiServer": {"extraArgs": {"--v": "2"}}},
        "apiServer.extraArgs.--v: must be a flag name",
    ),
    ("scheduler_cert_sans_unknown", {"scheduler": {"certSANs": ["x"]}}, "scheduler.certSANs: unknown key"),
    ("dns_disabled_not_bool", {"dns": {"disabled": "yes"}}, "dns.disabled: must be true or false"),
    ("cni_unknown_plugin", {"cni": "calico"}, "cni: must be none, flannel or {manifest: <file>}"),
    ("cni_not_a_map", {"cni": ["flannel"]}, "cni: must be none, flannel or a map with manifest: <file>, not a list"),
    ("cni_unknown_key", {"cni": {"manifest": "x.yaml", "image": "y"}}, "cni.image: unknown key"),
    ("cni_manifest_empty", {"cni": {"manifest": ""}}, "cni.manifest: must be the path of a YAML manifest"),
    ("cni_manifest_missing", {"cni": {"manifest": "/nonexistent/cni.yaml"}}, "cni.manifest: no such file"),
    ("packages_not_a_map", {"packages": "apt"}, "packages: must be a map (install, repository, signingKeyFile)"),
    ("packages_unknown_key", {"packages": {"version": "1.37.2"}}, "packages.version: unknown key"),
    ("packages_install_not_bool", {"packages": {"install": "no"}}, "packages.install: must be true or false"),
    ("packages_repository_no_url", {"packages": {"repository": "pkgs.k8s.io"}}, "packages.repository: must be an"),
    (
        "packages_http_without_key",
        {"packages": {"repository": "http://mirror.example/core:/stable:"}},
        "packages.signingKeyFile: is required for a repository that is not https (http://mirror.example/",
    ),
    (
        "packages_key_missing",
        {"packages": {"signingKeyFile": "/nonexistent/Release.key"}},
        "packages.signingKeyFile: no such file: /nonexistent/Release.key",
    ),
]


@pytest.mark.parametrize(("case", "overrides", "message"), CLUSTER_BAD, ids=[b[0] for b in CLUSTER_BAD])
def test_a_bad_cluster_setting_names_the_field(key: str, case: str, overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse(base(key, **overrides))
    assert any(p.startswith(message) for p in error.value.problems), error.value.problems


@pytest.mark.parametrize(
    ("subnet", "service_ip", "dns_ip"),
    [
        ("10.96.0.0/12", "10.96.0.1", "10.96.0.10"),
        ("172.20.0.0/16", "172.20.0.1", "172.20.0.10"),
        ("fd00:10:96::/112", "fd00:10:96::1", "fd00:10:96::a"),
    ],
    ids=["kubeadm_default", "custom_ipv4", "ipv6"],
)
def test_service_and_dns_ips_are_computed_from_the_service_subnet(
    key: str, subnet: str, service_ip: str, dns_ip: str
) -> None:
    networking = parse(base(key, networking={"serviceSubnet": subnet, "podSubnet": "10.244.0.0/16"})).networking
    assert (networking.service_ip, networking.dns_ip) == (service_ip, dns_ip)


def test_cluster_defaults_follow_kubeadm(key: str) -> None:
    config = parse(base(key, apiServer={"extraArgs": {"v": "2", "audit-log-maxage": "7"}, "certSANs": ["lb.example"]}))
    assert config.kubernetes_version == "v1.37.2"
    assert config.image_repository == "registry.k8s.io"
    assert (config.networking.service_subnet, config.networking.dns_domain) == ("10.96.0.0/12", "cluster.local")
    assert config.api_server.extra_args == (("v", "2"), ("audit-log-maxage", "7"))
    assert config.api_server.cert_sans == ("lb.example",)
    assert config.control_plane_endpoint is None


def test_addons_can_be_disabled(key: str) -> None:
    config = parse(base(key, dns={"disabled": True}, proxy={"disabled": False}))
    assert (config.dns_disabled, config.proxy_disabled) == (True, False)


def test_extra_volumes_parse_and_bad_ones_name_the_field(key: str) -> None:
    volume = {"name": "audit", "hostPath": "/var/log/k", "mountPath": "/var/log/audit", "readOnly": True}
    config = parse(base(key, apiServer={"extraVolumes": [volume]}))
    assert config.api_server.extra_volumes[0].mount_path == "/var/log/audit"
    with pytest.raises(ConfigError) as error:
        parse(base(key, scheduler={"extraVolumes": [{"name": "x", "hostPath": "relative", "mountPath": "/x"}]}))
    assert error.value.problems == ["scheduler.extraVolumes[0].hostPath: must be an absolute path (got: 'relative')"]


def test_workers_carry_labels_and_taints(key: str) -> None:
    raw = base(key)
    taint = {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}
    raw["workers"] = [{"name": "node-2", "address": "10.213.0.12", "labels": {"tier": "gpu"}, "taints": [taint]}]
    worker = parse(raw).workers[0]
    assert worker.labels == (("tier", "gpu"),)
    assert [str(t) for t in worker.taints] == ["dedicated=gpu:NoSchedule"]


@pytest.mark.parametrize(("count", "warned"), [(1, False), (2, True), (3, False), (4, True)])
def test_an_even_number_of_control_planes_is_allowed_with_a_warning(key: str, count: int, warned: bool) -> None:
    raw = base(key)
    raw["controlPlanes"] = [{"name": f"cp-{i}", "address": f"10.213.1.{i}"} for i in range(1, count + 1)]
    raw["controlPlaneEndpoint"] = "10.213.1.100:6443"
    warnings = parse(raw).warnings
    assert bool(warnings) == warned
    if warned:
        assert warnings[0].startswith(f"controlPlanes: {count} control planes tolerate no more failures")


def test_supported_minors_are_the_ones_with_image_tags() -> None:
    """config accepts a kubernetesVersion at preview only for a minor the renderers have image tags for, so an
    accepted version never fails later, after resources were planned."""
    from components.render.release_images import RELEASE_IMAGE_TAGS

    assert set(constants.SUPPORTED_MINORS) == set(RELEASE_IMAGE_TAGS)


def test_cni_defaults_to_none_as_with_kubeadm(key: str) -> None:
    assert parse(base(key)).cni.plugin == "none"
    assert parse(base(key, cni="none")).cni.plugin == "none"
    assert parse(base(key, cni="flannel")).cni.plugin == "flannel"


def test_a_cni_manifest_gets_the_pod_subnet(key: str, tmp_path: Path) -> None:
    manifest = tmp_path / "cni.yaml"
    manifest.write_text("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: net}\ndata: {cidr: '${podSubnet}'}\n")
    config = parse(base(key, cni={"manifest": str(manifest)}, networking={"podSubnet": "10.32.0.0/16"}))
    assert config.cni.plugin == "manifest"
    assert config.cni.manifest(config.networking.pod_subnet).endswith("data: {cidr: '10.32.0.0/16'}\n")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("kind: [unclosed\n", "is not valid YAML at line 2"),
        ("# nothing\n", "holds no objects"),
        ("- a list\n", "document 1 is not a Kubernetes object"),
        ("apiVersion: v1\nkind: Pod\n---\napiVersion: v1\nkind: Service\nmetadata: {}\n", "document 1 (Pod) has no"),
    ],
    ids=["malformed", "empty", "not_an_object", "no_name"],
)
def test_a_bad_cni_manifest_is_named_before_any_host_is_touched(key: str, tmp_path: Path, text: str, message: str):
    manifest = tmp_path / "cni.yaml"
    manifest.write_text(text)
    with pytest.raises(ConfigError) as error:
        parse(base(key, cni={"manifest": str(manifest)}))
    (problem,) = error.value.problems
    assert problem.startswith(f"cni.manifest: {message}") and problem.endswith(str(manifest)), problem


def test_certificate_lifetimes_default_to_kubeadms_and_renew_90_days_ahead(key: str) -> None:
    lifetimes = parse(base(key)).certificates
    assert lifetimes.validity_seconds == 8760 * 3600
    assert lifetimes.ca_validity_seconds == 87600 * 3600
    assert lifetimes.renew_before_seconds == 90 * 24 * 3600


def test_certificate_lifetimes_take_go_durations(key: str) -> None:
    raw = base(
        key, certificateValidityPeriod="2h", caCertificateValidityPeriod="876000h", certificateRenewBefore="1h59m"
    )
    lifetimes = parse(raw).certificates
    assert (lifetimes.validity_seconds, lifetimes.renew_before_seconds) == (7200, 7140)
    assert lifetimes.ca_validity_seconds == 876000 * 3600


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"certificateValidityPeriod": "1 year"}, "certificateValidityPeriod: must be a duration like 8760h"),
        ({"certificateValidityPeriod": 8760}, "certificateValidityPeriod: must be a duration like 8760h"),
        ({"caCertificateValidityPeriod": "-5h"}, "caCertificateValidityPeriod: must be a positive whole number"),
        ({"certificateRenewBefore": "1.5s"}, "certificateRenewBefore: must be a positive whole number of seconds"),
        (
            {"certificateValidityPeriod": "100000h"},
            "certificateValidityPeriod: is longer than caCertificateValidityPeriod (87600h0m0s): a certificate may "
            "not outlive its CA",
        ),
        (
            {"certificateValidityPeriod": "2h", "certificateRenewBefore": "2h"},
            "certificateRenewBefore: must be shorter than certificateValidityPeriod (2h0m0s), else every pulumi up "
            "renews (got: '2h')",
        ),
        (
            {"certificateValidityPeriod": "720h"},
            "certificateRenewBefore: must be shorter than certificateValidityPeriod (720h0m0s), else every pulumi up "
            "renews (got: '2160h0m0s')",
        ),
    ],
)
def test_bad_certificate_lifetimes_name_their_key(key: str, overrides: dict[str, object], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(base(key, **overrides))
    assert any(line.startswith(message) for line in caught.value.problems), caught.value.problems


def test_packages_come_from_kubernetes_repository_unless_a_mirror_is_named(key: str, tmp_path: Path) -> None:
    default = parse(base(key)).packages
    assert default.install and default.signing_key == ""
    assert default.source("v1.37.2") == "https://pkgs.k8s.io/core:/stable:/v1.37/deb/"
    armored = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEabc\n-----END PGP PUBLIC KEY BLOCK-----\n"
    (tmp_path / "Release.key").write_text(armored)
    mirror = {"repository": "http://10.213.0.1/core:/stable:/", "signingKeyFile": str(tmp_path / "Release.key")}
    packages = parse(base(key, packages=mirror)).packages
    assert packages.source("v1.36.3") == "http://10.213.0.1/core:/stable:/v1.36/deb/"
    assert packages.signing_key == armored
    assert parse(base(key, packages={"install": False, "repository": "http://x/y"})).packages.install is False


def test_a_signing_key_that_is_not_an_armored_public_key_is_refused(key: str, tmp_path: Path) -> None:
    (tmp_path / "key.gpg").write_bytes(b"\x99\x01\x0d\x04binary keyring")
    with pytest.raises(ConfigError) as error:
        parse(base(key, packages={"signingKeyFile": str(tmp_path / "key.gpg")}))
    assert error.value.problems == [
        f"packages.signingKeyFile: is not an ASCII-armored OpenPGP public key (as a repository's Release.key): "
        f"{tmp_path / 'key.gpg'}"
    ]
