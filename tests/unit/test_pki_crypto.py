"""Real crypto: issue the whole table and read every certificate back."""

from __future__ import annotations

import datetime
import hashlib
import ipaddress

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from components import constants
from components.pki import crypto as pki_crypto
from components.pki.cert_specs import CERTS, NodeFacts
from components.pki.crypto import CertFields

START = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
NODE = NodeFacts(
    name="cp-1",
    advertise_address="10.0.0.10",
    service_ip="10.96.0.1",
    dns_domain="cluster.local",
    endpoint_host="k8s.example",
)


@pytest.fixture(scope="module")
def issued():
    """Every row of the table, issued with ECDSA keys (fast) except the cluster CA (RSA, the default)."""
    out: dict[str, tuple[x509.Certificate, pki_crypto.PrivateKey]] = {}
    for spec in CERTS:
        key = pki_crypto.new_private_key("RSA-2048" if spec.name == "ca" else "ECDSA-P256")
        signer = out[spec.ca] if spec.ca else None
        out[spec.name] = (pki_crypto.issue(spec.fields(NODE), key, START, signer), key)
    return out


@pytest.mark.parametrize("spec", CERTS, ids=lambda s: s.name)
def test_round_trip(issued, spec):
    cert, key = issued[spec.name]
    cert = pki_crypto.load_cert(pki_crypto.cert_pem(cert))
    fields = spec.fields(NODE)
    ca_cert = issued[spec.ca][0] if spec.ca else cert

    assert cert.version == x509.Version.v3
    assert cert.issuer == ca_cert.subject
    assert [a.value for a in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)] == [fields.common_name]
    assert tuple(a.value for a in cert.subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)) == spec.organizations
    assert cert.public_key() == key.public_key()
    assert 1 <= cert.serial_number < 2**63 - 1
    assert cert.not_valid_before_utc == START - datetime.timedelta(minutes=5)
    assert cert.not_valid_after_utc == START + datetime.timedelta(hours=fields.validity_hours)

    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert basic.critical and basic.value.ca == spec.is_ca and basic.value.path_length is None
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.key_encipherment
    assert usage.value.key_cert_sign == spec.is_ca

    extensions = {type(e.value) for e in cert.extensions}
    if spec.is_ca:
        assert x509.ExtendedKeyUsage not in extensions and x509.AuthorityKeyIdentifier not in extensions
        assert x509.SubjectKeyIdentifier in extensions
        cert.verify_directly_issued_by(cert)
    else:
        eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage)
        expected = [
            {"server": ExtendedKeyUsageOID.SERVER_AUTH, "client": ExtendedKeyUsageOID.CLIENT_AUTH}[u]
            for u in spec.usages
        ]
        assert not eku.critical and list(eku.value) == expected
        aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
        ski = ca_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        assert aki.key_identifier == ski.digest
        assert x509.SubjectKeyIdentifier not in extensions
        cert.verify_directly_issued_by(ca_cert)

    if fields.dns_names or fields.ip_addresses:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName)
        assert not san.critical
        assert tuple(san.value.get_values_for_type(x509.DNSName)) == fields.dns_names
        assert tuple(str(ip) for ip in san.value.get_values_for_type(x509.IPAddress)) == fields.ip_addresses
    else:
        assert x509.SubjectAlternativeName not in extensions


def test_a_leaf_does_not_verify_against_another_ca(issued):
    with pytest.raises(ValueError):
        issued["apiserver"][0].verify_directly_issued_by(issued["etcd/ca"][0])


def test_ipv4_sans_are_four_bytes(issued):
    san = issued["apiserver"][0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    ips = san.get_values_for_type(x509.IPAddress)
    assert [ip.packed for ip in ips[:2]] == [bytes([10, 96, 0, 1]), bytes([10, 0, 0, 10])]
    etcd = issued["etcd/server"][0].extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert ipaddress.ip_address("::1") in etcd.get_values_for_type(x509.IPAddress)


def test_signature_hash_follows_the_signing_key(issued):
    assert issued["ca"][0].signature_hash_algorithm.name == "sha256"
    assert issued["apiserver"][0].signature_hash_algorithm.name == "sha256"  # signed by the RSA CA
    key = pki_crypto.new_private_key("ECDSA-P384")
    ca = pki_crypto.issue(CertFields(common_name="x", is_ca=True, validity_hours=1), key, START)
    assert ca.signature_hash_algorithm.name == "sha384"


def test_organizations_and_printable_names():
    key = pki_crypto.new_private_key("ECDSA-P256")
    ca = pki_crypto.issue(CertFields(common_name="kubernetes", is_ca=True), key, START)
    leaf = pki_crypto.issue(
        CertFields(common_name="system:node:cp-1", organizations=("system:nodes",), usages=("client",)),
        pki_crypto.new_private_key("ECDSA-P256"),
        START,
        (ca, key),
    )
    assert leaf.subject.rfc4514_string() == "CN=system:node:cp-1,O=system:nodes"
    der = leaf.subject.public_bytes()
    assert b"\x13\x10system:node:cp-1" in der  # PrintableString, as Go writes it


def test_not_before_from_ca():
    key = pki_crypto.new_private_key("ECDSA-P256")
    ca = pki_crypto.issue(CertFields(common_name="kubernetes", is_ca=True), key, START)
    later = START + datetime.timedelta(days=3)
    fields = CertFields(common_name="kubernetes-admin", usages=("client",), not_before_from_ca=True)
    leaf = pki_crypto.issue(fields, pki_crypto.new_private_key("ECDSA-P256"), later, (ca, key))
    assert leaf.not_valid_before_utc == ca.not_valid_before_utc
    assert leaf.not_valid_after_utc == later + datetime.timedelta(hours=constants.CERT_VALIDITY_HOURS)


def test_issue_refuses_a_ca_with_a_signer_and_a_leaf_without_one():
    key = pki_crypto.new_private_key("ECDSA-P256")
    with pytest.raises(ValueError, match="needs a signer"):
        pki_crypto.issue(CertFields(common_name="leaf"), key, START)


@pytest.mark.parametrize(
    ("algorithm", "header", "kind"),
    [
        ("RSA-2048", "-----BEGIN RSA PRIVATE " + "KEY-----\n", rsa.RSAPrivateKey),
        ("ECDSA-P256", "-----BEGIN EC PRIVATE " + "KEY-----\n", ec.EllipticCurvePrivateKey),
    ],
    ids=["RSA keys are PKCS#1", "ECDSA keys are SEC 1"],
)
def test_key_encodings(algorithm, header, kind):
    key = pki_crypto.new_private_key(algorithm)
    pem = pki_crypto.private_key_pem(key)
    assert pem.startswith(header) and pem.endswith("-----\n")
    assert all(len(line) <= 64 for line in pem.splitlines())
    assert isinstance(pki_crypto.load_private_key(pem), kind)
    assert pki_crypto.public_key_pem(key).startswith("-----BEGIN PUBLIC KEY-----\n")


def test_rsa_default_is_2048_with_exponent_65537():
    key = pki_crypto.new_private_key()
    assert isinstance(key, rsa.RSAPrivateKey)
    assert (key.key_size, key.public_key().public_numbers().e) == (2048, 65537)


def test_unknown_algorithm_is_refused():
    with pytest.raises(ValueError, match="unknown key algorithm 'RSA-1024'"):
        pki_crypto.new_private_key("RSA-1024")


def test_cert_pem_is_one_certificate(issued):
    pem = pki_crypto.cert_pem(issued["apiserver"][0])
    assert pem.startswith("-----BEGIN CERTIFICATE-----\n") and pem.endswith("-----END CERTIFICATE-----\n")
    assert pem.count("BEGIN") == 1


def test_ca_cert_hash_is_sha256_of_the_spki(issued):
    cert = issued["ca"][0]
    spki = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    value = pki_crypto.ca_cert_hash(pki_crypto.cert_pem(cert))
    assert value == "sha256:" + hashlib.sha256(spki).hexdigest()
    assert len(value) == len("sha256:") + 64 and value == value.lower()


def test_serials_are_in_range_and_differ():
    serials = {pki_crypto.new_serial() for _ in range(200)}
    assert len(serials) == 200 and all(1 <= s < 2**63 - 1 for s in serials)


def test_fields_round_trip_through_json_shape():
    fields = CertFields(common_name="a", dns_names=("b",), ip_addresses=("10.0.0.1",), usages=("server",))
    assert CertFields.from_dict(fields.to_dict()) == fields
    with pytest.raises(ValueError, match="unknown usages"):
        CertFields.from_dict({"common_name": "a", "usages": ["signing"]})
