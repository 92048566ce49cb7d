"""Shell for the host steps of kubeadm's phases. Pure: values in, script text out; golden-tested.

Every script is POSIX sh run as root over SSH, prints `[<phase>] ...` lines like kubeadm, never prints key
material, and fails with a message naming the host and what it waited for.
"""

from __future__ import annotations

import shlex

from components import constants as c
from components.config.endpoint import url_host
from components.pki.kubeconfig_specs import ADMIN_CONF, KUBELET_CONF, SUPER_ADMIN_CONF
from components.render import cluster_objects as objects

_ADMIN, _SUPER_ADMIN, _KUBELET_CONF = ADMIN_CONF, SUPER_ADMIN_CONF, KUBELET_CONF


def wait_control_plane(
    node: str,
    address: str,
    timeout: int = c.CONTROL_PLANE_HEALTH_CHECK_SECONDS,
    kubeconfig: str = _SUPER_ADMIN,
) -> str:
    """wait-control-plane: the kubelet healthy, then each component's own health endpoint, as kubeadm 1.37 polls
    them (the API server's /livez on the node's address, the controller-manager's /healthz and the scheduler's
    /livez on loopback), then the API server answering the kubeconfig's client. Probing the endpoints directly
    does not wait for the mirror pods' startup probes. On timeout, the failing part's recent log lines.

    On init the API server is asked with super-admin.conf: admin.conf's group is bound to cluster-admin only by
    upload-config, later. A joining control plane has admin.conf only, and the binding exists."""
    endpoints = (
        (c.KUBE_APISERVER, f"https://{url_host(address)}:{c.APISERVER_PORT}/livez"),
        (c.KUBE_CONTROLLER_MANAGER, f"https://127.0.0.1:{c.CONTROLLER_MANAGER_PORT}/healthz"),
        (c.KUBE_SCHEDULER, f"https://127.0.0.1:{c.SCHEDULER_PORT}/livez"),
    )
    checks = "\n".join(
        f'until healthy {url}; do late && fail {name} {name}; sleep 1; done; echo "[wait-control-plane] {name} healthy"'
        for name, url in endpoints
    )
    return f"""\
node={shlex.quote(node)}
deadline=$(( $(date +%s) + {timeout} ))
late() {{ [ "$(date +%s)" -ge "$deadline" ]; }}
kubelet_healthy() {{ exec 3<>/dev/tcp/{c.KUBELET_HEALTHZ_BIND_ADDRESS}/{c.KUBELET_HEALTHZ_PORT} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '^ok' <&3; }}
healthy() {{ [ "$(curl -sk --max-time 3 "$1" 2>/dev/null)" = ok ]; }}
logs() {{ for f in /var/log/pods/{c.KUBE_SYSTEM_NAMESPACE}_$1-${{node}}_*/$1/*.log; do [ -f "$f" ] && tail -n 15 "$f"; done; }}
fail() {{
  echo "[wait-control-plane] $node: $1 not healthy after {timeout}s" >&2
  if [ -n "${{2:-}}" ]; then echo "--- recent $2 log lines:" >&2; logs "$2" >&2; fi
  echo "--- recent kubelet log lines:" >&2; journalctl -u kubelet --no-pager -n 15 >&2
  exit 1
}}
until kubelet_healthy 2>/dev/null; do late && fail kubelet; sleep 1; done
echo "[wait-control-plane] kubelet healthy"
{checks}
until kubectl --kubeconfig={kubeconfig} --request-timeout=5s get --raw=/readyz >/dev/null 2>&1; do late && fail "the API server (readyz)" {c.KUBE_APISERVER}; sleep 1; done
echo "[wait-control-plane] API server ready"
"""


def apply(phase: str, kubeconfig: str = _ADMIN) -> str:
    """Server-side apply of the objects on stdin, owned by our field manager (others' fields are kept)."""
    return (
        f"kubectl --kubeconfig={kubeconfig} apply --server-side --force-conflicts "
        f"--field-manager={c.FIELD_MANAGER} -f - >/dev/null && echo '[{phase}] applied'\n"
    )


def delete(phase: str, manifest_b64: str, kubeconfig: str = _ADMIN) -> str:
    """Remove the phase's objects; an API server that is already gone leaves them to reset (etcd is wiped)."""
    return (
        f"echo {manifest_b64} | base64 -d | kubectl --kubeconfig={kubeconfig} --request-timeout=20s delete "
        f"--ignore-not-found --wait=false -f - >/dev/null 2>&1 || echo '[{phase}] API server unreachable: "
        "objects are left to reset' >&2\n"
    )


def mark_control_plane(node: str, labels: dict[str, str], taints: list[str], timeout: int = 120) -> str:
    """mark-control-plane: kubeadm's labels and taint on the Node (other labels and taints are kept), once the
    kubelet has registered it (a joining control plane's API server can be up before its Node is); any failure
    fails the step."""
    label_args = " ".join(shlex.quote(f"{k}={v}") for k, v in sorted(labels.items()))
    lines = ["set -e", f'k() {{ kubectl --kubeconfig={_ADMIN} "$@"; }}']
    lines.append(f"deadline=$(( $(date +%s) + {timeout} ))")
    lines.append(
        f'until k get node {shlex.quote(node)} >/dev/null 2>&1; do [ "$(date +%s)" -lt "$deadline" ] '
        f"|| {{ echo '[mark-control-plane] Node {node} not registered after {timeout}s' >&2; exit 1; }}; sleep 1; done"
    )
    # Through the endpoint a request can reach an API server that is still starting: retry until the deadline.
    marks = [f"k label node {shlex.quote(node)} {label_args} --overwrite >/dev/null"]
    marks += [f"k taint node {shlex.quote(node)} {shlex.quote(t)} --overwrite >/dev/null" for t in taints]
    lines.append(f"mark() {{ {' && '.join(marks)}; }}")
    lines.append(
        'until err=$(mark 2>&1); do [ "$(date +%s)" -lt "$deadline" ] '
        f'|| {{ echo "[mark-control-plane] {node}: $err" >&2; exit 1; }}; sleep 1; done'
    )
    lines.append(f"echo '[mark-control-plane] {node}: labels and taints set'")
    return "\n".join(lines) + "\n"


def mark_kubeadm_control_plane(node: str) -> str:
    """mark-control-plane with kubeadm's own control-plane label and taint."""
    marks = objects.CONTROL_PLANE_MARKS
    return mark_control_plane(node, dict(marks.labels), [f"{t['key']}:{t['effect']}" for t in marks.taints])


def kubelet_finalize(user: str, timeout: int = 120) -> str:
    """kubelet-finalize: point kubelet.conf at the kubelet's rotated client certificate, as kubeadm does."""
    return f"""\
deadline=$(( $(date +%s) + {timeout} ))
until [ -e {c.KUBELET_CLIENT_CURRENT} ]; do
  [ "$(date +%s)" -lt "$deadline" ] || {{ echo "[kubelet-finalize] no {c.KUBELET_CLIENT_CURRENT} after {timeout}s" >&2; exit 1; }}
  sleep 2
done
kc() {{ kubectl config --kubeconfig={_KUBELET_CONF} "$@" >/dev/null; }}
kc set-credentials {shlex.quote(user)} --client-certificate={c.KUBELET_CLIENT_CURRENT} --client-key={c.KUBELET_CLIENT_CURRENT}
kc unset {shlex.quote(f"users.{user}.client-certificate-data")}
kc unset {shlex.quote(f"users.{user}.client-key-data")}
echo "[kubelet-finalize] kubelet.conf uses {c.KUBELET_CLIENT_CURRENT}"
"""
