"""The shell of what every host gets (kubelet-start, kubeadm reset), from the `.sh` files beside this module, with
their parameters. Pure: values in, command text out; golden-tested.
"""

from __future__ import annotations

from components import constants as c
from components.pki import kubeconfig_specs as kc
from components.remote.shell import script

# Every kubeconfig kubeadm writes on a host, the bootstrap one included.
_KUBECONFIG_FILES = (
    *(kc.ADMIN_CONF, kc.SUPER_ADMIN_CONF, kc.KUBELET_CONF),
    *(kc.BOOTSTRAP_KUBELET_CONF, kc.CONTROLLER_MANAGER_CONF, kc.SCHEDULER_CONF),
)


def packages(host: str, source_url: str, signing_key: str, kubernetes_version: str) -> str:
    """packages: kubelet, kubeadm and kubectl at the cluster's version from `source_url` (an apt source of one minor),
    held; `signing_key` (ASCII-armored) is the source's key, or empty to fetch its Release.key (https only)."""
    return script(__file__, "packages.sh", **packages_params(host, source_url, signing_key, kubernetes_version))


def packages_params(host: str, source_url: str, signing_key: str, kubernetes_version: str) -> dict[str, str]:
    """The parameters of packages.sh, for the scripts that include it (a worker's upgrade)."""
    return {
        "host": host,
        "source_url": source_url,
        "key": signing_key,
        "version": kubernetes_version.removeprefix("v"),
        "names": " ".join(c.KUBERNETES_PACKAGES),
        "keyring": c.PACKAGE_KEYRING,
        "source_list": c.PACKAGE_SOURCE_LIST,
    }


def kubelet_start() -> str:
    """kubelet-start: (re)start the kubelet on the files written before this step."""
    return script(__file__, "kubelet-start.sh")


def reset_over_ssh(host: str, address: str, port: int, user: str, key_file: str) -> str:
    """kubeadm reset on `host`, run from the machine running Pulumi with the cleanup script on stdin."""
    return script(__file__, "reset-over-ssh.sh", host=host, address=address, port=port, user=user, key_file=key_file)


def reset_cleanup(host: str) -> str:
    """kubeadm reset's cleanup-node: the kubelet stopped, pods and containers removed, kubeadm's files deleted."""
    return script(
        __file__,
        "reset-cleanup.sh",
        host=host,
        manifests_dir=c.MANIFESTS_DIR,
        kubelet_dir=c.KUBELET_DIR,
        pki_dir=c.PKI_DIR,
        etcd_data_dir=c.ETCD_DATA_DIR,
        kubernetes_dir=c.KUBERNETES_DIR,
        kubeconfigs=" ".join(_KUBECONFIG_FILES),
    )
