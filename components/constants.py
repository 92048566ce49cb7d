"""Names, paths and ports kubeadm uses, written once. No I/O here.

Values follow kubeadm's constants (cmd/kubeadm/app/constants); derived values are computed, not repeated.
"""

from __future__ import annotations

# Stack configuration namespace: every key is `kubeadm:<key>`.
CONFIG_NAMESPACE = "kubeadm"

# Cluster name kubeadm uses when the user gives none (ClusterConfiguration.clusterName).
DEFAULT_CLUSTER_NAME = "kubernetes"

# Kubernetes release the program deploys unless the stack names another (built for the lab by lab/k8s).
DEFAULT_KUBERNETES_VERSION = "v1.37.2"

# ClusterConfiguration defaults (kubeadm v1beta4). kubeadm has no default pod subnet; the lab's CNI needs one.
DEFAULT_IMAGE_REPOSITORY = "registry.k8s.io"
DEFAULT_SERVICE_SUBNET = "10.96.0.0/12"
DEFAULT_POD_SUBNET = "10.244.0.0/16"
DEFAULT_DNS_DOMAIN = "cluster.local"

# SSH defaults for reaching hosts.
DEFAULT_SSH_USER = "root"
DEFAULT_SSH_PORT = 22

# Directories kubeadm writes to or expects.
KUBERNETES_DIR = "/etc/kubernetes"
MANIFESTS_DIR = f"{KUBERNETES_DIR}/manifests"
PKI_DIR = f"{KUBERNETES_DIR}/pki"
ETCD_PKI_DIR = f"{PKI_DIR}/etcd"
KUBELET_DIR = "/var/lib/kubelet"
KUBELET_PKI_DIR = f"{KUBELET_DIR}/pki"
ETCD_DATA_DIR = "/var/lib/etcd"

# Kubeconfig files under KUBERNETES_DIR.
ADMIN_KUBECONFIG = "admin.conf"
SUPER_ADMIN_KUBECONFIG = "super-admin.conf"
KUBELET_KUBECONFIG = "kubelet.conf"
BOOTSTRAP_KUBELET_KUBECONFIG = "bootstrap-kubelet.conf"
CONTROLLER_MANAGER_KUBECONFIG = "controller-manager.conf"
SCHEDULER_KUBECONFIG = "scheduler.conf"

# Groups and user names in client certificates.
SYSTEM_MASTERS_GROUP = "system:masters"
CLUSTER_ADMINS_GROUP = "kubeadm:cluster-admins"
NODES_GROUP = "system:nodes"
NODE_USER_PREFIX = "system:node:"
BOOTSTRAP_TOKEN_GROUP = "system:bootstrappers:kubeadm:default-node-token"

# File modes: keys and kubeconfigs are private, like kubeadm's.
PRIVATE_FILE_MODE = 0o600
PUBLIC_FILE_MODE = 0o644

# Certificate validity (kubeadm v1beta4 defaults) and the clock-skew backdate kubeadm applies to NotBefore.
CERT_VALIDITY_HOURS = 8760
CA_CERT_VALIDITY_HOURS = 87600

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
