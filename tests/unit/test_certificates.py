"""Go durations as kubeadm's config takes and prints them, and when a certificate is due for renewal."""

from __future__ import annotations

import datetime

import pytest

from components.config.certificates import go_duration, parse_duration
from components.pki import renewal
from components.pki.renewal import due as renewal_due

NOW = datetime.datetime(2026, 12, 2, 12, 0, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("8760h", 31536000), ("1h59m", 7140), ("90s", 90), ("1.5h", 5400), ("0", 0), ("1h0m0s", 3600), ("500ms", 0.5)],
)
def test_go_durations_parse_to_seconds(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["", "h", "1d", "1 h", "1h30", "one hour", "-"])
def test_what_go_refuses_is_not_a_duration(text: str) -> None:
    assert parse_duration(text) is None


@pytest.mark.parametrize(
    ("seconds", "text"), [(31536000, "8760h0m0s"), (7140, "1h59m0s"), (1800, "30m0s"), (45, "45s"), (0, "0s")]
)
def test_durations_print_as_go_prints_them(seconds: int, text: str) -> None:
    assert go_duration(seconds) == text


def test_a_certificate_is_due_once_less_than_renew_before_is_left() -> None:
    not_after = (NOW + datetime.timedelta(days=12)).isoformat()
    assert renewal_due(not_after, 90 * 86400, NOW)
    assert not renewal_due(not_after, 11 * 86400, NOW)


def test_an_expired_certificate_is_due() -> None:
    assert renewal_due((NOW - datetime.timedelta(days=1)).isoformat(), 3600, NOW)


def test_without_a_threshold_or_a_not_after_nothing_is_due() -> None:
    # A stack made before renewal existed has no threshold in its inputs until the program sends one; a
    # certificate being created has no NotAfter yet (unknown in preview).
    expired = (NOW - datetime.timedelta(days=1)).isoformat()
    assert not renewal_due(expired, None, NOW)
    assert not renewal_due(None, 3600, NOW)
    assert not renewal_due("04da6b54-80e4-46f7-96ec-b56ff0331ba9", 3600, NOW)


FIELDS = {"common_name": "kube-apiserver", "validity_hours": 2}
OLDS = {"fields": FIELDS, "key_pem": "KEY", "ca_cert_pem": "CA", "renew_before_seconds": 3600}


def test_a_new_certificate_is_planned_from_now() -> None:
    issue = renewal.plan({}, OLDS, NOW)
    assert (issue.issued_at, issue.not_after, issue.renewal) == (
        "2026-12-02T12:00:00+00:00",
        "2026-12-02T14:00:00+00:00",
        "",
    )


def test_an_unchanged_certificate_keeps_its_issue_until_renewal_is_due() -> None:
    made = renewal.plan({}, OLDS, NOW)
    olds = {**OLDS, "issued_at": made.issued_at, "not_after": made.not_after}
    assert renewal.plan(olds, OLDS, NOW + datetime.timedelta(minutes=59)) == made
    later = renewal.plan(olds, OLDS, NOW + datetime.timedelta(minutes=61))
    assert later.issued_at == "2026-12-02T13:01:00+00:00" and later.not_after == "2026-12-02T15:01:00+00:00"
    assert later.renewal == (
        "expires 2026-12-02T14:00:00Z (in 59 minutes, certificateRenewBefore 60 minutes): renewed with the same key"
    )
    expired = renewal.plan(olds, OLDS, NOW + datetime.timedelta(days=3))
    assert expired.renewal == "expired 2026-12-02T14:00:00Z (2 days ago): renewed with the same key"


@pytest.mark.parametrize("key", ["fields", "key_pem", "ca_cert_pem"])
def test_a_changed_or_unknown_input_plans_a_new_issue_without_a_renewal_reason(key: str) -> None:
    made = renewal.plan({}, OLDS, NOW)
    olds = {**OLDS, "issued_at": made.issued_at, "not_after": made.not_after}
    later = NOW + datetime.timedelta(minutes=5)
    for value in ({"common_name": "x", "validity_hours": 2} if key == "fields" else "OTHER", renewal.UNKNOWN):
        issue = renewal.plan(olds, {**OLDS, key: value}, later)
        assert issue.issued_at == "2026-12-02T12:05:00+00:00" and issue.renewal == ""


def test_a_certificate_made_before_planned_issues_is_left_to_the_diff() -> None:
    assert renewal.plan(OLDS, OLDS, NOW) == renewal.Issue(issued_at="", not_after="", renewal="")


def test_the_provider_reissues_a_due_certificate_with_its_key_and_leaves_others_alone() -> None:
    from components.pki import crypto
    from components.pki.resources import CertificateProvider

    provider = CertificateProvider()
    key = crypto.private_key_pem(crypto.new_private_key())
    fields = crypto.CertFields(common_name="kubernetes", is_ca=True, validity_hours=2).to_dict()
    news = {"fields": fields, "key_pem": key, "renew_before_seconds": 7000}
    checked = provider.check({}, news)
    assert not checked.failures
    made = provider.create(checked.inputs)
    cert = crypto.load_cert(made.outs["cert_pem"])
    assert cert.not_valid_after_utc.isoformat() == checked.inputs["not_after"] == made.outs["not_after"]
    # Checked again at once: its issue carries over and nothing changes.
    again = provider.check(checked.inputs, news)
    assert again.inputs["issued_at"] == checked.inputs["issued_at"]
    assert not provider.diff(made.id, made.outs, again.inputs).changes
    # A threshold that makes it due: a new issue, a replacement, the same key.
    due = provider.check(checked.inputs, {**news, "renew_before_seconds": 7300})
    assert due.inputs["renewal"].startswith("expires ") and due.inputs["renewal"].endswith("renewed with the same key")
    diff = provider.diff(made.id, made.outs, due.inputs)
    assert diff.changes and diff.replaces == [], "a renewal is an update, so the preview keeps its reason"
    renewed = provider.update(made.id, made.outs, due.inputs)
    assert renewed.outs["public_key_pem"] == made.outs["public_key_pem"]
    assert renewed.outs["serial"] != made.outs["serial"]


def test_a_certificate_from_before_planned_issues_renews_by_its_outputs() -> None:
    from components.pki.resources import CertificateProvider

    provider = CertificateProvider()
    soon = (datetime.datetime.now(datetime.UTC) + datetime.timedelta(days=3)).isoformat()
    olds = {"fields": FIELDS, "key_pem": None, "not_after": soon}
    news = {"fields": FIELDS, "key_pem": None, "issued_at": "", "renew_before_seconds": 90 * 86400}
    assert provider.diff("1", olds, news).changes
    assert not provider.diff("1", olds, {**news, "renew_before_seconds": 86400}).changes


def test_a_preview_names_the_first_certificate_to_expire_and_when_it_is_renewed() -> None:
    from components.pki.expiry import first_to_expire

    now = datetime.datetime(2026, 12, 2, 10, 0, tzinfo=datetime.UTC)
    rows = {
        "/etc/kubernetes/pki/ca.crt": "2036-11-29T10:00:00+00:00",
        "/etc/kubernetes/pki/apiserver.crt": "2027-12-02T10:00:00+00:00",
        "/etc/kubernetes/admin.conf": "2027-12-02T10:00:00+00:00",
        "/etc/kubernetes/pki/etcd/server.crt": None,  # not known yet in a preview
    }
    assert first_to_expire("node-1 (10.0.0.1)", rows, 90 * 86400, now) == (
        "node-1 (10.0.0.1): 3 certificates and kubeconfigs; the first to expire is /etc/kubernetes/admin.conf, "
        "2027-12-02T10:00:00Z (in 365 days); pulumi up renews it from 2027-09-03T10:00:00Z (certificateRenewBefore "
        "90 days)"
    )
    expired = {"/etc/kubernetes/pki/apiserver.crt": "2026-12-01T10:00:00+00:00"}
    assert first_to_expire("node-1", expired, None, now) == (
        "node-1: 1 certificates and kubeconfigs; the first to expire is /etc/kubernetes/pki/apiserver.crt, "
        "2026-12-01T10:00:00Z (expired)"
    )
    assert first_to_expire("node-1", {"/etc/kubernetes/pki/ca.crt": None}, None, now) is None
