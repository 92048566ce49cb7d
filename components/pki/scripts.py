"""The PKI's scripts: a certificate check's read of a host. Pure: values in, script text out."""

from __future__ import annotations

from collections.abc import Sequence

from components.remote.shell import script


def read_over_ssh(address: str, port: int, user: str, key_file: str) -> str:
    """Run on the machine running Pulumi: the script on its stdin, on the host."""
    return script(__file__, "read-over-ssh.sh", address=address, port=port, user=user, key_file=key_file)


def read_certificates(paths: Sequence[str]) -> str:
    """Run on the host: the certificate at each path (a kubeconfig's client certificate), see read-certificates.sh."""
    return script(__file__, "read-certificates.sh", paths=" ".join(paths))
