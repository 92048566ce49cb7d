"""kube-proxy as kubeadm's addon phase installs it, as plain manifests. Pure: no Pulumi, no I/O.

INPUTS: ClusterConfig (pod subnet, control-plane endpoint, images). OUTPUTS: ServiceAccount, ClusterRoleBinding,
Role, RoleBinding, the kube-proxy ConfigMap (config.conf + kubeconfig.conf, hash-annotated) and the DaemonSet.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from components import constants as c
from components.config import ClusterConfig
from components.render.k8s_objects import (
    Obj,
    cluster_role_binding,
    config_hash,
    config_map,
    get_rule,
    role,
    role_binding,
    service_account,
    subject,
)
from components.render.release_images import image
from components.render.static_pods import kube_yaml

PROXY_LABELS = {"k8s-app": c.KUBE_PROXY}
SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
PROXY_DIR = "/var/lib/kube-proxy"


def _duration_zero(*names: str) -> dict[str, str]:
    return dict.fromkeys(names, "0s")


def kube_proxy_configuration(config: ClusterConfig) -> Obj:
    """KubeProxyConfiguration (v1alpha1) with kubeadm's fills; every other field at its zero value, as Go writes it."""
    ipv6 = ipaddress.ip_address(config.control_planes[0].address).version == 6
    logging_options = {"infoBufferSize": "0"}
    obj: Obj = {
        "apiVersion": "kubeproxy.config.k8s.io/v1alpha1",
        "kind": "KubeProxyConfiguration",
        "bindAddress": "::" if ipv6 else "0.0.0.0",
        "bindAddressHardFail": False,
        "clientConnection": {
            "acceptContentTypes": "",
            "burst": 0,
            "contentType": "",
            "kubeconfig": f"{PROXY_DIR}/kubeconfig.conf",
            "qps": 0,
        },
        "configSyncPeriod": "0s",
        "conntrack": {
            "maxPerCore": None,
            "min": None,
            "tcpBeLiberal": False,
            "tcpCloseWaitTimeout": None,
            "tcpEstablishedTimeout": None,
            **_duration_zero("udpStreamTimeout", "udpTimeout"),
        },
        "detectLocal": {"bridgeInterface": "", "interfaceNamePrefix": ""},
        "detectLocalMode": "",
        "enableProfiling": False,
        "healthzBindAddress": "",
        "hostnameOverride": "",
        "iptables": {
            "localhostNodePorts": None,
            "masqueradeAll": False,
            "masqueradeBit": None,
            **_duration_zero("minSyncPeriod", "syncPeriod"),
        },
        "ipvs": {
            "excludeCIDRs": None,
            "scheduler": "",
            "strictARP": False,
            **_duration_zero("minSyncPeriod", "syncPeriod", "tcpFinTimeout", "tcpTimeout", "udpTimeout"),
        },
        "logging": {
            "flushFrequency": 0,
            "options": {"json": dict(logging_options), "text": dict(logging_options)},
            "verbosity": 0,
        },
        "metricsBindAddress": "",
        "mode": "iptables",
        "nftables": {"masqueradeAll": False, "masqueradeBit": None, **_duration_zero("minSyncPeriod", "syncPeriod")},
        "nodePortAddresses": None,
        "oomScoreAdj": None,
        "portRange": "",
        "showHiddenMetricsForVersion": "",
        "winkernel": {
            "enableDSR": False,
            "forwardHealthCheckVip": False,
            "networkName": "",
            "rootHnsEndpointName": "",
            "sourceVip": "",
        },
    }
    if config.networking.pod_subnet:
        obj["clusterCIDR"] = config.networking.pod_subnet
    else:
        obj["clusterCIDR"] = ""
    return obj


def kube_proxy_kubeconfig(config: ClusterConfig) -> str:
    """kubeconfig.conf: the pod's service-account token against the control-plane endpoint (no final newline)."""
    return (
        "apiVersion: v1\n"
        "kind: Config\n"
        "clusters:\n"
        "- cluster:\n"
        f"    certificate-authority: {SA_DIR}/ca.crt\n"
        f"    server: {config.api_endpoint.url}\n"
        "  name: default\n"
        "contexts:\n"
        "- context:\n"
        "    cluster: default\n"
        "    namespace: default\n"
        "    user: default\n"
        "  name: default\n"
        "current-context: default\n"
        "users:\n"
        "- name: default\n"
        "  user:\n"
        f"    tokenFile: {SA_DIR}/token"
    )


def _kube_proxy_daemonset(config: ClusterConfig) -> Obj:
    container: dict[str, Any] = {
        "command": [
            "/usr/local/bin/kube-proxy",
            f"--config={PROXY_DIR}/config.conf",
            "--hostname-override=$(NODE_NAME)",
        ],
        "env": [{"name": "NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}}],
        "image": image(config, c.KUBE_PROXY),
        "imagePullPolicy": "IfNotPresent",
        "name": c.KUBE_PROXY,
        "resources": {},
        "securityContext": {"privileged": True},
        "volumeMounts": [
            {"mountPath": PROXY_DIR, "name": "kube-proxy"},
            {"mountPath": "/run/xtables.lock", "name": "xtables-lock"},
            {"mountPath": "/lib/modules", "name": "lib-modules", "readOnly": True},
        ],
    }
    pod_spec = {
        "containers": [container],
        "hostNetwork": True,
        "nodeSelector": {"kubernetes.io/os": "linux"},
        "priorityClassName": c.NODE_CRITICAL_PRIORITY_CLASS,
        "serviceAccountName": c.KUBE_PROXY,
        "tolerations": [{"operator": "Exists"}],
        "volumes": [
            {"configMap": {"name": c.KUBE_PROXY}, "name": "kube-proxy"},
            {"hostPath": {"path": "/run/xtables.lock", "type": "FileOrCreate"}, "name": "xtables-lock"},
            {"hostPath": {"path": "/lib/modules"}, "name": "lib-modules"},
        ],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": {"labels": dict(PROXY_LABELS), "name": c.KUBE_PROXY, "namespace": c.KUBE_SYSTEM_NAMESPACE},
        "spec": {
            "selector": {"matchLabels": dict(PROXY_LABELS)},
            "template": {"metadata": {"labels": dict(PROXY_LABELS)}, "spec": pod_spec},
            "updateStrategy": {"type": "RollingUpdate"},
        },
    }


def kube_proxy_objects(config: ClusterConfig) -> list[Obj]:
    """addon/kube-proxy: ServiceAccount, ClusterRoleBinding, Role, RoleBinding, ConfigMap, DaemonSet."""
    ns = c.KUBE_SYSTEM_NAMESPACE
    data = {
        "config.conf": kube_yaml(kube_proxy_configuration(config)).rstrip("\n"),
        "kubeconfig.conf": kube_proxy_kubeconfig(config),
    }
    meta = {"annotations": {c.COMPONENT_CONFIG_HASH_ANNOTATION: config_hash(data)}, "labels": {"app": c.KUBE_PROXY}}
    return [
        service_account(c.KUBE_PROXY),
        cluster_role_binding("kubeadm:node-proxier", "system:node-proxier", [subject("ServiceAccount", c.KUBE_PROXY)]),
        role(c.KUBE_PROXY, ns, [get_rule("configmaps", c.KUBE_PROXY)]),
        role_binding(c.KUBE_PROXY, ns, c.KUBE_PROXY, [subject("Group", c.BOOTSTRAP_TOKEN_GROUP)]),
        config_map(c.KUBE_PROXY, ns, data, **meta),
        _kube_proxy_daemonset(config),
    ]
