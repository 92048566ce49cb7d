"""The lab SSH key and ssh invocations from the machine into the nodes.

One ed25519 key, generated once in the cache and kept across `down`, so the Pulumi stack
config (which names the key file) stays valid from one lab to the next. Host keys change
per node and per rebuild, so host key checking is off for lab addresses only.
"""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Sequence
from pathlib import Path

from .paths import key_path, log, run

SSH_OPTIONS = ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null", "-o", "LogLevel=ERROR"]


def ensure_key() -> Path:
    """Create ${CACHE}/lab/id_ed25519 (0600) with ssh-keygen when it does not exist."""
    key = key_path()
    if key.exists() and key.with_suffix(".pub").exists():
        return key
    key.parent.mkdir(parents=True, exist_ok=True)
    for stale in (key, key.with_suffix(".pub")):
        stale.unlink(missing_ok=True)
    log(f"generating lab SSH key {key}")
    run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "kubeadm-pulumi-lab", "-f", str(key)],
        "lab key: ssh-keygen",
    )
    os.chmod(key, 0o600)
    return key


def ssh_argv(
    address: str, command: Sequence[str] = (), tty: bool = False, batch: bool = True, connect_timeout: int = 5
) -> list[str]:
    """Command line for `ssh root@address [command]` with the lab key and options."""
    argv = ["ssh", "-i", str(key_path()), *SSH_OPTIONS, "-o", f"ConnectTimeout={connect_timeout}"]
    if batch:
        argv += ["-o", "BatchMode=yes"]
    if tty:
        argv.append("-t")
    return [*argv, f"root@{address}", *command]


def port_open(address: str, port: int = 22, timeout: float = 1.0) -> bool:
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return True
    except OSError:
        return False


def system_state(address: str, timeout: float = 10.0) -> str | None:
    """`systemctl is-system-running` of the node, or None when ssh does not answer."""
    if not port_open(address):
        return None
    try:
        proc = subprocess.run(
            ssh_argv(address, ["systemctl", "is-system-running"], connect_timeout=3),
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except subprocess.TimeoutExpired:
        return None
    if proc.returncode == 255:  # ssh's own failure (auth, connection)
        return None
    return proc.stdout.strip() or "unknown"


def ssh_reachable(address: str) -> bool:
    return system_state(address) is not None
