"""The file primitive's shell, run for real on this machine against a temporary directory."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from components.config import Host, Ssh
from components.remote import bundle, connection, digest, runner, write_file_command


@pytest.mark.parametrize(
    ("relative", "mode"),
    [("pki/ca.key", 0o600), ("path with spaces/it's.conf", 0o644), ("manifests/etcd.yaml", 0o600)],
    ids=["key_file_0600", "path_with_spaces_and_quote", "nested_directory_created"],
)
def test_write_file_command_writes_stdin_with_mode_and_prints_nothing(tmp_path: Path, relative: str, mode: int) -> None:
    target = tmp_path / relative
    content = "-----BEGIN SECRET-----\nline 2\n"
    result = subprocess.run(
        ["sh", "-c", write_file_command(str(target), mode)], input=content, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert (result.stdout, result.stderr) == ("", "")
    assert target.read_text() == content
    assert stat.S_IMODE(os.stat(target).st_mode) == mode
    assert sorted(p.name for p in target.parent.iterdir()) == [target.name]  # no temporary file left behind
    assert stat.S_IMODE(os.stat(target.parent).st_mode) == 0o755


def test_rewriting_a_file_replaces_its_content(tmp_path: Path) -> None:
    target = tmp_path / "kubelet" / "config.yaml"
    for content in ("first\n", "second\n"):
        subprocess.run(["sh", "-c", write_file_command(str(target), 0o644)], input=content, text=True, check=True)
    assert target.read_text() == "second\n"


def test_digest_changes_with_any_part_and_with_part_boundaries() -> None:
    assert digest("a", "b") == digest("a", "b")
    assert digest("a", "b") != digest("a", "c")
    assert digest("ab", "c") != digest("a", "bc")


def test_the_file_is_never_visible_half_written_under_a_name_the_kubelet_reads(tmp_path: Path) -> None:
    # The kubelet takes every file in the manifests directory but hidden ones as a static pod.
    manifests = tmp_path / "manifests"
    script = write_file_command(str(manifests / "etcd.yaml"), 0o600).replace("&& mv", "&& ls -A manifests >&2 && mv")
    result = subprocess.run(["sh", "-c", script], input="kind: Pod\n", cwd=tmp_path, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert all(name.startswith(".") for name in result.stderr.split()), result.stderr


# A step's command and stdin as the plugin sends them, run by this machine's bash as sshd would run them.
HOST = Host(name="node-3", address="10.213.0.13", role="worker", ssh=Ssh(user="root", port=22, private_key_file=Path()))


def run_step(scripts: dict[str, str], entry: str, payload: str | None = None, bound: int = 30):
    command = runner("join-node-3", connection(HOST, "KEY"), entry, bound)
    return subprocess.run(
        ["bash", "-c", command], input=bundle(scripts, payload), capture_output=True, text=True, timeout=60
    )


def test_step_runs_the_operation_its_command_names_and_leaves_it_the_payload() -> None:
    scripts = {"create": 'echo "create: $(cat)"', "delete": "echo delete"}
    assert run_step(scripts, "create", "PAYLOAD\n").stdout == "create: PAYLOAD\n"
    assert run_step(scripts, "delete", "PAYLOAD\n").stdout == "delete\n"


def test_step_payload_is_never_run_as_shell(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    result = run_step({"create": "echo quiet"}, "create", f"touch {marker}\nexit 7\n")
    assert (result.returncode, result.stdout, marker.exists()) == (0, "quiet\n", False)


def test_step_exit_status_and_script_shapes_survive_the_bundle() -> None:
    # Functions of its own (closing braces at column 0), a heredoc, and set -e: all as in the project's scripts.
    script = 'set -e\nf() {\n  echo "in f"\n}\nf\ncat <<END\nheredoc\nEND\nfalse\necho "not reached"\n'
    result = run_step({"create": script}, "create")
    assert (result.returncode, result.stdout) == (1, "in f\nheredoc\n")
    assert run_step({"create": "exit 3"}, "create").returncode == 3


def test_step_that_outlives_its_bound_is_ended_on_the_host_and_says_so() -> None:
    result = run_step({"create": "sleep 20"}, "create", bound=1)
    assert result.returncode == 124
    assert result.stderr == "[join-node-3] node-3 (10.213.0.13): gave up after 1s, the step's bound on the host\n"


def test_step_command_is_short_and_names_step_and_host() -> None:
    """Upstream's plugin quotes the command's text in every error: it says where, and holds no script."""
    command = runner("join-node-3", connection(HOST, "KEY"), "create", 600)
    assert "step=join-node-3\nwhere='node-3 (10.213.0.13)'\n" in command
    assert len(command) < 400 and "kubeadm_pulumi_create" in command, command


def test_step_command_matches_golden(golden) -> None:
    step = {"create": "echo hi"}
    golden("step-command.sh", runner("join-node-3", connection(HOST, "KEY"), "create", 600))
    golden("step-stdin.sh", bundle({**step, "delete": "echo bye"}, "PAYLOAD\n"))
