"""kubeletConfiguration, checked against the KubeletConfiguration (v1beta1) of the pinned release: every field by
its name and kind, as the kubelet's strict decoding would take it. The schema is derived from the Go types
themselves (tools/configschema), never listed by hand.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any

from components.config.problems import Problems, kind

SCHEMA = Path(__file__).parent / "schemas" / "kubelet-config-v1beta1.json"
API_VERSION, KIND = "kubelet.config.k8s.io/v1beta1", "KubeletConfiguration"

# Go's time.ParseDuration ("1h30m", "500ms", "0"), and Kubernetes' resource.Quantity ("100Mi", "0.5", "2e3").
_DURATION = re.compile(r"^[-+]?((\d+(\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h))+$|^[-+]?0$")
_QUANTITY = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$")


@cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA.read_text())


def check(value: Any, path: str, problems: Problems) -> None:
    """Every problem of a kubeletConfiguration value, each named by its field path."""
    _check(value, schema(), path, problems)
    if isinstance(value, Mapping):
        for field, want in (("apiVersion", API_VERSION), ("kind", KIND)):
            if field in value and value[field] != want:
                problems.add(f"{path}.{field}", f"must be {want} (or left out)", value[field])


def _check(value: Any, shape: dict[str, Any], path: str, problems: Problems) -> None:
    expected = shape["type"]
    if expected == "any":
        return
    if expected == "object":
        if not isinstance(value, Mapping):
            problems.add(path, f"must be a map, not {kind(value)}", value)
            return
        fields = shape["fields"]
        problems.unknown_keys(value, path, sorted(fields), what="field")
        for key, item in value.items():
            if key in fields:
                _check(item, fields[key], f"{path}.{key}", problems)
    elif expected == "map":
        if not isinstance(value, Mapping):
            problems.add(path, f"must be a map, not {kind(value)}", value)
            return
        for key, item in value.items():
            _check(item, shape["values"], f"{path}.{key}", problems)
    elif expected == "array":
        if not isinstance(value, list):
            problems.add(path, f"must be a list, not {kind(value)}", value)
            return
        for i, item in enumerate(value):
            _check(item, shape["items"], f"{path}[{i}]", problems)
    elif expected == "string":
        _check_string(value, shape.get("format", ""), path, problems)
    elif expected == "boolean":
        if not isinstance(value, bool):
            problems.add(path, f"must be true or false, not {kind(value)}", value)
    elif expected in ("integer", "number"):
        whole = isinstance(value, int) or (expected == "number" and isinstance(value, float))
        if isinstance(value, bool) or not whole:
            problems.add(path, f"must be {'a whole number' if expected == 'integer' else 'a number'}", value)


def _check_string(value: Any, form: str, path: str, problems: Problems) -> None:
    if form == "quantity" and isinstance(value, int | float) and not isinstance(value, bool):
        return  # a quantity may be a plain number
    if not isinstance(value, str):
        problems.add(path, f"must be a string, not {kind(value)}", value)
    elif form == "duration" and not _DURATION.match(value):
        problems.add(path, "must be a duration like 30s, 5m or 1h30m", value)
    elif form == "quantity" and not _QUANTITY.match(value):
        problems.add(path, "must be a quantity like 100Mi, 2Gi or 500m", value)
