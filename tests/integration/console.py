"""What `pulumi` prints, in a terminal as a user sees it, and the secrets it must never show."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import select
import struct
import subprocess
import termios
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

ANSI = re.compile(r"\x1b(\[[0-9;?]*[ -/]*[@-~]|\][^\x07]*\x07|[()][0-9A-B]|[=>])")
BLOCK = re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----\s*\n([A-Za-z0-9+/=\n]+?)-----END")


def run_in_terminal(
    argv: Sequence[str], cwd: Path, env: dict[str, str], timeout: float, columns: int = 400
) -> tuple[int, str]:
    """Run argv in a pseudo-terminal (the CLI's interactive display), a wide one so nothing is cut off; the exit
    status and everything printed, escape sequences removed."""
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 60, columns, 0, 0))
    proc = subprocess.Popen(
        list(argv), cwd=cwd, env={**env, "TERM": "xterm"}, stdin=slave, stdout=slave, stderr=slave, close_fds=True
    )
    os.close(slave)
    chunks: list[bytes] = []
    deadline = time.monotonic() + timeout
    try:
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                proc.kill()
                raise TimeoutError(f"{' '.join(argv)} still running after {timeout}s")
            ready, _, _ = select.select([master], [], [], min(left, 1.0))
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            try:
                data = os.read(master, 65536)
            except OSError:  # EIO: the terminal's other side is closed
                break
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(master)
    status = proc.wait(timeout=30)
    return status, ANSI.sub("", b"".join(chunks).decode(errors="replace")).replace("\r", "")


def _strings(value: object) -> Iterator[str]:
    """Every string in an exported state, secrets (`plaintext` under --show-secrets) decoded."""
    if isinstance(value, dict):
        if "plaintext" in value:
            yield from _strings(json.loads(value["plaintext"]))
            return
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, str):
        yield value


def secret_fragments(state: dict, ssh_key: Path) -> dict[str, str]:
    """Pieces of every secret the stack holds that must never appear on a console: the secret half of each minted
    bootstrap token, a line of each private key (certificates' keys, the service-account key, the SSH key), and the
    start of each client key embedded in a kubeconfig. Keyed by a description for the failure message."""
    fragments: dict[str, str] = {}
    for resource in state["deployment"].get("resources") or []:
        name = resource["urn"].rsplit("::", 1)[-1]
        if resource["type"] == "command:remote:Command" and name.endswith("-token"):
            token = next(_strings(resource.get("outputs", {}).get("stdout", "")), "")
            if "." in token:
                fragments[f"bootstrap token of {name}"] = token.split(".", 1)[1]
    texts = [*_strings(state), ssh_key.read_text()]
    for text in texts:
        for body in BLOCK.findall(text):
            line = body.split("\n")[1] if body.count("\n") > 1 else body.strip()
            fragments.setdefault(f"private key line {line[:12]}...", line)
        for data in re.findall(r"client-key-data: ([A-Za-z0-9+/=]{40,})", text):
            fragments.setdefault(f"kubeconfig client key {data[:12]}...", data[40:80])
    return fragments


def leaked(console: str, fragments: dict[str, str]) -> list[str]:
    """The descriptions of the fragments that appear in the console text."""
    flat = console.replace("\n", "")
    return [what for what, piece in fragments.items() if piece and (piece in console or piece in flat)]
