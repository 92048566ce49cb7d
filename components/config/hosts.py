"""The hosts of the stack config: their SSH access, role, labels and taints, parsed with field-path messages.
`config.parse` is the entry point; this module holds the host parsers.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components import constants
from components.config.sections import Problems

ROLE_CONTROL_PLANE = "control-plane"
ROLE_WORKER = "worker"

# A node name becomes a Node object name and a resource name: a lower-case RFC 1123 label.
NODE_NAME = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")
# Label and taint keys: an optional DNS-subdomain prefix and a name; values: empty or a name (Kubernetes' rules).
_LABEL_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
TAINT_EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")


@dataclass(frozen=True, kw_only=True)
class Ssh:
    """How to reach a host over SSH."""

    user: str
    port: int
    private_key_file: Path


@dataclass(frozen=True, kw_only=True)
class Taint:
    """A Node taint, as kubeadm's nodeRegistration.taints."""

    key: str
    value: str
    effect: str

    def __str__(self) -> str:
        """The kubelet's --register-with-taints / `kubectl taint` form: key[=value]:Effect."""
        return f"{self.key}={self.value}:{self.effect}" if self.value else f"{self.key}:{self.effect}"


@dataclass(frozen=True, kw_only=True)
class Host:
    """One machine of the cluster."""

    name: str
    address: str
    role: str
    ssh: Ssh
    # Node labels and taints the cluster keeps on this host's Node (workers; kubeadm's nodeRegistration).
    labels: tuple[tuple[str, str], ...] = ()
    taints: tuple[Taint, ...] = ()


def parse_ssh(value: Any, path: str, base: Ssh | None, problems: Problems) -> Ssh | None:
    if not isinstance(value, Mapping):
        problems.add(path, "must be a map with user, port, privateKeyFile")
        return base
    for key in sorted(set(value) - {"user", "port", "privateKeyFile"}):
        problems.add(f"{path}.{key}", "unknown key (known: user, port, privateKeyFile)")
    user = value.get("user", base.user if base else constants.DEFAULT_SSH_USER)
    if not isinstance(user, str) or not user:
        problems.add(f"{path}.user", "must be a non-empty string")
    port = value.get("port", base.port if base else constants.DEFAULT_SSH_PORT)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        problems.add(f"{path}.port", f"must be a TCP port number, got {port!r}")
    key_file = value.get("privateKeyFile")
    if key_file is None:
        return Ssh(user=user, port=port, private_key_file=base.private_key_file) if base else None
    key_path = Path(str(key_file)).expanduser()
    if not key_path.is_file():
        problems.add(f"{path}.privateKeyFile", f"no such file: {key_path}")
    return Ssh(user=user, port=port, private_key_file=key_path)


def parse_hosts(
    value: Any, path: str, role: str, default_ssh: Ssh | None, problems: Problems, *, node_marks: bool = False
) -> tuple[tuple[str, Host], ...]:
    """Parse one host list; each host comes back with its field path for later cross-field messages."""
    if value is None:
        problems.add(path, "is required: a list of hosts with name and address")
        return ()
    if not isinstance(value, list):
        problems.add(path, "must be a list of hosts with name and address")
        return ()
    hosts = []
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            problems.add(where, "must be a map with name and address")
            continue
        known = ("name", "address", "ssh", "labels", "taints") if node_marks else ("name", "address", "ssh")
        for key in sorted(set(item) - set(known)):
            problems.add(f"{where}.{key}", f"unknown key (known: {', '.join(known)})")
        name = item.get("name")
        if not isinstance(name, str) or not NODE_NAME.match(name):
            problems.add(f"{where}.name", f"must be a lower-case DNS label, got {name!r}")
        address = item.get("address")
        try:
            ipaddress.ip_address(str(address))
        except ValueError:
            problems.add(f"{where}.address", f"not an IP address: {address!r}")
        ssh = parse_ssh(item["ssh"], f"{where}.ssh", default_ssh, problems) if "ssh" in item else default_ssh
        if ssh is None:
            problems.add(f"{where}.ssh.privateKeyFile", "is required (here or in ssh.privateKeyFile)")
            continue
        labels = _parse_labels(item.get("labels", {}), f"{where}.labels", problems)
        taints = _parse_taints(item.get("taints", []), f"{where}.taints", problems)
        host = Host(name=str(name), address=str(address), role=role, ssh=ssh, labels=labels, taints=taints)
        hosts.append((where, host))
    return tuple(hosts)


def _valid_key(key: Any) -> bool:
    if not isinstance(key, str):
        return False
    prefix, _, name = key.rpartition("/")
    return bool(_LABEL_NAME.match(name)) and (not prefix or (len(prefix) <= 253 and bool(_DNS_SUBDOMAIN.match(prefix))))


def _valid_value(value: Any) -> bool:
    return isinstance(value, str) and (value == "" or bool(_LABEL_NAME.match(value)))


def _parse_labels(value: Any, path: str, problems: Problems) -> tuple[tuple[str, str], ...]:
    if not isinstance(value, Mapping):
        problems.add(path, "must be a map of label keys to values")
        return ()
    for key, text in value.items():
        if not _valid_key(key):
            problems.add(f"{path}.{key}", "not a valid label key (an optional DNS prefix and '/', then a name)")
        elif not _valid_value(text):
            problems.add(f"{path}.{key}", f"not a valid label value: {text!r}")
    return tuple(sorted((str(k), str(v)) for k, v in value.items()))


def _parse_taints(value: Any, path: str, problems: Problems) -> tuple[Taint, ...]:
    if not isinstance(value, list):
        problems.add(path, "must be a list of taints with key, value (optional) and effect")
        return ()
    taints = []
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            problems.add(where, "must be a map with key, value (optional) and effect")
            continue
        for key in sorted(set(item) - {"key", "value", "effect"}):
            problems.add(f"{where}.{key}", "unknown key (known: key, value, effect)")
        if not _valid_key(item.get("key")):
            problems.add(f"{where}.key", f"not a valid taint key: {item.get('key')!r}")
        if not _valid_value(item.get("value", "")):
            problems.add(f"{where}.value", f"not a valid taint value: {item.get('value')!r}")
        if item.get("effect") not in TAINT_EFFECTS:
            problems.add(f"{where}.effect", f"must be one of {', '.join(TAINT_EFFECTS)}, got {item.get('effect')!r}")
        taints.append(Taint(key=str(item.get("key")), value=str(item.get("value", "")), effect=str(item.get("effect"))))
    return tuple(taints)


def check_unique(hosts: tuple[tuple[str, Host], ...], problems: Problems) -> None:
    seen_names: dict[str, str] = {}
    seen_addresses: dict[str, str] = {}
    roles = {(h.name, h.address): h.role for _, h in hosts if h.role == ROLE_CONTROL_PLANE}
    for where, host in hosts:
        if host.role != ROLE_CONTROL_PLANE and (host.name, host.address) in roles:
            problems.add(
                where,
                f"{host.name} ({host.address}) is also a control plane ({seen_names[host.name]}): a host has one role",
            )
            continue
        if host.name in seen_names:
            problems.add(f"{where}.name", f"duplicate host name {host.name!r} (also {seen_names[host.name]})")
        seen_names.setdefault(host.name, where)
        if host.address in seen_addresses:
            problems.add(f"{where}.address", f"duplicate address {host.address} (also {seen_addresses[host.address]})")
        seen_addresses.setdefault(host.address, where)
