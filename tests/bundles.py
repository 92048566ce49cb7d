"""Reading a step back: the scripts of each operation and the payload from the stdin bundle remote.step sends."""

from __future__ import annotations

import re
from typing import Any

from pulumi.runtime import rpc

_HEADER = re.compile(r"^kubeadm_pulumi_(create|update|delete)\(\) \{$", re.M)
DISPATCH = '{ "$1"; exit; }\n'


def plain(value: Any) -> Any:
    """A mocked input with its secret wrapper (if any) taken off."""
    if isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig:
        return value["value"]
    return value


def unbundle(stdin: Any) -> tuple[dict[str, str], str]:
    """(operation -> script, what follows for the script to read) of a step's stdin."""
    text = plain(stdin)
    functions, dispatch, payload = text.partition(DISPATCH)
    assert dispatch, f"not a step bundle: {text[:200]!r}"
    heads = list(_HEADER.finditer(functions))
    scripts = {}
    for head, after in zip(heads, [*heads[1:], None], strict=True):
        body = functions[head.end() + 1 : after.start() if after else len(functions)]
        assert body.endswith("\n}\n"), body[-50:]
        scripts[head.group(1)] = body[: -len("\n}\n")] + "\n"
    return scripts, payload


def scripts_of(inputs: dict[str, Any]) -> dict[str, str]:
    return unbundle(inputs["stdin"])[0]
