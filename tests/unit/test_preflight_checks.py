"""The preflight table and the script rendered from it."""

from __future__ import annotations

import subprocess
import tempfile

import pytest

from components.config import ROLE_CONTROL_PLANE, ROLE_WORKER
from components.node.preflight_checks import CHECKS, ERROR, WARNING, Target, checks_for, is_ignored, render_script

CP = Target(name="node-1", address="10.213.0.11", role=ROLE_CONTROL_PLANE, ignored=frozenset())
WORKER = Target(name="node-2", address="10.213.0.12", role=ROLE_WORKER, ignored=frozenset())
# A host that brings its own kubelet and kubeadm (kubeadm:packages.install: false).
OWN_PACKAGES = Target(
    name="node-1", address="10.213.0.11", role=ROLE_CONTROL_PLANE, ignored=frozenset(), packages=False
)


def test_check_names_are_unique() -> None:
    names = [c.name for c in CHECKS]
    assert len(names) == len(set(names))


def test_every_check_has_a_level_and_a_role() -> None:
    assert all(c.level in (ERROR, WARNING) and c.roles for c in CHECKS)


def test_control_plane_only_checks_are_skipped_on_workers() -> None:
    worker = {c.name for c in checks_for(WORKER)}
    control_plane = {c.name for c in checks_for(CP)}
    assert {"NumCPU", "Mem", "Port-6443", "Port-2379"} <= control_plane - worker
    assert {"IsPrivilegedUser", "CRI", "Port-10250", "PackageManager"} <= worker & control_plane


def test_kubelet_and_kubeadm_are_checked_only_on_hosts_that_bring_their_own() -> None:
    installed = {c.name for c in checks_for(CP)}
    own = {c.name for c in checks_for(OWN_PACKAGES)}
    assert {"FileExisting-kubelet", "FileExisting-kubeadm"} <= own - installed
    assert "PackageManager" in installed - own


def test_a_host_without_apt_is_named_with_its_system() -> None:
    check = next(c for c in CHECKS if c.name == "PackageManager")
    here = subprocess.run(
        ["sh", "-c", f'fail() {{ echo "$*"; exit 1; }}; {check.body}'], capture_output=True, text=True
    )
    assert here.returncode == 0 and here.stdout.strip().endswith(", apt"), here.stdout
    # The same check where no apt-get is on PATH (a system without apt), from the system's os-release.
    body = check.body.replace("/etc/os-release", "./os-release")
    result = subprocess.run(
        [
            "/bin/sh",
            "-c",
            "echo 'PRETTY_NAME=\"Alpine Linux v3.22\"' > os-release; " + f'fail() {{ echo "$*"; exit 1; }}; {body}',
        ],
        capture_output=True,
        text=True,
        env={"PATH": "/nonexistent"},
        cwd=tempfile.mkdtemp(),
    )
    assert result.returncode == 1
    assert result.stdout.startswith("Alpine Linux v3.22 has no apt-get: kubeadm-pulumi installs")
    assert "kubeadm:packages.install: false" in result.stdout


def test_ipv4_forwarding_is_checked_only_for_ipv4_hosts() -> None:
    v6 = Target(name="node-1", address="fd00::11", role=ROLE_WORKER, ignored=frozenset())
    assert "FileContent--proc-sys-net-ipv4-ip_forward" not in {c.name for c in checks_for(v6)}
    assert "FileContent--proc-sys-net-ipv4-ip_forward" in {c.name for c in checks_for(WORKER)}


@pytest.mark.parametrize(
    ("ignored", "expected"),
    [
        (frozenset(), False),
        (frozenset({"fileexisting-kubelet"}), True),
        (frozenset({"all"}), True),
        (frozenset({"fileexisting-kubeadm"}), False),
    ],
    ids=["nothing_ignored", "ignored_by_lower_case_name", "all_ignores_everything", "other_check_ignored"],
)
def test_ignore_names_compare_lower_cased(ignored: frozenset[str], expected: bool) -> None:
    kubelet = next(c for c in CHECKS if c.name == "FileExisting-kubelet")
    assert is_ignored(kubelet, ignored) is expected


@pytest.mark.parametrize("target", [CP, WORKER], ids=["control_plane", "worker"])
def test_script_matches_golden(target: Target, golden) -> None:
    golden(f"preflight-{target.role}.sh", render_script(target))


def run(script: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", "-c", script], capture_output=True, text=True, timeout=60)


def test_a_failing_check_fails_the_script_naming_host_and_check() -> None:
    # This machine has no kubelet on PATH, so FileExisting-kubelet must fail.
    result = run(render_script(OWN_PACKAGES))
    assert result.returncode == 1
    assert "preflight failed on host node-1 (10.213.0.11):" in result.stderr
    assert "[ERROR FileExisting-kubelet]: kubelet not found in PATH" in result.stderr
    assert "[preflight] [ERROR FileExisting-kubelet]" in result.stdout


def test_ignoring_all_checks_turns_errors_into_warnings() -> None:
    target = Target(name="node-1", address="10.213.0.11", role=ROLE_WORKER, ignored=frozenset({"all"}), packages=False)
    result = run(render_script(target))
    assert result.returncode == 0, result.stderr
    assert "[preflight] [WARNING FileExisting-kubelet]: kubelet not found in PATH (ignored)" in result.stdout
    assert result.stdout.rstrip().endswith("[preflight] host node-1 (10.213.0.11) passed")
    # One report line per applicable check, then the verdict.
    assert len(result.stdout.splitlines()) == len(checks_for(target)) + 1
    assert "[preflight] ok PackageManager" not in result.stdout
