"""Shared test helpers: golden files and the repository root on sys.path."""

from __future__ import annotations

import functools
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden"
sys.path.insert(0, str(ROOT))
# Helpers shared by both tiers (corpus.py).
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture
def golden():
    """Compare text with tests/golden/<name>; UPDATE_GOLDEN=1 rewrites the file instead."""

    def check(name: str, text: str) -> None:
        path = GOLDEN / name
        if os.environ.get("UPDATE_GOLDEN") == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        assert path.exists(), f"missing golden file {path}; run with UPDATE_GOLDEN=1 to create it"
        assert text == path.read_text(), f"{name} differs from its golden file (UPDATE_GOLDEN=1 to accept)"

    return check


@functools.cache
def _private_key_text() -> str:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519

    key = ed25519.Ed25519PrivateKey.generate()
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.OpenSSH, serialization.NoEncryption()
    ).decode()


def write_ssh_key(path: Path) -> Path:
    """An unencrypted OpenSSH private key at `path` (0600), as a stack's ssh.privateKeyFile must name."""
    path.write_text(_private_key_text())
    path.chmod(0o600)
    return path
