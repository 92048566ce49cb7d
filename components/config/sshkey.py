"""The SSH private key a host is reached with, checked before anything runs: readable, a private key (not its
public half), in a format the SSH client takes (OpenSSH or PEM), and not encrypted (kubeadm-pulumi takes no
passphrase). The key itself never appears in a message.
"""

from __future__ import annotations

from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization

_PUBLIC_PREFIXES = ("ssh-", "ecdsa-sha2-", "sk-ssh-", "sk-ecdsa-", "-----BEGIN PUBLIC KEY", "-----BEGIN SSH2 PUBLIC")


def key_problem(path: Path) -> str | None:
    """What is wrong with the private key file at `path`, or None."""
    if not path.exists():
        return f"no such file: {path}"
    if not path.is_file():
        return f"not a file: {path}"
    try:
        data = path.read_bytes()
    except OSError as error:
        return f"cannot be read ({error.strerror}): {path}"
    text = data.strip()
    if not text:
        return f"is empty: {path}"
    if text.startswith(tuple(p.encode() for p in _PUBLIC_PREFIXES)):
        return f"is a public key, not the private key it pairs with: {path}"
    try:
        if text.startswith(b"-----BEGIN OPENSSH PRIVATE KEY-----"):
            serialization.load_ssh_private_key(data, password=None)
        elif text.startswith(b"-----BEGIN") and b"PRIVATE KEY-----" in text.split(b"\n", 1)[0]:
            serialization.load_pem_private_key(data, password=None)
        else:
            return f"is not a private key in a format SSH takes (OpenSSH or PEM): {path}"
    except TypeError:
        return f"is encrypted with a passphrase, which kubeadm-pulumi cannot give: use a key without one: {path}"
    except (ValueError, UnsupportedAlgorithm):
        return f"is not a private key SSH can use (malformed, or an unsupported algorithm): {path}"
    return None
