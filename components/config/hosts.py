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
from components.config.problems import Problems, kind
from components.config.sshkey import key_problem

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

    @property
    def display(self) -> str:
        """How every message names the host: `node-3 (10.213.0.13)`."""
        return f"{self.name} ({self.address})"


def parse_ssh(
    value: Any, path: str, base: Ssh | None, problems: Problems, checked: dict[Path, str | None] | None = None
) -> Ssh | None:
    """ssh: {user, port, privateKeyFile}, over `base` (the stack-wide ssh). A key file is checked once (`checked`:
    the files checked so far, with what was wrong with each)."""
    if not isinstance(value, Mapping):
        problems.add(path, f"must be a map with user, port, privateKeyFile, not {kind(value)}", value)
        return base
    problems.unknown_keys(value, path, ("user", "port", "privateKeyFile"))
    user = value.get("user", base.user if base else constants.DEFAULT_SSH_USER)
    if not isinstance(user, str) or not user:
        problems.add(f"{path}.user", "must be a user name", user)
        user = constants.DEFAULT_SSH_USER
    port = value.get("port", base.port if base else constants.DEFAULT_SSH_PORT)
    if not isinstance(port, int) or isinstance(port, bool) or not 0 < port < 65536:
        problems.add(f"{path}.port", "must be a TCP port number, 1 to 65535", port)
        port = constants.DEFAULT_SSH_PORT
    key_file = value.get("privateKeyFile")
    if key_file is None:
        return Ssh(user=user, port=port, private_key_file=base.private_key_file) if base else None
    if not isinstance(key_file, str) or not key_file:
        problems.add(f"{path}.privateKeyFile", "must be the path of a private key file", key_file)
        return None
    key_path = Path(key_file).expanduser()
    checked = {} if checked is None else checked
    if key_path not in checked:
        checked[key_path] = key_problem(key_path)
        if checked[key_path]:
            problems.add(f"{path}.privateKeyFile", str(checked[key_path]))
    return Ssh(user=user, port=port, private_key_file=key_path)


def parse_hosts(
    value: Any,
    path: str,
    role: str,
    default_ssh: Ssh | None,
    problems: Problems,
    *,
    node_marks: bool = False,
    checked: dict[Path, str | None] | None = None,
) -> tuple[tuple[str, Host], ...]:
    """Parse one host list; each host comes back with its field path for later cross-field messages."""
    if value is None:
        problems.add(path, "is required: a list of hosts with name and address")
        return ()
    if not isinstance(value, list):
        problems.add(path, f"must be a list of hosts with name and address, not {kind(value)}", value)
        return ()
    hosts = []
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            problems.add(where, f"must be a map with name and address, not {kind(item)}", item)
            continue
        known = ("name", "address", "ssh", "labels", "taints") if node_marks else ("name", "address", "ssh")
        problems.unknown_keys(item, where, known)
        name = item.get("name")
        if not isinstance(name, str) or not NODE_NAME.match(name):
            problems.add(f"{where}.name", "must be a lower-case DNS label (a Node's name)", name)
        address = item.get("address")
        try:
            if not isinstance(address, str):
                raise ValueError
            ipaddress.ip_address(address)
        except ValueError:
            problems.add(f"{where}.address", "must be an IP address", address)
        ssh = parse_ssh(item["ssh"], f"{where}.ssh", default_ssh, problems, checked) if "ssh" in item else default_ssh
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
        problems.add(path, f"must be a map of label keys to values, not {kind(value)}", value)
        return ()
    for key, text in value.items():
        if not _valid_key(key):
            problems.add(f"{path}.{key}", "not a valid label key (an optional DNS prefix and '/', then a name)", key)
        elif not _valid_value(text):
            problems.add(f"{path}.{key}", "not a valid label value (a string: letters, digits, '-', '_', '.')", text)
    return tuple(sorted((str(k), str(v)) for k, v in value.items()))


def _parse_taints(value: Any, path: str, problems: Problems) -> tuple[Taint, ...]:
    if not isinstance(value, list):
        problems.add(path, f"must be a list of taints with key, value (optional) and effect, not {kind(value)}", value)
        return ()
    taints: list[Taint] = []
    seen: dict[tuple[str, str], str] = {}
    for i, item in enumerate(value):
        where = f"{path}[{i}]"
        if not isinstance(item, Mapping):
            problems.add(where, f"must be a map with key, value (optional) and effect, not {kind(item)}", item)
            continue
        problems.unknown_keys(item, where, ("key", "value", "effect"))
        key, text, effect = item.get("key"), item.get("value", ""), item.get("effect")
        fine = True
        if not _valid_key(key):
            problems.add(f"{where}.key", "not a valid taint key", key)
            fine = False
        if not _valid_value(text):
            problems.add(f"{where}.value", "not a valid taint value (a string: letters, digits, '-', '_', '.')", text)
            fine = False
        if effect not in TAINT_EFFECTS:
            problems.add(f"{where}.effect", f"must be one of {', '.join(TAINT_EFFECTS)}", effect)
            fine = False
        if not fine:
            continue
        key, text, effect = str(key), str(text), str(effect)
        # The API server keeps one taint per key and effect.
        if (key, effect) in seen:
            problems.add(where, f"duplicate taint {key}:{effect} (also {seen[(key, effect)]})")
            continue
        seen[(key, effect)] = where
        taints.append(Taint(key=key, value=text, effect=effect))
    return tuple(taints)


def check_unique(hosts: tuple[tuple[str, Host], ...], problems: Problems) -> None:
    seen_names: dict[str, str] = {}
    seen_addresses: dict[str, str] = {}
    roles = {(h.name, h.address): h.role for _, h in hosts if h.role == ROLE_CONTROL_PLANE}
    for where, host in hosts:
        if host.role != ROLE_CONTROL_PLANE and (host.name, host.address) in roles:
            problems.add(
                where,
                f"{host.display} is also a control plane ({seen_names[host.name]}): a host has one role",
            )
            continue
        if host.name in seen_names:
            problems.add(f"{where}.name", f"duplicate host name {host.name!r} (also {seen_names[host.name]})")
        seen_names.setdefault(host.name, where)
        if host.address in seen_addresses:
            problems.add(f"{where}.address", f"duplicate address {host.address} (also {seen_addresses[host.address]})")
        seen_addresses.setdefault(host.address, where)
