"""`kubeadm:cni`: the pod network the program applies once the control plane is up. kubeadm installs none.

    kubeadm:cni: none                      (the default) the operator applies one after `pulumi up`
    kubeadm:cni: flannel                   the built-in flannel (render/flannel_objects.py), for air-gapped sites
                                           with its two images present or mirrored
    kubeadm:cni: {manifest: cni.yaml}      a manifest of the operator's (relative to the project directory), with
                                           every `${podSubnet}` replaced by networking.podSubnet; re-applied when
                                           either changes

The manifest is read and checked (YAML documents, each with apiVersion, kind and metadata.name) here, so a bad one
fails before any host is touched.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from components import constants as c
from components.config.problems import Problems, kind

CHOICES = ("none", "flannel")


@dataclass(frozen=True, kw_only=True)
class Cni:
    plugin: str = "none"  # none, flannel or manifest
    manifest_path: Path | None = None
    manifest_text: str = ""  # as read; the pod subnet is substituted when rendered

    def manifest(self, pod_subnet: str) -> str:
        return self.manifest_text.replace(c.CNI_POD_SUBNET_PLACEHOLDER, pod_subnet)


def parse_cni(value: Any, problems: Problems, base: Path) -> Cni:
    if value is None or value in CHOICES:
        return Cni(plugin=value or "none")
    if isinstance(value, str):
        problems.add("cni", "must be none, flannel or {manifest: <file>} (a manifest of another CNI)", value)
        return Cni()
    if not isinstance(value, dict):
        problems.add("cni", f"must be none, flannel or a map with manifest: <file>, not {kind(value)}", value)
        return Cni()
    problems.unknown_keys(value, "cni", ("manifest",))
    path_text = value.get("manifest")
    if not isinstance(path_text, str) or not path_text:
        problems.add("cni.manifest", "must be the path of a YAML manifest", path_text)
        return Cni()
    path = (base / Path(path_text).expanduser()).resolve()
    text, problem = _read_manifest(path)
    if problem:
        problems.add("cni.manifest", problem)
        return Cni()
    return Cni(plugin="manifest", manifest_path=path, manifest_text=text)


def _read_manifest(path: Path) -> tuple[str, str | None]:
    try:
        text = path.read_text()
    except FileNotFoundError:
        return "", f"no such file: {path}"
    except (OSError, UnicodeDecodeError) as error:
        return "", f"cannot be read ({error}): {path}"
    try:
        documents = [d for d in yaml.safe_load_all(text) if d is not None]
    except yaml.YAMLError as error:
        where = getattr(error, "problem_mark", None)
        at = f" at line {where.line + 1}" if where is not None else ""
        return "", f"is not valid YAML{at}: {path}"
    if not documents:
        return "", f"holds no objects: {path}"
    for i, doc in enumerate(documents):
        if not isinstance(doc, dict) or not doc.get("apiVersion") or not doc.get("kind"):
            return "", f"document {i + 1} is not a Kubernetes object (apiVersion and kind): {path}"
        if not isinstance(doc.get("metadata"), dict) or not doc["metadata"].get("name"):
            return "", f"document {i + 1} ({doc['kind']}) has no metadata.name: {path}"
    return text, None
