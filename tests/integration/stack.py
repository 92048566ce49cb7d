"""A Pulumi stack of a throwaway copy of the project, driven through the real CLI, on its own file backend."""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
import yaml
from console import run_in_terminal
from project import PROJECT_FILES, ROOT, VENV_BIN

# The command plugin binary to test against, e.g. upstream's own build; unset: the one `make setup` installed.
PLUGIN_VARIABLE = "KUBEADM_PULUMI_COMMAND_PLUGIN"


def command_plugin() -> Path | None:
    """The plugin named by KUBEADM_PULUMI_COMMAND_PLUGIN, checked; None when the variable is unset."""
    value = os.environ.get(PLUGIN_VARIABLE)
    if not value:
        return None
    plugin = Path(value).expanduser().resolve()
    assert plugin.is_file() and os.access(plugin, os.X_OK), f"{PLUGIN_VARIABLE}={value}: not an executable file"
    return plugin


@dataclass
class Stack:
    """A Pulumi stack of a throwaway project copy, driven through the real CLI."""

    name: str
    project: Path
    env: dict[str, str]
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def config_file(self) -> Path:
        return self.project / "stacks" / f"Pulumi.{self.name}.yaml"

    def pulumi(self, *args: str, check: bool = True, timeout: int = 900) -> subprocess.CompletedProcess[str]:
        started = time.monotonic()
        result = subprocess.run(
            [str(VENV_BIN / "pulumi"), *args, "--stack", self.name, "--non-interactive"],
            cwd=self.project,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        self.timings[" ".join(args[:1])] = time.monotonic() - started
        if check and result.returncode != 0:
            pytest.fail(f"pulumi {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def pulumi_in_terminal(self, *args: str, check: bool = True, timeout: int = 900) -> str:
        """`pulumi` as a user at a terminal runs it (the interactive display); what it printed."""
        started = time.monotonic()
        status, output = run_in_terminal(
            [str(VENV_BIN / "pulumi"), *args, "--stack", self.name], self.project, self.env, timeout
        )
        self.timings[" ".join(args[:1])] = time.monotonic() - started
        if check and status != 0:
            pytest.fail(f"pulumi {' '.join(args)} failed ({status}):\n{output}")
        return output

    def set_config(self, values: dict[str, object]) -> None:
        """Merge `kubeadm:*` values into the stack file, as `pulumi config set --path` would."""
        doc = yaml.safe_load(self.config_file.read_text()) or {}
        doc.setdefault("config", {}).update({f"kubeadm:{k}": v for k, v in values.items()})
        self.config_file.write_text(yaml.safe_dump(doc, sort_keys=True))

    def outputs(self) -> dict[str, object]:
        return json.loads(self.pulumi("stack", "output", "--json", "--show-secrets").stdout)

    def export(self, show_secrets: bool = False) -> dict:
        extra = ["--show-secrets"] if show_secrets else []
        return json.loads(self.pulumi("stack", "export", *extra).stdout)


def new_stack(name: str, project: Path, backend: Path, plugins: Path) -> Stack:
    """Stack NAME of a fresh project copy at `project`, on the file backend at `backend`; `plugins` holds the
    link to a KUBEADM_PULUMI_COMMAND_PLUGIN binary when one is given."""
    (project / "stacks").mkdir(parents=True)
    for item in PROJECT_FILES:
        (project / item).symlink_to(ROOT / item)
    (project / ".venv").symlink_to(ROOT / ".venv")
    backend.mkdir(parents=True, exist_ok=True)
    path = f"{VENV_BIN}:{os.environ['PATH']}"
    plugin = command_plugin()
    if plugin is not None:
        # The engine takes a plugin found on PATH before its plugin cache, whatever version is asked for.
        plugins.mkdir(exist_ok=True)
        link = plugins / "pulumi-resource-command"
        if not link.is_symlink():
            link.symlink_to(plugin)
        path = f"{plugins}:{path}"
    env = {
        **os.environ,
        "PATH": path,
        "PULUMI_BACKEND_URL": f"file://{backend}",
        "PULUMI_CONFIG_PASSPHRASE": "integration-tests",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    }
    subprocess.run(
        [str(VENV_BIN / "pulumi"), "stack", "init", name, "--secrets-provider", "passphrase", "--non-interactive"],
        cwd=project,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return Stack(name=name, project=project, env=env)
