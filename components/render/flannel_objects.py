"""flannel, the built-in CNI (`kubeadm:cni: flannel`), as its kube-flannel.yml (v0.28.10) installs it. Pure.

INPUTS: ClusterConfig (the pod subnet). OUTPUTS: Namespace kube-flannel, ClusterRole and ClusterRoleBinding flannel,
ServiceAccount, ConfigMap kube-flannel-cfg (cni-conf.json, net-conf.json with Network = the pod subnet, VXLAN) and
DaemonSet kube-flannel-ds. One difference from upstream's file: the conflist says cniVersion 0.3.1, which every
flannel plugin speaks (the lab's, built from containernetworking/plugins v0.9.1, speaks no 1.0.0).
"""

from __future__ import annotations

import json

from components import constants as c
from components.config import ClusterConfig
from components.render.k8s_objects import RBAC_GROUP, RBAC_VERSION, Obj, config_map, meta

LABELS = {"k8s-app": "flannel"}
NODE_LABELS = {"tier": "node", "app": "flannel"}
DAEMONSET = "kube-flannel-ds"
CONFIG_MAP = "kube-flannel-cfg"


def cni_conf() -> str:
    conf = {
        "name": "cbr0",
        "cniVersion": "0.3.1",
        "plugins": [
            {"type": "flannel", "delegate": {"hairpinMode": True, "isDefaultGateway": True}},
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    return json.dumps(conf, indent=2) + "\n"


def net_conf(pod_subnet: str) -> str:
    return json.dumps({"Network": pod_subnet, "EnableNFTables": False, "Backend": {"Type": "vxlan"}}, indent=2) + "\n"


def _host_path(name: str, path: str, kind: str | None = None) -> Obj:
    return {"name": name, "hostPath": {"path": path} | ({"type": kind} if kind else {})}


def _mount(name: str, path: str) -> Obj:
    return {"name": name, "mountPath": path}


def _daemonset() -> Obj:
    field_env = [
        {"name": n, "valueFrom": {"fieldRef": {"fieldPath": f"metadata.{f}"}}}
        for n, f in (("POD_NAME", "name"), ("POD_NAMESPACE", "namespace"))
    ]
    probe = {"httpGet": {"path": "/healthz", "port": "healthz"}, "initialDelaySeconds": 10, "periodSeconds": 30}
    flannel = {
        "name": "kube-flannel",
        "image": c.FLANNEL_IMAGE,
        "command": ["/opt/bin/flanneld"],
        "args": ["--ip-masq", "--kube-subnet-mgr", "--healthz-port=8081"],
        "ports": [{"name": "healthz", "containerPort": 8081, "protocol": "TCP"}],
        "livenessProbe": probe,
        "readinessProbe": {
            "httpGet": {"path": "/readyz", "port": "healthz"},
            "initialDelaySeconds": 5,
            "periodSeconds": 10,
        },
        "resources": {"requests": {"cpu": "100m", "memory": "50Mi"}},
        "securityContext": {"privileged": False, "capabilities": {"add": ["NET_ADMIN", "NET_RAW"]}},
        "env": [
            *field_env,
            {"name": "EVENT_QUEUE_DEPTH", "value": "5000"},
            {"name": "CONT_WHEN_CACHE_NOT_READY", "value": "false"},
        ],
        "volumeMounts": [
            _mount("run", "/run/flannel"),
            _mount("flannel-cfg", "/etc/kube-flannel/"),
            _mount("xtables-lock", "/run/xtables.lock"),
        ],
    }
    init = [
        {
            "name": "install-cni-plugin",
            "image": c.FLANNEL_CNI_PLUGIN_IMAGE,
            "command": ["cp"],
            "args": ["-f", "/flannel", "/opt/cni/bin/flannel"],
            "volumeMounts": [_mount("cni-plugin", "/opt/cni/bin")],
        },
        {
            "name": "install-cni",
            "image": c.FLANNEL_IMAGE,
            "command": ["/opt/bin/install-conf"],
            "args": ["/etc/kube-flannel/cni-conf.json", "/etc/cni/net.d/10-flannel.conflist"],
            "volumeMounts": [_mount("cni", "/etc/cni/net.d"), _mount("flannel-cfg", "/etc/kube-flannel/")],
        },
    ]
    linux = {"key": "kubernetes.io/os", "operator": "In", "values": ["linux"]}
    spec = {
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [{"matchExpressions": [linux]}]}
            }
        },
        "hostNetwork": True,
        "priorityClassName": "system-node-critical",
        "tolerations": [{"operator": "Exists", "effect": "NoSchedule"}],
        "serviceAccountName": "flannel",
        "initContainers": init,
        "containers": [flannel],
        "volumes": [
            _host_path("run", "/run/flannel"),
            _host_path("cni-plugin", "/opt/cni/bin"),
            _host_path("cni", "/etc/cni/net.d"),
            {"name": "flannel-cfg", "configMap": {"name": CONFIG_MAP}},
            _host_path("xtables-lock", "/run/xtables.lock", "FileOrCreate"),
        ],
    }
    return {
        "apiVersion": "apps/v1",
        "kind": "DaemonSet",
        "metadata": meta(DAEMONSET, c.FLANNEL_NAMESPACE, labels=NODE_LABELS | LABELS),
        "spec": {
            "selector": {"matchLabels": {"app": "flannel"}},
            "template": {"metadata": {"labels": NODE_LABELS | LABELS}, "spec": spec},
        },
    }


def flannel_objects(config: ClusterConfig) -> list[Obj]:
    rules = [
        {"apiGroups": [""], "resources": ["pods"], "verbs": ["get"]},
        {"apiGroups": [""], "resources": ["nodes"], "verbs": ["get", "list", "watch"]},
        {"apiGroups": [""], "resources": ["nodes/status"], "verbs": ["patch"]},
    ]
    namespace_labels = LABELS | {"pod-security.kubernetes.io/enforce": "privileged"}
    data = {"cni-conf.json": cni_conf(), "net-conf.json": net_conf(config.networking.pod_subnet)}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": meta(c.FLANNEL_NAMESPACE, labels=namespace_labels)},
        {"apiVersion": RBAC_VERSION, "kind": "ClusterRole", "metadata": meta("flannel", labels=LABELS), "rules": rules},
        {
            "apiVersion": RBAC_VERSION,
            "kind": "ClusterRoleBinding",
            "metadata": meta("flannel", labels=LABELS),
            "roleRef": {"apiGroup": RBAC_GROUP, "kind": "ClusterRole", "name": "flannel"},
            "subjects": [{"kind": "ServiceAccount", "name": "flannel", "namespace": c.FLANNEL_NAMESPACE}],
        },
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": meta("flannel", c.FLANNEL_NAMESPACE, labels=LABELS),
        },
        config_map(CONFIG_MAP, c.FLANNEL_NAMESPACE, data, labels=NODE_LABELS | LABELS),
        _daemonset(),
    ]
