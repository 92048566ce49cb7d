"""The stack's settings as the engine hands them to the program: every `namespace:key` with its value as text
(structured values as JSON), decoded by what each key holds, never by guessing from the text. A string that
merely starts with `[` or `{` stays a string; a list given as a number, or a setting under a namespace that looks
like a typo of `kubeadm:`, is a problem with its key named.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from components import constants
from components.config.problems import Problems, kind, suggestion

# What each kubeadm: key holds.
KINDS: dict[str, type] = {
    "clusterName": str,
    "kubernetesVersion": str,
    "controlPlaneEndpoint": str,
    "imageRepository": str,
    "networking": dict,
    "apiServer": dict,
    "controllerManager": dict,
    "scheduler": dict,
    "etcd": dict,
    "kubeletConfiguration": dict,
    "dns": dict,
    "proxy": dict,
    "uploadCerts": bool,
    "workerRollout": dict,
    "ssh": dict,
    "controlPlanes": list,
    "workers": list,
    "ignorePreflightErrors": list,
    "packages": dict,
}
_WHAT = {str: "a string", bool: "true or false", dict: "a map", list: "a list"}


def decode(text: str, want: type) -> Any:
    """The value `text` stands for, as a `want`; ValueError naming what it is instead."""
    if want is str:
        return text
    if want is bool:
        if text in ("true", "false"):
            return text == "true"
        raise ValueError(f"must be true or false (got: {text!r})")
    try:
        value = json.loads(text)
    except ValueError:
        raise ValueError(f"must be {_WHAT[want]} (got: {kind(text)} {text!r})") from None
    if not isinstance(value, want):
        raise ValueError(f"must be {_WHAT[want]} (got: {kind(value)} {json.dumps(value)[:80]})")
    return value


def distance(a: str, b: str) -> int:
    """Levenshtein distance."""
    row = list(range(len(b) + 1))
    for i, x in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, y in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (x != y))
    return row[-1]


def settings(env: Mapping[str, str], project: str, problems: Problems) -> tuple[dict[str, Any], set[str]]:
    """The kubeadm: settings decoded (key without namespace -> value), and the keys already reported as problems.

    `env`: every config key of the stack with its text; `project`: the project's name (the namespace Pulumi gives
    a key written without one)."""
    raw: dict[str, Any] = {}
    reported: set[str] = set()
    for full, text in sorted(env.items()):
        namespace, _, key = full.partition(":")
        if namespace == constants.CONFIG_NAMESPACE:
            want = KINDS.get(key)
            if want is None:
                raw[key] = text  # unknown: parse names it, with the closest known key
                continue
            try:
                raw[key] = decode(text, want)
            except ValueError as error:
                problems.add(key, str(error))
                reported.add(key)
        elif namespace == project or distance(namespace, constants.CONFIG_NAMESPACE) <= 2:
            hint = f"kubeadm-pulumi reads its settings under {constants.CONFIG_NAMESPACE}:"
            close = (
                suggestion(key, KINDS) if key not in KINDS else f"; did you mean {constants.CONFIG_NAMESPACE}:{key}?"
            )
            problems.add(full, f"not read: {hint}{close}")
    return raw, reported


def stack_file_problem(path: Path) -> str | None:
    """Why a stack file whose config has no kubeadm: setting at all holds none: its settings are not under
    `config:` (Pulumi ignores them there, silently), or it has no `config:` mapping; None when neither."""
    try:
        document = yaml.safe_load(path.read_text())
    except (OSError, yaml.YAMLError):
        return None
    if not isinstance(document, Mapping):
        return f"{path.name}: has no `config:` mapping; kubeadm-pulumi's settings go under it"
    outside = sorted(k for k in document if isinstance(k, str) and k.startswith(f"{constants.CONFIG_NAMESPACE}:"))
    if outside:
        return (
            f"{path.name}: {', '.join(outside)} must be under `config:` (Pulumi ignores keys outside it): "
            "indent them under a `config:` key"
        )
    if not isinstance(document.get("config"), Mapping):
        return f"{path.name}: has no `config:` mapping; kubeadm-pulumi's settings go under it"
    return None
