"""The certificate check: what a host holds read by its script, and drift found by a refresh stopping the update."""

from __future__ import annotations

import base64
import datetime
import subprocess
from pathlib import Path

import pytest

from components.pki import crypto
from components.pki import scripts as pki_scripts
from components.pki.certificate_check import MISSING, CertificateCheckProvider, drifted, parse_held

APISERVER, ADMIN = "/etc/kubernetes/pki/apiserver.crt", "/etc/kubernetes/admin.conf"
URN = "urn:pulumi:lab::kubeadm-pulumi::pulumi-python:dynamic/pki:Certificate::certs-apiserver-node-1"


def certificate(hours: float) -> tuple[str, str]:
    """A CA certificate's PEM and NotAfter, valid for `hours`."""
    fields = crypto.CertFields(common_name="kubernetes", is_ca=True, validity_hours=hours)
    cert = crypto.issue(fields, crypto.new_private_key(), datetime.datetime.now(datetime.UTC))
    return crypto.cert_pem(cert), cert.not_valid_after_utc.isoformat()


def test_the_host_script_reads_certificates_and_only_a_kubeconfigs_client_certificate(tmp_path: Path) -> None:
    pem, not_after = certificate(2)
    client, client_not_after = certificate(3)
    (tmp_path / "apiserver.crt").write_text(pem)
    secret = "PRIVATE-KEY-MATERIAL"
    conf = f"users:\n- user:\n    client-certificate-data: {base64.b64encode(client.encode()).decode()}\n"
    (tmp_path / "admin.conf").write_text(conf + f"    client-key-data: {secret}\n")
    paths = [str(tmp_path / "apiserver.crt"), str(tmp_path / "admin.conf"), str(tmp_path / "gone.crt")]
    done = subprocess.run(["sh", "-s"], input=pki_scripts.read_certificates(paths), capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    assert secret not in done.stdout
    assert parse_held(done.stdout) == {paths[0]: not_after, paths[1]: client_not_after, paths[2]: MISSING}


def test_an_unreachable_host_leaves_what_was_last_seen() -> None:
    provider = CertificateCheckProvider()
    host = {"name": "node-1", "address": "127.0.0.1", "port": 1, "user": "root", "key_file": "/nonexistent"}
    made = provider.create({"host": host, "expected": {APISERVER: "2027-01-01T00:00:00+00:00"}, "issuers": {}})
    assert provider.read(made.id, made.outs).outs == made.outs


def test_drift_found_by_a_refresh_stops_the_update_naming_file_dates_and_the_replace() -> None:
    provider = CertificateCheckProvider()
    ours, by_hand = "2027-01-01T00:00:00+00:00", "2027-12-01T10:00:00+00:00"
    host = {"name": "node-1", "address": "10.213.0.11", "port": 22, "user": "root", "key_file": "/k"}
    news = {"host": host, "expected": {APISERVER: ours, ADMIN: ours}, "issuers": {APISERVER: URN, ADMIN: "urn:a"}}
    made = provider.create(news)
    assert not provider.diff(made.id, made.outs, news).changes, "what was written is what is held"
    refreshed = {**made.outs, "held": {APISERVER: by_hand, ADMIN: ours}}
    assert provider.diff(made.id, refreshed, news).changes, "drift shows in the preview"
    with pytest.raises(RuntimeError) as failed:
        provider.update(made.id, refreshed, news)
    message = str(failed.value)
    assert message.startswith("node-1: 1 file(s) are not what this stack placed there")
    assert f"{APISERVER}: the host's expires {by_hand}, this stack's {ours}" in message
    assert f"pulumi up --refresh --replace '{URN}'" in message and "urn:a" not in message
    # Replacing that Certificate gives the path a new NotAfter in state: the file is written anew, no drift.
    reissued = {**news, "expected": {APISERVER: "2027-12-01T11:00:00+00:00", ADMIN: ours}}
    assert drifted(refreshed, reissued) == []
    assert provider.update(made.id, refreshed, reissued).outs["held"] == reissued["expected"]
