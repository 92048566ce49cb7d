"""Host scripts live as `.sh` files next to the component that owns them, checked by shellcheck; this turns one into
the text of a command. Pure: a file and values in, text out.

A script declares its parameters on lines of the form `: "${name:?}" "${other?}"` (which also stops it when one
is missing, or with `:?` empty) and may include a shared file with a line `. ../remote/wait.sh` (a
`# shellcheck source=` line above it lets shellcheck follow it). `script(...)` sets exactly the declared parameters
(the included files' too), shell-quoted, in front of the script, inlines the included files, and drops the lines
only shellcheck reads.
"""

from __future__ import annotations

import functools
import re
import shlex
from pathlib import Path

_PARAMS = re.compile(r'"\$\{([a-z_][a-z0-9_]*):?\?\}"')
_INCLUDE = re.compile(r"^\. (\S+\.sh)$")
_SHELLCHECK_ONLY = re.compile(r"^(#!|# shellcheck )")
_ASSIGNMENT = re.compile(r"^([a-z_][a-z0-9_]*)=")


@functools.cache
def _read(path: Path) -> str:
    return path.read_text()


def declared(path: Path) -> tuple[str, ...]:
    """The parameters a script and the files it includes declare (their `: "${name:?}"` lines), in order, except
    those the script sets itself before an include uses them."""
    names: list[str] = []
    assigned: set[str] = set()
    for line in _read(path).splitlines():
        include = _INCLUDE.match(line)
        if include:
            names += [n for n in declared((path.parent / include.group(1)).resolve()) if n not in assigned]
        elif line.startswith(": "):
            names += _PARAMS.findall(line)
        elif _ASSIGNMENT.match(line):
            assigned.add(_ASSIGNMENT.match(line).group(1))  # type: ignore[union-attr]
    return tuple(dict.fromkeys(names))


def _body(path: Path) -> list[str]:
    lines = []
    for line in _read(path).splitlines():
        include = _INCLUDE.match(line)
        if include:
            lines += _body((path.parent / include.group(1)).resolve())
        elif not _SHELLCHECK_ONLY.match(line):
            lines.append(line)
    return lines


def script(owner: str, name: str, **params: str | int) -> str:
    """The command text of script `name` beside the module `owner` (its `__file__`), with `params` set."""
    path = Path(owner).resolve().parent / name
    wanted = declared(path)
    if set(params) != set(wanted):
        missing, extra = sorted(set(wanted) - set(params)), sorted(set(params) - set(wanted))
        raise ValueError(f"{path.name}: parameters missing {missing}, not declared {extra}")
    header = [f"{key}={shlex.quote(str(params[key]))}" for key in wanted]
    return "\n".join([*header, *_body(path)]) + "\n"
