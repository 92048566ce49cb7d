"""HostInventory: which hosts left since the last run, what of them answers, and what the operator is told."""

from __future__ import annotations

import pytest

from components.node.host_inventory import HostInventoryProvider, departed, departure_warning

OLD = [
    {"name": "node-1", "address": "10.213.0.11", "port": 22, "role": "control-plane"},
    {"name": "node-2", "address": "10.213.0.12", "port": 22, "role": "worker"},
    {"name": "node-3", "address": "10.213.0.13", "port": 2222, "role": "worker"},
]


def test_departed_lists_only_the_hosts_that_left_with_what_answers() -> None:
    probed = []

    def probe(address: str, port: int) -> bool:
        probed.append((address, port))
        return port == 2222  # node-3's sshd answers, its kubelet does not

    gone = departed(OLD, OLD[:2], probe)
    assert gone == [{"name": "node-3", "address": "10.213.0.13", "role": "worker", "ssh": True, "kubelet": False}]
    assert probed == [("10.213.0.13", 2222), ("10.213.0.13", 10250)]  # hosts that stay are not probed


@pytest.mark.parametrize(
    ("role", "ssh", "kubelet", "expected"),
    [
        ("worker", True, True, None),
        (
            "worker",
            False,
            False,
            "node-3 (10.213.0.13) leaves the cluster, but its kubelet does not answer, so it is "
            "not drained (its pods go with its Node); it does not answer over SSH, so the host is NOT reset; run "
            "'kubeadm reset' on it",
        ),
        (
            "worker",
            True,
            False,
            "node-3 (10.213.0.13) leaves the cluster, but its kubelet does not answer, so it is "
            "not drained (its pods go with its Node)",
        ),
        (
            "control-plane",
            False,
            False,
            "node-3 (10.213.0.13) leaves the cluster, but it does not answer over SSH, so "
            "the host is NOT reset; run 'kubeadm reset' on it",
        ),
    ],
    ids=["reachable_worker_needs_no_warning", "stopped_worker", "kubelet_down_only", "stopped_control_plane"],
)
def test_departure_warning(role: str, ssh: bool, kubelet: bool, expected: str | None) -> None:
    host = {"name": "node-3", "address": "10.213.0.13", "role": role, "ssh": ssh, "kubelet": kubelet}
    assert departure_warning(host) == expected


def test_the_provider_records_the_new_members_and_what_left(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("components.node.host_inventory.answers", lambda address, port: False)
    provider = HostInventoryProvider()
    created = provider.create({"members": OLD, "departed": None})
    assert created.outs == {"members": OLD, "departed": []}
    assert not provider.diff("hosts", created.outs, {"members": OLD}).changes
    assert provider.diff("hosts", created.outs, {"members": OLD[:1]}).changes
    updated = provider.update("hosts", created.outs, {"members": OLD[:1] + OLD[2:]})
    assert updated.outs["members"] == OLD[:1] + OLD[2:]
    assert updated.outs["departed"] == [
        {"name": "node-2", "address": "10.213.0.12", "role": "worker", "ssh": False, "kubelet": False}
    ]
