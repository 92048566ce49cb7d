"""Every certificate, key and kubeconfig path that a flag, a kubelet file or a host script names is one the PKI and
kubeconfig tables write: no path is typed twice, so none can drift from the files that exist on a host."""

from __future__ import annotations

import re

import pytest
from sample_cluster import CONFIG, CP, WORKER

from components import constants as c
from components.etcd import scripts as etcd_scripts
from components.join import scripts as join_scripts
from components.node import node_files
from components.node import scripts as node_scripts
from components.phases import scripts as phase_scripts
from components.phases import upload_certs
from components.pki import cert_specs, kubeconfig_specs
from components.render import kube_proxy_objects

PATH = re.compile(r"/etc/kubernetes/[A-Za-z0-9_./-]*[A-Za-z0-9_-]")

WRITTEN = (
    {p for spec in cert_specs.CERTS for p in (spec.cert_path, spec.key_path)}
    | {cert_specs.SA.key_path, cert_specs.SA.pub_path}
    | {spec.path for spec in kubeconfig_specs.KUBECONFIGS}
    | {kubeconfig_specs.BOOTSTRAP_KUBELET_CONF}
)
# Folders, and what is not a key, certificate or kubeconfig (kubeadm's manifests, its tmp folder).
OTHER = {c.KUBERNETES_DIR, c.PKI_DIR, c.ETCD_PKI_DIR, c.MANIFESTS_DIR, f"{c.KUBERNETES_DIR}/tmp"}

TEXTS = {
    **{f"file {f.path}": str(f.content) for f in node_files.static_pod_files(CONFIG, CP)},
    **{f"file {f.path} (worker)": str(f.content) for f in node_files.kubelet_files(CONFIG, WORKER)},
    "kube-proxy kubeconfig": kube_proxy_objects.kube_proxy_kubeconfig(CONFIG),
    "reset": node_scripts.reset_cleanup("node-1"),
    "kubelet-start": node_scripts.kubelet_start(),
    "wait-control-plane": phase_scripts.wait_control_plane("node-1", "10.213.0.11"),
    "wait-control-plane (join)": phase_scripts.wait_control_plane(
        "node-2", "10.213.0.12", kubeconfig=kubeconfig_specs.ADMIN_CONF
    ),
    "apply": phase_scripts.apply("addons"),
    "mark-control-plane": phase_scripts.mark_kubeadm_control_plane("node-1"),
    "kubelet-finalize": phase_scripts.kubelet_finalize("system:node:node-1", "node-1"),
    "upload-certs": upload_certs.upload_script(kubeconfig_specs.ADMIN_CONF),
    "join token": join_scripts.mint_token("node-2"),
    "join": join_scripts.join_worker("node-2", "10.213.0.11:6443", "sha256:" + "0" * 64, "urn:x"),
    "remove node": join_scripts.remove_node("node-2", "10.213.0.12"),
    "check-etcd": etcd_scripts.check_etcd("node-2", "https://10.213.0.12:2380"),
    "etcd-members": etcd_scripts.remove_members(["https://10.213.0.11:2380"], "https://10.213.0.11:6443"),
}


@pytest.mark.parametrize("what", sorted(TEXTS), ids=sorted(TEXTS))
def test_every_path_named_is_one_the_tables_write(what: str) -> None:
    # A temporary file (`<path>.tmp`, renamed into place) counts as the file it becomes.
    named = {p.removesuffix(".tmp") for p in PATH.findall(TEXTS[what])}
    assert named - WRITTEN - OTHER == set(), f"{what} names paths no table writes"


def test_the_check_can_fail() -> None:
    assert PATH.findall("--tls-cert-file=/etc/kubernetes/pki/apiserver2.crt")[0] not in WRITTEN
