"""Helpers for component tests under Pulumi's mocks: unwrap secrets, and run our dynamic providers for real."""

from __future__ import annotations

from typing import Any

from pulumi.runtime import rpc

from components.pki.encrypted_certs import EncryptedCertsProvider
from components.pki.resources import CertificateProvider, PrivateKeyProvider

# Our dynamic resources by type token: mocks create them with the real provider, so downstream sees real PEMs.
DYNAMIC_PROVIDERS = {
    "pulumi-python:dynamic/pki:PrivateKey": PrivateKeyProvider,
    "pulumi-python:dynamic/pki:Certificate": CertificateProvider,
    "pulumi-python:dynamic/pki:EncryptedCerts": EncryptedCertsProvider,
}


def plain(value: Any) -> Any:
    """The value inside a secret wrapper as mocks receive it (other values unchanged)."""
    if isinstance(value, dict) and value.get(rpc._special_sig_key) == rpc._special_secret_sig:
        return value["value"]
    return value


def plain_inputs(inputs: dict[str, Any]) -> dict[str, Any]:
    return {k: plain(v) for k, v in inputs.items() if not k.startswith("__")}
