"""The two remote primitives every host action goes through: a step and a batch of files. May import
components.constants and components.config only; everything that touches a host imports this.

Both are `pulumi_command.remote.Command` resources. A step has a create and a matching delete, so `pulumi up` and
`pulumi destroy` reconcile; files have none (the host's reset removes them). Their stdout/stderr are secret
outputs: a command may print key material, and the state must never hold it in plaintext. File content travels on
stdin, never echoed, and so do the scripts: a command only names the step and host and runs them under a bound.

They rely on nothing the command plugin does beyond running a command with its stdin: no `environment` (sent with
SSH setenv, which a stock sshd refuses, failing the command) and no previous output in the environment (dropped
the same way).
What a command prints is streamed to the console as it runs, so a command that prints a secret sets `logging`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import pulumi
from pulumi_command import remote

from components import constants as c
from components.config import Host
from components.remote import shell


@dataclass(frozen=True)
class HostFile:
    """A file a component wants on a host; each host's are written by one `files` command below."""

    path: str
    content: pulumi.Input[str]
    mode: int


@dataclass(frozen=True)
class HostConnection:
    """How to reach one host: the plugin's connection settings, and the host they lead to (named in every command,
    so an error the plugin reports says which host and step it was)."""

    host: Host
    args: remote.ConnectionArgs


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

# The name of the shell function that holds a step's script for each of the plugin's operations.
_ENTRIES = {"create": "kubeadm_pulumi_create", "update": "kubeadm_pulumi_update", "delete": "kubeadm_pulumi_delete"}


def connection(host: Host, private_key: pulumi.Input[str]) -> HostConnection:
    """SSH connection to `host`; the private key is wrapped as a secret so state never shows it."""
    return HostConnection(
        host=host,
        args=remote.ConnectionArgs(
            host=host.address,
            port=host.ssh.port,
            user=host.ssh.user,
            private_key=pulumi.Output.secret(private_key),
            # A few quick retries: an unreachable host should fail the run within seconds, naming the host.
            dial_error_limit=3,
            per_dial_timeout=5,
        ),
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
    conn: HostConnection,
    create: pulumi.Input[str] | None,
    update: pulumi.Input[str] | None = None,
    delete: pulumi.Input[str] | None = None,
    triggers: Sequence[pulumi.Input[str]] = (),
    stdin: pulumi.Input[str] | None = None,
    logging: remote.Logging | None = None,
    bound: int = c.STEP_BOUND_SECONDS,
    opts: pulumi.ResourceOptions,
) -> remote.Command:
    """A named command on a host that runs again whenever what it depends on (`triggers`) changes.

    It re-runs in place (an update), not as a replacement: a replacement would run the old resource's delete
    after the new create (stopping the kubelet right after restarting it, deleting objects just applied).
    With `update`, a change runs that instead of `create`; with no `create`, creating the step runs nothing
    (not even a connection): the step acts only on changes. `stdin`: what the scripts read on their standard
    input. `logging`: the plugin's setting; NO_LOGGING for a command whose stdout is a secret. `bound`: seconds
    after which the host ends the step, whatever it waits for.

    The scripts travel on stdin (as one bundle, `stdin` after them) and the command is a few lines that name the
    step and host and run the bundle under its bound: the plugin puts the command's text into any error it
    reports, and that should say where it failed, not repeat a page of script.
    """
    scripts = {"create": create, "update": update, "delete": delete}
    given = {entry: script for entry, script in scripts.items() if script is not None}
    plain = {entry: runner(name, conn, entry, bound) for entry in given}
    commands: dict[str, pulumi.Input[str]] = dict(plain)
    if triggers:
        # The command that a change runs carries the triggers' hash: a new hash is a new command, an update.
        runs = "update" if update is not None else "create"
        assert runs in given, f"{name}: a step with triggers needs a command to run on them"
        commands[runs] = pulumi.Output.all(*triggers).apply(lambda parts: with_triggers(plain[runs], parts))
    entries = list(given)
    script_input = pulumi.Output.all(stdin, *given.values()).apply(
        lambda parts: bundle(dict(zip(entries, map(str, parts[1:]), strict=True)), parts[0])
    )
    return remote.Command(
        name,
        connection=conn.args,
        create=commands.get("create"),
        update=commands.get("update"),
        delete=commands.get("delete"),
        stdin=script_input,
        logging=logging,
        # Nothing reads them, and a stock sshd refuses them: asking would add a warning to every update.
        add_previous_output_in_env=False,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)),
    )


def runner(name: str, conn: HostConnection, entry: str, bound: int) -> str:
    """The command text of one of a step's operations: run its script from the bundle on stdin, under `bound`
    (remote/run.sh). A step that hangs on the host is ended there and says which step and host gave up. No
    comment travels in it: the plugin quotes the command in every error, which should stay a few lines."""
    return shell.script(__file__, "run.sh", step=name, where=conn.host.display, bound=bound, entry=_ENTRIES[entry])


def bundle(scripts: Mapping[str, str], stdin: str | None) -> str:
    """A step's standard input: each operation's script as a shell function, the line that calls the one the
    command names and exits, then `stdin` for the script to read (bash reads its input no further than the line
    it runs, so what follows is left for the script)."""
    functions = [f"{_ENTRIES[entry]}() {{\n{script.rstrip()}\n}}\n" for entry, script in scripts.items()]
    return "".join(functions) + '{ "$1"; exit; }\n' + (stdin or "")


def with_triggers(command: str, triggers: Sequence[str]) -> str:
    """The command with the hash of its triggers as its first line (a shell comment)."""
    return f"{TRIGGER_LINE}{digest(*triggers)}\n{command}"


def files(
    name: str,
    *,
    conn: HostConnection,
    files: Sequence[HostFile],
    opts: pulumi.ResourceOptions,
) -> remote.Command:
    """The files of one host in one command: each written at its path with its mode, atomically, and only where the
    host does not already hold that content and mode (remote/write-files.sh), in the order given; never echoed.

    Its `triggers` list the files, one `<path> <mode> sha256:<digest of the content>` each: a changed content is a
    changed trigger, so `pulumi preview --diff` names each file that changes on the host. The engine then replaces
    the command, which for files means running it again: it has no delete of its own, since every path a host file
    may have is one the host's reset removes (RESET_PATHS), so removing a host never needs it to answer per file.
    The digests are plain in state although some contents are keys: a SHA-256 of a key gives nothing of it away."""
    paths = [f.path for f in files]
    for path in paths:
        if not any(path.startswith(f"{prefix}/") for prefix in RESET_PATHS):
            raise ValueError(f"{path}: not under a directory reset cleans ({', '.join(RESET_PATHS)})")
    if duplicates := sorted({p for p in paths if paths.count(p) > 1}):
        raise ValueError(f"{conn.host.name}: more than one file at {', '.join(duplicates)}")
    contents = pulumi.Output.all(*(f.content for f in files))
    listed = contents.apply(lambda texts: [_listing(f, text) for f, text in zip(files, texts, strict=True)])
    payload = contents.apply(lambda texts: files_input(conn.host.display, list(zip(files, texts, strict=True))))
    return remote.Command(
        name,
        connection=conn.args,
        create=runner(name, conn, "create", c.STEP_BOUND_SECONDS),
        stdin=payload,
        triggers=pulumi.Output.unsecret(listed),
        add_previous_output_in_env=False,
        opts=pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=SECRET_OUTPUTS)),
    )


def file(
    name: str, *, conn: HostConnection, path: str, content: pulumi.Input[str], mode: int, opts: pulumi.ResourceOptions
) -> remote.Command:
    """One file, as `files` writes a batch."""
    return files(name, conn=conn, files=[HostFile(path, content, mode)], opts=opts)


def _listing(f: HostFile, text: str) -> str:
    return f"{f.path} {f.mode:04o} sha256:{hashlib.sha256(text.encode()).hexdigest()[:16]}"


def files_input(where: str, files: Sequence[tuple[HostFile, str]]) -> str:
    """The stdin of a `files` command (its create is `runner(..., "create", ...)`): write-files.sh as the step
    bundle's create, then a header line per file and its content (the size counts bytes, not characters)."""
    script = shell.script(__file__, "write-files.sh", where=where)
    payload = "".join(f"{f.mode:04o} {len(text.encode())} {f.path}\n{text}" for f, text in files)
    return bundle({"create": script}, payload)
