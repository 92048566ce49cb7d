"""Shell for what every host gets: kubelet-start, and kubeadm reset. Pure: values in, script text out; golden-tested.

Every script is POSIX sh run as root (over SSH, or `ssh` from the machine running Pulumi for the reset), prints
`[<phase>] ...` lines like kubeadm, and never prints key material.
"""

from __future__ import annotations

import shlex

from components import constants as c
from components.pki import kubeconfig_specs as kc

# Every kubeconfig kubeadm writes on a host, the bootstrap one included.
_KUBECONFIG_FILES = (
    *(kc.ADMIN_CONF, kc.SUPER_ADMIN_CONF, kc.KUBELET_CONF),
    *(kc.BOOTSTRAP_KUBELET_CONF, kc.CONTROLLER_MANAGER_CONF, kc.SCHEDULER_CONF),
)


def kubelet_start() -> str:
    """kubelet-start: (re)start the kubelet on the files written before this step."""
    return (
        "systemctl daemon-reload && systemctl enable kubelet >/dev/null 2>&1 && systemctl restart kubelet "
        '&& echo "[kubelet-start] kubelet (re)started"\n'
    )


def reset_over_ssh(host: str, address: str, port: int, user: str, key_file: str) -> str:
    """kubeadm reset on `host`, run from the machine running Pulumi with the reset script on stdin.

    An unreachable host (ssh's own exit status 255) does not fail the run, because a host that is gone for good
    must not keep the rest of the cluster from converging; the program warns about it (HostInventory) before."""
    options = "-o BatchMode=yes -o ConnectTimeout=5 -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null"
    target = shlex.quote(f"{user}@{address}")
    return f"""\
ssh -i {shlex.quote(key_file)} -p {port} {options} -o LogLevel=ERROR {target} sh -s
status=$?
if [ "$status" = 255 ]; then
  echo "[reset] {host} ({address}) is unreachable over SSH: the host was NOT reset; run 'kubeadm reset' on it"
  exit 0
fi
exit "$status"
"""


def reset_cleanup(host: str) -> str:
    """kubeadm reset: root is required; then cleanup-node: stop the kubelet, remove pods and containers, unmount,
    delete kubeadm's files."""
    return f"""\
[ "$(id -u)" = 0 ] || {{ echo "[reset] {host}: root is required" >&2; exit 1; }}
systemctl stop kubelet 2>/dev/null
systemctl disable kubelet >/dev/null 2>&1
# Remove every Kubernetes container and pod sandbox (the CRI namespace), then their mounts.
for id in $(ctr -n k8s.io tasks ls -q 2>/dev/null); do ctr -n k8s.io tasks kill -s SIGKILL "$id" >/dev/null 2>&1; done
sleep 1
for id in $(ctr -n k8s.io tasks ls -q 2>/dev/null); do ctr -n k8s.io tasks delete -f "$id" >/dev/null 2>&1; done
for id in $(ctr -n k8s.io containers ls -q 2>/dev/null); do ctr -n k8s.io containers delete "$id" >/dev/null 2>&1; done
awk '$2 ~ "^{c.KUBELET_DIR}/" {{print $2}}' /proc/mounts | sort -r | while read -r m; do umount "$m" 2>/dev/null || umount -l "$m"; done
rm -rf {c.MANIFESTS_DIR}/* {c.KUBELET_DIR}/* {c.PKI_DIR} {c.ETCD_DATA_DIR}/* {c.KUBERNETES_DIR}/tmp
rm -f {" ".join(_KUBECONFIG_FILES)}
echo "[reset] cleaned {c.KUBERNETES_DIR}, {c.KUBELET_DIR} and {c.ETCD_DATA_DIR}"
"""
