"""Where a `pulumi up` spends its time and what it ran, from the engine's event log (`pulumi up --event-log`).

Pure functions over the parsed events. Each event has a `sequence` and a whole-second `timestamp`; the driver
also records when each line arrived (seconds since the CLI started, to ~0.2 s), which is used when present.
A resource's span runs from its resourcePreEvent to its resOutputsEvent.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

COMMAND_TYPE = "command:remote:Command"
# Resources that do the work; components (kubeadm:*) and the stack only group them.
_GROUPING_PREFIXES = ("kubeadm:", "pulumi:pulumi:Stack", "pulumi:providers:")

# Phase of a resource by its name; the first matching prefix wins, host files are `<host>/<path>`.
PHASE_PREFIXES: tuple[tuple[str, str], ...] = (
    ("reset-", "reset"),
    ("preflight-", "preflight"),
    ("certs-", "certs (keys and certificates)"),
    ("kubeconfig-", "kubeconfig (keys and certificates)"),
    ("kubelet-start-", "kubelet-start"),
    ("wait-control-plane", "wait-control-plane"),
    ("upload-config", "upload-config"),
    ("upload-certs", "upload-certs"),
    ("mark-control-plane", "mark-control-plane"),
    ("bootstrap-token", "bootstrap-token"),
    ("kubelet-finalize", "kubelet-finalize"),
    ("join-", "join"),
    ("addons", "addons"),
)


@dataclass(frozen=True)
class Span:
    """One resource operation: seconds since the update began."""

    name: str
    type: str
    op: str
    start: float
    end: float

    @property
    def seconds(self) -> float:
        return self.end - self.start


@dataclass(frozen=True)
class Phase:
    """The resources of one phase: how many, when the first started and the last ended, and the slowest one."""

    phase: str
    resources: int
    start: float
    end: float
    busy: float  # summed resource seconds (more than end - start when they run in parallel)
    slowest: str
    slowest_seconds: float

    @property
    def wall(self) -> float:
        return self.end - self.start

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "wall": self.wall}


def load(path: Path) -> list[dict[str, Any]]:
    """The events of a log file, one JSON object a line (a torn last line is skipped)."""
    events = []
    for line in path.read_text().splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events


def _times(events: Sequence[Mapping[str, Any]], arrival: Mapping[int, float] | None) -> dict[int, float]:
    """Seconds since the start of each event by sequence: arrival times when known, else whole-second stamps."""
    if arrival and all(e["sequence"] in arrival for e in events):
        return {e["sequence"]: arrival[e["sequence"]] for e in events}
    t0 = min((e["timestamp"] for e in events), default=0)
    return {e["sequence"]: float(e["timestamp"] - t0) for e in events}


def spans(events: Sequence[Mapping[str, Any]], arrival: Mapping[int, float] | None = None) -> list[Span]:
    """Every resource operation that finished, in the order it started."""
    times = _times(events, arrival)
    started: dict[str, tuple[float, Mapping[str, Any]]] = {}
    result = []
    for event in events:
        for kind in ("resourcePreEvent", "resOutputsEvent"):
            if kind not in event:
                continue
            meta = event[kind]["metadata"]
            if kind == "resourcePreEvent":
                started[meta["urn"]] = (times[event["sequence"]], meta)
            elif meta["urn"] in started:
                start, pre = started.pop(meta["urn"])
                name = meta["urn"].rsplit("::", 1)[-1]
                result.append(Span(name, meta["type"], pre["op"], start, times[event["sequence"]]))
    return sorted(result, key=lambda s: (s.start, s.name))


def operations(events: Iterable[Mapping[str, Any]], resource_type: str = COMMAND_TYPE) -> Counter[str]:
    """How many resources of `resource_type` the engine stepped, by operation (same, create, update, ...)."""
    ops: Counter[str] = Counter()
    for event in events:
        if "resourcePreEvent" in event:
            meta = event["resourcePreEvent"]["metadata"]
            if meta["type"] == resource_type:
                ops[meta["op"]] += 1
    return ops


def commands_run(events: Iterable[Mapping[str, Any]]) -> int:
    """Host commands the update ran: command:remote:Command operations that were not `same`."""
    return sum(n for op, n in operations(events).items() if op != "same")


def phase_of(span: Span) -> str | None:
    """The kubeadm phase a resource belongs to; None for components, the stack and providers."""
    if span.type.startswith(_GROUPING_PREFIXES):
        return None
    if span.type.startswith("pulumi-python:dynamic/token"):
        return "bootstrap-token (token secret)"
    if "/" in span.name and span.type == COMMAND_TYPE:
        return "files"
    for prefix, phase in PHASE_PREFIXES:
        if span.name.startswith(prefix):
            return phase
    return "other"


def phases(all_spans: Iterable[Span]) -> list[Phase]:
    """Per phase: count, first start, last end, busy seconds and the slowest resource; in order of start."""
    grouped: dict[str, list[Span]] = {}
    for span in all_spans:
        phase = phase_of(span)
        if phase is not None:
            grouped.setdefault(phase, []).append(span)
    result = []
    for phase, members in grouped.items():
        slowest = max(members, key=lambda s: s.seconds)
        result.append(
            Phase(
                phase=phase,
                resources=len(members),
                start=min(s.start for s in members),
                end=max(s.end for s in members),
                busy=sum(s.seconds for s in members),
                slowest=slowest.name,
                slowest_seconds=slowest.seconds,
            )
        )
    return sorted(result, key=lambda p: (p.start, p.phase))


def slowest(all_spans: Iterable[Span], n: int = 5) -> list[Span]:
    """The `n` longest resource operations that do work (no components)."""
    return sorted((s for s in all_spans if phase_of(s) is not None), key=lambda s: -s.seconds)[:n]


def phase_lines(phase_list: Sequence[Mapping[str, Any]]) -> str:
    """A small table of phases (Phase.to_dict() rows): resources, start -> end, wall seconds, slowest resource."""
    width = max((len(p["phase"]) for p in phase_list), default=5)
    lines = [f"  {'phase'.ljust(width)}  res   start ->   end   wall   slowest"]
    for p in phase_list:
        lines.append(
            f"  {p['phase'].ljust(width)}  {p['resources']:3d}  {p['start']:6.1f} -> {p['end']:5.1f}  "
            f"{p['end'] - p['start']:5.1f}s  {p['slowest']} ({p['slowest_seconds']:.1f}s)"
        )
    return "\n".join(lines)
