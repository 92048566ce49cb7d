"""`pulumi up` of the project under test on a throwaway stack: a project copy, a file backend, the stack config.

Like tests/integration/conftest.py: the project's Pulumi.yaml, __main__.py and components/ are symlinked into a
fresh folder with its own stacks/, so the project's own stacks/ is never touched. Every `up` writes the engine's
event log (`--event-log`) and is watched for the peak memory of the processes it starts.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

import yaml

from bench.labs import BenchError, LabNode
from bench.polling import Poller
from bench.procmem import PeakMemory

PROJECT_FILES = ("Pulumi.yaml", "__main__.py", "components")
PASSPHRASE = "kubeadm-pulumi-bench"


@dataclass
class UpResult:
    """One `pulumi up`: wall seconds, its event log, and the peak memory (MiB) per process group."""

    seconds: float
    event_log: Path
    peak_mib: dict[str, float] = field(default_factory=dict)
    arrival: dict[int, float] = field(default_factory=dict)  # event sequence -> seconds since the CLI started


class EventTail(Poller):
    """Reads the event log while the CLI writes it and notes when each event arrived (its stamps are whole
    seconds). Polls every `interval` seconds; `arrival` maps sequence -> seconds since `started`."""

    def __init__(self, path: Path, started: float, interval: float = 0.1) -> None:
        super().__init__(interval)
        self.path, self.started = path, started
        self.arrival: dict[int, float] = {}

    def _run(self) -> None:
        while not self.path.exists() and not self._stop.is_set():
            self._stop.wait(self.interval)
        if not self.path.exists():
            return
        with open(self.path) as handle:
            pending = ""
            while True:
                stopping = self._stop.is_set()  # read once more after the CLI exited
                pending = self._read(handle, pending)
                if stopping:
                    return
                self._stop.wait(self.interval)

    def _read(self, handle: TextIO, pending: str) -> str:
        """Note the arrival of every complete line; return the incomplete rest."""
        pending += handle.read()
        now = time.monotonic() - self.started
        *lines, rest = pending.split("\n")
        for line in lines:
            try:
                self.arrival.setdefault(json.loads(line)["sequence"], now)
            except (ValueError, KeyError):
                continue
        return rest


@dataclass
class Stack:
    """A stack of a project copy in `workdir`, driven through the real CLI of the project's virtualenv."""

    name: str
    project: Path  # the project under test (its .venv has the toolchain)
    workdir: Path

    @property
    def copy(self) -> Path:
        return self.workdir / f"project-{self.name}"

    @property
    def env(self) -> dict[str, str]:
        bin_dir = self.project / ".venv" / "bin"
        return {
            **os.environ,
            "PATH": f"{bin_dir}:{os.environ['PATH']}",
            "PULUMI_BACKEND_URL": f"file://{self.workdir / 'backend'}",
            "PULUMI_CONFIG_PASSPHRASE": PASSPHRASE,
            "PULUMI_SKIP_UPDATE_CHECK": "true",
            "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
            # `--event-log` exists only with the CLI's debug commands on (pulumi 3.260).
            "PULUMI_DEBUG_COMMANDS": "true",
        }

    def init(self, config: dict[str, Any]) -> None:
        """A fresh project copy and an empty stack with `kubeadm:*` config `config`."""
        shutil.rmtree(self.copy, ignore_errors=True)
        (self.copy / "stacks").mkdir(parents=True)
        for item in (*PROJECT_FILES, ".venv"):
            (self.copy / item).symlink_to(self.project / item)
        (self.workdir / "backend").mkdir(parents=True, exist_ok=True)
        self.pulumi("stack", "rm", "--yes", "--force", check=False)
        self.pulumi("stack", "init", self.name, "--secrets-provider", "passphrase", stack_flag=False)
        self.set_config(config)

    def set_config(self, config: dict[str, Any]) -> None:
        """Merge `kubeadm:*` values into the stack file."""
        path = self.copy / "stacks" / f"Pulumi.{self.name}.yaml"
        doc = yaml.safe_load(path.read_text()) if path.exists() else None
        doc = doc or {}
        doc.setdefault("config", {}).update({f"kubeadm:{k}": v for k, v in config.items()})
        path.write_text(yaml.safe_dump(doc, sort_keys=True))

    def pulumi(
        self, *args: str, check: bool = True, stack_flag: bool = True, timeout: float = 1800
    ) -> subprocess.CompletedProcess[str]:
        argv = [str(self.project / ".venv" / "bin" / "pulumi"), *args, "--non-interactive"]
        if stack_flag:
            argv += ["--stack", self.name]
        result = subprocess.run(argv, cwd=self.copy, env=self.env, capture_output=True, text=True, timeout=timeout)
        if check and result.returncode != 0:
            raise BenchError(
                f"pulumi {' '.join(args)} exited {result.returncode}:\n{result.stdout[-4000:]}\n{result.stderr[-2000:]}"
            )
        return result

    def up(self, event_log: Path, timeout: float = 1800) -> UpResult:
        """`pulumi up --yes --skip-preview`, timed from the CLI's start to its exit (no preview: kubeadm has none)."""
        event_log.parent.mkdir(parents=True, exist_ok=True)
        event_log.unlink(missing_ok=True)
        argv = [
            str(self.project / ".venv" / "bin" / "pulumi"),
            "up", "--yes", "--skip-preview", "--non-interactive", "--stack", self.name,
            "--event-log", str(event_log),
        ]  # fmt: skip
        log_file = event_log.with_suffix(".out")
        with open(log_file, "w") as out:
            started = time.monotonic()
            proc = subprocess.Popen(argv, cwd=self.copy, env=self.env, stdout=out, stderr=subprocess.STDOUT)
            with PeakMemory(proc.pid) as memory, EventTail(event_log, started) as tail:
                try:
                    code = proc.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    raise BenchError(f"pulumi up timed out after {timeout:.0f}s; output in {log_file}") from None
                seconds = time.monotonic() - started
        if code != 0:
            raise BenchError(f"pulumi up exited {code}:\n{log_file.read_text()[-4000:]}")
        return UpResult(seconds=seconds, event_log=event_log, peak_mib=memory.peaks_mib, arrival=tail.arrival)

    def remove(self) -> None:
        """Forget the stack (the lab is torn down separately, so no destroy)."""
        self.pulumi("stack", "rm", "--yes", "--force", check=False)
        shutil.rmtree(self.copy, ignore_errors=True)


def stack_config(
    control_plane: LabNode, workers: list[LabNode], key_file: Path, packages: dict[str, str]
) -> dict[str, Any]:
    """The lab stack's settings (see stacks/Pulumi.lab.yaml) for these nodes, cluster name `bench`; `packages`: the
    lab's repository (Lab.package_source())."""
    return {
        "clusterName": "bench",
        "ssh": {"user": "root", "privateKeyFile": str(key_file)},
        "packages": packages,
        "controlPlanes": [{"name": control_plane.name, "address": control_plane.address}],
        "workers": [{"name": w.name, "address": w.address} for w in workers],
        # The lab's machine has only cgroup v1; the 1.37 kubelet runs there only when told to.
        "kubeletConfiguration": {"failCgroupV1": False},
    }
