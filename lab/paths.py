"""Where the lab keeps its state, and the small helpers every module shares.

Everything lives outside the repository in one cache folder so a `git status` in the
work tree stays clean and so the (slow to build) root file system survives `down`.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

DEFAULT_LAB = "lab"


class LabError(RuntimeError):
    """A lab operation failed; the message names the node and the step."""


def cache_dir() -> Path:
    """${KUBEADM_PULUMI_CACHE:-$HOME/.cache/kubeadm-pulumi}, read each call so tests can override it."""
    env = os.environ.get("KUBEADM_PULUMI_CACHE")
    if env:
        return Path(env).absolute()
    return Path.home() / ".cache" / "kubeadm-pulumi"


def key_path() -> Path:
    """The lab's private SSH key (generated once, kept across `down`)."""
    return cache_dir() / "lab" / "id_ed25519"


def labs_dir() -> Path:
    return cache_dir() / "labs"


def lab_dir(name: str) -> Path:
    """Per-lab folder: node upper dirs, logs, pid files. Removed by `down`."""
    return labs_dir() / name


def log(msg: str) -> None:
    """Progress goes to stderr so `status --json` stdout stays machine-readable."""
    print(f"[lab] {msg}", file=sys.stderr, flush=True)


def run(
    cmd: Sequence[str],
    step: str,
    check: bool = True,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run a command (argument list, never a shell string); raise LabError naming `step`."""
    proc = subprocess.run(list(cmd), capture_output=True, text=True, env=env, cwd=cwd)
    if check and proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip()[-2000:]
        raise LabError(f"{step}: `{' '.join(cmd)}` exited {proc.returncode}: {detail}")
    return proc
