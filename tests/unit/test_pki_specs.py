"""The certificate table: its invariants, and the SAN rules for one node."""

from __future__ import annotations

import pytest

from components import constants
from components.config.endpoint import parse_endpoint
from components.pki.cert_specs import (
    BY_NAME,
    CERTS,
    NODE_NAME,
    SA,
    NodeFacts,
    Sans,
    apiserver_sans,
    etcd_peer_sans,
    etcd_server_sans,
    normalise,
)
from components.pki.crypto import USAGES

NODE = NodeFacts(name="cp-1", advertise_address="10.0.0.10", service_ip="10.96.0.1", dns_domain="cluster.local")
SERVICE_DNS = ("kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local")


def test_names_are_unique():
    names = [spec.name for spec in CERTS]
    assert len(names) == len(set(names))


def test_the_table_is_kubeadm_inits_cert_list_in_order():
    assert [spec.name for spec in CERTS] == [
        "ca",
        "apiserver",
        "apiserver-kubelet-client",
        "front-proxy-ca",
        "front-proxy-client",
        "etcd/ca",
        "etcd/server",
        "etcd/peer",
        "etcd/healthcheck-client",
        "apiserver-etcd-client",
    ]


def test_every_signer_exists_and_precedes_its_leaves():
    seen: set[str] = set()
    for spec in CERTS:
        if spec.ca is not None:
            assert spec.ca in seen, f"{spec.name} is signed by {spec.ca}, which is not before it"
            assert BY_NAME[spec.ca].is_ca, f"{spec.name} is signed by a leaf"
        seen.add(spec.name)


@pytest.mark.parametrize("spec", CERTS, ids=lambda s: s.name)
def test_rows_are_well_formed(spec):
    fields = spec.fields(NODE)
    assert fields.is_ca == spec.is_ca == (spec.ca is None)
    assert set(spec.usages) <= set(USAGES)
    if spec.is_ca:
        assert spec.usages == ()
        assert fields.dns_names == (spec.common_name,)
        assert fields.validity_hours == constants.CA_CERT_VALIDITY_HOURS
    else:
        assert spec.usages, f"{spec.name} has no extended key usage"
        assert fields.validity_hours == constants.CERT_VALIDITY_HOURS
    assert spec.cert_path == f"/etc/kubernetes/pki/{spec.name}.crt"
    assert spec.key_path == f"/etc/kubernetes/pki/{spec.name}.key"


@pytest.mark.parametrize(
    ("name", "cn", "orgs", "usages"),
    [
        ("ca", "kubernetes", (), ()),
        ("apiserver", "kube-apiserver", (), ("server",)),
        ("apiserver-kubelet-client", "kube-apiserver-kubelet-client", (), ("client",)),
        ("front-proxy-ca", "front-proxy-ca", (), ()),
        ("front-proxy-client", "front-proxy-client", (), ("client",)),
        ("etcd/ca", "etcd-ca", (), ()),
        ("etcd/server", NODE_NAME, (), ("server", "client")),
        ("etcd/peer", NODE_NAME, (), ("server", "client")),
        ("etcd/healthcheck-client", "kube-etcd-healthcheck-client", (), ("client",)),
        ("apiserver-etcd-client", "kube-apiserver-etcd-client", (), ("client",)),
    ],
)
def test_subject_and_usages_match_kubeadm(name, cn, orgs, usages):
    spec = BY_NAME[name]
    assert (spec.common_name, spec.organizations, spec.usages) == (cn, orgs, usages)


def test_node_name_rows_take_the_nodes_name_as_cn():
    assert BY_NAME["etcd/server"].fields(NODE).common_name == "cp-1"
    assert {s.name for s in CERTS if s.per_node} == {"apiserver", "etcd/server", "etcd/peer"}


def test_sa_key_pair_paths():
    assert (SA.key_path, SA.pub_path) == ("/etc/kubernetes/pki/sa.key", "/etc/kubernetes/pki/sa.pub")


def facts(**changes) -> NodeFacts:
    return NodeFacts(**{**NODE.__dict__, **changes})


@pytest.mark.parametrize(
    ("node", "expected"),
    [
        pytest.param(
            NODE,
            Sans(dns=("cp-1", *SERVICE_DNS), ips=("10.96.0.1", "10.0.0.10")),
            id="the apiserver names the node, the kubernetes service, its IP and the advertise address",
        ),
        pytest.param(
            facts(service_ip="172.16.0.1", dns_domain="corp.example"),
            Sans(
                dns=("cp-1", *SERVICE_DNS[:3], "kubernetes.default.svc.corp.example"),
                ips=("172.16.0.1", "10.0.0.10"),
            ),
            id="the service IP and the DNS domain come from the networking config",
        ),
        pytest.param(
            facts(endpoint_host="k8s.example.com"),
            Sans(dns=("cp-1", "k8s.example.com", *SERVICE_DNS), ips=("10.96.0.1", "10.0.0.10")),
            id="an endpoint given by name adds a DNS name in sorted position",
        ),
        pytest.param(
            facts(endpoint_host="10.0.0.100"),
            Sans(dns=("cp-1", *SERVICE_DNS), ips=("10.96.0.1", "10.0.0.10", "10.0.0.100")),
            id="an endpoint given as an IP adds an IP after the advertise address",
        ),
        pytest.param(
            facts(endpoint_host="fd00::1"),
            Sans(dns=("cp-1", *SERVICE_DNS), ips=("10.96.0.1", "10.0.0.10", "fd00::1")),
            id="an IPv6 endpoint in brackets adds its address",
        ),
        pytest.param(
            facts(apiserver_sans=("zz.example", "10.0.0.10", "192.168.1.5", "*.apps.example", "Not_Valid!")),
            Sans(
                dns=("*.apps.example", "cp-1", *SERVICE_DNS, "zz.example"),
                ips=("10.96.0.1", "10.0.0.10", "192.168.1.5"),
            ),
            id="extra SANs are split into names and IPs, deduplicated, and invalid ones dropped",
        ),
        pytest.param(
            facts(name="kubernetes", endpoint_host="10.96.0.1"),
            Sans(dns=SERVICE_DNS, ips=("10.96.0.1", "10.0.0.10")),
            id="duplicates collapse: DNS names sorted, IPs in first-seen order",
        ),
    ],
)
def test_apiserver_sans(node, expected):
    assert apiserver_sans(node) == expected


@pytest.mark.parametrize(
    ("rule", "node", "expected"),
    [
        pytest.param(
            etcd_server_sans,
            NODE,
            Sans(dns=("cp-1", "localhost"), ips=("10.0.0.10", "127.0.0.1", "::1")),
            id="the etcd server names the node and loopback",
        ),
        pytest.param(
            etcd_server_sans,
            facts(etcd_server_sans=("etcd.example", "10.1.1.1"), etcd_peer_sans=("peer.example",)),
            Sans(dns=("cp-1", "etcd.example", "localhost"), ips=("10.0.0.10", "127.0.0.1", "::1", "10.1.1.1")),
            id="the etcd server adds serverCertSANs but not peerCertSANs",
        ),
        pytest.param(
            etcd_peer_sans,
            facts(etcd_server_sans=("etcd.example",), etcd_peer_sans=("peer.example", "::1")),
            Sans(dns=("cp-1", "localhost", "peer.example"), ips=("10.0.0.10", "127.0.0.1", "::1")),
            id="the etcd peer adds peerCertSANs but not serverCertSANs",
        ),
    ],
)
def test_etcd_sans(rule, node, expected):
    assert rule(node) == expected


@pytest.mark.parametrize(
    ("endpoint", "host"),
    [
        ("k8s.example", "k8s.example"),
        ("k8s.example:443", "k8s.example"),
        ("[fd00::1]:6443", "fd00::1"),
        ("fd00::1", "fd00::1"),
    ],
    ids=["a bare name", "a name with a port", "IPv6 in brackets with a port", "a bare IPv6 address"],
)
def test_endpoint_host(endpoint, host):
    assert parse_endpoint(endpoint).host == host


def test_normalise_writes_ips_canonically():
    assert normalise([], ["fd00:0::1", "fd00::1"]).ips == ("fd00::1",)
