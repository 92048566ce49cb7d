"""Names, paths and ports kubeadm uses, written once. No I/O here.

Values follow kubeadm's constants (cmd/kubeadm/app/constants); derived values are computed, not repeated.
"""

from __future__ import annotations

# Stack configuration namespace: every key is `kubeadm:<key>`.
CONFIG_NAMESPACE = "kubeadm"

# Cluster name kubeadm uses when the user gives none (ClusterConfiguration.clusterName).
DEFAULT_CLUSTER_NAME = "kubernetes"

# SSH defaults for reaching hosts.
DEFAULT_SSH_USER = "root"
DEFAULT_SSH_PORT = 22

# Directories kubeadm writes to or expects.
KUBERNETES_DIR = "/etc/kubernetes"
MANIFESTS_DIR = f"{KUBERNETES_DIR}/manifests"
KUBELET_DIR = "/var/lib/kubelet"
ETCD_DATA_DIR = "/var/lib/etcd"

# Container runtime endpoint kubeadm auto-detects first.
CONTAINERD_SOCKET = "/run/containerd/containerd.sock"

# Ports (kubeadm's defaults).
APISERVER_PORT = 6443
CONTROLLER_MANAGER_PORT = 10257
SCHEDULER_PORT = 10259
KUBELET_PORT = 10250
ETCD_CLIENT_PORT = 2379
ETCD_PEER_PORT = 2380

# kubeadm's control-plane minimums (preflight NumCPU and Mem).
CONTROL_PLANE_MIN_CPUS = 2
CONTROL_PLANE_MIN_MEMORY_MB = 1700

# Oldest kernel the current Kubernetes releases support (kubeadm's SystemVerification warns below the LTS floor).
MIN_KERNEL_VERSION = (4, 19)
