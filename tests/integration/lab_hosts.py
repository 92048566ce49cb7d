"""Running commands on lab hosts from tests."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

import lab
from lab import kubernetes


def on_host(node, script: str, stdin: str | None = None, check: bool = True) -> str:
    """Run a shell script on a lab node as root over SSH; its stdout (a failure fails the test, with output)."""
    result = subprocess.run(
        lab.ssh_argv(node.address, [script]), input=stdin, capture_output=True, text=True, timeout=120
    )
    if check:
        assert result.returncode == 0, f"{script}\n{result.stdout}\n{result.stderr}"
    return result.stdout


# On a host that kubeadm reset left clean, this prints only "inactive": no file under kubeadm's directories, and
# the kubelet stopped.
LEFTOVERS = (
    "find /etc/kubernetes /var/lib/kubelet /var/lib/etcd -mindepth 1 -not -type d 2>/dev/null | head; "
    "systemctl is-active kubelet || true"
)


def run_kubectl(kubeconfig: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The lab release's kubectl from this machine with `kubeconfig` (a failure fails the test unless told not to)."""
    kubectl_bin = kubernetes.build().unit("kubernetes") / "bin" / "kubectl"
    result = subprocess.run(
        [str(kubectl_bin), f"--kubeconfig={kubeconfig}", *args], capture_output=True, text=True, timeout=60
    )
    assert not check or result.returncode == 0, f"kubectl {' '.join(args)}: {result.stderr}"
    return result


def started(node, *names: str) -> dict[str, str]:
    """When each named process of the node started: its oldest process's pid and ps's lstart (to the second), by
    name, in one SSH call. A restart shows as a new value."""
    script = "; ".join(f"p=$(pgrep -o -f '^{n} '); echo {n} $p $(ps -o lstart= -p $p)" for n in names)
    return dict(line.split(" ", 1) for line in on_host(node, script).splitlines())


ETCD_TLS = (
    "--cacert /etc/kubernetes/pki/etcd/ca.crt --cert /etc/kubernetes/pki/etcd/healthcheck-client.crt "
    "--key /etc/kubernetes/pki/etcd/healthcheck-client.key"
)


def etcd_members(node) -> list[dict]:
    """The etcd members as the node's local member reports them, each with `healthy`."""
    listed = on_host(node, f"curl -sS {ETCD_TLS} -X POST https://127.0.0.1:2379/v3/cluster/member/list -d '{{}}'")
    members = json.loads(listed)["members"]
    for m in members:
        url = (m.get("clientURLs") or [""])[0]
        health = on_host(node, f"curl -sS --max-time 5 {ETCD_TLS} {url}/health", check=False) if url else ""
        m["healthy"] = '"health":"true"' in health
        m["health"] = health
    return members


# Behind the lab's load balancer an API server told to stop keeps serving this long with its /readyz failing, so
# HAProxy (two failed checks a second apart) takes it out before its port closes: a rolling restart then resets no
# connection HAProxy had just opened to it (README, "Several control planes behind a load balancer").
BEHIND_LB_ARGS = {"shutdown-delay-duration": "5s"}


def cluster_config(
    name: str, lab_name: str, control_planes, workers=(), endpoint: str | None = None, **settings: object
) -> dict:
    """The `kubeadm:` settings of a cluster on the nodes of lab `lab_name`: its hosts over the lab's SSH key, the lab's
    package repository, the kubelet setting this machine needs, the control-plane endpoint when given (with
    BEHIND_LB_ARGS for the API servers), then `settings`."""
    config: dict[str, object] = {
        "clusterName": name,
        "ssh": {"user": "root", "privateKeyFile": str(lab.key_path())},
        "packages": lab.package_source(lab_name),
        "controlPlanes": [{"name": h.name, "address": h.address} for h in control_planes],
        "workers": [{"name": h.name, "address": h.address} for h in workers],
        "kubeletConfiguration": {"failCgroupV1": False},
    }
    if endpoint:
        config["controlPlaneEndpoint"] = endpoint
        config["apiServer"] = {"extraArgs": BEHIND_LB_ARGS}
    return {**config, **settings}


def lab_nodes(name: str, count: int, **options: object):
    """A module fixture: the lab `name` with `count` nodes (lab.up's options), up for the module's tests and down
    after them, whatever they did. Nodes get the bridge CNI unless `cni` says otherwise: these clusters apply none."""
    options.setdefault("cni", "bridge")

    @pytest.fixture(scope="module")
    def nodes():
        try:
            yield lab.up(name, count, write_config=False, **options)  # type: ignore[arg-type]
        finally:
            lab.down(name)

    return nodes
