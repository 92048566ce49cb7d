"""The two remote primitives every host action goes through: a step and a file.

Both are `pulumi_command.remote.Command` resources with a create and a matching delete, so `pulumi up` and
`pulumi destroy` reconcile. Their stdout/stderr are secret outputs: a command may print key material, and the
state must never hold it in plaintext. Paths are shell-quoted; file content travels on stdin, never echoed.
"""

from __future__ import annotations

import hashlib
import posixpath
import shlex
from collections.abc import Sequence
from dataclasses import dataclass

import pulumi
from pulumi_command import remote

from components import constants as c
from components.config import Host


@dataclass(frozen=True)
class HostFile:
    """A file a component wants on a host; `HostFiles` writes it with `file` below."""

    path: str
    content: pulumi.Input[str]
    mode: int


# Environment variable carrying the hash of a step's triggers: a change updates the step, which runs it again.
TRIGGER_VARIABLE = "KUBEADM_PULUMI_TRIGGERS"

# The directories whose content the host's reset deletes (kubeadm reset's cleanup-node).
RESET_PATHS = (c.KUBERNETES_DIR, c.KUBELET_DIR, c.ETCD_DATA_DIR)

# Outputs of every remote command that may carry secrets.
SECRET_OUTPUTS = ["stdout", "stderr"]


def connection(host: Host, private_key: pulumi.Input[str]) -> remote.ConnectionArgs:
    """SSH connection to `host`; the private key is wrapped as a secret so state never shows it."""
    return remote.ConnectionArgs(
        host=host.address,
        port=host.ssh.port,
        user=host.ssh.user,
        private_key=pulumi.Output.secret(private_key),
        # A few quick retries: an unreachable host should fail the run within seconds, naming the host.
        dial_error_limit=3,
        per_dial_timeout=5,
    )


def digest(*parts: str) -> str:
    """A stable hash of what a step depends on, used as its trigger."""
    h = hashlib.sha256()
    for part in parts:
        h.update(part.encode())
        h.update(b"\0")
    return h.hexdigest()


def step(
    name: str,
    *,
    conn: remote.ConnectionArgs,
    create: pulumi.Input[str],
    delete: pulumi.Input[str] | None = None,
    triggers: Sequence[pulumi.Input[str]] = (),
    stdin: pulumi.Input[str] | None = None,
    opts: pulumi.ResourceOptions,
) -> remote.Command:
    """A named command on a host that runs again whenever what it depends on (`triggers`) changes.

    It re-runs in place (an update), not as a replacement: a replacement would run the old resource's delete
    after the new create (stopping the kubelet right after restarting it, deleting objects just applied).
    """
    environment = {}
    if triggers:
        environment[TRIGGER_VARIABLE] = pulumi.Output.all(*triggers).apply(lambda parts: digest(*parts))
    return remote.Command(
        name,
        connection=conn,
        create=create,
        delete=delete,
        environment=environment or None,
        stdin=stdin,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)),
    )


def file(
    name: str,
    *,
    conn: remote.ConnectionArgs,
    path: str,
    content: pulumi.Input[str],
    mode: int,
    opts: pulumi.ResourceOptions,
) -> remote.Command:
    """A file at `path` with `mode`, rewritten in place when its content changes.

    It has no delete of its own: every path a host file may have is one the host's reset removes (RESET_PATHS),
    so removing a host never needs the host to answer for each of its files."""
    if not any(path.startswith(f"{prefix}/") for prefix in RESET_PATHS):
        raise ValueError(f"{path}: not under a directory reset cleans ({', '.join(RESET_PATHS)})")
    return remote.Command(
        name,
        connection=conn,
        create=write_file_command(path, mode),
        stdin=content,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)),
    )


def write_file_command(path: str, mode: int) -> str:
    """Shell that writes stdin to `path` atomically with `mode`, never echoing the content."""
    quoted = shlex.quote(path)
    # A hidden name: the kubelet reads every other file in the manifests directory as a static pod, a half-written
    # one included, and a second pod of the same name would fight the real one.
    tmp = shlex.quote(posixpath.join(posixpath.dirname(path), f".{posixpath.basename(path)}.tmp"))
    directory = shlex.quote(posixpath.dirname(path) or "/")
    # Directories as kubeadm makes them (0755); the file itself is never readable by others before its chmod.
    return (
        f"umask 022 && mkdir -p -- {directory} && umask 077 && cat > {tmp} && chmod {mode:04o} -- {tmp} "
        f"&& mv -f -- {tmp} {quoted}"
    )
