"""P6 and P2's floor: what the engine costs per host, and what a no-op costs with no program at all.

P6: `pulumi preview` of a fresh stack, 1 control plane and N workers at addresses nobody answers (TEST-NET-2,
198.18.0.0/15: a preview contacts no host), timed from the CLI's start to its exit, with the peak memory of the
program and the CLI; per host = the slope between the smallest and the largest N.
Floor: a Python program that only imports pulumi, with the same CLI, virtualenv and file backend: its no-op
`pulumi up` is what any program pays (CLI start, language host, plugin start, snapshot write).
"""

from __future__ import annotations

import re
import subprocess
import time
from pathlib import Path
from typing import Any

from bench.procmem import PeakMemory
from bench.pulumi_driver import Stack

SIZES = (10, 100, 200)


def write_key(path: Path) -> Path:
    """An SSH private key for the previews' config (validated, never used: no host is contacted)."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    )
    path.write_bytes(pem)
    path.chmod(0o600)
    return path


def worker_address(i: int) -> str:
    """The i-th worker's address (i from 0), in 198.18.0.0/15: 250 per /24."""
    return f"198.18.{i // 250}.{i % 250 + 1}"


def preview_config(workers: int, key_file: Path) -> dict[str, Any]:
    return {
        "clusterName": "bench-preview",
        "ssh": {"user": "root", "privateKeyFile": str(key_file)},
        "controlPlanes": [{"name": "cp-1", "address": "198.19.0.1"}],
        "workers": [{"name": f"worker-{i + 1}", "address": worker_address(i)} for i in range(workers)],
        "kubeletConfiguration": {"failCgroupV1": False},
    }


def creates(preview_output: str) -> int | None:
    """The "+ N to create" of a preview's summary."""
    found = re.search(r"\+ (\d+) to create", preview_output)
    return int(found.group(1)) if found else None


def _timed(stack: Stack, *args: str, timeout: float = 1800) -> tuple[float, dict[str, float], str]:
    """A pulumi command of `stack`: wall seconds, peak MiB per process group, stdout."""
    argv = [str(stack.project / ".venv" / "bin" / "pulumi"), *args, "--non-interactive", "--stack", stack.name]
    started = time.monotonic()
    proc = subprocess.Popen(argv, cwd=stack.copy, env=stack.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    with PeakMemory(proc.pid) as memory:
        out, _ = proc.communicate(timeout=timeout)
    seconds = time.monotonic() - started
    if proc.returncode != 0:
        raise RuntimeError(f"pulumi {' '.join(args)} exited {proc.returncode}:\n{out.decode()[-3000:]}")
    return seconds, memory.peaks_mib, out.decode()


def measure_preview(project: Path, workdir: Path, key_file: Path, workers: int, tag: str) -> dict[str, Any]:
    """P6 at one size: the preview's seconds, peak memory and the number of resources it would create."""
    stack = Stack(name=f"preview{workers}-{tag}", project=project, workdir=workdir)
    try:
        stack.init(preview_config(workers, key_file))
        seconds, peaks, out = _timed(stack, "preview")
        return {"workers": workers, "seconds": seconds, "peak_mib": peaks, "creates": creates(out)}
    finally:
        stack.remove()


def measure_floor(project: Path, workdir: Path, tag: str) -> dict[str, Any]:
    """The empty program's no-op `pulumi up` (after a first up that creates its stack resource)."""
    stack = Stack(name=f"floor-{tag}", project=project, workdir=workdir)
    copy = stack.copy
    try:
        stack.init({})
        # The project copy links the real program; the floor runs a program of its own in its place.
        (copy / "__main__.py").unlink()
        (copy / "__main__.py").write_text("import pulumi  # noqa: F401  (the floor: a program with no resources)\n")
        (copy / "stacks" / f"Pulumi.{stack.name}.yaml").write_text("config: {}\n")
        stack.pulumi("up", "--yes", "--skip-preview")
        seconds, peaks, _ = _timed(stack, "up", "--yes", "--skip-preview")
        return {"seconds": seconds, "peak_mib": peaks}
    finally:
        stack.remove()


def slope(records: list[dict[str, Any]], value: str) -> float | None:
    """Per host, between the smallest and the largest size: (value at largest - at smallest) ÷ the hosts added."""
    if len(records) < 2:
        return None
    small, big = min(records, key=lambda r: r["workers"]), max(records, key=lambda r: r["workers"])

    def get(record: dict[str, Any]) -> float | None:
        if value in ("seconds", "creates"):
            return record[value]
        if value == "total":
            return sum(record["peak_mib"].values())
        return record["peak_mib"].get(value)

    a, b = get(small), get(big)
    if a is None or b is None or big["workers"] == small["workers"]:
        return None
    return (b - a) / (big["workers"] - small["workers"])
