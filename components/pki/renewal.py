"""When a certificate is issued, and when it is renewed: pure, so the Certificate provider's check can plan it.

A certificate's issue time and NotAfter are decided when its inputs are checked, on every preview and up, and
kept in its inputs: carried over while nothing the certificate says (fields, key, signer) changed and its
renewal is not due, else planned anew. So a preview shows the NotAfter a renewal will give, and says why.
"""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# The engine sends this in place of a value it does not know yet (during preview).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@dataclass(frozen=True)
class Issue:
    issued_at: str  # ISO 8601, whole seconds, UTC
    not_after: str
    renewal: str  # why it is reissued by time ("expires ... in 12 days: renewed"), else empty


def due(not_after: Any, renew_before_seconds: Any, now: datetime.datetime) -> bool:
    """Whether a certificate with this NotAfter (ISO 8601) has less than `renew_before_seconds` left at `now`."""
    if not isinstance(renew_before_seconds, int | float) or not renew_before_seconds:
        return False
    if not isinstance(not_after, str) or not not_after or not_after == UNKNOWN:
        return False
    return (datetime.datetime.fromisoformat(not_after) - now).total_seconds() < renew_before_seconds


def plan(olds: Mapping[str, Any], news: Mapping[str, Any], now: datetime.datetime) -> Issue:
    """The issue of the certificate `news` describes, given its previous checked inputs `olds` (empty: new)."""
    renew_before = news.get("renew_before_seconds")
    same = bool(olds) and all(
        _known(news.get(key)) and (olds.get(key) or "") == (news.get(key) or "")
        for key in ("fields", "key_pem", "ca_cert_pem")
    )
    if same and not olds.get("issued_at"):
        # Made before issue times were planned: its NotAfter is in its outputs only, where the diff looks.
        return Issue(issued_at="", not_after="", renewal="")
    if same and not due(olds.get("not_after"), renew_before, now):
        return Issue(issued_at=olds["issued_at"], not_after=olds["not_after"], renewal="")
    start = now.replace(microsecond=0)
    fields = news.get("fields")
    hours = fields.get("validity_hours") if isinstance(fields, Mapping) else None
    not_after = start + datetime.timedelta(hours=hours if isinstance(hours, int | float) else 0)
    reason = _reason(olds["not_after"], renew_before, now) if same else ""
    return Issue(issued_at=start.isoformat(), not_after=not_after.isoformat(), renewal=reason)


def _known(value: Any) -> bool:
    return value != UNKNOWN


def _reason(not_after: str, renew_before: Any, now: datetime.datetime) -> str:
    left = (datetime.datetime.fromisoformat(not_after) - now).total_seconds()
    date = not_after.replace("+00:00", "Z")
    if left <= 0:
        return f"expired {date} ({span(-left)} ago): renewed with the same key"
    return f"expires {date} (in {span(left)}, certificateRenewBefore {span(renew_before)}): renewed with the same key"


def span(seconds: float) -> str:
    """A length of time as an operator reads it: `12 days`, `5 hours`, `59 minutes`, `30 seconds`."""
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if seconds >= 2 * size:
            return f"{int(seconds // size)} {unit}s"
    whole = int(seconds)
    return f"{whole} second{'s' if whole != 1 else ''}"
