"""Small builders for the plain Kubernetes objects kubeadm creates (ConfigMaps, RBAC), and their YAML. Pure.

Objects are dicts in manifest form; `render_objects` writes a list of them as one multi-document YAML stream.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from components import constants as c
from components.render.static_pods import kube_yaml_documents

RBAC_GROUP = "rbac.authorization.k8s.io"
RBAC_VERSION = f"{RBAC_GROUP}/v1"

Obj = dict[str, Any]


def render_objects(objects: list[Obj]) -> str:
    return kube_yaml_documents(objects)


def config_hash(data: Mapping[str, str]) -> str:
    """kubeadm's component-config hash: SHA-256 over the data values in key order."""
    digest = hashlib.sha256()
    for key in sorted(data):
        digest.update(data[key].encode())
    return f"sha256:{digest.hexdigest()}"


def meta(name: str, namespace: str | None = None, **extra: Any) -> Obj:
    """Object metadata: name, namespace when namespaced, and any extra fields (labels, annotations)."""
    out: Obj = {"name": name}
    if namespace:
        out["namespace"] = namespace
    return out | extra


def config_map(name: str, namespace: str, data: Mapping[str, str], **extra_meta: Any) -> Obj:
    metadata = meta(name, namespace, **extra_meta)
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": metadata, "data": dict(data)}


def service_account(name: str) -> Obj:
    return {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": meta(name, c.KUBE_SYSTEM_NAMESPACE)}


def subject(kind: str, name: str) -> Obj:
    """An RBAC subject as kubeadm sends it: no apiGroup (the API server defaults it for User and Group)."""
    if kind == "ServiceAccount":
        return {"kind": kind, "name": name, "namespace": c.KUBE_SYSTEM_NAMESPACE}
    return {"kind": kind, "name": name}


def get_rule(resource: str, name: str | None = None) -> Obj:
    rule: Obj = {"apiGroups": [""], "resources": [resource], "verbs": ["get"]}
    return rule | ({"resourceNames": [name]} if name else {})


def role(name: str, namespace: str, rules: list[Obj]) -> Obj:
    return {"apiVersion": RBAC_VERSION, "kind": "Role", "metadata": meta(name, namespace), "rules": rules}


def role_binding(name: str, namespace: str, role_name: str, subjects: list[Obj]) -> Obj:
    ref = {"apiGroup": RBAC_GROUP, "kind": "Role", "name": role_name}
    return {
        "apiVersion": RBAC_VERSION,
        "kind": "RoleBinding",
        "metadata": meta(name, namespace),
        "roleRef": ref,
        "subjects": subjects,
    }


def cluster_role_binding(name: str, cluster_role: str, subjects: list[Obj]) -> Obj:
    ref = {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": cluster_role}
    return {
        "apiVersion": RBAC_VERSION,
        "kind": "ClusterRoleBinding",
        "metadata": meta(name),
        "roleRef": ref,
        "subjects": subjects,
    }
