"""Write the lab's hosts into a Pulumi stack config file (stacks/Pulumi.<LAB>.yaml).

Only the three keys the program reads for its hosts are set; every other key (e.g.
`encryptionsalt`, other `kubeadm:*` settings) is kept, in its place. The output is a
pure function of the input file and the node list, and the file is not rewritten when
nothing changes, so a repeated `up` leaves git clean. (PyYAML drops YAML comments.)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from .paths import LabError


def default_path(lab: str) -> Path:
    return Path("stacks") / f"Pulumi.{lab}.yaml"


def render(existing: str, nodes: Iterable[tuple[str, str]], key_file: Path) -> str:
    """New file text: `nodes` is [(name, address)], the first one is the control plane."""
    data: Any = yaml.safe_load(existing) if existing.strip() else {}
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise LabError("stack config: top level is not a YAML map")
    config = data.get("config")
    if config is None:
        config = data["config"] = {}
    if not isinstance(config, dict):
        raise LabError("stack config: `config:` is not a YAML map")
    hosts = [{"name": name, "address": address} for name, address in nodes]
    config["kubeadm:ssh"] = {"user": "root", "privateKeyFile": _home_relative(key_file)}
    config["kubeadm:controlPlanes"] = hosts[:1]
    config["kubeadm:workers"] = hosts[1:]
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=100)


def write(path: Path, nodes: Iterable[tuple[str, str]], key_file: Path) -> bool:
    """Update the file (created with its folder if missing); True when it changed."""
    old = path.read_text() if path.exists() else ""
    new = render(old, nodes, key_file)
    if new == old:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(new)
    os.replace(tmp, path)
    return True


def _home_relative(path: Path) -> str:
    """`~/...` when the key lives under $HOME, so the committed lab stack file is the same for every user."""
    path = path.absolute()
    try:
        return f"~/{path.relative_to(Path.home())}"
    except ValueError:
        return str(path)
