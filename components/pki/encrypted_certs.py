"""EncryptedCerts: the shared CA keys and the sa key pair encrypted for kubeadm-certs, once, kept in state.

INPUTS   files {kubeadm-certs data key: PEM} (secret).
OUTPUTS  `certificate_key` (secret, 64 hex characters: kubeadm's --certificate-key) and `data`: each file encrypted
         with AES-256-GCM under that key (nonce | ciphertext | tag, base64), as kubeadm stores it. A rerun re-encrypts
         nothing; changed files make a new key and new ciphertext.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider


class EncryptedCertsProvider(ResourceProvider):
    """Inputs: files {data key: PEM}. Outputs: files, certificate_key (hex), data {data key: base64 ciphertext}."""

    def diff(self, _id: str, olds: Any, news: Any) -> DiffResult:
        changed = olds.get("files") != news.get("files")
        return DiffResult(changes=changed, replaces=["files"] if changed else [], delete_before_replace=False)

    def create(self, props: Any) -> CreateResult:
        import base64
        import os

        from cryptography.hazmat.primitives.ciphers.aead import AESGCM

        key = os.urandom(32)
        aead = AESGCM(key)
        data = {}
        for name, pem in sorted(props["files"].items()):
            nonce = os.urandom(12)
            data[name] = base64.b64encode(nonce + aead.encrypt(nonce, pem.encode(), None)).decode()
        outs = {"files": props["files"], "certificate_key": key.hex(), "data": data}
        return CreateResult(key.hex()[:16], outs)


class EncryptedCerts(Resource, module="pki", name="EncryptedCerts"):
    certificate_key: pulumi.Output[str]
    data: pulumi.Output[dict[str, str]]

    def __init__(self, name: str, files: Mapping[str, pulumi.Input[str]], opts: pulumi.ResourceOptions | None = None):
        secret = pulumi.ResourceOptions(additional_secret_outputs=["certificate_key", "data", "files"])
        props = {"files": pulumi.Output.secret(dict(files)), "certificate_key": None, "data": None}
        super().__init__(EncryptedCertsProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret))
