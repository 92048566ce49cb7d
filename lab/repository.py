"""Serving the lab's package repository (lab/packages.py) on the lab's own network, as a site serves its mirror.

An HTTP server on the machine, bound to the lab bridge's address (the nodes' on-link gateway, 10.213.<k>.1) and
nothing else, so it is reachable from that lab's nodes only and no lab reaches out of the machine for packages.
One server per lab, started by `up` (kept when it already runs) and stopped by `down`; it serves the lab folder's
`repo/`, where each minor's repository is linked in from the cache under pkgs.k8s.io's path.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from .network import LabNet
from .paths import LabError, lab_dir, log

PORT = 80


def root(name: str) -> Path:
    return lab_dir(name) / "repo"


def _pid_file(name: str) -> Path:
    return lab_dir(name) / "repo.pid"


def url(net: LabNet) -> str:
    """The repository's address as a stack names it (`kubeadm:packages.repository`): pkgs.k8s.io's up to the
    minor, which the program appends (/v1.37/deb/)."""
    return f"http://{net.gateway}/core:/stable:"


def publish(name: str, minors: dict[str, Path]) -> None:
    """Link each minor's built repository folder into the served tree (minor -> folder); others are unlinked."""
    stable = root(name) / "core:" / "stable:"
    stable.mkdir(parents=True, exist_ok=True)
    wanted = {f"v{minor}": folder for minor, folder in minors.items()}
    for entry in stable.iterdir():
        if entry.name not in wanted:
            entry.unlink()
    for version_dir, folder in wanted.items():
        link = stable / version_dir / "deb"
        link.parent.mkdir(exist_ok=True)
        if link.is_symlink() and Path(os.readlink(link)) == folder:
            continue
        link.unlink(missing_ok=True)
        link.symlink_to(folder)


def _running_pid(name: str) -> int | None:
    try:
        pid = int(_pid_file(name).read_text())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    return pid if b"http.server" in cmdline and str(root(name)).encode() in cmdline else None


def _answers(net: LabNet) -> bool:
    try:
        with socket.create_connection((net.gateway, PORT), timeout=1):
            return True
    except OSError:
        return False


def serve(name: str, net: LabNet, timeout: float = 10.0) -> str:
    """Start the lab's repository server unless it runs; the bridge must exist. Returns its url()."""
    if _running_pid(name) is None:
        log_file = open(lab_dir(name) / "repo.log", "ab")  # noqa: SIM115 - handed to the server for its lifetime
        argv = [sys.executable, "-m", "http.server", "--bind", net.gateway, "--directory", str(root(name)), str(PORT)]
        proc = subprocess.Popen(
            argv, stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT, start_new_session=True
        )
        log_file.close()
        _pid_file(name).write_text(f"{proc.pid}\n")
        log(f"apt: serving the package repository at {url(net)} (log {lab_dir(name) / 'repo.log'})")
    deadline = time.monotonic() + timeout
    while not _answers(net):
        if time.monotonic() > deadline:
            raise LabError(f"apt: the repository server at {net.gateway}:{PORT} does not answer; see repo.log")
        time.sleep(0.1)
    return url(net)


def stop(name: str) -> None:
    pid = _running_pid(name)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
    _pid_file(name).unlink(missing_ok=True)
