"""Event-log analysis on a small hand-written log (no Pulumi, no lab)."""

from __future__ import annotations

from bench import events

STACK = "urn:pulumi:s::kubeadm-pulumi::"
CMD = "command:remote:Command"


def _pair(seq: int, t0: int, t1: int, name: str, rtype: str, op: str, parent: str = "kubeadm:index:Cluster$"):
    urn = f"{STACK}{parent}{rtype}::{name}"
    meta = {"op": op, "urn": urn, "type": rtype}
    return [
        {"sequence": seq, "timestamp": t0, "resourcePreEvent": {"metadata": meta}},
        {"sequence": seq + 1, "timestamp": t1, "resOutputsEvent": {"metadata": meta}},
    ]


LOG = [
    {"sequence": 0, "timestamp": 100, "preludeEvent": {"config": {}}},
    *_pair(1, 101, 140, "bench", "kubeadm:index:Cluster", "create", parent=""),
    *_pair(3, 102, 103, "node-1/etc/kubernetes/pki/ca.crt", CMD, "create"),
    *_pair(5, 102, 104, "node-2/etc/kubernetes/pki/ca.crt", CMD, "same"),
    *_pair(7, 105, 125, "wait-control-plane", CMD, "update"),
    *_pair(9, 101, 102, "certs-ca-key", "pulumi-python:dynamic/pki:PrivateKey", "create"),
    *_pair(11, 126, 130, "join-node-2", CMD, "create"),
]


def test_commands_run_counts_command_operations_that_are_not_same() -> None:
    assert events.commands_run(LOG) == 3
    assert events.operations(LOG) == {"create": 2, "same": 1, "update": 1}


def test_spans_use_arrival_times_when_every_event_has_one() -> None:
    arrival = {e["sequence"]: e["sequence"] * 0.5 for e in LOG}
    wait = next(s for s in events.spans(LOG, arrival) if s.name == "wait-control-plane")
    assert (wait.start, wait.end) == (3.5, 4.0)
    stamped = next(s for s in events.spans(LOG) if s.name == "wait-control-plane")
    assert (stamped.start, stamped.end, stamped.op) == (5.0, 25.0, "update")


def test_phases_group_files_and_steps_and_name_the_slowest() -> None:
    by_phase = {p.phase: p for p in events.phases(events.spans(LOG))}
    assert set(by_phase) == {"files", "wait-control-plane", "join", "certs (keys and certificates)"}
    files = by_phase["files"]
    assert (files.resources, files.start, files.end, files.busy) == (2, 2.0, 4.0, 3.0)
    assert files.slowest == "node-2/etc/kubernetes/pki/ca.crt"
    assert [s.name for s in events.slowest(events.spans(LOG), 2)] == ["wait-control-plane", "join-node-2"]
