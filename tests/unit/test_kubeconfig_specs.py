"""The kubeconfig table, the server each file points at, and the rendered text (golden files)."""

from __future__ import annotations

import base64

import pytest
import yaml

from components import constants
from components.config.endpoint import parse_endpoint
from components.pki.kubeconfig_specs import ENDPOINT, KUBECONFIGS, LOCAL, KubeconfigValues, render, server_url

BY_FILE = {spec.file: spec for spec in KUBECONFIGS}
CA_PEM = "-----BEGIN CERTIFICATE-----\nVEVTVCBDQQ==\n-----END CERTIFICATE-----\n"
CLIENT_PEM = "-----BEGIN CERTIFICATE-----\nVEVTVCBDTElFTlQ=\n-----END CERTIFICATE-----\n"
# A stand-in, not a key ("TEST KEY" in base64); the marker is split so no real-looking key sits in the source.
_KIND = "RSA PRIVATE " + "KEY"
KEY_PEM = f"-----BEGIN {_KIND}-----\nVEVTVCBLRVk=\n-----END {_KIND}-----\n"


def test_the_table_is_kubeadm_inits_kubeconfig_list():
    assert list(BY_FILE) == [
        "admin.conf",
        "super-admin.conf",
        "kubelet.conf",
        "controller-manager.conf",
        "scheduler.conf",
    ]


@pytest.mark.parametrize(
    ("file", "user", "orgs", "server", "per_node", "first_only"),
    [
        ("admin.conf", "kubernetes-admin", ("kubeadm:cluster-admins",), ENDPOINT, False, False),
        ("super-admin.conf", "kubernetes-super-admin", ("system:masters",), ENDPOINT, False, True),
        ("kubelet.conf", "system:node:cp-1", ("system:nodes",), LOCAL, True, False),
        ("controller-manager.conf", "system:kube-controller-manager", (), LOCAL, True, False),
        ("scheduler.conf", "system:kube-scheduler", (), LOCAL, True, False),
    ],
)
def test_rows_match_kubeadm(file, user, orgs, server, per_node, first_only):
    spec = BY_FILE[file]
    fields = spec.fields("cp-1")
    assert (fields.common_name, fields.organizations, fields.usages) == (user, orgs, ("client",))
    assert fields.not_before_from_ca and not fields.is_ca
    assert (spec.server, spec.per_node, spec.first_node_only) == (server, per_node, first_only)
    assert spec.path == f"/etc/kubernetes/{file}"


@pytest.mark.parametrize(
    ("file", "endpoint", "advertise", "url"),
    [
        pytest.param("admin.conf", None, "10.0.0.10", "https://10.0.0.10:6443", id="no endpoint: admin uses the node"),
        pytest.param(
            "admin.conf",
            "k8s.example",
            "10.0.0.10",
            "https://k8s.example:6443",
            id="an endpoint without port gets 6443",
        ),
        pytest.param(
            "admin.conf", "k8s.example:443", "10.0.0.10", "https://k8s.example:443", id="an endpoint keeps its port"
        ),
        pytest.param("super-admin.conf", "10.0.0.100", "10.0.0.10", "https://10.0.0.100:6443", id="an endpoint IP"),
        pytest.param(
            "admin.conf", "fd00::100", "10.0.0.10", "https://[fd00::100]:6443", id="a bare IPv6 endpoint gets brackets"
        ),
        pytest.param(
            "admin.conf", "[fd00::100]:443", "10.0.0.10", "https://[fd00::100]:443", id="a bracketed IPv6 endpoint"
        ),
        pytest.param(
            "kubelet.conf",
            "k8s.example",
            "10.0.0.10",
            "https://10.0.0.10:6443",
            id="the kubelet uses its local API server",
        ),
        pytest.param(
            "scheduler.conf", "k8s.example", "fd00::10", "https://[fd00::10]:6443", id="local IPv6 in brackets"
        ),
    ],
)
def test_server_url(file, endpoint, advertise, url):
    parsed = parse_endpoint(endpoint) if endpoint else None
    assert server_url(BY_FILE[file], advertise_address=advertise, control_plane_endpoint=parsed) == url


def values(user: str, server: str, cluster: str = constants.DEFAULT_CLUSTER_NAME) -> KubeconfigValues:
    return KubeconfigValues(
        cluster_name=cluster,
        server=server,
        user=user,
        ca_cert_pem=CA_PEM,
        client_cert_pem=CLIENT_PEM,
        client_key_pem=KEY_PEM,
    )


@pytest.mark.parametrize(
    ("golden_name", "user", "server", "cluster"),
    [
        ("kubeconfig-admin.yaml", "kubernetes-admin", "https://k8s.example:6443", "kubernetes"),
        ("kubeconfig-kubelet.yaml", "system:node:cp-1", "https://10.0.0.10:6443", "kubernetes"),
        ("kubeconfig-scheduler-ipv6-lab.yaml", "system:kube-scheduler", "https://[fd00::10]:6443", "lab"),
    ],
)
def test_render_matches_golden(golden, golden_name, user, server, cluster):
    golden(golden_name, render(values(user, server, cluster)))


def test_render_embeds_base64_pems_and_names_the_context():
    text = render(values("kubernetes-admin", "https://k8s.example:6443", "lab"))
    doc = yaml.safe_load(text)
    assert doc["current-context"] == "kubernetes-admin@lab"
    assert doc["contexts"] == [
        {"name": "kubernetes-admin@lab", "context": {"cluster": "lab", "user": "kubernetes-admin"}}
    ]
    assert base64.b64decode(doc["clusters"][0]["cluster"]["certificate-authority-data"]).decode() == CA_PEM
    user = doc["users"][0]["user"]
    assert base64.b64decode(user["client-key-data"]).decode() == KEY_PEM
    assert base64.b64decode(user["client-certificate-data"]).decode() == CLIENT_PEM
    assert "preferences" not in doc
    assert text.endswith("\n") and "\n- " in text


def test_long_base64_stays_on_one_line():
    long_pem = "-----BEGIN CERTIFICATE-----\n" + "A" * 64 * 30 + "\n-----END CERTIFICATE-----\n"
    text = render(KubeconfigValues(**{**values("u", "https://h:6443").__dict__, "ca_cert_pem": long_pem}))
    line = next(line for line in text.splitlines() if "certificate-authority-data" in line)
    assert base64.b64decode(line.split(": ", 1)[1]).decode() == long_pem
