"""Shell for the host steps of kubeadm's phases. Pure: values in, script text out; golden-tested.

Every script is POSIX sh run as root over SSH, prints `[<phase>] ...` lines like kubeadm, never prints key
material, and fails with a message naming the host and what it waited for.
"""

from __future__ import annotations

import shlex

from components import constants as c

_ADMIN = f"{c.KUBERNETES_DIR}/{c.ADMIN_KUBECONFIG}"
_SUPER_ADMIN = f"{c.KUBERNETES_DIR}/{c.SUPER_ADMIN_KUBECONFIG}"
_KUBELET_CONF = f"{c.KUBERNETES_DIR}/{c.KUBELET_KUBECONFIG}"


def kubelet_start() -> str:
    """kubelet-start: (re)start the kubelet on the files written before this step."""
    return (
        "systemctl daemon-reload && systemctl enable kubelet >/dev/null 2>&1 && systemctl restart kubelet "
        '&& echo "[kubelet-start] kubelet (re)started"\n'
    )


def kubelet_stop() -> str:
    return "systemctl stop kubelet; systemctl disable kubelet >/dev/null 2>&1; echo '[reset] kubelet stopped'\n"


def reset_preflight(host: str) -> str:
    return f'[ "$(id -u)" = 0 ] || {{ echo "[reset] {host}: root is required" >&2; exit 1; }}\n'


def reset_cleanup() -> str:
    """kubeadm reset's cleanup-node: stop the kubelet, remove pods and containers, unmount, delete kubeadm's files."""
    return f"""\
systemctl stop kubelet 2>/dev/null
systemctl disable kubelet >/dev/null 2>&1
# Remove every Kubernetes container and pod sandbox (the CRI namespace), then their mounts.
for id in $(ctr -n k8s.io tasks ls -q 2>/dev/null); do ctr -n k8s.io tasks kill -s SIGKILL "$id" >/dev/null 2>&1; done
sleep 1
for id in $(ctr -n k8s.io tasks ls -q 2>/dev/null); do ctr -n k8s.io tasks delete -f "$id" >/dev/null 2>&1; done
for id in $(ctr -n k8s.io containers ls -q 2>/dev/null); do ctr -n k8s.io containers delete "$id" >/dev/null 2>&1; done
awk '$2 ~ "^{c.KUBELET_DIR}/" {{print $2}}' /proc/mounts | sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
rm -rf {c.MANIFESTS_DIR}/* {c.KUBELET_DIR}/* {c.PKI_DIR} {c.ETCD_DATA_DIR}/* {c.KUBERNETES_DIR}/tmp
rm -f {" ".join(f"{c.KUBERNETES_DIR}/{f}" for f in (c.ADMIN_KUBECONFIG, c.SUPER_ADMIN_KUBECONFIG, c.KUBELET_KUBECONFIG, c.BOOTSTRAP_KUBELET_KUBECONFIG, c.CONTROLLER_MANAGER_KUBECONFIG, c.SCHEDULER_KUBECONFIG))}
echo "[reset] cleaned {c.KUBERNETES_DIR}, {c.KUBELET_DIR} and {c.ETCD_DATA_DIR}"
"""


def wait_control_plane(node: str, timeout: int = c.CONTROL_PLANE_HEALTH_CHECK_SECONDS) -> str:
    """wait-control-plane: the kubelet healthy, the API server live, and the four static pods Ready (their
    mirror pods carry the kubelet's probe results). On timeout, the failing part's recent log lines."""
    components = " ".join((c.ETCD, c.KUBE_APISERVER, c.KUBE_CONTROLLER_MANAGER, c.KUBE_SCHEDULER))
    return f"""\
node={shlex.quote(node)}
deadline=$(( $(date +%s) + {timeout} ))
k() {{ kubectl --kubeconfig={_SUPER_ADMIN} --request-timeout=5s "$@"; }}
kubelet_healthy() {{ exec 3<>/dev/tcp/{c.KUBELET_HEALTHZ_BIND_ADDRESS}/{c.KUBELET_HEALTHZ_PORT} && printf 'GET /healthz HTTP/1.0\\r\\n\\r\\n' >&3 && grep -q '^ok' <&3; }}
pod_ready() {{ [ "$(k -n {c.KUBE_SYSTEM_NAMESPACE} get pod "$1-$node" -o jsonpath='{{.status.conditions[?(@.type=="Ready")].status}}' 2>/dev/null)" = True ]; }}
logs() {{ for f in /var/log/pods/{c.KUBE_SYSTEM_NAMESPACE}_$1-${{node}}_*/$1/*.log; do [ -f "$f" ] && tail -n 15 "$f"; done; }}
fail() {{
  echo "[wait-control-plane] $node: $1 not healthy after {timeout}s" >&2
  if [ -n "${{2:-}}" ]; then echo "--- recent $2 log lines:" >&2; logs "$2" >&2; fi
  echo "--- recent kubelet log lines:" >&2; journalctl -u kubelet --no-pager -n 15 >&2
  exit 1
}}
until kubelet_healthy 2>/dev/null; do [ "$(date +%s)" -lt "$deadline" ] || fail kubelet; sleep 2; done
echo "[wait-control-plane] kubelet healthy"
until k get --raw=/livez >/dev/null 2>&1; do [ "$(date +%s)" -lt "$deadline" ] || fail "the API server" {c.KUBE_APISERVER}; sleep 2; done
echo "[wait-control-plane] API server live"
for component in {components}; do
  until pod_ready "$component"; do [ "$(date +%s)" -lt "$deadline" ] || fail "$component" "$component"; sleep 2; done
  echo "[wait-control-plane] $component ready"
done
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


def mark_control_plane(node: str, labels: dict[str, str], taints: list[str]) -> str:
    """mark-control-plane: kubeadm's labels and taint on the Node (other labels and taints are kept)."""
    label_args = " ".join(shlex.quote(f"{k}={v}") for k, v in sorted(labels.items()))
    lines = [f'k() {{ kubectl --kubeconfig={_ADMIN} "$@"; }}']
    lines.append(f"k label node {shlex.quote(node)} {label_args} --overwrite >/dev/null")
    for taint in taints:
        lines.append(f"k taint node {shlex.quote(node)} {shlex.quote(taint)} --overwrite >/dev/null")
    lines.append(f"echo '[mark-control-plane] {node}: labels and taints set'")
    return "\n".join(lines) + "\n"


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


def join_worker(node: str, endpoint: str, ca_cert_hash: str, timeout: int = 300) -> str:
    """kubeadm join for a worker: token discovery pinned by the CA hash, bootstrap-kubelet.conf, then the kubelet's
    own TLS bootstrap; done when the Node is registered. The token (`<id>.<secret>`) comes on stdin."""
    bootstrap = f"{c.KUBERNETES_DIR}/{c.BOOTSTRAP_KUBELET_KUBECONFIG}"
    info = f"/api/v1/namespaces/{c.KUBE_PUBLIC_NAMESPACE}/configmaps/{c.CLUSTER_INFO_CONFIGMAP}"
    return f"""\
set -e
token=$(cat)
node={shlex.quote(node)}
endpoint=https://{endpoint}
deadline=$(( $(date +%s) + {timeout} ))
# An anonymous HTTPS GET of cluster-info (as kubeadm's discovery does); extra arguments go to openssl s_client.
get_cluster_info() {{
  printf 'GET {info} HTTP/1.0\\r\\nHost: {endpoint}\\r\\n\\r\\n' \
    | openssl s_client -connect {endpoint} -quiet "$@" 2>/dev/null | sed '1,/^\\r$/d'
}}
fail() {{ echo "[join] $node: $1" >&2; [ -z "${{2:-}}" ] || journalctl -u kubelet --no-pager -n 15 >&2; exit 1; }}
late() {{ [ "$(date +%s)" -ge "$deadline" ]; }}
if [ ! -s {_KUBELET_CONF} ]; then
  # discovery: read cluster-info anonymously, wait for the signer's signature for our token, pin the CA by its hash
  ca=$(mktemp); trap 'rm -f "$ca"' EXIT
  until info=$(get_cluster_info) && echo "$info" | grep -q "jws-kubeconfig-${{token%%.*}}"; do
    late && fail "no signed cluster-info at $endpoint after {timeout}s"
    sleep 3
  done
  ca_data=$(echo "$info" | grep -o 'certificate-authority-data: [A-Za-z0-9+/=]*' | head -n1 | cut -d' ' -f2)
  server=$(echo "$info" | grep -o 'server: https://[^\\\\" ]*' | head -n1 | cut -d' ' -f2)
  echo "$ca_data" | base64 -d > "$ca"
  hash=sha256:$(openssl x509 -pubkey -noout -in "$ca" | openssl pkey -pubin -outform der | sha256sum | cut -d' ' -f1)
  [ "$hash" = {shlex.quote(ca_cert_hash)} ] || fail "the cluster CA at $endpoint has hash $hash, expected {ca_cert_hash}: not joining"
  # The server must prove it holds a certificate of the pinned CA before anything is trusted.
  get_cluster_info -CAfile "$ca" -verify_return_error | grep -q "certificate-authority-data" \\
    || fail "$endpoint does not present a certificate of the pinned CA"
  umask 077
  printf '%s\\n' 'apiVersion: v1' 'clusters:' '- cluster:' "    certificate-authority-data: $ca_data" \\
    "    server: $server" '  name: kubernetes' 'contexts:' '- context:' '    cluster: kubernetes' \\
    '    user: tls-bootstrap-token-user' '  name: tls-bootstrap-token-user@kubernetes' \\
    'current-context: tls-bootstrap-token-user@kubernetes' 'kind: Config' 'users:' \\
    '- name: tls-bootstrap-token-user' '  user:' "    token: $token" > {bootstrap}.tmp
  mv -f {bootstrap}.tmp {bootstrap}
  echo "[join] discovery: cluster CA pinned ($hash), {bootstrap} written"
fi
systemctl daemon-reload && systemctl enable kubelet >/dev/null 2>&1 && systemctl restart kubelet
until [ -s {_KUBELET_CONF} ] && kubectl --kubeconfig={_KUBELET_CONF} --request-timeout=5s get node "$node" >/dev/null 2>&1; do
  late && fail "the Node did not register within {timeout}s (TLS bootstrap)" logs
  sleep 2
done
rm -f {bootstrap}
echo "[kubelet-start] $node: TLS bootstrap done, Node registered"
"""
