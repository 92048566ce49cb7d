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
# The Kubernetes minors the program knows kubeadm's image tags and manifests for (render/release_images.py).
SUPPORTED_MINORS = (36, 37)

# Where kubelet, kubeadm and kubectl are installed from unless the stack names a mirror: Kubernetes' own package
# repository, up to the minor (its Debian packages for 1.37 are at <this>/v1.37/deb/).
DEFAULT_PACKAGE_REPOSITORY = "https://pkgs.k8s.io/core:/stable:"
# The packages installed and held at the cluster's version, and where apt finds their source and its key (the
# names Kubernetes' install docs use; the key is kept ASCII-armored, which apt reads without gpg on the host).
KUBERNETES_PACKAGES = ("kubelet", "kubeadm", "kubectl")
PACKAGE_SOURCE_LIST = "/etc/apt/sources.list.d/kubernetes.list"
PACKAGE_KEYRING = "/etc/apt/keyrings/kubernetes-apt-keyring.asc"

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
# Renewal on a plain `pulumi up` starts this long before a certificate's NotAfter (90 days, as KubeOne renews).
CERT_RENEW_BEFORE_HOURS = 2160

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

# --- static pods and kubelet ---

# Namespaces kubeadm uses for its objects.
KUBE_SYSTEM_NAMESPACE = "kube-system"
KUBE_PUBLIC_NAMESPACE = "kube-public"

# Control-plane component names: the static pod, its container, its binary and its image share the name.
KUBE_APISERVER = "kube-apiserver"
KUBE_CONTROLLER_MANAGER = "kube-controller-manager"
KUBE_SCHEDULER = "kube-scheduler"
ETCD = "etcd"
KUBE_PROXY = "kube-proxy"
COREDNS = "coredns"
PAUSE = "pause"

# The built-in CNI (`kubeadm:cni: flannel`): flannel v0.28.10 as its kube-flannel.yml installs it. A site without
# ghcr.io mirrors these two images under the same names (the lab builds them, lab/k8s/images.py).
FLANNEL_NAMESPACE = "kube-flannel"
FLANNEL_IMAGE = "ghcr.io/flannel-io/flannel:v0.28.10"
FLANNEL_CNI_PLUGIN_IMAGE = "ghcr.io/flannel-io/flannel-cni-plugin:v1.9.1-flannel3"
# Where a CNI manifest the stack points at gets the cluster's pod subnet.
CNI_POD_SUBNET_PLACEHOLDER = "${podSubnet}"

# etcd's plain-HTTP metrics port on loopback (its probes use it) and kubelet's healthz endpoint.
ETCD_METRICS_PORT = 2381
KUBELET_HEALTHZ_PORT = 10248
KUBELET_HEALTHZ_BIND_ADDRESS = "127.0.0.1"

# Name of the container port every control-plane probe refers to (kubeadm 1.34+).
PROBE_PORT_NAME = "probe-port"

# Static pod scheduling: the node-critical priority class and its value, set explicitly in each manifest.
NODE_CRITICAL_PRIORITY_CLASS = "system-node-critical"
CLUSTER_CRITICAL_PRIORITY_CLASS = "system-cluster-critical"
NODE_CRITICAL_PRIORITY = 2000001000

# Static pod annotations: where clients reach this member's API server / etcd.
APISERVER_ENDPOINT_ANNOTATION = "kubeadm.kubernetes.io/kube-apiserver.advertise-address.endpoint"
ETCD_CLIENT_URLS_ANNOTATION = "kubeadm.kubernetes.io/etcd.advertise-client-urls"

# Startup probe budget: ControlPlaneComponentHealthCheck (v1beta4 default 4m) over a 10 s period.
CONTROL_PLANE_HEALTH_CHECK_SECONDS = 240
# How long a static pod's process may take to stop before it is killed: Kubernetes' default
# terminationGracePeriodSeconds, which kubeadm's static pods keep.
STATIC_POD_GRACE_SECONDS = 30

# The longest any step may run on its host before the host ends it (remote/run.sh): above every wait a script
# has of its own (each says what it waited for when it gives up first).
STEP_BOUND_SECONDS = 600

# Host paths mounted into control-plane pods.
# CA bundle directories of a Debian/Ubuntu host (the lab's); kubeadm mounts those that exist on the node.
DEBIAN_CA_CERT_DIRS = (
    "/etc/ssl/certs",
    "/etc/ca-certificates",
    "/usr/share/ca-certificates",
    "/usr/local/share/ca-certificates",
)

# Kubelet files kubeadm writes under KUBELET_DIR, and the packaged systemd unit and kubeadm drop-in.
KUBELET_CONFIG_FILE = "config.yaml"
KUBELET_FLAGS_ENV_FILE = "kubeadm-flags.env"
KUBELET_INSTANCE_CONFIG_FILE = "instance-config.yaml"
KUBELET_BINARY = "/usr/bin/kubelet"
KUBELET_UNIT_PATH = "/usr/lib/systemd/system/kubelet.service"
KUBELET_DROPIN_PATH = "/usr/lib/systemd/system/kubelet.service.d/10-kubeadm.conf"
KUBELET_EXTRA_ARGS_FILE = "/etc/default/kubelet"

# containerd's CRI endpoint as kubeadm detects and writes it (nodeRegistration.criSocket).
KUBEADM_CONTAINERD_ENDPOINT = "unix:///var/run/containerd/containerd.sock"

# Cluster objects kubeadm uploads.
KUBEADM_CONFIG_CONFIGMAP = "kubeadm-config"
KUBELET_CONFIG_CONFIGMAP = "kubelet-config"
CLUSTER_INFO_CONFIGMAP = "cluster-info"
COMPONENT_CONFIG_HASH_ANNOTATION = "kubeadm.kubernetes.io/component-config.hash"
BOOTSTRAP_TOKEN_SECRET_PREFIX = "bootstrap-token-"
BOOTSTRAP_TOKEN_SECRET_TYPE = "bootstrap.kubernetes.io/token"
DEFAULT_TOKEN_DESCRIPTION = "The default bootstrap token generated by 'kubeadm init'."

# Node labels and taint mark-control-plane applies.
CONTROL_PLANE_ROLE_LABEL = "node-role.kubernetes.io/control-plane"
EXCLUDE_FROM_LB_LABEL = "node.kubernetes.io/exclude-from-external-load-balancers"

# --- pki and kubeconfig ---
# Key algorithms ClusterConfiguration.encryptionAlgorithm accepts (v1beta4); the default is kubeadm's.
KEY_ALGORITHMS = ("RSA-2048", "RSA-3072", "RSA-4096", "ECDSA-P256", "ECDSA-P384")
DEFAULT_KEY_ALGORITHM = "RSA-2048"

# Every certificate's NotBefore is its start time minus this, to tolerate clock skew between hosts.
CERT_BACKDATE_MINUTES = 5

# Serial numbers are drawn uniformly from [1, SERIAL_LIMIT).
SERIAL_LIMIT = 2**63 - 1

# The service-account signing key pair, as base names under PKI_DIR.
SA_KEY_BASE = "sa"

# Client names (certificate CNs, kubeconfig user names) of the kubeconfig files.
ADMIN_USER = "kubernetes-admin"
SUPER_ADMIN_USER = "kubernetes-super-admin"
CONTROLLER_MANAGER_USER = "system:kube-controller-manager"
SCHEDULER_USER = "system:kube-scheduler"

# Mode of the directories kubeadm creates for certificates and kubeconfigs.
DIRECTORY_MODE = 0o755

# --- init phases ---
# kubeadm's symlink to the kubelet's current client certificate (kubelet-finalize points kubelet.conf at it).
KUBELET_CLIENT_CURRENT = f"{KUBELET_PKI_DIR}/kubelet-client-current.pem"
# Field manager for objects kubeadm-pulumi applies with server-side apply.
FIELD_MANAGER = "kubeadm-pulumi"
# The bootstrap token alphabet (k8s.io/cluster-bootstrap).
BOOTSTRAP_TOKEN_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
# A join's bootstrap token lives this long at most: minted right before the join, deleted right after it.
JOIN_TOKEN_TTL_MINUTES = 60
# Label on the token Secrets kubeadm-pulumi mints, naming the node whose join it is for.
JOIN_TOKEN_NODE_LABEL = "kubeadm-pulumi.io/join-node"
JOIN_TOKEN_DESCRIPTION = "kubeadm-pulumi: the join of one node, deleted once it is done"
# Annotations on a worker's Node naming the label keys and taints (key:effect) kubeadm-pulumi set, so a later run
# removes the ones the config dropped and leaves everyone else's alone.
MANAGED_LABELS_ANNOTATION = "kubeadm-pulumi.io/labels"
MANAGED_TAINTS_ANNOTATION = "kubeadm-pulumi.io/taints"
# How long removing a node waits for its pods to be evicted, and for its kubelet to answer.
DRAIN_TIMEOUT_SECONDS = 120
