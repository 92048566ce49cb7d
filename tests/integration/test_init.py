"""Issue 4's proof: `pulumi up` brings up the first control plane as kubeadm init does, and destroy resets it."""

from __future__ import annotations

import base64
import json
import re
import time

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from lab_hosts import LEFTOVERS, lab_nodes, on_host, run_kubectl

import lab

pytestmark = pytest.mark.integration

LAB = "itest-init"
CERTS = [
    "admin.conf",
    "apiserver",
    "apiserver-etcd-client",
    "apiserver-kubelet-client",
    "controller-manager.conf",
    "etcd-healthcheck-client",
    "etcd-peer",
    "etcd-server",
    "front-proxy-client",
    "scheduler.conf",
    "super-admin.conf",
]


nodes = lab_nodes(LAB, 2)


def test_init_and_a_worker_join_on_lab_hosts(nodes, make_stack, tmp_path):
    node, worker = nodes
    stack = make_stack("init")
    stack.set_config(
        {
            "clusterName": "itest",
            "ssh": {"user": "root", "privateKeyFile": str(lab.key_path())},
            "packages": lab.package_source(LAB),
            "controlPlanes": [{"name": node.name, "address": node.address}],
            "workers": [{"name": worker.name, "address": worker.address}],
            # The lab's machine has only cgroup v1; the 1.37 kubelet runs there only when told to.
            "kubeletConfiguration": {"failCgroupV1": False},
            "uploadCerts": True,
        }
    )
    started = time.monotonic()
    stack.pulumi("up", "--yes", "--skip-preview")
    up_seconds = time.monotonic() - started

    outputs = stack.outputs()
    assert outputs["endpoint"] == f"https://{node.address}:6443"
    assert outputs["ca_cert_hash"].startswith("sha256:") and len(outputs["ca_cert_hash"]) == 71
    kubeconfig = tmp_path / "admin.conf"
    kubeconfig.write_text(outputs["admin_kubeconfig"])

    def kubectl(*args: str) -> str:
        return run_kubectl(kubeconfig, *args).stdout

    assert kubectl("get", "--raw=/readyz") == "ok"
    # The hosts came without Kubernetes (lab nodes are plain Debian): the packages phase installed it from the lab's
    # repository at the cluster's version, held, with the source and key where Kubernetes' docs put them.
    for host in nodes:
        versions = on_host(host, "dpkg-query -W -f '${Package} ${Version} ${Status}\\n' kubelet kubeadm kubectl")
        assert versions.splitlines() == [
            f"{name} 1.37.2-1.1 hold ok installed" for name in ("kubeadm", "kubectl", "kubelet")
        ], versions
        source = on_host(host, "cat /etc/apt/sources.list.d/kubernetes.list")
        assert source == (
            "deb [signed-by=/etc/apt/keyrings/kubernetes-apt-keyring.asc] "
            f"{lab.package_source(LAB)['repository']}/v1.37/deb/ /\n"
        )
    node_object = json.loads(kubectl("get", "node", node.name, "-o", "json"))
    assert "node-role.kubernetes.io/control-plane" in node_object["metadata"]["labels"]
    assert {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"} in node_object["spec"]["taints"]
    assert kubectl("-n", "kube-system", "get", "cm", "kubeadm-config", "kubelet-config", "-o", "name").split() == [
        "configmap/kubeadm-config",
        "configmap/kubelet-config",
    ]
    # No bootstrap token that can authenticate outlives the run (the join's was deleted once it was done);
    # upload-certs' owner token carries no usages. cluster-info is published for discovery.
    secrets = json.loads(
        kubectl(
            "-n", "kube-system", "get", "secrets", "--field-selector=type=bootstrap.kubernetes.io/token", "-o", "json"
        )
    )["items"]
    assert [s["metadata"]["name"] for s in secrets if "usage-bootstrap-authentication" in s["data"]] == []
    assert "kubeconfig" in json.loads(kubectl("-n", "kube-public", "get", "cm", "cluster-info", "-o", "json"))["data"]
    for app in ("kube-proxy", "kube-dns"):
        deadline = time.monotonic() + 90
        while (
            "Running"
            not in (
                phases := kubectl(
                    "-n",
                    "kube-system",
                    "get",
                    "pods",
                    "-l",
                    f"k8s-app={app}",
                    "-o",
                    "jsonpath={.items[*].status.phase}",
                )
            )
            and time.monotonic() < deadline
        ):
            time.sleep(2)
        assert "Running" in phases, app

    # The worker joined through TLS bootstrap: its CSR came from the bootstrap token and was approved by the RBAC
    # init created; its client certificate is signed by the cluster CA; bootstrap-kubelet.conf is gone.
    assert worker.name in kubectl("get", "nodes", "-o", "name")
    csrs = json.loads(kubectl("get", "csr", "-o", "json"))["items"]
    joined = [r for r in csrs if r["spec"]["username"].startswith("system:bootstrap:")]
    token_id = joined[0]["spec"]["username"].removeprefix("system:bootstrap:") if joined else ""
    assert joined and all(any(cond["type"] == "Approved" for cond in r["status"]["conditions"]) for r in joined), joined
    assert "OK" in on_host(
        worker, "openssl verify -CAfile /etc/kubernetes/pki/ca.crt /var/lib/kubelet/pki/kubelet-client-current.pem"
    )
    assert on_host(worker, "ls /etc/kubernetes").split() == ["kubelet.conf", "manifests", "pki"]

    # upload-certs: kubeadm-certs holds the shared CAs and sa keys, encrypted under the certificate key, and is
    # owned by a short-lived bootstrap token.
    certs = json.loads(kubectl("-n", "kube-system", "get", "secret", "kubeadm-certs", "-o", "json"))
    assert sorted(certs["data"]) == sorted(
        [
            "ca.crt",
            "ca.key",
            "etcd-ca.crt",
            "etcd-ca.key",
            "front-proxy-ca.crt",
            "front-proxy-ca.key",
            "sa.key",
            "sa.pub",
        ]
    )
    owner = certs["metadata"]["ownerReferences"][0]
    assert owner["kind"] == "Secret" and owner["name"].startswith("bootstrap-token-") and owner["controller"] is True
    blob = base64.b64decode(certs["data"]["ca.crt"])
    plain = AESGCM(bytes.fromhex(outputs["certificate_key"])).decrypt(blob[:12], blob[12:], None).decode()
    assert plain == on_host(node, "cat /etc/kubernetes/pki/ca.crt")

    # kubeadm's own tools read our files as their own.
    expiration = on_host(node, "kubeadm certs check-expiration")
    for cert in CERTS:
        assert f"\n{cert} " in expiration, cert
    assert "client-certificate: /var/lib/kubelet/pki/kubelet-client-current.pem" in on_host(
        node, "cat /etc/kubernetes/kubelet.conf"
    )

    # Keys and the join's token are ciphertext in state.
    state = json.dumps(stack.export())
    assert "PRIVATE KEY" not in state
    assert len(token_id) == 6 and not re.search(rf"{token_id}\.[a-z0-9]{{16}}", state)

    stack.pulumi("preview", "--expect-no-changes")
    started = time.monotonic()
    stack.pulumi("up", "--yes", "--skip-preview")
    noop_seconds = time.monotonic() - started
    print(f"\n[timing] pulumi up: {up_seconds:.1f}s; no-op pulumi up: {noop_seconds:.1f}s")

    # kubeadm upgrades forward only: a lower minor is refused at preview, even with --skip-preview nothing runs.
    stack.set_config({"kubernetesVersion": "v1.36.3"})
    for command in (("preview",), ("up", "--yes", "--skip-preview")):
        refused = stack.pulumi(*command, check=False)
        assert refused.returncode != 0
        assert "kubernetesVersion: v1.37.2 -> v1.36.3 lowers the minor release" in refused.stdout + refused.stderr
        assert " updated (" not in refused.stdout, refused.stdout
    assert on_host(node, "dpkg-query -W -f '${Version}' kubelet") == "1.37.2-1.1"
    stack.set_config({"kubernetesVersion": "v1.37.2"})

    stack.pulumi("destroy", "--yes", "--skip-preview")
    for host in nodes:
        leftover = on_host(host, LEFTOVERS)
        assert leftover.split() == ["inactive"], f"{host.name}: {leftover}"
