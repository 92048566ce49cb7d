"""CertificateCheck (`check-expiration-<host>`): what a host holds against what this stack placed there, read by
`pulumi refresh` (or `pulumi preview --refresh`, `pulumi up --refresh`), so a certificate renewed by hand with
`kubeadm certs renew`, or replaced, shows as drift instead of being missed or overwritten unannounced.

INPUTS   `host`: name, address, SSH port, user and key file path (never the key) of the host, as the machine running
         Pulumi reaches it; `expected`: {path: NotAfter} of each certificate and kubeconfig client certificate this
         stack placed there (the host's row of the `expiry` report, without the control planes' kubelet.conf, which
         kubelet-finalize points at the kubelet's own rotated certificate); `issuers`: {path: URN of the Certificate}.
OUTPUTS  `expected`, `issuers`, and `held`: {path: NotAfter} as last seen on the host. Creating and updating read no
         host (the files were just written from state, so `held` = `expected`); a refresh reads the host over SSH
         (MISSING for a file that is gone) and leaves the outputs as they were when the host does not answer.
A refresh that finds drift makes the next preview show `~ check-expiration-<host> update [diff: ~held]`, and the
update stops with each drifted file named, both dates, and the `pulumi up --replace` that puts this stack's
certificate back (reissued with the same key, the pods rolled). Why a read of its own: the command plugin's Read
returns its state unchanged.
"""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, ReadResult, Resource, ResourceProvider, UpdateResult

from components.config import Host
from components.pki import scripts

MISSING = "missing"
READ_TIMEOUT_SECONDS = 60


def parse_held(listing: str) -> dict[str, str]:
    """read-certificates.sh's lines ("<path> <PEM in base64>" or "<path> -") as {path: NotAfter or MISSING}."""
    from components.pki import crypto

    held = {}
    for line in listing.splitlines():
        path, _, data = line.partition(" ")
        if not path:
            continue
        try:
            cert = crypto.load_cert(base64.b64decode(data).decode())
            held[path] = cert.not_valid_after_utc.isoformat()
        except ValueError:  # "-", or no certificate in it
            held[path] = MISSING
    return held


def drifted(olds: Mapping[str, Any], news: Mapping[str, Any]) -> list[str]:
    """The paths whose certificate on the host is not the one this stack placed there, leaving out those the stack
    is about to write anew (their NotAfter in state changes in this run)."""
    expected, held, wanted = olds.get("expected") or {}, olds.get("held") or {}, news.get("expected") or {}
    return sorted(p for p in wanted if p in held and held[p] != expected.get(p) and wanted[p] == expected.get(p))


def drift_message(host: str, olds: Mapping[str, Any], paths: list[str]) -> str:
    expected, held, issuers = olds["expected"], olds["held"], olds.get("issuers") or {}
    lines = [
        f"{host}: {len(paths)} file(s) are not what this stack placed there (renewed by hand with kubeadm certs "
        "renew, or replaced?); nothing was overwritten:"
    ]
    lines += [f"  {p}: the host's expires {held[p]}, this stack's {expected[p]}" for p in paths]
    replace = " ".join(f"--replace '{issuers[p]}'" for p in paths if p in issuers)
    lines.append(
        "To put this stack's certificates back (reissued now with the same keys, the pods restarted one control "
        f"plane at a time), run: pulumi up --refresh {replace}"
    )
    return "\n".join(lines)


class CertificateCheckProvider(ResourceProvider):
    def create(self, props: Any) -> CreateResult:
        return CreateResult(f"check-{props['host']['name']}", {**props, "held": dict(props["expected"])})

    def read(self, id_: str, props: Any) -> ReadResult:
        host, paths = props.get("host") or {}, sorted(props.get("expected") or {})
        if not host or not paths:
            return ReadResult(id_, props)
        local = scripts.read_over_ssh(host["address"], int(host["port"]), host["user"], host["key_file"])
        try:
            done = subprocess.run(
                ["bash", "-c", local],
                input=scripts.read_certificates(paths),
                capture_output=True,
                text=True,
                timeout=READ_TIMEOUT_SECONDS,
            )
        except (OSError, subprocess.TimeoutExpired):
            return ReadResult(id_, props)
        if done.returncode != 0:  # unreachable, or refused: what was last seen stands
            return ReadResult(id_, props)
        held = parse_held(done.stdout)
        return ReadResult(id_, {**props, "held": {p: held.get(p, MISSING) for p in paths}})

    def diff(self, _id: str, olds: Any, news: Any) -> DiffResult:
        changed = any(olds.get(k) != news.get(k) for k in ("host", "expected", "issuers"))
        drift = (olds.get("held") or {}) != (olds.get("expected") or {})
        return DiffResult(changes=changed or drift, replaces=[], delete_before_replace=False)

    def update(self, _id: str, olds: Any, news: Any) -> UpdateResult:
        paths = drifted(olds, news)
        if paths:
            raise RuntimeError(drift_message(news["host"]["name"], olds, paths))
        return UpdateResult({**news, "held": dict(news["expected"])})


class CertificateCheck(Resource, module="pki", name="CertificateCheck"):
    held: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        host: Host,
        expected: Mapping[str, pulumi.Input[str]],
        issuers: Mapping[str, pulumi.Input[str]],
        opts: pulumi.ResourceOptions,
    ) -> None:
        reach = {
            "name": host.name,
            "address": host.address,
            "port": host.ssh.port,
            "user": host.ssh.user,
            "key_file": str(host.ssh.private_key_file),
        }
        props = {"host": reach, "expected": dict(expected), "issuers": dict(issuers), "held": None}
        super().__init__(CertificateCheckProvider(), f"check-expiration-{host.name}", props, opts)
