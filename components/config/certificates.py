"""How long certificates live and when they are renewed: kubeadm v1beta4's `certificateValidityPeriod` and
`caCertificateValidityPeriod`, and our `certificateRenewBefore` (renewal on a plain `pulumi up`).

Durations are Go's (`8760h`, `1h59m`, `90s`), as kubeadm's metav1.Duration takes them, to whole seconds: X.509
dates carry no finer time.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from components import constants
from components.config.problems import Problems

# Go's time.ParseDuration: one or more <number><unit>, an optional sign, or a bare 0.
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")
_UNIT_SECONDS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}


@dataclass(frozen=True)
class CertificateLifetimes:
    """Validity of leaf certificates and CAs, and how long before its NotAfter a certificate is renewed."""

    validity_seconds: int = constants.CERT_VALIDITY_HOURS * 3600
    ca_validity_seconds: int = constants.CA_CERT_VALIDITY_HOURS * 3600
    renew_before_seconds: int = constants.CERT_RENEW_BEFORE_HOURS * 3600


# kubeadm's defaults, for callers that have no config (spec tables rendered alone, tests).
DEFAULT_LIFETIMES = CertificateLifetimes()


def parse_duration(text: str) -> float | None:
    """Seconds in a Go duration (`1h30m`, `0`), or None when `text` is not one."""
    if text in ("0", "+0", "-0"):
        return 0.0
    body = text[1:] if text[:1] in "+-" else text
    if not body or _PART.sub("", body):
        return None
    seconds = sum(float(number) * _UNIT_SECONDS[unit] for number, unit in _PART.findall(body))
    return -seconds if text.startswith("-") else seconds


def go_duration(seconds: int) -> str:
    """Whole seconds as Go's Duration.String() prints them: `8760h0m0s`, `1h59m0s`, `30m0s`, `45s`, `0s`."""
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours}h{minutes}m{secs}s"
    if minutes:
        return f"{minutes}m{secs}s"
    return f"{secs}s"


def parse_lifetimes(raw: Any, problems: Problems) -> CertificateLifetimes:
    """The three keys from the top of the `kubeadm:` namespace, each a positive duration of whole seconds; a leaf
    may not outlive its CA and renewal must start inside a leaf's life, else every `pulumi up` would renew."""
    values = {}
    for key, fallback in (
        ("certificateValidityPeriod", DEFAULT_LIFETIMES.validity_seconds),
        ("caCertificateValidityPeriod", DEFAULT_LIFETIMES.ca_validity_seconds),
        ("certificateRenewBefore", DEFAULT_LIFETIMES.renew_before_seconds),
    ):
        values[key] = fallback
        if key not in raw:
            continue
        text = raw[key]
        seconds = parse_duration(text) if isinstance(text, str) else None
        if seconds is None:
            problems.add(key, "must be a duration like 8760h, 2h30m or 90s", text)
        elif seconds < 1 or seconds != int(seconds):
            problems.add(key, "must be a positive whole number of seconds", text)
        else:
            values[key] = int(seconds)
    leaf, ca, renew = (
        values["certificateValidityPeriod"],
        values["caCertificateValidityPeriod"],
        values["certificateRenewBefore"],
    )
    if leaf > ca:
        problems.add(
            "certificateValidityPeriod",
            f"is longer than caCertificateValidityPeriod ({go_duration(ca)}): a certificate may not outlive its CA",
            raw.get("certificateValidityPeriod"),
        )
    if renew >= leaf:
        problems.add(
            "certificateRenewBefore",
            f"must be shorter than certificateValidityPeriod ({go_duration(leaf)}), else every pulumi up renews",
            raw.get("certificateRenewBefore", go_duration(renew)),
        )
    return CertificateLifetimes(validity_seconds=leaf, ca_validity_seconds=ca, renew_before_seconds=renew)
