"""Issue 3's proof, and issue 14's lab: lab nodes are plain Debian hosts with a container runtime; the Kubernetes
packages come from the lab's signed repository, installed as Kubernetes' docs install them; the kubelet then runs
static pods.

The etcd here is a throwaway with certificates the test makes; nothing of kubeadm-pulumi's program runs.
"""

from __future__ import annotations

import datetime
import ssl
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest
from lab_hosts import on_host as sh

import lab
from components.pki import crypto as pki_crypto

pytestmark = pytest.mark.integration

LAB = "itest-k8s"
VERSION = "v1.37.2"

KUBELET_CONFIG = """\
apiVersion: kubelet.config.k8s.io/v1beta1
kind: KubeletConfiguration
staticPodPath: /etc/kubernetes/manifests
cgroupDriver: systemd
failCgroupV1: false
containerRuntimeEndpoint: unix:///run/containerd/containerd.sock
authentication: {anonymous: {enabled: false}, webhook: {enabled: false}}
authorization: {mode: AlwaysAllow}
"""
# No API server: run the kubelet standalone, on static pods only.
STANDALONE = "[Service]\nExecStart=\nExecStart=/usr/bin/kubelet --config=/var/lib/kubelet/config.yaml\n"


def etcd_manifest(address: str) -> str:
    return f"""\
apiVersion: v1
kind: Pod
metadata: {{name: etcd, namespace: kube-system}}
spec:
  hostNetwork: true
  containers:
  - name: etcd
    image: registry.k8s.io/etcd:3.7.0-0
    imagePullPolicy: IfNotPresent
    command:
    - etcd
    - --data-dir=/var/lib/etcd-itest
    - --cert-file=/etc/itest/server.crt
    - --key-file=/etc/itest/server.key
    - --trusted-ca-file=/etc/itest/ca.crt
    - --client-cert-auth=true
    - --listen-client-urls=https://{address}:2379
    - --advertise-client-urls=https://{address}:2379
    volumeMounts: [{{name: certs, mountPath: /etc/itest, readOnly: true}}, {{name: data, mountPath: /var/lib/etcd-itest}}]
  volumes:
  - {{name: certs, hostPath: {{path: /etc/itest, type: DirectoryOrCreate}}}}
  - {{name: data, hostPath: {{path: /var/lib/etcd-itest, type: DirectoryOrCreate}}}}
"""


@pytest.fixture(scope="module")
def node():
    try:
        yield lab.up(LAB, 1, write_config=False, cni="bridge")[0]
    finally:
        lab.down(LAB)


def test_nodes_are_plain_hosts_that_install_the_packages_from_the_lab_repository(node):
    # Nothing of Kubernetes before the packages are installed; the runtime is there.
    assert sh(node, "command -v kubelet kubeadm kubectl || echo none", check=False).strip() == "none"
    assert sh(node, "containerd --version").split()[2].startswith("v2.")
    printed = lab.install_packages(node.name, LAB)
    assert f"[packages] kubelet {VERSION[1:]}-1.1 from http://" in printed
    assert sh(node, "kubelet --version").split() == ["Kubernetes", VERSION]
    assert sh(node, "kubeadm version -o short").strip() == VERSION
    assert VERSION in sh(node, "kubectl version --client")
    assert sorted(sh(node, "apt-mark showhold").split()) == ["kubeadm", "kubectl", "kubelet"]
    assert sh(node, "dpkg-query -W -f '${Version}' kubeadm") == f"{VERSION[1:]}-1.1"
    assert sh(node, "systemctl is-enabled kubelet").strip() == "enabled"
    # Until something writes its configuration, the kubelet restarts in a loop, as after a package install.
    assert "config.yaml: no such file" in sh(node, "sleep 2; journalctl -u kubelet --no-pager | tail -n 20")
    # Every image kubeadm wants for this release is present under kubeadm's own name: nothing needs a registry.
    wanted = sh(node, f"kubeadm config images list --kubernetes-version {VERSION}").split()
    present = sh(node, "ctr -n k8s.io images ls -q").split()
    assert wanted and set(wanted) <= set(present), sorted(set(wanted) - set(present))
    pause = next(ref for ref in wanted if "/pause:" in ref)
    assert f"sandbox = '{pause}'" in sh(node, "cat /etc/containerd/config.toml")


def test_the_lab_repository_is_refused_under_another_key(node):
    """apt checks the repository's signature: the same source trusted under a key that did not sign it fails."""
    source = lab.package_source(LAB)
    # The nodes carry no gpg (apt needs only gpgv): the other key is made on this machine.
    other = (
        "export GNUPGHOME=$(mktemp -d); gpg --batch --quiet --passphrase '' --quick-gen-key other ed25519 sign never "
        '2>/dev/null && gpg --armor --export other; rm -rf "$GNUPGHOME"'
    )
    key = subprocess.run(["sh", "-c", other], capture_output=True, text=True, check=True).stdout
    sh(node, "cat > /tmp/other.asc", stdin=key)
    line = f"deb [signed-by=/tmp/other.asc] {source['repository']}/v{VERSION[1:].rsplit('.', 1)[0]}/deb/ /"
    sh(node, "cat > /tmp/other.list", stdin=line + "\n")
    update = sh(
        node,
        "apt-get -o Dir::Etc::sourcelist=/tmp/other.list -o Dir::Etc::sourceparts=- "
        "-o APT::Get::List-Cleanup=0 update 2>&1; echo rc=$?",
        check=False,
    )
    assert "NO_PUBKEY" in update or "not signed" in update, update


def test_the_kubelet_runs_a_static_pod_and_stops_it(node, tmp_path: Path):
    start = datetime.datetime.now(datetime.UTC)
    ca_key = pki_crypto.new_private_key()
    ca = pki_crypto.issue(pki_crypto.CertFields(common_name="itest-ca", is_ca=True), ca_key, start)
    pems = {"ca.crt": pki_crypto.cert_pem(ca)}
    for name, usages in (("server", ("server", "client")), ("client", ("client",))):
        key = pki_crypto.new_private_key()
        fields = pki_crypto.CertFields(
            common_name=f"itest-{name}", usages=usages, dns_names=("localhost",), ip_addresses=(node.address,)
        )
        pems[f"{name}.crt"] = pki_crypto.cert_pem(pki_crypto.issue(fields, key, start, signer=(ca, ca_key)))
        pems[f"{name}.key"] = pki_crypto.private_key_pem(key)
    for name in ("ca.crt", "server.crt", "server.key"):
        sh(node, f"mkdir -p /etc/itest && umask 077 && cat > /etc/itest/{name}", stdin=pems[name])
    sh(node, "cat > /var/lib/kubelet/config.yaml", stdin=KUBELET_CONFIG)
    sh(
        node,
        "mkdir -p /etc/systemd/system/kubelet.service.d && cat > /etc/systemd/system/kubelet.service.d/99-itest.conf",
        stdin=STANDALONE,
    )
    sh(node, "systemctl daemon-reload && systemctl restart kubelet")
    sh(node, "cat > /etc/kubernetes/manifests/etcd.yaml", stdin=etcd_manifest(node.address))

    for name in ("ca.crt", "client.crt", "client.key"):
        (tmp_path / name).write_text(pems[name])
    context = ssl.create_default_context(cafile=str(tmp_path / "ca.crt"))
    context.load_cert_chain(str(tmp_path / "client.crt"), str(tmp_path / "client.key"))
    url = f"https://{node.address}:2379/health"

    def health() -> str | None:
        try:
            with urllib.request.urlopen(url, context=context, timeout=3) as response:
                return response.read().decode()
        except OSError:
            return None

    try:
        deadline = time.monotonic() + 180
        while (answer := health()) is None and time.monotonic() < deadline:
            time.sleep(2)
        assert answer is not None and '"health":"true"' in answer, sh(
            node, "journalctl -u kubelet --no-pager | tail -n 30"
        )
        assert "etcd" in sh(node, "ctr -n k8s.io containers ls")

        sh(node, "rm /etc/kubernetes/manifests/etcd.yaml")
        deadline = time.monotonic() + 120
        while health() is not None and time.monotonic() < deadline:
            time.sleep(2)
        assert health() is None, "etcd still answers after its manifest was removed"
    finally:
        sh(
            node,
            "rm -rf /etc/kubernetes/manifests/etcd.yaml /etc/systemd/system/kubelet.service.d/99-itest.conf "
            "/var/lib/kubelet/config.yaml /etc/itest /var/lib/etcd-itest; systemctl daemon-reload; systemctl stop kubelet",
            check=False,
        )
