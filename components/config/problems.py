"""Collecting what is wrong with a stack config: one `field.path: what is wrong (got: value)` line each."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Mapping
from typing import Any

_ABSENT = object()
# A value shown in a message is cut at this many characters; known keys are listed up to this many.
SHOWN = 80
LISTED = 20


def shown(value: Any) -> str:
    """A value as a message shows it: its Python repr (so a string is quoted and its type is plain), cut short."""
    text = repr(value)
    return text if len(text) <= SHOWN else f"{text[: SHOWN - 3]}..."


def kind(value: Any) -> str:
    """What a value is, in the stack file's terms."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a map"
    if isinstance(value, list):
        return "a list"
    return type(value).__name__


# What other tools (kubeadm's flags, kube-controller-manager, peers' configs) call a setting we name otherwise.
ALIASES = {
    "podCIDR": "podSubnet",
    "podNetworkCidr": "podSubnet",
    "pod-network-cidr": "podSubnet",
    "clusterCIDR": "podSubnet",
    "serviceCIDR": "serviceSubnet",
    "service-cidr": "serviceSubnet",
    "serviceClusterIPRange": "serviceSubnet",
}


def suggestion(name: str, known: Iterable[str]) -> str:
    """`; did you mean X?` for the closest of `known` (or what `name` is called elsewhere), or nothing."""
    known = list(known)
    if ALIASES.get(name) in known:
        return f"; did you mean {ALIASES[name]}?"
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f"; did you mean {close[0]}?" if close else ""


class Problems:
    """Collects the problems of one stack config while it is parsed, every one of them, in order."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def add(self, path: str, message: str, got: Any = _ABSENT) -> None:
        self.lines.append(f"{path}: {message}" if got is _ABSENT else f"{path}: {message} (got: {shown(got)})")

    def unknown_keys(self, value: Mapping[str, Any], path: str, known: Iterable[str], what: str = "key") -> None:
        """One problem per key of `value` outside `known`, with the closest known key as a hint (and the known
        ones listed, when they are few)."""
        known = tuple(known)
        listed = f" (known: {', '.join(known)})" if len(known) <= LISTED else ""
        for key in sorted(set(value) - set(known), key=str):
            where = f"{path}.{key}" if path else str(key)
            self.add(where, f"unknown {what}{listed}{suggestion(str(key), known)}")
