"""CoreDNS as kubeadm's addon phase installs it, as plain manifests. Pure: no Pulumi, no I/O.

INPUTS: ClusterConfig (DNS domain, DNS IP, images). OUTPUTS: ServiceAccount, ClusterRole, ClusterRoleBinding,
ConfigMap (Corefile), Deployment and Service kube-dns. Objects are in manifest form (what kubeadm's templates
say, zero values left out), keys sorted. kube-proxy is in `kube_proxy_objects`.
"""

from __future__ import annotations

from components import constants as c
from components.config import ClusterConfig
from components.render.k8s_objects import (
    Obj,
    cluster_role_binding,
    config_map,
    service_account,
    subject,
)
from components.render.release_images import image

DNS_LABELS = {"k8s-app": "kube-dns"}


def corefile(dns_domain: str) -> str:
    """CoreDNS's Corefile as kubeadm writes it (cluster-domain answers are not cached)."""
    return (
        ".:53 {\n"
        "    errors\n"
        "    health {\n"
        "       lameduck 5s\n"
        "    }\n"
        "    ready\n"
        f"    kubernetes {dns_domain} in-addr.arpa ip6.arpa {{\n"
        "       pods insecure\n"
        "       fallthrough in-addr.arpa ip6.arpa\n"
        "       ttl 30\n"
        "    }\n"
        "    prometheus :9153\n"
        "    forward . /etc/resolv.conf {\n"
        "       max_concurrent 1000\n"
        "    }\n"
        "    cache 30 {\n"
        f"       disable success {dns_domain}\n"
        f"       disable denial {dns_domain}\n"
        "    }\n"
        "    loop\n"
        "    reload\n"
        "    loadbalance\n"
        "}\n"
    )


def _port(name: str, port: int, protocol: str = "TCP") -> Obj:
    return {"containerPort": port, "name": name, "protocol": protocol}


def _coredns_deployment(config: ClusterConfig, replicas: int) -> Obj:
    container = {
        "args": ["-conf", "/etc/coredns/Corefile"],
        "image": image(config, c.COREDNS),
        "imagePullPolicy": "IfNotPresent",
        "livenessProbe": {
            "failureThreshold": 5,
            "httpGet": {"path": "/health", "port": "liveness-probe", "scheme": "HTTP"},
            "initialDelaySeconds": 60,
            "successThreshold": 1,
            "timeoutSeconds": 5,
        },
        "name": "coredns",
        "ports": [
            _port("dns", 53, "UDP"),
            _port("dns-tcp", 53),
            _port("metrics", 9153),
            _port("liveness-probe", 8080),
            _port("readiness-probe", 8181),
        ],
        "readinessProbe": {"httpGet": {"path": "/ready", "port": "readiness-probe", "scheme": "HTTP"}},
        "resources": {"limits": {"memory": "170Mi"}, "requests": {"cpu": "100m", "memory": "70Mi"}},
        "securityContext": {
            "allowPrivilegeEscalation": False,
            "capabilities": {"add": ["NET_BIND_SERVICE"], "drop": ["ALL"]},
            "readOnlyRootFilesystem": True,
        },
        "volumeMounts": [{"mountPath": "/etc/coredns", "name": "config-volume", "readOnly": True}],
    }
    anti_affinity = {
        "podAffinityTerm": {
            "labelSelector": {"matchExpressions": [{"key": "k8s-app", "operator": "In", "values": ["kube-dns"]}]},
            "topologyKey": "kubernetes.io/hostname",
        },
        "weight": 100,
    }
    pod_spec = {
        "affinity": {"podAntiAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [anti_affinity]}},
        "containers": [container],
        "dnsPolicy": "Default",
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "priorityClassName": c.CLUSTER_CRITICAL_PRIORITY_CLASS,
        "serviceAccountName": "coredns",
        "tolerations": [
            {"key": "CriticalAddonsOnly", "operator": "Exists"},
            {"effect": "NoSchedule", "key": c.CONTROL_PLANE_ROLE_LABEL},
        ],
        "volumes": [
            {
                "configMap": {"items": [{"key": "Corefile", "path": "Corefile"}], "name": "coredns"},
                "name": "config-volume",
            }
        ],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"labels": dict(DNS_LABELS), "name": "coredns", "namespace": c.KUBE_SYSTEM_NAMESPACE},
        "spec": {
            "replicas": replicas,
            "selector": {"matchLabels": dict(DNS_LABELS)},
            "strategy": {"rollingUpdate": {"maxUnavailable": 1}, "type": "RollingUpdate"},
            "template": {"metadata": {"labels": dict(DNS_LABELS)}, "spec": pod_spec},
        },
    }


def _kube_dns_service(config: ClusterConfig) -> Obj:
    def port(name: str, number: int, protocol: str) -> Obj:
        return {"name": name, "port": number, "protocol": protocol, "targetPort": number}

    labels = DNS_LABELS | {"kubernetes.io/cluster-service": "true", "kubernetes.io/name": "CoreDNS"}
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"},
            "labels": labels,
            "name": "kube-dns",
            "namespace": c.KUBE_SYSTEM_NAMESPACE,
        },
        "spec": {
            "clusterIP": config.networking.dns_ip,
            "ports": [port("dns", 53, "UDP"), port("dns-tcp", 53, "TCP"), port("metrics", 9153, "TCP")],
            "selector": dict(DNS_LABELS),
        },
    }


def coredns_objects(config: ClusterConfig, *, replicas: int = 2) -> list[Obj]:
    """addon/coredns: ServiceAccount, ClusterRole, ClusterRoleBinding, ConfigMap, Deployment, Service kube-dns."""
    rules = [
        {
            "apiGroups": [""],
            "resources": ["endpoints", "services", "pods", "namespaces"],
            "verbs": ["list", "watch"],
        },
        {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": ["list", "watch"]},
    ]
    return [
        service_account("coredns"),
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "ClusterRole",
            "metadata": {"name": "system:coredns"},
            "rules": rules,
        },
        cluster_role_binding("system:coredns", "system:coredns", [subject("ServiceAccount", "coredns")]),
        config_map("coredns", c.KUBE_SYSTEM_NAMESPACE, {"Corefile": corefile(config.networking.dns_domain)}),
        _coredns_deployment(config, replicas),
        _kube_dns_service(config),
    ]
