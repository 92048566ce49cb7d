"""The remote primitives' shell (a batch of files, a step), run for real on this machine in a temporary directory."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

from components.config import Host, Ssh
from components.remote import HostFile, bundle, connection, digest, files_input, runner

# The host every command here is for.
HOST = Host(name="node-3", address="10.213.0.13", role="worker", ssh=Ssh(user="root", port=22, private_key_file=Path()))


def write_files(tmp_path: Path, files: list[tuple[str, str, int]], edit=lambda text: text):
    """A `files` command as the plugin sends it, run by this machine's bash: [(path under tmp_path, text, mode)]."""
    batch = [(HostFile(str(tmp_path / path), text, mode), text) for path, text, mode in files]
    command = runner("files-node-3", connection(HOST, "KEY"), "create", 30)
    stdin = edit(files_input(HOST.display, batch))
    return subprocess.run(["bash", "-c", command], input=stdin, capture_output=True, text=True, timeout=60)


def test_files_are_written_with_their_modes_and_only_their_paths_are_printed(tmp_path: Path) -> None:
    secret = "-----BEGIN SECRET-----\nline 2\n"
    files = [
        ("pki/ca.key", secret, 0o600),
        ("path with spaces/it's.conf", "naïve: é\n", 0o644),  # bytes, not characters, are counted
        ("manifests/etcd.yaml", "kind: Pod\n", 0o600),
        ("kubelet/empty", "", 0o644),
    ]
    result = write_files(tmp_path, files)
    assert result.returncode == 0, result.stderr
    assert "SECRET" not in result.stdout + result.stderr
    assert result.stdout.splitlines() == [f"[files] {HOST.display}: wrote {tmp_path / p}" for p, _, _ in files]
    for path, text, mode in files:
        target = tmp_path / path
        assert target.read_text() == text
        assert stat.S_IMODE(os.stat(target).st_mode) == mode
        assert sorted(p.name for p in target.parent.iterdir() if p.name.startswith(".")) == []  # no temporary file
        assert stat.S_IMODE(os.stat(target.parent).st_mode) == 0o755


def test_only_files_whose_content_or_mode_differ_are_written_again(tmp_path: Path) -> None:
    first = [("kubelet/config.yaml", "first\n", 0o644), ("pki/sa.key", "key\n", 0o600), ("same", "x\n", 0o644)]
    assert write_files(tmp_path, first).returncode == 0
    kept = os.stat(tmp_path / "same").st_ino
    second = [("kubelet/config.yaml", "second\n", 0o644), ("pki/sa.key", "key\n", 0o640), ("same", "x\n", 0o644)]
    result = write_files(tmp_path, second)
    assert result.returncode == 0, result.stderr
    assert [line.rsplit("/", 1)[1] for line in result.stdout.splitlines()] == ["config.yaml", "sa.key"]
    assert (tmp_path / "kubelet/config.yaml").read_text() == "second\n"
    assert stat.S_IMODE(os.stat(tmp_path / "pki/sa.key").st_mode) == 0o640
    assert os.stat(tmp_path / "same").st_ino == kept, "an unchanged file was replaced"


def test_a_file_is_never_visible_half_written_under_a_name_the_kubelet_reads(tmp_path: Path) -> None:
    # The kubelet takes every file in the manifests directory but hidden ones as a static pod.
    spy = lambda text: text.replace('  mv -f -- "$tmp" "$path"', '  ls -A "$dir" >&2\n  mv -f -- "$tmp" "$path"')  # noqa: E731
    result = write_files(tmp_path, [("manifests/etcd.yaml", "kind: Pod\n", 0o600)], spy)
    assert result.returncode == 0, result.stderr
    assert result.stderr.split() and all(name.startswith(".") for name in result.stderr.split()), result.stderr


def test_input_cut_short_fails_naming_the_file_and_leaves_no_temporary(tmp_path: Path) -> None:
    result = write_files(tmp_path, [("pki/ca.crt", "0123456789\n", 0o644)], lambda text: text[:-5])
    assert result.returncode == 1
    assert f"{tmp_path / 'pki/ca.crt'}: the input ended early" in result.stderr
    assert list((tmp_path / "pki").iterdir()) == []


def test_digest_changes_with_any_part_and_with_part_boundaries() -> None:
    assert digest("a", "b") == digest("a", "b")
    assert digest("a", "b") != digest("a", "c")
    assert digest("ab", "c") != digest("a", "bc")


# A step's command and stdin as the plugin sends them, run by this machine's bash as sshd would run them (below).


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
