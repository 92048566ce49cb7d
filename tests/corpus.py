"""The configuration corpus (tests/config_corpus/*.yaml): stack files that each hold one realistic mistake, and
`ok-*` controls that must pass. A case's first line says what must be reported:

    # expect: <the start of one problem line, `field.path: what is wrong`>

`${KEY}` and its siblings stand for SSH key files the tests write (a valid key, its public half, an empty file,
an encrypted key, plain text, binary data), so no key is committed.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ed25519

CORPUS = Path(__file__).resolve().parent / "config_corpus"
STACK = "corpus"
_EXPECT = re.compile(r"^# expect: (.+)$")


@dataclass(frozen=True)
class Case:
    name: str
    # The start of the problem line to be reported; None for a control, which must load without a problem.
    expect: str | None
    text: str


def cases() -> list[Case]:
    found = []
    for path in sorted(CORPUS.glob("*.yaml")):
        text = path.read_text()
        match = _EXPECT.match(text.splitlines()[0])
        assert match, f"{path.name}: the first line must be `# expect: ...`"
        control = path.name.startswith("ok-")
        found.append(Case(path.stem, None if control else match.group(1), text))
    return found


def _encrypted_key(directory: Path) -> bytes:
    """An OpenSSH key with a passphrase, as ssh-keygen writes one (cryptography needs bcrypt to encrypt)."""
    path = directory / "ssh-keygen-encrypted"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "a passphrase", "-f", str(path)], check=True, capture_output=True
    )
    return path.read_bytes()


def write_keys(directory: Path) -> dict[str, str]:
    """The key files a case may name, written into `directory`: placeholder -> path."""
    key = ed25519.Ed25519PrivateKey.generate()
    files = {
        "KEY": key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
        ),
        "PUBLIC_KEY": key.public_key().public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH)
        + b" corpus@example\n",
        "EMPTY_KEY": b"",
        "ENCRYPTED_KEY": _encrypted_key(directory),
        "TEXT_KEY": b"this is where my key should be\n",
        "BINARY_KEY": os.urandom(256),
    }
    paths = {}
    for name, data in files.items():
        path = directory / name.lower().replace("_", "-")
        path.write_bytes(data)
        path.chmod(0o600)
        paths[name] = str(path)
    return paths


def stack_document(case: Case, keys: dict[str, str]) -> Any:
    """The case's stack file as YAML data, placeholders replaced."""
    text = re.sub(r"\$\{([A-Z_]+)\}", lambda m: keys[m.group(1)], case.text)
    return yaml.safe_load(text)


def engine_settings(document: Any, project: str) -> dict[str, str]:
    """What the engine hands the program for a stack file: every key of `config:` as `namespace:key` (a key
    without one takes the project's name) with its value as text, a structured value as JSON."""
    config = document.get("config") if isinstance(document, dict) else None
    settings = {}
    for key, value in (config or {}).items() if isinstance(config, dict) else ():
        full = key if ":" in key else f"{project}:{key}"
        if isinstance(value, str):
            settings[full] = value
        elif isinstance(value, bool):
            settings[full] = "true" if value else "false"
        else:
            settings[full] = json.dumps(value, separators=(",", ":"))
    return settings
