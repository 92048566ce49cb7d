"""The lab's load balancer: one more machine, `lb`, whose HAProxy is the control-plane endpoint `<lb>:6443`.

`up --load-balancer` boots it from the same root file system as the nodes, at the lab subnet's .10 (network.LB),
without Kubernetes (no kubelet, containerd masked). HAProxy, from Debian's package, forwards TCP (no TLS
termination) to port 6443 of every node, whether or not it runs an API server, as a site's load balancer in front
of kubeadm's control planes does: it checks each API server's /readyz over HTTPS every second, takes a node out
after two failed checks and back after two good ones, so a control plane that is not up yet, or not ready again
after a restart, gets no connections. Another `up` with a different node count rewrites the backend list.
"""

from __future__ import annotations

import shlex
import subprocess
from collections.abc import Sequence
from pathlib import Path

from .paths import LabError
from .remote import ssh_argv

PORT = 6443  # the API server's port, on the load balancer and on every node
CONFIG_PATH = "/etc/haproxy/haproxy.cfg"
# Debian's installed but unused units: the rootfs package list is shared with the Kubernetes nodes.
MASKED = ("containerd.service",)

HEADER = """\
# Written by kubeadm-pulumi's lab (`python -m lab up --load-balancer`); rewritten by every `up`.
# TCP pass-through to the API servers of the lab's nodes; an HTTPS check of /readyz every second takes a node
# out after 2 failures and back after 2 successes (kubeadm's HA guide checks the API servers the same way).
global
    log /dev/log local0
    chroot /var/lib/haproxy
    stats socket /run/haproxy/admin.sock mode 660 level admin
    user haproxy
    group haproxy

defaults
    log global
    mode tcp
    option tcplog
    option dontlognull
    timeout connect 5s
    # long enough for `kubectl ... --watch` and the kubelet's watches
    timeout client 1h
    timeout server 1h
    timeout check 1s
    # a connection refused by a node not yet marked down is retried on another one
    retries 3
    option redispatch 1

frontend kube-apiserver
    bind *:{port}
    default_backend kube-apiserver

backend kube-apiserver
    balance roundrobin
    option httpchk
    http-check send meth GET uri /readyz
    http-check expect status 200
    default-server inter 1s fall 2 rise 2 check-ssl verify none
"""

# Validate the new file with haproxy itself, replace the old one only when it differs, and reload (running
# connections, e.g. watches, survive a reload); an unchanged file leaves haproxy alone but running.
APPLY_SCRIPT = f"""\
set -eu
new={CONFIG_PATH}.lab-new
cat > "$new"
haproxy -c -q -f "$new" || {{ rm -f "$new"; exit 1; }}
if cmp -s "$new" {CONFIG_PATH}; then
  rm -f "$new"
  systemctl is-enabled -q haproxy || systemctl enable -q haproxy
  systemctl is-active -q haproxy || systemctl start haproxy
  echo unchanged
else
  chmod 644 "$new"
  mv "$new" {CONFIG_PATH}
  systemctl enable -q haproxy
  systemctl reload-or-restart haproxy
  echo changed
fi
"""


def render_config(backends: Sequence[tuple[str, str]]) -> str:
    """haproxy.cfg for `backends` [(node name, address)], each checked and balanced on port 6443."""
    if not backends:
        raise LabError("load balancer: no nodes to balance")
    servers = [f"    server {name} {address}:{PORT} check\n" for name, address in backends]
    return HEADER.replace("{port}", str(PORT)) + "".join(servers)


def endpoint(address: str) -> str:
    """The control-plane endpoint (`host:port`) a load balancer at `address` provides."""
    return f"{address}:{PORT}"


def prepare_upper(upper: Path) -> None:
    """Files of the load balancer's own layer, before it boots: units it does not need are masked."""
    units = upper / "etc/systemd/system"
    units.mkdir(parents=True, exist_ok=True)
    for unit in MASKED:
        link = units / unit
        if not link.is_symlink():
            link.unlink(missing_ok=True)
            link.symlink_to("/dev/null")


def configure(address: str, backends: Sequence[tuple[str, str]], timeout: float = 60.0) -> bool:
    """Write the config on the load balancer at `address` and (re)load haproxy; True when the config changed."""
    proc = subprocess.run(
        ssh_argv(address, [f"sh -c {shlex.quote(APPLY_SCRIPT)}"]),
        input=render_config(backends),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        detail = (proc.stderr or proc.stdout).strip()[-2000:]
        raise LabError(f"lb ({address}): configuring haproxy failed (exit {proc.returncode}): {detail}")
    return proc.stdout.split()[-1:] == ["changed"]
