"""Shell for kubeadm join's worker phases and for a worker's removal. Pure: values in, script text out.

The token scripts run on the first control plane with admin.conf; `join_worker` runs on the joining host. As in
phase_scripts: POSIX-ish sh run as root over SSH, `[<phase>] ...` lines, no key material or token secret printed
except the minted token on the token step's own stdout (a secret output, never streamed: remote.NO_LOGGING).
Nothing here reads PULUMI_COMMAND_STDOUT: what a script needs comes from its own text, its stdin or the cluster.
"""

from __future__ import annotations

import base64
import shlex

import yaml

from components import constants as c
from components.config import Taint
from components.pki.kubeconfig_specs import ADMIN_CONF, BOOTSTRAP_KUBELET_CONF, KUBELET_CONF
from components.render import cluster_objects as objects

_ADMIN, _KUBELET_CONF = ADMIN_CONF, KUBELET_CONF
# kubectl with admin.conf, for every script here and in etcd_scripts.
KUBECTL = f'k() {{ kubectl --kubeconfig={_ADMIN} --request-timeout=20s "$@"; }}'


def mint_token(node: str, ttl_minutes: int = c.JOIN_TOKEN_TTL_MINUTES) -> str:
    """`kubeadm token create` for one join: a fresh token Secret, printed as `<id>.<secret>` on stdout only.

    Tokens an earlier, unfinished join of the same node left behind are deleted first."""
    label = f"{c.JOIN_TOKEN_NODE_LABEL}={node}"
    # The Secret init's bootstrap-token phase would render, with shell variables for the values the host picks;
    # every scalar double-quoted, so an all-digit id or a timestamp stays a YAML string once filled in.
    secret = objects.bootstrap_token_secret(
        "$id",
        "$secret",
        expiration="$expiration",
        description=c.JOIN_TOKEN_DESCRIPTION,
        labels={c.JOIN_TOKEN_NODE_LABEL: node},
    )
    secret["stringData"] = {k: base64.b64decode(v).decode() for k, v in secret.pop("data").items()}
    manifest = yaml.safe_dump(secret, default_style='"', sort_keys=False)
    return f"""\
set -e
{KUBECTL}
k -n {c.KUBE_SYSTEM_NAMESPACE} delete secret -l {shlex.quote(label)} --ignore-not-found >/dev/null
pick() {{ tr -dc {c.BOOTSTRAP_TOKEN_ALPHABET} </dev/urandom | head -c "$1"; }}
id=$(pick 6); secret=$(pick 16)
expiration=$(date -u -d '+{ttl_minutes} minutes' +%Y-%m-%dT%H:%M:%SZ)
k create -f - >/dev/null <<EOF
{manifest}EOF
printf '%s.%s' "$id" "$secret"
"""


def delete_token() -> str:
    """`kubeadm token delete` of the token on stdin, once its join is done. A token that cannot be deleted fails the
    step (which runs again on the next `pulumi up`): no valid token is left behind without saying so."""
    return f"""\
token=$(cat)
{KUBECTL}
[ -n "$token" ] || exit 0
k -n {c.KUBE_SYSTEM_NAMESPACE} delete secret "{c.BOOTSTRAP_TOKEN_SECRET_PREFIX}${{token%%.*}}" --ignore-not-found >/dev/null \\
  || {{ echo "[join] could not delete bootstrap token ${{token%%.*}}; it stays valid until it expires (at most {c.JOIN_TOKEN_TTL_MINUTES} minutes)" >&2; exit 1; }}
echo "[join] bootstrap token ${{token%%.*}} deleted"
"""


def delete_node_tokens(node: str) -> str:
    """Every bootstrap token minted for `node`'s joins (by their label), when its token step goes: a join that never
    finished leaves none behind. An API server that no longer answers leaves them to expire."""
    label = shlex.quote(f"{c.JOIN_TOKEN_NODE_LABEL}={node}")
    return f"""\
{KUBECTL}
k -n {c.KUBE_SYSTEM_NAMESPACE} delete secret -l {label} --ignore-not-found >/dev/null \\
  || {{ echo "[join] API server unreachable: bootstrap tokens of {node} are left to expire (at most {c.JOIN_TOKEN_TTL_MINUTES} minutes)" >&2; exit 0; }}
echo "[join] bootstrap tokens of {node} deleted"
"""


def join_worker(node: str, endpoint: str, ca_cert_hash: str, token_urn: str, timeout: int = 300) -> str:
    """kubeadm join for a worker: token discovery pinned by the CA hash, bootstrap-kubelet.conf, then the kubelet's
    own TLS bootstrap; done when the Node is registered. The token (`<id>.<secret>`) comes on stdin.

    `token_urn` names the token step in the error for a token that is no longer valid (an earlier failed run)."""
    bootstrap = BOOTSTRAP_KUBELET_CONF
    info = f"/api/v1/namespaces/{c.KUBE_PUBLIC_NAMESPACE}/configmaps/{c.CLUSTER_INFO_CONFIGMAP}"
    return f"""\
set -e
token=$(cat)
node={shlex.quote(node)}
endpoint=https://{endpoint}
deadline=$(( $(date +%s) + {timeout} ))
# An anonymous HTTPS GET of cluster-info (as kubeadm's discovery does); extra arguments go to openssl s_client.
get_cluster_info() {{
  printf 'GET {info} HTTP/1.0\\r\\nHost: {endpoint}\\r\\n\\r\\n' \\
    | openssl s_client -connect {endpoint} -quiet "$@" 2>/dev/null | sed '1,/^\\r$/d'
}}
fail() {{ echo "[join] $node: $1" >&2; [ -z "${{2:-}}" ] || journalctl -u kubelet --no-pager -n 15 >&2; exit 1; }}
late() {{ [ "$(date +%s)" -ge "$deadline" ]; }}
if [ ! -s {_KUBELET_CONF} ]; then
  # discovery: read cluster-info anonymously and pin its CA by the hash before trusting anything in it
  ca=$(mktemp); trap 'rm -f "$ca"' EXIT
  until info=$(get_cluster_info) && echo "$info" | grep -q "certificate-authority-data"; do
    late && fail "no cluster-info at $endpoint after {timeout}s"
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
  # The bootstrap signer signs cluster-info for every valid token within seconds of its creation.
  signed=$(( $(date +%s) + 60 ))
  until get_cluster_info -CAfile "$ca" | grep -q "jws-kubeconfig-${{token%%.*}}"; do
    [ "$(date +%s)" -lt "$signed" ] || fail "bootstrap token ${{token%%.*}} is not valid any more (it expired or was \\
deleted after an earlier failed run); mint a new one with: pulumi up --replace '{token_urn}'"
    sleep 2
  done
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


def mark_worker(node: str, labels: tuple[tuple[str, str], ...], taints: tuple[Taint, ...]) -> str:
    """The worker's configured labels and taints on its Node. Those an earlier run set and the config no longer
    has are removed: the Node's own annotations name what kubeadm-pulumi set; labels and taints of others are kept."""
    label_keys = " ".join(k for k, _ in labels)
    taint_keys = " ".join(f"{t.key}:{t.effect}" for t in taints)
    managed = f"{c.MANAGED_LABELS_ANNOTATION}={label_keys}", f"{c.MANAGED_TAINTS_ANNOTATION}={taint_keys}"
    # jsonpath needs the dots of an annotation key escaped.
    old_labels, old_taints = (
        shlex.quote("{.metadata.annotations." + key.replace(".", "\\.") + "}")
        for key in (c.MANAGED_LABELS_ANNOTATION, c.MANAGED_TAINTS_ANNOTATION)
    )
    lines = [
        KUBECTL,
        "set -e",
        f"node={shlex.quote(node)}",
        'previous() { k get node "$node" -o "jsonpath=$1"; }',
        f"old_labels=$(previous {old_labels})",
        f"old_taints=$(previous {old_taints})",
        f"for key in $old_labels; do case ' {label_keys} ' in *\" $key \"*) ;; "
        '*) k label node "$node" "$key-" >/dev/null 2>&1 || true ;; esac; done',
        f"for key in $old_taints; do case ' {taint_keys} ' in *\" $key \"*) ;; "
        '*) k taint node "$node" "$key-" >/dev/null 2>&1 || true ;; esac; done',
    ]
    if labels:
        args = " ".join(shlex.quote(f"{k}={v}") for k, v in labels)
        lines.append(f'k label node "$node" {args} --overwrite >/dev/null')
    for taint in taints:
        lines.append(f'k taint node "$node" {shlex.quote(str(taint))} --overwrite >/dev/null')
    lines.append(f'k annotate node "$node" --overwrite {" ".join(shlex.quote(m) for m in managed)} >/dev/null')
    lines.append(f"echo '[join] {node}: labels ({label_keys or 'none'}) and taints ({taint_keys or 'none'}) set'")
    return "\n".join(lines) + "\n"


def remove_node(node: str, address: str, drain_timeout: int = c.DRAIN_TIMEOUT_SECONDS) -> str:
    """A worker leaving the cluster: cordon, drain (only when its kubelet answers), delete the Node."""
    return f"""\
{KUBECTL}
node={shlex.quote(node)}
found=$(k get node "$node" -o name --ignore-not-found) || {{ echo "[remove] $node: API server unreachable, Node not deleted" >&2; exit 1; }}
[ -n "$found" ] || {{ echo "[remove] $node: no Node object"; exit 0; }}
k cordon "$node" >/dev/null
if timeout 5 bash -c 'exec 3<>/dev/tcp/{address}/{c.KUBELET_PORT}' 2>/dev/null; then
  k drain "$node" --ignore-daemonsets --delete-emptydir-data --force --timeout={drain_timeout}s >/dev/null \\
    || {{ echo "[remove] $node: drain did not finish within {drain_timeout}s; the Node stays, cordoned" >&2; exit 1; }}
  echo "[remove] $node drained"
else
  echo "[remove] $node: its kubelet at {address}:{c.KUBELET_PORT} does not answer; not draining, its pods go with the Node"
fi
k delete node "$node" --wait=false >/dev/null
echo "[remove] Node $node deleted"
"""
