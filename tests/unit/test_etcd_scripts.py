"""Stacked etcd membership: the scripts against a stand-in etcd gateway, and the preview-time quorum guard."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from components.etcd import scripts as etcd_scripts
from components.etcd.control_plane_set import quorum_problem

PEER = "https://10.0.0.{}:2380"
CLIENT = "https://10.0.0.{}:2379"
API = "https://10.0.0.1:6443"


def member(i: int, *, started: bool = True, learner: bool = False) -> dict:
    m: dict = {"ID": str(1000 + i), "peerURLs": [PEER.format(i)]}
    if started:
        m |= {"name": f"cp-{i}", "clientURLs": [CLIENT.format(i)]}
    if learner:
        m["isLearner"] = True
    return m


def gateway(tmp_path: Path, members: list[dict], healthy: set[int], promote_errors: int = 0) -> dict[str, str]:
    """A `curl` answering etcd's JSON gateway from files; every call is logged to calls.log."""
    (tmp_path / "members.json").write_text(json.dumps(members))
    (tmp_path / "promote-errors").write_text(str(promote_errors))
    fake = tmp_path / "curl"
    fake.write_text(
        f"""#!/usr/bin/env python3
import json, sys
state = {str(tmp_path)!r}
args = sys.argv[1:]
url = [a for a in args if a.startswith("https://")][0]
body = json.loads(args[args.index("-d") + 1]) if "-d" in args else {{}}
open(state + "/calls.log", "a").write(url.split("/", 3)[3] + " " + json.dumps(body) + "\\n")
members = json.load(open(state + "/members.json"))
def out(doc): print(json.dumps({{"header": {{"cluster_id": "1", "member_id": "2"}}, **doc}}, separators=(", ", ":")))
if url.endswith("/health"):
    n = int(url.split(".")[3].split(":")[0])
    print(json.dumps({{"health": "true" if n in {sorted(healthy)!r} else "false"}}, separators=(",", ":")))
elif url.endswith("member/list"):
    out({{"members": members}})
elif url.endswith("member/add"):
    m = {{"ID": "4242", "peerURLs": body["peerURLs"], "isLearner": True}}
    members.append(m); json.dump(members, open(state + "/members.json", "w")); out({{"member": m, "members": members}})
elif url.endswith("member/promote"):
    left = int(open(state + "/promote-errors").read())
    if left:
        open(state + "/promote-errors", "w").write(str(left - 1))
        print(json.dumps({{"code": 9, "message": "etcdserver: can only promote a learner member which is in sync with leader", "details": []}}, separators=(", ", ":")))
    else:
        for m in members:
            if m["ID"] == body["ID"]: m.pop("isLearner", None)
        json.dump(members, open(state + "/members.json", "w")); out({{"members": members}})
elif url.endswith("member/remove"):
    members = [m for m in members if m["ID"] != body["ID"]]
    json.dump(members, open(state + "/members.json", "w")); out({{"members": members}})
"""
    )
    fake.chmod(0o755)
    kubectl = tmp_path / "kubectl"
    kubectl.write_text(
        f'#!/bin/sh\necho kubectl "$@" >> {tmp_path}/kubectl.log\n[ "$4" = get ] && echo "node/$6"\nexit 0\n'
    )
    kubectl.chmod(0o755)
    return {"PATH": f"{tmp_path}:/usr/bin:/bin"}


def run(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-c", script], capture_output=True, text=True, env=env, timeout=60)


def calls(tmp_path: Path) -> list[str]:
    return [line.split(" ")[0] for line in (tmp_path / "calls.log").read_text().splitlines()]


@pytest.mark.parametrize(
    "name,script",
    [
        ("check-etcd", etcd_scripts.check_etcd("cp-2", PEER.format(2))),
        ("add-learner", etcd_scripts.add_learner("cp-2", PEER.format(2))),
        ("promote", etcd_scripts.promote("cp-2", PEER.format(2))),
        ("remove-members", etcd_scripts.remove_members([PEER.format(1), PEER.format(2)], API)),
    ],
)
def test_script_is_valid_shell_and_matches_golden(name: str, script: str, golden) -> None:
    assert subprocess.run(["bash", "-n"], input=script, text=True).returncode == 0
    golden(f"etcd-{name}.sh", script)


def test_check_etcd_fails_naming_the_unhealthy_member(tmp_path: Path) -> None:
    env = gateway(tmp_path, [member(1), member(3)], healthy={1})
    result = run(etcd_scripts.check_etcd("cp-2", PEER.format(2)), env)
    assert result.returncode == 1
    assert "member cp-3 at https://10.0.0.3:2380 is not healthy: cp-2 does not join" in result.stderr
    assert run(etcd_scripts.check_etcd("cp-2", PEER.format(2)), gateway(tmp_path, [member(1)], {1})).returncode == 0


def test_add_learner_adds_once_and_prints_the_initial_cluster(tmp_path: Path) -> None:
    env = gateway(tmp_path, [member(1)], healthy={1})
    first = run(etcd_scripts.add_learner("cp-2", PEER.format(2)), env)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == "cp-1=https://10.0.0.1:2380,cp-2=https://10.0.0.2:2380"
    again = run(etcd_scripts.add_learner("cp-2", PEER.format(2)), env)
    assert again.stdout == first.stdout
    assert calls(tmp_path).count("v3/cluster/member/add") == 1
    assert '"isLearner": true' in (tmp_path / "calls.log").read_text()


def test_promote_retries_until_the_learner_caught_up(tmp_path: Path) -> None:
    env = gateway(tmp_path, [member(1), member(2, learner=True)], healthy={1, 2}, promote_errors=2)
    result = run(etcd_scripts.promote("cp-2", PEER.format(2)), env)
    assert result.returncode == 0, result.stderr
    assert calls(tmp_path).count("v3/cluster/member/promote") == 3
    assert "cp-2 is a voting member" in result.stdout


def test_remove_members_drains_removes_and_deletes_the_nodes_that_left(tmp_path: Path) -> None:
    env = gateway(tmp_path, [member(1), member(2), member(3)], healthy={1, 2, 3})
    result = run(etcd_scripts.remove_members([PEER.format(1)], API), env)
    assert result.returncode == 0, result.stderr
    assert calls(tmp_path).count("v3/cluster/member/remove") == 2
    kubectl = (tmp_path / "kubectl.log").read_text()
    for node in ("cp-2", "cp-3"):
        assert f"drain {node}" in kubectl and f"delete node {node}" in kubectl
    # Every call goes to the first control plane's own API server, not through the endpoint.
    assert all(f"--server={API} " in line for line in kubectl.splitlines())
    assert result.stdout.strip().endswith("[etcd] members: cp-1")


def test_remove_members_refuses_to_break_quorum_and_removes_nothing(tmp_path: Path) -> None:
    # cp-2 is down: removing cp-1 would leave cp-2 and cp-3 with one healthy member.
    env = gateway(tmp_path, [member(1), member(2), member(3)], healthy={1, 3})
    result = run(etcd_scripts.remove_members([PEER.format(2), PEER.format(3)], API), env)
    assert result.returncode == 1
    assert "removing cp-1 would leave 1 of 2 etcd members healthy, below quorum: nothing removed" in result.stderr
    assert "v3/cluster/member/remove" not in calls(tmp_path)


def test_remove_members_removes_an_unhealthy_member_first(tmp_path: Path) -> None:
    env = gateway(tmp_path, [member(1), member(2), member(3)], healthy={1, 2})
    result = run(etcd_scripts.remove_members([PEER.format(1)], API), env)
    assert result.returncode == 0, result.stderr
    removed = [line for line in (tmp_path / "calls.log").read_text().splitlines() if "remove" in line]
    assert [json.loads(line.split(" ", 1)[1])["ID"] for line in removed] == ["1003", "1002"]
    assert "drain cp-3" not in (tmp_path / "kubectl.log").read_text()  # an unhealthy member is not drained


def test_a_healthy_member_whose_drain_fails_stays_a_member_and_fails_the_step(tmp_path: Path) -> None:
    env = gateway(tmp_path, [member(1), member(2)], healthy={1, 2})
    kubectl = tmp_path / "kubectl"
    kubectl.write_text(
        f'#!/bin/sh\necho kubectl "$@" >> {tmp_path}/kubectl.log\n[ "$4" = get ] && echo "node/$6"\n'
        '[ "$4" = drain ] && exit 1\nexit 0\n'
    )
    result = run(etcd_scripts.remove_members([PEER.format(1)], API), env)
    assert result.returncode == 1
    assert "[etcd] cp-2: drain did not finish within 120s; its member and Node stay (cordoned)" in result.stderr
    assert "v3/cluster/member/remove" not in calls(tmp_path)
    assert "delete node cp-2" not in (tmp_path / "kubectl.log").read_text()


def cps(*names: str) -> list[dict]:
    return [{"name": n, "address": f"10.0.0.{n[-1]}", "port": 22} for n in names]


@pytest.mark.parametrize(
    ("old", "new", "down", "problem"),
    [
        (cps("cp-1"), cps("cp-1", "cp-2", "cp-3"), set(), None),
        (cps("cp-1", "cp-2", "cp-3"), cps("cp-1"), set(), None),
        (cps("cp-1", "cp-2", "cp-3"), cps("cp-1", "cp-2"), {"cp-3"}, None),
        (cps("cp-1", "cp-2", "cp-3"), cps("cp-1"), {"cp-3"}, None),
        (cps("cp-1", "cp-2", "cp-3"), cps("cp-2", "cp-3"), {"cp-2"}, "removing cp-1 would leave 1 of 2 etcd members"),
        (cps("cp-1", "cp-2", "cp-3"), cps("cp-1"), {"cp-2", "cp-3"}, "needs a quorum of 2 reachable etcd members"),
        (cps("cp-1"), cps("cp-1", "cp-2"), set(), None),
        (cps("cp-1"), cps("cp-2", "cp-1"), set(), "controlPlanes[0]: cp-2 is not a member of the running cluster"),
        (cps("cp-1", "cp-2"), cps("cp-2"), set(), None),
    ],
    ids=[
        "adding",
        "three_to_one",
        "dropping_the_stopped_one",
        "three_to_one_with_one_stopped",
        "dropping_a_healthy_one_while_another_is_stopped",
        "no_quorum_left",
        "appending",
        "a_new_host_first",
        "the_first_one_removed",
    ],
)
def test_quorum_guard(old, new, down, problem) -> None:
    found = quorum_problem(old, new, lambda m: m["name"] not in down)
    assert (found is None) if problem is None else (problem in (found or "")), found
