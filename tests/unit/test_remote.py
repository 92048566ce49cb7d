"""The file primitive's shell, run for real on this machine against a temporary directory."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from components.remote import digest, write_file_command


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
