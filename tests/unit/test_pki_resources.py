"""The dynamic providers, called directly as plain Python: create, check and the replace-only diff."""

from __future__ import annotations

import dill
import pytest

from components.pki import crypto as pki_crypto
from components.pki.crypto import CertFields
from components.pki.resources import UNKNOWN, CertificateProvider, PrivateKeyProvider

LEAF = CertFields(common_name="kube-apiserver", usages=("server",), dns_names=("cp-1",), ip_addresses=("10.0.0.10",))
CA = CertFields(common_name="kubernetes", is_ca=True, dns_names=("kubernetes",), validity_hours=87600)


def new_key() -> str:
    return PrivateKeyProvider().create({"algorithm": "ECDSA-P256"}).outs["key_pem"]


@pytest.fixture(scope="module")
def chain():
    """A CA and a leaf made by the providers: (ca inputs, ca outputs, leaf inputs, leaf outputs)."""
    ca_in = {"fields": CA.to_dict(), "key_pem": new_key()}
    ca_out = CertificateProvider().create(ca_in).outs
    leaf_in = {
        "fields": LEAF.to_dict(),
        "key_pem": new_key(),
        "ca_cert_pem": ca_out["cert_pem"],
        "ca_key_pem": ca_in["key_pem"],
    }
    leaf_out = CertificateProvider().create(leaf_in).outs
    return ca_in, ca_out, leaf_in, leaf_out


def test_private_key_create_outputs_the_key_and_its_public_half():
    result = PrivateKeyProvider().create({"algorithm": "ECDSA-P256"})
    key = pki_crypto.load_private_key(result.outs["key_pem"])
    assert result.outs["public_key_pem"] == pki_crypto.public_key_pem(key)
    assert result.outs["algorithm"] == "ECDSA-P256" and result.id


@pytest.mark.parametrize(
    ("old", "new", "replaces"),
    [("RSA-2048", "RSA-2048", []), ("RSA-2048", "ECDSA-P256", ["algorithm"])],
    ids=["the same algorithm keeps the key", "another algorithm replaces the key"],
)
def test_private_key_diff(old, new, replaces):
    diff = PrivateKeyProvider().diff("id", {"algorithm": old, "key_pem": "K"}, {"algorithm": new})
    assert (diff.changes, diff.replaces) == (bool(replaces), replaces)


def test_private_key_check_refuses_unknown_algorithms():
    failures = PrivateKeyProvider().check({}, {"algorithm": "DSA"}).failures
    assert [f.property for f in failures] == ["algorithm"]


def test_leaf_is_signed_by_the_ca_and_keeps_no_private_key(chain):
    _, ca_out, leaf_in, leaf_out = chain
    leaf = pki_crypto.load_cert(leaf_out["cert_pem"])
    leaf.verify_directly_issued_by(pki_crypto.load_cert(ca_out["cert_pem"]))
    assert leaf_out["not_before"] == leaf.not_valid_before_utc.isoformat()
    assert leaf_out["fields"] == LEAF.to_dict()
    assert "PRIVATE KEY" not in repr(leaf_out)
    assert leaf_out["public_key_pem"] == pki_crypto.public_key_pem(pki_crypto.load_private_key(leaf_in["key_pem"]))


def test_diff_with_the_same_inputs_changes_nothing(chain):
    ca_in, ca_out, leaf_in, leaf_out = chain
    for inputs, outputs in ((ca_in, ca_out), (leaf_in, leaf_out)):
        diff = CertificateProvider().diff("id", outputs, dict(inputs))
        assert (diff.changes, diff.replaces) == (False, [])


@pytest.mark.parametrize(
    ("change", "replaces"),
    [
        pytest.param(
            lambda i: {**i, "fields": {**i["fields"], "dns_names": ["cp-1", "new.example"]}},
            ["fields"],
            id="a new SAN replaces the certificate",
        ),
        pytest.param(
            lambda i: {**i, "fields": {**i["fields"], "validity_hours": 24}},
            ["fields"],
            id="another validity replaces it",
        ),
        pytest.param(lambda i: {**i, "key_pem": new_key()}, ["key_pem"], id="a new key replaces it"),
        pytest.param(lambda i: {**i, "key_pem": UNKNOWN}, ["key_pem"], id="a key not known yet replaces it"),
        pytest.param(lambda i: {**i, "ca_cert_pem": UNKNOWN}, ["ca_cert_pem"], id="a CA being replaced replaces it"),
    ],
)
def test_diff_replaces_on_any_change(chain, change, replaces):
    _, _, leaf_in, leaf_out = chain
    diff = CertificateProvider().diff("id", leaf_out, change(leaf_in))
    assert (diff.changes, diff.replaces, diff.delete_before_replace) == (True, replaces, False)


@pytest.mark.parametrize(
    ("inputs", "property_"),
    [
        pytest.param({"fields": LEAF.to_dict(), "key_pem": "K"}, "ca_cert_pem", id="a leaf without a CA"),
        pytest.param(
            {"fields": CA.to_dict(), "key_pem": "K", "ca_cert_pem": "C", "ca_key_pem": "K"},
            "ca_cert_pem",
            id="a CA with a signer",
        ),
        pytest.param(
            {"fields": LEAF.to_dict(), "key_pem": "K", "ca_cert_pem": "C"}, "ca_key_pem", id="a CA cert without its key"
        ),
        pytest.param(
            {"fields": {"common_name": "x", "colour": "red"}, "key_pem": "K"}, "fields", id="an unknown field"
        ),
        pytest.param({"fields": CA.to_dict()}, "key_pem", id="no key"),
    ],
)
def test_check_reports_bad_inputs(inputs, property_):
    failures = CertificateProvider().check({}, inputs).failures
    assert property_ in [f.property for f in failures]


def test_check_accepts_a_leaf_whose_key_is_not_known_yet(chain):
    _, _, leaf_in, _ = chain
    assert CertificateProvider().check({}, {**leaf_in, "key_pem": UNKNOWN}).failures == []


def test_providers_survive_pickling_into_state():
    provider = dill.loads(dill.dumps(CertificateProvider(), recurse=True))
    assert provider.check({}, {"fields": CA.to_dict(), "key_pem": new_key()}).failures == []
