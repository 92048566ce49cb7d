"""Issue 5's proof: workers join through TLS bootstrap, scale by config, leave cleanly, and destroy resets all."""

from __future__ import annotations

import base64
import json
import subprocess
import time

import pytest
from console import leaked, secret_fragments
from cryptography import x509
from lab_hosts import LEFTOVERS, lab_nodes, on_host, run_kubectl

import lab
from components.join import scripts as join_scripts

pytestmark = pytest.mark.integration

LAB = "itest-workers"


def requested_cn(csr: dict) -> str:
    request = x509.load_pem_x509_csr(base64.b64decode(csr["spec"]["request"]))
    return str(request.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value)


nodes = lab_nodes(LAB, 4)


def test_workers_join_scale_and_leave(nodes, make_stack, tmp_path):
    cp, w2, w3, w4 = nodes
    stack = make_stack("workers")

    def worker(node, **marks):
        return {"name": node.name, "address": node.address, **marks}

    def configure(*workers) -> None:
        stack.set_config({"workers": list(workers)})

    stack.set_config(
        {
            "clusterName": "workers",
            "ssh": {"user": "root", "privateKeyFile": str(lab.key_path())},
            "packages": lab.package_source(LAB),
            "controlPlanes": [{"name": cp.name, "address": cp.address}],
            "kubeletConfiguration": {"failCgroupV1": False},
        }
    )
    taint = {"key": "dedicated", "value": "batch", "effect": "NoSchedule"}
    configure(worker(w2, labels={"tier": "web"}), worker(w3, taints=[taint]))
    timings = {}

    def up(phase: str, terminal: bool = False) -> str:
        started = time.monotonic()
        if terminal:
            output = stack.pulumi_in_terminal("up", "--yes", "--skip-preview")
        else:
            result = stack.pulumi("up", "--yes", "--skip-preview")
            output = result.stdout + result.stderr
        timings[phase] = time.monotonic() - started
        consoles.append(output)
        return output

    consoles: list[str] = []
    # As a user at a terminal sees it (the interactive display); later runs as CI logs them (--non-interactive).
    up("1 control plane + 2 workers", terminal=True)
    kubeconfig = tmp_path / "admin.conf"
    kubeconfig.write_text(stack.outputs()["admin_kubeconfig"])

    def kubectl(*args: str) -> str:
        return run_kubectl(kubeconfig, *args).stdout

    def node_names() -> list[str]:
        return sorted(kubectl("get", "nodes", "-o", "jsonpath={.items[*].metadata.name}").split())

    def valid_tokens() -> list[str]:
        secrets = json.loads(
            kubectl(
                "-n",
                "kube-system",
                "get",
                "secrets",
                "--field-selector=type=bootstrap.kubernetes.io/token",
                "-o",
                "json",
            )
        )["items"]
        return [s["metadata"]["name"] for s in secrets if "usage-bootstrap-authentication" in s["data"]]

    assert node_names() == [cp.name, w2.name, w3.name]
    # Each worker's kubelet bootstrapped itself: its CSR, made with that join's own token, was approved by the RBAC
    # init created, and its client certificate is signed by the cluster CA.
    csrs = json.loads(kubectl("get", "csr", "-o", "json"))["items"]
    requestors = {}
    for w in (w2, w3):
        mine = [
            r
            for r in csrs
            if r["spec"]["username"].startswith("system:bootstrap:") and requested_cn(r) == f"system:node:{w.name}"
        ]
        assert mine, f"no bootstrap CSR for {w.name}"
        assert all(any(c["type"] == "Approved" for c in r["status"]["conditions"]) for r in mine)
        requestors[w.name] = mine[0]["spec"]["username"]
        assert "OK" in on_host(
            w, "openssl verify -CAfile /etc/kubernetes/pki/ca.crt /var/lib/kubelet/pki/kubelet-client-current.pem"
        )
        assert not on_host(w, "ls /etc/kubernetes/bootstrap-kubelet.conf 2>/dev/null", check=False)
    assert len(set(requestors.values())) == 2, requestors  # one token per join
    labels = json.loads(kubectl("get", "node", w2.name, "-o", "jsonpath={.metadata.labels}"))
    assert labels["tier"] == "web"
    taints = json.loads(kubectl("get", "node", w3.name, "-o", "jsonpath={.spec.taints}"))
    assert taint in taints
    assert valid_tokens() == []
    stack.pulumi("preview", "--expect-no-changes")

    # A CA that does not match the pin stops discovery before anything is written.
    wrong = join_scripts.join_worker(w4.name, f"{cp.address}:6443", "sha256:" + "0" * 64, "urn:test", timeout=30)
    result = subprocess.run(
        lab.ssh_argv(w4.address, [wrong]), input="abcdef.0123456789abcdef", capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 1
    assert f"expected sha256:{'0' * 64}: not joining" in result.stderr
    assert on_host(w4, "ls /etc/kubernetes").split() == ["manifests"]

    # Adding a worker touches only that worker's resources.
    configure(worker(w2, labels={"tier": "web"}), worker(w3, taints=[taint]), worker(w4))
    preview = json.loads(stack.pulumi("preview", "--json").stdout)
    changed = [s["urn"].rsplit("::", 1)[1] for s in preview["steps"] if s["op"] != "same"]
    # `hosts` (HostInventory) records the new host in state and runs no command.
    assert changed and all(w4.name in name or name == "hosts" for name in changed), changed
    up("add a worker")
    assert node_names() == [cp.name, w2.name, w3.name, w4.name]
    assert valid_tokens() == []

    # No bootstrap token, private key or client key reached the console, with either display.
    fragments = secret_fragments(stack.export(show_secrets=True), lab.key_path())
    tokens = [what for what in fragments if what.startswith("bootstrap token")]
    assert len(tokens) == 3 and len(fragments) > 20, sorted(fragments)  # the check has something to find
    # The consoles show what the commands streamed (so a leak would be seen), but none of the secrets.
    assert all("[kubelet-start] node-" in console for console in consoles), consoles
    assert leaked("\n".join(consoles), fragments) == []

    # Removing a worker drains it, deletes its Node and resets its host.
    configure(worker(w3, taints=[taint]), worker(w4))
    up("remove a worker")
    assert node_names() == [cp.name, w3.name, w4.name]
    assert on_host(w2, LEFTOVERS).split() == ["inactive"]

    # A worker whose host is down is still removed from the cluster; the run says its host was not reset.
    lab.stop_node(w3.name, name=LAB)
    configure(worker(w4))
    output = up("remove a stopped worker")
    assert node_names() == [cp.name, w4.name]
    # The warning is a diagnostic the program raises, listed after the run whichever plugin ran the commands.
    diagnostics = output.split("Diagnostics:", 1)[-1] if "Diagnostics:" in output else ""
    assert (
        f"warning: {w3.name} ({w3.address}) leaves the cluster, but its kubelet does not answer, so it is not drained "
        "(its pods go with its Node); it does not answer over SSH, so the host is NOT reset" in diagnostics
    ), output
    assert valid_tokens() == []

    stack.pulumi("destroy", "--yes", "--skip-preview")
    for host in (cp, w2, w4):
        assert on_host(host, LEFTOVERS).split() == ["inactive"], host.name
    print("\n[timing] " + "; ".join(f"{k}: {v:.1f}s" for k, v in timings.items()))
