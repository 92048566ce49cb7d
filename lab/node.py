"""One lab node: a systemd-nspawn machine booting the shared rootfs through an overlay.

The machine has no systemd as PID 1, so nspawn runs detached in its own session
(--register=no --keep-unit) and the lab tracks it by a pid file holding the pid and its
start time (so a recycled pid is never mistaken for a node). Settings from
/work/shared/reference/lab-hosts.md make containerd + runc work inside the node:
containerd's state on a host folder (overlay on overlay is refused), no seccomp and
writable API file systems (env below, --capability=all), and the image's
lab-cgroup-rw.service that remounts the cgroup v1 controllers rw at boot.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
import uuid
from pathlib import Path

from . import cgroups, kubernetes, loadbalancer
from .network import LB, LabNet, machine_name
from .paths import LabError, key_path, lab_dir

NSPAWN_ENV = {
    "SYSTEMD_SECCOMP": "0",
    "SYSTEMD_NSPAWN_API_VFS_WRITABLE": "1",
    # Every node boots the same -D folder; nspawn would lock it for the first.
    "SYSTEMD_NSPAWN_LOCK": "0",
}


def node_name(i: int) -> str:
    """node-<i>; lb for the load balancer (i = network.LB), which shares all the machinery below."""
    return machine_name(i)


def node_dir(lab: str, i: int) -> Path:
    return lab_dir(lab) / node_name(i)


def _start_time(pid: int) -> str | None:
    """Field 22 of /proc/PID/stat, or None for a missing or zombie process."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat.rsplit(")", 1)[1].split()
    return None if fields[0] in ("Z", "X") else fields[19]


def _reap(pid: int) -> None:
    """Collect the exit status when the node was started by this very process."""
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def node_pid(lab: str, i: int) -> int | None:
    """Pid of node i's nspawn when it is alive and really ours, else None."""
    pid_file = node_dir(lab, i) / "pid"
    try:
        pid_s, started = pid_file.read_text().split()
        pid = int(pid_s)
    except (OSError, ValueError):
        return None
    _reap(pid)
    if _start_time(pid) != started:
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return None
    return pid if cmdline and cmdline[0].endswith(b"systemd-nspawn") else None


def is_running(lab: str, i: int) -> bool:
    return node_pid(lab, i) is not None


def _prepare_upper(upper: Path, lab: str, i: int) -> None:
    """Per-node identity written into the overlay's upper dir before boot (once)."""
    etc = upper / "etc"
    etc.mkdir(parents=True, exist_ok=True)
    os.chmod(upper, 0o755)
    os.chmod(etc, 0o755)
    mid = etc / "machine-id"
    if not mid.exists() or not mid.read_text().strip():
        mid.write_text(uuid.uuid4().hex + "\n")
    (etc / "hostname").write_text(node_name(i) + "\n")
    (etc / "lab-node").write_text(f"{lab} {i}\n")  # lets stray_inits() recognise the node
    # Earlier labs raised sshd's MaxStartups here; nodes now run Debian's stock sshd configuration.
    (etc / "ssh/sshd_config.d/lab-load.conf").unlink(missing_ok=True)


def clean_work_dirs(lab: str, i: int) -> None:
    """Drop overlay work dirs nspawn leaves next to the upper dir (node not running)."""
    for work in node_dir(lab, i).glob(".#upper*"):
        shutil.rmtree(work, ignore_errors=True)


def _clear_propagate_dir(machine: str) -> None:
    """A quickly restarted node can find its predecessor's mount-propagation dir still mounted; nspawn then
    refuses to boot ("Attempted to remove disk file system"). Unmount and remove it first."""
    propagate = Path("/run/systemd/nspawn/propagate") / machine
    if propagate.exists():
        subprocess.run(["umount", "-R", "-l", str(propagate)], capture_output=True)
        shutil.rmtree(propagate, ignore_errors=True)


def start(net: LabNet, i: int, rootfs: Path, release: kubernetes.Release | None = None) -> int:
    """Boot node i detached; return nspawn's pid. The network must be ready. With a Kubernetes release the node
    boots as a host with the kubelet/kubeadm packages installed."""
    lab = net.name
    d = node_dir(lab, i)
    upper, containerd = d / "upper", d / "containerd"
    for folder in (upper, containerd):
        folder.mkdir(parents=True, exist_ok=True)
    clean_work_dirs(lab, i)
    kill_strays(lab, i)
    _clear_propagate_dir(f"{lab}-{node_name(i)}")
    _prepare_upper(upper, lab, i)
    if i == LB:
        loadbalancer.prepare_upper(upper)
    elif release is not None:
        kubernetes.prepare_upper(upper, i, release)
    hosts = lab_dir(lab) / "hosts"
    machine = f"{lab}-{node_name(i)}"
    cmd = [
        str(cgroups.ENTER),
        "systemd-nspawn",
        "--quiet",
        "-D",
        str(rootfs),
        f"--overlay={rootfs}:{upper}:/",
        "--register=no",
        "--keep-unit",
        f"--network-namespace-path=/run/netns/{net.netns(i)}",
        "--boot",
        "-M",
        machine,
        f"--hostname={node_name(i)}",
        "--capability=all",
        "--console=read-only",
        "--link-journal=no",
        "--resolv-conf=off",
        "--timezone=off",
        f"--bind={containerd}:/var/lib/containerd",
        f"--bind={hosts}:/etc/hosts",
        f"--bind-ro={key_path().with_suffix('.pub')}:/root/.ssh/authorized_keys",
        *(kubernetes.bind_args(release) if release is not None else []),
    ]
    with open(d / "nspawn.log", "ab") as logf:
        logf.write(f"\n=== {time.ctime()} {' '.join(cmd)}\n".encode())
        logf.flush()
        proc = subprocess.Popen(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=logf,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            env={**os.environ, **NSPAWN_ENV, **cgroups.prepare(machine)},
        )
    started = None
    for _ in range(100):
        # Running, and past the cgroup wrapper's exec: from here on node_pid() knows it for the node's nspawn.
        started = _start_time(proc.pid)
        with contextlib.suppress(OSError):
            if started and Path(f"/proc/{proc.pid}/cmdline").read_bytes().startswith(b"systemd-nspawn\0"):
                break
        started = None
        time.sleep(0.02)
    if started is None:
        raise LabError(f"{node_name(i)}: systemd-nspawn exited at once; see {d / 'nspawn.log'}")
    (d / "pid").write_text(f"{proc.pid} {started}\n")
    return proc.pid


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def stop(lab: str, i: int, timeout: float = 30.0) -> None:
    """Orderly shutdown (SIGTERM makes nspawn halt the node's systemd), SIGKILL after timeout."""
    pid = node_pid(lab, i)
    if pid is not None:
        os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and node_pid(lab, i) is not None:
            time.sleep(0.2)
        if node_pid(lab, i) is not None:
            for child in _children(pid):  # the node's PID 1: killing it ends its pid namespace
                os.kill(child, signal.SIGKILL)
            os.kill(pid, signal.SIGKILL)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and node_pid(lab, i) is not None:
                time.sleep(0.1)
            if node_pid(lab, i) is not None:
                raise LabError(f"{node_name(i)}: nspawn pid {pid} survives SIGKILL")
    (node_dir(lab, i) / "pid").unlink(missing_ok=True)
    kill_strays(lab, i)
    cgroups.remove(f"{lab}-{node_name(i)}")
    clean_work_dirs(lab, i)


def log_tail(lab: str, i: int, lines: int = 15) -> str:
    try:
        text = (node_dir(lab, i) / "nspawn.log").read_text(errors="replace")
    except OSError:
        return "(no log)"
    return "\n".join(text.splitlines()[-lines:])


def find_orphans(lab: str) -> dict[int, int]:
    """nspawn processes of this lab found by command line ({node number, or LB: pid}).

    Covers nodes whose pid file was lost (e.g. the lab folder was deleted by hand).
    """
    found: dict[int, int] = {}
    prefix, lb = f"{lab}-node-".encode(), f"{lab}-{node_name(LB)}".encode()
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            argv = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if not argv[0].endswith(b"systemd-nspawn") or b"-M" not in argv:
            continue
        machine = argv[argv.index(b"-M") + 1] if argv.index(b"-M") + 1 < len(argv) else b""
        tail = machine[len(prefix) :]
        if machine.startswith(prefix) and tail.isdigit() and _start_time(int(proc.name)):
            found[int(tail)] = int(proc.name)
        elif machine == lb and _start_time(int(proc.name)):
            found[LB] = int(proc.name)
    return found


def adopt(lab: str, i: int, pid: int) -> None:
    """Record a running nspawn found by find_orphans as node i's process."""
    started = _start_time(pid)
    if started:
        node_dir(lab, i).mkdir(parents=True, exist_ok=True)
        (node_dir(lab, i) / "pid").write_text(f"{pid} {started}\n")


def stray_inits(lab: str) -> dict[int, list[int]]:
    """PID 1s of this lab's nodes whose nspawn is gone ({node number: [pids]}).

    When nspawn itself is killed (SIGKILL, OOM), the node's systemd lives on, reparented
    to the machine's init, still holding the node's netns and port 22. It is found by
    the marker file its own root carries (/etc/lab-node, written in its upper dir).
    """
    found: dict[int, list[int]] = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or proc.name == "1":
            continue
        try:
            nspid = next(
                line.split()[1:] for line in (proc / "status").read_text().splitlines() if line.startswith("NSpid:")
            )
            if len(nspid) < 2 or nspid[-1] != "1":
                continue
            ppid = int((proc / "stat").read_text().rsplit(")", 1)[1].split()[1])
            owner, _, num = (proc / "root/etc/lab-node").read_text().strip().partition(" ")
        except (OSError, StopIteration, ValueError, IndexError):
            continue
        if owner == lab and num.isdigit() and ppid != node_pid(lab, int(num)):
            found.setdefault(int(num), []).append(int(proc.name))
    return found


def node_processes(lab: str, i: int) -> list[int]:
    """Every process whose root is node i's (its own /etc/lab-node names it), whatever its pid namespace."""
    found = []
    marker = f"{lab} {i}"
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit() or proc.name == "1":
            continue
        with contextlib.suppress(OSError, ValueError):
            if (proc / "root/etc/lab-node").read_text().strip() == marker and _start_time(int(proc.name)):
                found.append(int(proc.name))
    return found


def kill_strays(lab: str, i: int, timeout: float = 20.0) -> None:
    """With node i's nspawn gone: SIGKILL whatever of the node still runs, and wait until all of it has exited.

    Leftover PID 1s first (killing one ends its whole pid namespace), then any other process of the node: a
    containerd left of an earlier boot holds the lock on the metadata database in the node's state folder, and
    the next boot's containerd then waits on it until systemd gives up (seen: containerd "waiting for response
    from boltdb open", the node booted degraded)."""
    for pid in stray_inits(lab).get(i, []) + node_processes(lab, i):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    deadline = time.monotonic() + timeout
    while True:
        left = node_processes(lab, i)
        if not left:
            return
        if time.monotonic() > deadline:
            raise LabError(f"{node_name(i)}: processes of an earlier boot survive SIGKILL: {left}")
        for pid in left:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
