"""Write the lab's hosts into a Pulumi stack config file (stacks/Pulumi.<LAB>.yaml).

The three keys the program reads for its hosts are set, plus `kubeadm:controlPlaneEndpoint` for a lab with a load
balancer, what this machine imposes on every cluster (MACHINE_KUBELET, merged into `kubeadm:kubeletConfiguration`)
and the lab's CNI (`kubeadm:cni: flannel` on a flannel lab); every other key (e.g. `encryptionsalt`, other
`kubeadm:*` settings) is kept, in its place. Without a load balancer the endpoint is removed only when it is the one
the lab would write (its lb's `<address>:6443`): any other value is the user's and stays. The output is a pure
function of the input file and the node list, and the file is not rewritten when nothing changes, so a repeated `up`
leaves git clean. (PyYAML drops YAML comments.)
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


ENDPOINT_KEY = "kubeadm:controlPlaneEndpoint"
CNI_KEY = "kubeadm:cni"
KUBELET_KEY = "kubeadm:kubeletConfiguration"
PACKAGES_KEY = "kubeadm:packages"
# The lab's machine offers cgroup v1 only; kubelets since 1.35 refuse it unless told (lab/k8s/README.md).
MACHINE_KUBELET = {"failCgroupV1": False}


def render(
    existing: str,
    nodes: Iterable[tuple[str, str]],
    key_file: Path,
    endpoint: str | None = None,
    lab_endpoint: str | None = None,
    cni: str = "flannel",
    packages: tuple[str, Path] | None = None,
) -> str:
    """New file text: `nodes` is [(name, address)], the first one is the control plane. `endpoint` is written as
    the control-plane endpoint; when it is None, an endpoint equal to `lab_endpoint` (the lab's own load
    balancer, written by an earlier `up --load-balancer`) is removed. With `cni` flannel the stack applies
    flannel; on a bridge lab a `kubeadm:cni: flannel` is removed (the nodes' bridge config would compete).
    `packages` (the lab's repository address and its public key file) is where the stack installs kubelet, kubeadm
    and kubectl from; None (plain hosts) leaves the key as it is."""
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
    if endpoint is not None:
        config[ENDPOINT_KEY] = endpoint
    elif lab_endpoint is not None and config.get(ENDPOINT_KEY) == lab_endpoint:
        del config[ENDPOINT_KEY]
    kubelet = config.get(KUBELET_KEY)
    if kubelet is None:
        kubelet = config[KUBELET_KEY] = {}
    if isinstance(kubelet, dict):  # a malformed value is the user's, for the program's validation to name
        kubelet.update(MACHINE_KUBELET)
    if packages is not None:
        url, key_file = packages
        config[PACKAGES_KEY] = {"repository": url, "signingKeyFile": _home_relative(key_file)}
    if cni == "flannel":
        config[CNI_KEY] = "flannel"
    elif config.get(CNI_KEY) == "flannel":
        del config[CNI_KEY]
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False, width=100)


def write(
    path: Path,
    nodes: Iterable[tuple[str, str]],
    key_file: Path,
    endpoint: str | None = None,
    lab_endpoint: str | None = None,
    cni: str = "flannel",
    packages: tuple[str, Path] | None = None,
) -> bool:
    """Update the file (created with its folder if missing); True when it changed. Arguments as for render()."""
    old = path.read_text() if path.exists() else ""
    new = render(old, nodes, key_file, endpoint, lab_endpoint, cni, packages)
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
