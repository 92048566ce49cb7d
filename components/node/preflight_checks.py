"""kubeadm's preflight checks as a table, and the shell script that runs them on one host. Pure: no Pulumi here.

Check names are the ones `kubeadm --ignore-preflight-errors` knows, so operators can carry their ignore lists
over; `SystemdState` is ours (kubeadm assumes systemd; we check it because every later step uses systemctl), and so
is `PackageManager` (the packages phase installs kubelet, kubeadm and kubectl with apt; a host whose system has none
is named here, before anything is installed or written).
"""

from __future__ import annotations

import ipaddress
import shlex
from dataclasses import dataclass

from components import constants
from components.config import ROLE_CONTROL_PLANE, ROLE_WORKER

ERROR = "ERROR"
WARNING = "WARNING"
BOTH = frozenset({ROLE_CONTROL_PLANE, ROLE_WORKER})
CONTROL_PLANE = frozenset({ROLE_CONTROL_PLANE})


@dataclass(frozen=True, kw_only=True)
class Check:
    """One preflight check: a shell body that prints a short detail, or calls `fail MESSAGE` when the check fails."""

    name: str
    level: str
    roles: frozenset[str]
    body: str
    ipv4_only: bool = False
    # True: only where the program installs the packages (kubeadm:packages.install); False: only where it does not.
    packages: bool | None = None


def _binary(name: str, level: str, roles: frozenset[str] = BOTH, packages: bool | None = None) -> Check:
    return Check(
        name=f"FileExisting-{name}",
        level=level,
        roles=roles,
        body=f'command -v {name} || fail "{name} not found in PATH"',
        packages=packages,
    )


def _port(port: int, roles: frozenset[str], owner: str) -> Check:
    # Preflight runs again when its checks change on a host this cluster already runs on; there the port
    # belongs to our own component, which is fine. Anything else holding it is not.
    return Check(
        name=f"Port-{port}",
        level=ERROR,
        roles=roles,
        body=(
            f'u=$(ss -Hltnp "sport = :{port}"); [ -z "$u" ] && exit 0; '
            # ss shows the process name as the kernel keeps it: at most 15 characters (kube-controller).
            f'echo "$u" | grep -q \'(("{owner[:15]}",\' && echo "in use by {owner} of this cluster" '
            f'|| fail "port {port} is in use"'
        ),
    )


_MIN_KERNEL = ".".join(map(str, constants.MIN_KERNEL_VERSION))

CHECKS: tuple[Check, ...] = (
    Check(
        name="IsPrivilegedUser",
        level=ERROR,
        roles=BOTH,
        body='[ "$(id -u)" = 0 ] || fail "running as uid $(id -u), root is required"',
    ),
    Check(
        name="SystemdState",
        level=ERROR,
        roles=BOTH,
        body=(
            's=$(systemctl is-system-running 2>/dev/null); case "$s" in running|degraded) echo "$s";; '
            '*) fail "systemd is ${s:-not answering}, want running or degraded";; esac'
        ),
    ),
    Check(
        name="SystemVerification",
        level=ERROR,
        roles=BOTH,
        body=(
            f'k=$(uname -r); [ "$(printf "%s\\n" {_MIN_KERNEL} "${{k%%-*}}" | sort -V | head -n1)" = {_MIN_KERNEL} ] '
            f'|| fail "kernel $k is older than {_MIN_KERNEL}"; '
            '[ -d /sys/fs/cgroup ] || fail "no cgroup file system at /sys/fs/cgroup"; echo "kernel $k"'
        ),
    ),
    Check(
        name="CRI",
        level=ERROR,
        roles=BOTH,
        body=(
            f'[ -S {constants.CONTAINERD_SOCKET} ] || fail "containerd socket {constants.CONTAINERD_SOCKET} missing"; '
            f'v=$(ctr --address {constants.CONTAINERD_SOCKET} version 2>&1) || fail "containerd does not answer: $v"; '
            'echo "$v" | awk \'/^Server:/{s=1} s && /Version:/{print "containerd " $2; exit}\''
        ),
    ),
    Check(
        name="Swap",
        level=WARNING,
        roles=BOTH,
        body='[ "$(wc -l < /proc/swaps)" -le 1 ] || fail "swap is on"',
    ),
    Check(
        name="FileContent--proc-sys-net-ipv4-ip_forward",
        level=ERROR,
        roles=BOTH,
        ipv4_only=True,
        body='[ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ] || fail "/proc/sys/net/ipv4/ip_forward is not 1"',
    ),
    Check(
        name="NumCPU",
        level=ERROR,
        roles=CONTROL_PLANE,
        body=(
            f'n=$(nproc); [ "$n" -ge {constants.CONTROL_PLANE_MIN_CPUS} ] '
            f'|| fail "$n CPUs, a control plane needs {constants.CONTROL_PLANE_MIN_CPUS}"; echo "$n CPUs"'
        ),
    ),
    Check(
        name="Mem",
        level=ERROR,
        roles=CONTROL_PLANE,
        body=(
            "m=$(awk '/^MemTotal:/{print int($2/1024)}' /proc/meminfo); "
            f'[ "$m" -ge {constants.CONTROL_PLANE_MIN_MEMORY_MB} ] '
            f'|| fail "$m MB of memory, a control plane needs {constants.CONTROL_PLANE_MIN_MEMORY_MB} MB"; echo "$m MB"'
        ),
    ),
    *(_binary(b, ERROR) for b in ("ip", "iptables", "mount", "nsenter")),
    *(_binary(b, WARNING) for b in ("ebtables", "ethtool", "socat", "tc", "touch")),
    # The packages phase installs them after preflight; a host that brings its own must have them now.
    *(_binary(b, ERROR, packages=False) for b in ("kubelet", "kubeadm")),
    Check(
        name="PackageManager",
        level=ERROR,
        roles=BOTH,
        packages=True,
        body=(
            'os=$( (. /etc/os-release && echo "${PRETTY_NAME:-$ID}") 2>/dev/null || echo "an unknown system"); '
            "{ command -v apt-get && command -v dpkg-query; } >/dev/null || "
            'fail "$os has no apt-get: kubeadm-pulumi installs the Kubernetes packages with apt (Debian, Ubuntu); '
            'install kubelet, kubeadm and kubectl yourself and set kubeadm:packages.install: false"; echo "$os, apt"'
        ),
    ),
    # Not kubeadm's: our host steps use them (discovery and TLS probes; etcd's API and health endpoints).
    _binary("openssl", ERROR),
    _binary("curl", ERROR, CONTROL_PLANE),
    _port(constants.KUBELET_PORT, BOTH, "kubelet"),
    *(
        _port(p, CONTROL_PLANE, owner)
        for p, owner in (
            (constants.APISERVER_PORT, constants.KUBE_APISERVER),
            (constants.CONTROLLER_MANAGER_PORT, constants.KUBE_CONTROLLER_MANAGER),
            (constants.SCHEDULER_PORT, constants.KUBE_SCHEDULER),
            (constants.ETCD_CLIENT_PORT, constants.ETCD),
            (constants.ETCD_PEER_PORT, constants.ETCD),
        )
    ),
)


@dataclass(frozen=True, kw_only=True)
class Target:
    """The host a preflight script is rendered for."""

    name: str
    address: str
    role: str
    ignored: frozenset[str]
    # Whether the packages phase installs kubelet, kubeadm and kubectl on the host after preflight.
    packages: bool = True


def checks_for(target: Target) -> tuple[Check, ...]:
    """The checks that apply to a host of this role and address family, in table order."""
    ipv4 = ipaddress.ip_address(target.address).version == 4
    return tuple(
        c
        for c in CHECKS
        if target.role in c.roles and (ipv4 or not c.ipv4_only) and c.packages in (None, target.packages)
    )


def is_ignored(check: Check, ignored: frozenset[str]) -> bool:
    """kubeadm compares ignore names lower-cased, and `all` ignores every check."""
    return "all" in ignored or check.name.lower() in ignored


def render_script(target: Target) -> str:
    """A POSIX shell script running every applicable check; it exits 1 naming the host and each failed check."""
    lines = [
        "#!/bin/sh",
        "# kubeadm-pulumi preflight: one line per check, then a verdict.",
        "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
        f"host={shlex.quote(f'{target.name} ({target.address})')}",
        "failed=''",
        'fail() { echo "$*"; exit 1; }  # each check body runs in a subshell, so exit ends only that check',
        "report() {  # name level ignored detail-lines",
        '  detail=$(printf "%s" "$4" | tr "\\n" " " | sed "s/ *$//")',
        '  if [ "$5" = 0 ]; then echo "[preflight] ok $1${detail:+: $detail}"; return; fi',
        '  if [ "$2" = ERROR ] && [ "$3" = no ]; then',
        '    echo "[preflight] [ERROR $1]: $detail"; failed="$failed [ERROR $1]: $detail;"',
        '  elif [ "$3" = yes ]; then echo "[preflight] [WARNING $1]: $detail (ignored)"',
        '  else echo "[preflight] [WARNING $1]: $detail"; fi',
        "}",
    ]
    for check in checks_for(target):
        ignored = "yes" if is_ignored(check, target.ignored) else "no"
        lines.append(f'out=$( ( {check.body} ) 2>&1 ); report {check.name} {check.level} {ignored} "$out" $?')
    lines += [
        'if [ -n "$failed" ]; then',
        '  echo "preflight failed on host $host:$failed" >&2',
        '  echo "fix the host, or list the check names in kubeadm:ignorePreflightErrors" >&2',
        "  exit 1",
        "fi",
        'echo "[preflight] host $host passed"',
    ]
    return "\n".join(lines) + "\n"
