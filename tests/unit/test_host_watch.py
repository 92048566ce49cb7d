"""The host watch's verdicts, round by round (the probing itself is a TCP connect, as HostInventory's)."""

from __future__ import annotations

from pathlib import Path

from components.config import Host, Ssh
from components.node.host_watch import HostWatch

HOSTS = [
    Host(
        name=f"node-{i}",
        address=f"10.213.0.1{i}",
        role="worker",
        ssh=Ssh(user="root", port=22, private_key_file=Path()),
    )
    for i in (1, 2)
]


def rounds(*results: tuple[bool, bool]) -> list[list[tuple[str, str]]]:
    watch = HostWatch(HOSTS, lambda address, port, timeout: True)
    return [watch.round(list(r), now=2.0 * i) for i, r in enumerate(results)]


def test_a_host_that_stops_answering_is_named_once_then_when_it_is_back() -> None:
    said = rounds((True, True), (True, False), (True, False), (True, False), (True, True))
    assert said[:2] == [[], []]  # one lost connect is not an outage
    assert len(said[2]) == 1 and said[2][0][0] == "warn"
    assert said[2][0][1].startswith("node-2 (10.213.0.12) stopped answering on SSH port 22 during the run")
    assert said[3] == []  # said once
    assert said[4] == [("info", "node-2 (10.213.0.12) answers on SSH port 22 again, after 4s")]


def test_a_host_that_never_answered_is_left_to_the_step_that_dials_it() -> None:
    # Down from the start: its first step fails the dial within seconds, naming it; the watch adds nothing.
    assert rounds((True, False), (True, False), (True, False)) == [[], [], []]
