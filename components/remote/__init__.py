"""The two remote primitives every host action goes through: a step and a file. May import components.constants
and components.config only; everything that touches a host imports this.

Both are `pulumi_command.remote.Command` resources with a create and a matching delete, so `pulumi up` and
`pulumi destroy` reconcile. Their stdout/stderr are secret outputs: a command may print key material, and the
state must never hold it in plaintext. Paths are shell-quoted; file content travels on stdin, never echoed.

They rely on nothing the command plugin does beyond running a command with its stdin: no `environment` (sent with
SSH setenv, which a stock sshd refuses, failing the command) and no previous output in the environment (dropped
the same way).
What a command prints is streamed to the console as it runs, so a command that prints a secret sets `logging`.
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


# The first line of a step with triggers carries their hash: a change is a changed command, which upstream's
# plugin and ours run again in place (an update), with no environment variable for sshd to refuse.
TRIGGER_LINE = "# kubeadm-pulumi triggers sha256:"

# `logging` for a command whose stdout carries a secret: nothing it prints is streamed to the console (the engine
# masks only config secrets there; additional_secret_outputs protects the state alone).
NO_LOGGING = remote.Logging.NONE

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
    create: pulumi.Input[str] | None,
    update: pulumi.Input[str] | None = None,
    delete: pulumi.Input[str] | None = None,
    triggers: Sequence[pulumi.Input[str]] = (),
    stdin: pulumi.Input[str] | None = None,
    logging: remote.Logging | None = None,
    opts: pulumi.ResourceOptions,
) -> remote.Command:
    """A named command on a host that runs again whenever what it depends on (`triggers`) changes.

    It re-runs in place (an update), not as a replacement: a replacement would run the old resource's delete
    after the new create (stopping the kubelet right after restarting it, deleting objects just applied).
    With `update`, a change runs that instead of `create`; with no `create`, creating the step runs nothing
    (not even a connection): the step acts only on changes. `logging`: the plugin's setting; NO_LOGGING for a
    command whose stdout is a secret.
    """
    if triggers:
        # The command that a change runs carries the triggers' hash: a new hash is a new command, an update.
        runs = update if update is not None else create
        assert runs is not None, f"{name}: a step with triggers needs a command to run on them"
        marked = pulumi.Output.all(runs, *triggers).apply(lambda parts: with_triggers(parts[0], parts[1:]))
        create, update = (create, marked) if update is not None else (marked, None)
    return remote.Command(
        name,
        connection=conn,
        create=create,
        update=update,
        delete=delete,
        stdin=stdin,
        logging=logging,
        # Nothing reads them, and a stock sshd refuses them: asking would add a warning to every update.
        add_previous_output_in_env=False,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)),
    )


def with_triggers(script: str, triggers: Sequence[str]) -> str:
    """The script with the hash of its triggers as its first line (a shell comment)."""
    return f"{TRIGGER_LINE}{digest(*triggers)}\n{script}"


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
        add_previous_output_in_env=False,
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
