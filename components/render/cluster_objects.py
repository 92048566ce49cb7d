"""Cluster objects kubeadm init creates that are plain manifests: uploaded configs, bootstrap-token RBAC,
cluster-info, a bootstrap token Secret, and the control-plane node marks. Pure: no Pulumi, no I/O.

Each function returns Kubernetes objects as dicts; `render_objects` writes them as one multi-document YAML.
CoreDNS and kube-proxy live in `cluster_addons`.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from components import constants as c
from components.config import ClusterConfig, Component
from components.config.certificates import go_duration
from components.render.k8s_objects import (
    RBAC_VERSION,
    Obj,
    cluster_role_binding,
    config_hash,
    config_map,
    get_rule,
    meta,
    role,
    role_binding,
    subject,
)
from components.render.kubelet_config import render_kubelet_configmap_data
from components.render.release_images import minor
from components.render.static_pods import kube_yaml


def _extra_args(args: tuple[tuple[str, str], ...]) -> Obj:
    return {"extraArgs": [{"name": n, "value": v} for n, v in args]} if args else {}


def _component(component: Component) -> Obj:
    """A control-plane component's extraArgs and extraVolumes, in kubeadm's v1beta4 form."""
    obj = _extra_args(component.extra_args)
    if component.extra_volumes:
        obj["extraVolumes"] = [
            {"name": v.name, "hostPath": v.host_path, "mountPath": v.mount_path}
            | ({"readOnly": True} if v.read_only else {})
            | ({"pathType": v.path_type} if v.path_type else {})
            for v in component.extra_volumes
        ]
    return obj


def cluster_configuration(config: ClusterConfig) -> Obj:
    """ClusterConfiguration (kubeadm.k8s.io/v1beta4) with kubeadm's defaults filled, as upload-config stores it."""
    api_server = _component(config.api_server)
    if config.api_server.cert_sans:
        api_server["certSANs"] = list(config.api_server.cert_sans)
    local_etcd: Obj = {"dataDir": c.ETCD_DATA_DIR, **_extra_args(config.etcd.extra_args)}
    if config.etcd.cert_sans:
        local_etcd["serverCertSANs"] = list(config.etcd.cert_sans)
    if config.etcd.peer_cert_sans:
        local_etcd["peerCertSANs"] = list(config.etcd.peer_cert_sans)
    networking = {"dnsDomain": config.networking.dns_domain, "serviceSubnet": config.networking.service_subnet}
    if config.networking.pod_subnet:
        networking["podSubnet"] = config.networking.pod_subnet
    obj: Obj = {
        "apiVersion": "kubeadm.k8s.io/v1beta4",
        "kind": "ClusterConfiguration",
        "apiServer": api_server,
        "caCertificateValidityPeriod": go_duration(config.certificates.ca_validity_seconds),
        "certificateValidityPeriod": go_duration(config.certificates.validity_seconds),
        "certificatesDir": c.PKI_DIR,
        "clusterName": config.cluster_name,
        "controllerManager": _component(config.controller_manager),
        "dns": {},
        "encryptionAlgorithm": c.DEFAULT_KEY_ALGORITHM,
        "etcd": {"local": local_etcd},
        "imageRepository": config.image_repository,
        "kubernetesVersion": config.kubernetes_version,
        "networking": networking,
        "proxy": {},
        "scheduler": _component(config.scheduler),
    }
    if config.control_plane_endpoint:
        obj["controlPlaneEndpoint"] = config.control_plane_endpoint.text
    return obj


def _bootstrappers_and_nodes() -> list[Obj]:
    return [subject("Group", c.BOOTSTRAP_TOKEN_GROUP), subject("Group", c.NODES_GROUP)]


def kubeadm_config_objects(config: ClusterConfig) -> list[Obj]:
    """upload-config/kubeadm: the kubeadm-config ConfigMap and the Role that lets joining nodes read it."""
    name, ns = "kubeadm:nodes-kubeadm-config", c.KUBE_SYSTEM_NAMESPACE
    data = {"ClusterConfiguration": kube_yaml(cluster_configuration(config))}
    return [
        config_map(c.KUBEADM_CONFIG_CONFIGMAP, ns, data),
        role(name, ns, [get_rule("configmaps", c.KUBEADM_CONFIG_CONFIGMAP)]),
        role_binding(name, ns, name, _bootstrappers_and_nodes()),
    ]


def kubelet_config_objects(
    config: ClusterConfig, *, extra_config: Mapping[str, Any] | None = None, resolv_conf: str | None = None
) -> list[Obj]:
    """upload-config/kubelet: the kubelet-config ConfigMap (hash-annotated unless the user supplied settings)."""
    name, ns = "kubeadm:kubelet-config", c.KUBE_SYSTEM_NAMESPACE
    data = {"kubelet": render_kubelet_configmap_data(config, extra_config=extra_config, resolv_conf=resolv_conf)}
    meta = {} if extra_config else {"annotations": {c.COMPONENT_CONFIG_HASH_ANNOTATION: config_hash(data)}}
    subjects = [subject("Group", c.NODES_GROUP), subject("Group", c.BOOTSTRAP_TOKEN_GROUP)]
    return [
        config_map(c.KUBELET_CONFIG_CONFIGMAP, ns, data, **meta),
        role(name, ns, [get_rule("configmaps", c.KUBELET_CONFIG_CONFIGMAP)]),
        role_binding(name, ns, name, subjects),
    ]


# Releases from which kubeadm binds the API server's kubelet client cert to system:kubelet-api-admin explicitly.
_KUBELET_CLIENT_BINDING_SINCE = {33: 12, 34: 8, 35: 5, 36: 1, 37: 0}


def binds_apiserver_kubelet_client(version: str) -> bool:
    release = minor(version)
    since = _KUBELET_CLIENT_BINDING_SINCE.get(release)
    if since is None:
        return release > max(_KUBELET_CLIENT_BINDING_SINCE)
    patch = version.lstrip("v").split(".")[2] if version.count(".") >= 2 else "0"
    return int(patch.split("-")[0].split("+")[0] or 0) >= since


def bootstrap_token_rbac(config: ClusterConfig) -> list[Obj]:
    """bootstrap-token phase RBAC, plus the cluster-admins binding kubeadm creates on first admin use."""
    bootstrappers = [subject("Group", c.BOOTSTRAP_TOKEN_GROUP)]
    objects = [
        cluster_role_binding("kubeadm:kubelet-bootstrap", "system:node-bootstrapper", bootstrappers),
        {
            "apiVersion": RBAC_VERSION,
            "kind": "ClusterRole",
            "metadata": meta("kubeadm:get-nodes"),
            "rules": [get_rule("nodes")],
        },
        cluster_role_binding("kubeadm:get-nodes", "kubeadm:get-nodes", bootstrappers),
        cluster_role_binding(
            "kubeadm:node-autoapprove-bootstrap",
            "system:certificates.k8s.io:certificatesigningrequests:nodeclient",
            bootstrappers,
        ),
        cluster_role_binding(
            "kubeadm:node-autoapprove-certificate-rotation",
            "system:certificates.k8s.io:certificatesigningrequests:selfnodeclient",
            [subject("Group", c.NODES_GROUP)],
        ),
        cluster_role_binding(c.CLUSTER_ADMINS_GROUP, "cluster-admin", [subject("Group", c.CLUSTER_ADMINS_GROUP)]),
    ]
    if binds_apiserver_kubelet_client(config.kubernetes_version):
        objects.append(
            cluster_role_binding(
                "kubeadm:apiserver-kubelet-client",
                "system:kubelet-api-admin",
                [subject("User", "kube-apiserver-kubelet-client")],
            )
        )
    return objects


def cluster_info_kubeconfig(config: ClusterConfig, ca_cert_pem: str) -> str:
    """The kubeconfig in cluster-info: only the cluster (unnamed), as the bootstrap signer signs it."""
    cluster = {
        "certificate-authority-data": base64.b64encode(ca_cert_pem.encode()).decode(),
        "server": config.api_endpoint.url,
    }
    return kube_yaml(
        {
            "apiVersion": "v1",
            "clusters": [{"cluster": cluster, "name": ""}],
            "contexts": None,
            "current-context": "",
            "kind": "Config",
            "users": None,
        }
    )


def cluster_info_objects(config: ClusterConfig, ca_cert_pem: str) -> list[Obj]:
    """cluster-info in kube-public (the controller-manager's bootstrap signer adds the jws-kubeconfig-* keys)."""
    name, ns = "kubeadm:bootstrap-signer-clusterinfo", c.KUBE_PUBLIC_NAMESPACE
    data = {"kubeconfig": cluster_info_kubeconfig(config, ca_cert_pem)}
    return [
        config_map(c.CLUSTER_INFO_CONFIGMAP, ns, data),
        role(name, ns, [get_rule("configmaps", c.CLUSTER_INFO_CONFIGMAP)]),
        role_binding(name, ns, name, [subject("User", "system:anonymous")]),
    ]


def bootstrap_token_secret(
    token_id: str,
    token_secret: str,
    *,
    expiration: str | None,
    description: str = c.DEFAULT_TOKEN_DESCRIPTION,
    usages: tuple[str, ...] = ("authentication", "signing"),
    groups: tuple[str, ...] = (c.BOOTSTRAP_TOKEN_GROUP,),
    labels: Mapping[str, str] | None = None,
) -> Obj:
    """Secret bootstrap-token-<id>. `expiration`: RFC 3339 UTC (creation + ttl), None for a token that never expires."""
    values = {"token-id": token_id, "token-secret": token_secret}
    if description:
        values["description"] = description
    if expiration:
        values["expiration"] = expiration
    values |= {f"usage-bootstrap-{u}": "true" for u in usages}
    if groups:
        values["auth-extra-groups"] = ",".join(groups)
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": meta(
            f"{c.BOOTSTRAP_TOKEN_SECRET_PREFIX}{token_id}",
            c.KUBE_SYSTEM_NAMESPACE,
            **({"labels": dict(labels)} if labels else {}),
        ),
        "type": c.BOOTSTRAP_TOKEN_SECRET_TYPE,
        "data": {k: base64.b64encode(v.encode()).decode() for k, v in values.items()},
    }


@dataclass(frozen=True, kw_only=True)
class NodeMarks:
    """What mark-control-plane adds to a control-plane Node (existing labels and taints are kept)."""

    labels: Mapping[str, str]
    taints: tuple[Mapping[str, str], ...]


CONTROL_PLANE_MARKS = NodeMarks(
    labels={c.CONTROL_PLANE_ROLE_LABEL: "", c.EXCLUDE_FROM_LB_LABEL: ""},
    taints=({"effect": "NoSchedule", "key": c.CONTROL_PLANE_ROLE_LABEL},),
)
