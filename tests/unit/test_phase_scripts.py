"""The host scripts of kubeadm's phases: valid shell, golden text, and the behaviour that can run here."""

from __future__ import annotations

import subprocess

import pytest

from components import phase_scripts

SCRIPTS = {
    "kubelet-start": phase_scripts.kubelet_start(),
    "reset-cleanup": phase_scripts.reset_cleanup(),
    "wait-control-plane": phase_scripts.wait_control_plane("node-1"),
    "apply": phase_scripts.apply("addons"),
    "mark-control-plane": phase_scripts.mark_control_plane(
        "node-1", {"node-role.kubernetes.io/control-plane": ""}, ["node-role.kubernetes.io/control-plane:NoSchedule"]
    ),
    "kubelet-finalize": phase_scripts.kubelet_finalize("system:node:node-1"),
}


@pytest.mark.parametrize("name", sorted(SCRIPTS), ids=sorted(SCRIPTS))
def test_script_is_valid_shell_and_matches_golden(name: str, golden) -> None:
    assert subprocess.run(["bash", "-n"], input=SCRIPTS[name], text=True).returncode == 0
    golden(f"phase-{name}.sh", SCRIPTS[name])


def test_wait_control_plane_times_out_naming_the_host_and_component() -> None:
    # No kubelet listens here, so the very first wait fails once its (zero) budget is spent.
    result = subprocess.run(
        ["bash"],
        input=phase_scripts.wait_control_plane("node-9", timeout=0),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "[wait-control-plane] node-9: kubelet not healthy after 0s" in result.stderr


def test_delete_tolerates_an_unreachable_api_server(tmp_path) -> None:
    fake = tmp_path / "kubectl"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    script = phase_scripts.delete("addons", "YQ==")
    result = subprocess.run(
        ["bash", "-c", script], capture_output=True, text=True, env={"PATH": f"{tmp_path}:/usr/bin:/bin"}
    )
    assert result.returncode == 0
    assert "[addons] API server unreachable" in result.stderr
