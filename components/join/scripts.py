"""The shell of kubeadm join's worker phases and of a worker's removal, from the `.sh` files beside this module, with
their parameters. Pure: values in, command text out; golden-tested.

The token scripts run on the first control plane with admin.conf; `join_worker` runs on the joining host. No key
material or token secret is printed except the minted token on the token step's own stdout (a secret output, never
streamed: remote.NO_LOGGING). Nothing here reads a previous run's output: what a script needs comes from its own
text, its stdin or the cluster.
"""

from __future__ import annotations

import base64

import yaml

from components import constants as c
from components.config import Taint
from components.pki.kubeconfig_specs import ADMIN_CONF, BOOTSTRAP_KUBELET_CONF, KUBELET_CONF
from components.remote.shell import script
from components.render import cluster_objects as objects

_ADMIN = {"admin_conf": ADMIN_CONF, "api_server": ""}


def mint_token(node: str, ttl_minutes: int = c.JOIN_TOKEN_TTL_MINUTES) -> str:
    """`kubeadm token create` for one join: a fresh token Secret, printed as `<id>.<secret>` on stdout only.

    Tokens an earlier, unfinished join of the same node left behind are deleted first."""
    # The Secret init's bootstrap-token phase would render, with placeholders for the values the host picks;
    # every scalar double-quoted, so an all-digit id or a timestamp stays a YAML string once filled in.
    secret = objects.bootstrap_token_secret(
        "@id@",
        "@secret@",
        expiration="@expiration@",
        description=c.JOIN_TOKEN_DESCRIPTION,
        labels={c.JOIN_TOKEN_NODE_LABEL: node},
    )
    secret["stringData"] = {k: base64.b64decode(v).decode() for k, v in secret.pop("data").items()}
    return script(
        __file__,
        "mint-token.sh",
        **_ADMIN,
        namespace=c.KUBE_SYSTEM_NAMESPACE,
        label=f"{c.JOIN_TOKEN_NODE_LABEL}={node}",
        alphabet=c.BOOTSTRAP_TOKEN_ALPHABET,
        ttl_minutes=ttl_minutes,
        manifest=yaml.safe_dump(secret, default_style='"', sort_keys=False),
    )


def delete_token() -> str:
    """`kubeadm token delete` of the token on stdin, once its join is done; a failure fails the step."""
    return script(
        __file__,
        "delete-token.sh",
        **_ADMIN,
        namespace=c.KUBE_SYSTEM_NAMESPACE,
        token_prefix=c.BOOTSTRAP_TOKEN_SECRET_PREFIX,
        ttl_minutes=c.JOIN_TOKEN_TTL_MINUTES,
    )


def delete_node_tokens(node: str) -> str:
    """Every bootstrap token minted for `node`'s joins (by their label), when its token step goes."""
    return script(
        __file__,
        "delete-node-tokens.sh",
        **_ADMIN,
        namespace=c.KUBE_SYSTEM_NAMESPACE,
        node=node,
        label=f"{c.JOIN_TOKEN_NODE_LABEL}={node}",
        ttl_minutes=c.JOIN_TOKEN_TTL_MINUTES,
    )


def join_worker(node: str, endpoint: str, ca_cert_hash: str, token_urn: str, timeout: int = 300) -> str:
    """kubeadm join for a worker: token discovery pinned by the CA hash, bootstrap-kubelet.conf, then the kubelet's
    own TLS bootstrap; done when the Node is registered. The token (`<id>.<secret>`) comes on stdin.

    `token_urn` names the token step in the error for a token that is no longer valid (an earlier failed run)."""
    return script(
        __file__,
        "join-worker.sh",
        node=node,
        endpoint=endpoint,
        ca_cert_hash=ca_cert_hash,
        token_urn=token_urn,
        timeout=timeout,
        kubelet_conf=KUBELET_CONF,
        bootstrap_conf=BOOTSTRAP_KUBELET_CONF,
        cluster_info=f"/api/v1/namespaces/{c.KUBE_PUBLIC_NAMESPACE}/configmaps/{c.CLUSTER_INFO_CONFIGMAP}",
    )


def mark_worker(node: str, labels: tuple[tuple[str, str], ...], taints: tuple[Taint, ...]) -> str:
    """The worker's configured labels and taints on its Node; those an earlier run set and the config no longer
    has are removed (the Node's own annotations name what kubeadm-pulumi set); others' are kept."""
    return script(
        __file__,
        "mark-worker.sh",
        **_ADMIN,
        node=node,
        labels=" ".join(f"{k}={v}" for k, v in labels),
        taints=" ".join(str(t) for t in taints),
        label_keys=" ".join(k for k, _ in labels),
        taint_keys=" ".join(f"{t.key}:{t.effect}" for t in taints),
        labels_annotation=c.MANAGED_LABELS_ANNOTATION,
        taints_annotation=c.MANAGED_TAINTS_ANNOTATION,
    )


def remove_node(node: str, address: str, drain_timeout: int = c.DRAIN_TIMEOUT_SECONDS) -> str:
    """A worker leaving the cluster: cordon, drain (only when its kubelet answers), delete the Node."""
    return script(
        __file__,
        "remove-node.sh",
        **_ADMIN,
        node=node,
        address=address,
        kubelet_port=c.KUBELET_PORT,
        drain_timeout=drain_timeout,
    )
