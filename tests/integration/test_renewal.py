"""Certificate renewal inside a plain `pulumi up`, on the lab: short-lived certificates come due, the preview names
each one and says why, the up reissues them in place with their keys and rolls the API servers one at a time while the
endpoint answers, and kubeadm's own check-expiration sees the new dates."""

from __future__ import annotations

import datetime
import json
import re
import time

import pytest
from lab_hosts import cluster_config, lab_nodes, on_host, started
from polling import assert_one_down_at_a_time, up_watched

import lab

pytestmark = pytest.mark.integration

LAB = "itest-renew"
VALIDITY, RENEW_BEFORE = "2h", "1h52m"
# A certificate comes due this long after it is issued: more than creating the cluster takes, so the preview right
# after it expects no changes, and short enough that the test waits only minutes.
DUE_AFTER = datetime.timedelta(minutes=8)
CERT_FILES = ("apiserver", "apiserver-kubelet-client", "front-proxy-client", "etcd/server", "etcd/peer")

nodes = lab_nodes(LAB, 3, load_balancer=True)


def certificate(node, path: str) -> dict[str, str]:
    """serial, NotAfter and the public key's digest of a PEM certificate on the host (a kubeconfig's embedded one when
    `path` ends in .conf)."""
    read = f"cat /etc/kubernetes/pki/{path}.crt"
    if path.endswith(".conf"):
        read = f"grep client-certificate-data /etc/kubernetes/{path} | awk '{{print $2}}' | base64 -d"
    script = f"{read} | openssl x509 -noout -serial -enddate; {read} | openssl x509 -noout -pubkey | sha256sum"
    out = on_host(node, script).splitlines()
    return {"serial": out[0].split("=", 1)[1], "not_after": out[1].split("=", 1)[1], "key": out[2].split()[0]}


def kubelet_client(node) -> str:
    """What the host's kubelet.conf gives as the kubelet's client certificate: a file, or "embedded"."""
    conf = on_host(node, "cat /etc/kubernetes/kubelet.conf")
    if "client-certificate-data:" in conf:
        return "embedded"
    return re.search(r"client-certificate: (\S+)", conf).group(1)  # type: ignore[union-attr]


def check_expiration(node) -> dict[str, datetime.datetime]:
    """kubeadm certs check-expiration on the host: each certificate and kubeconfig it lists, with its EXPIRES."""
    out = on_host(node, "kubeadm certs check-expiration")
    rows = {}
    for line in out.splitlines():
        found = re.match(r"^(\S+)\s+(\w{3} \d\d, \d{4} \d\d:\d\d UTC)\s", line)
        if found:
            rows[found.group(1)] = datetime.datetime.strptime(found.group(2), "%b %d, %Y %H:%M %Z").replace(
                tzinfo=datetime.UTC
            )
    return rows


def test_due_certificates_renew_on_a_plain_up(nodes, make_stack, tmp_path):
    control_planes = nodes
    endpoint = f"{lab.load_balancer_address(LAB)}:6443"
    stack = make_stack("renew")
    lifetimes = {"certificateValidityPeriod": VALIDITY, "certificateRenewBefore": RENEW_BEFORE}
    stack.set_config(cluster_config("renew", LAB, control_planes, endpoint=endpoint, **lifetimes))
    stack.pulumi("up", "--yes", "--skip-preview")
    issued = datetime.datetime.now(datetime.UTC)
    # Nothing is due yet: a rerun changes nothing.
    stack.pulumi("preview", "--expect-no-changes")
    expiry = stack.outputs()["expiry"]
    files = (*CERT_FILES, "admin.conf", "controller-manager.conf", "scheduler.conf")
    before = {h.name: {f: certificate(h, f) for f in files} for h in control_planes}
    for h in control_planes:
        not_after = datetime.datetime.fromisoformat(expiry[h.name]["/etc/kubernetes/pki/apiserver.crt"])
        assert datetime.timedelta(hours=1, minutes=52) < not_after - issued <= datetime.timedelta(hours=2)
    apiservers = {h.name: started(h, "kube-apiserver")["kube-apiserver"] for h in control_planes}
    # kubelet-finalize on every control plane: the kubelet's client certificate is the one it rotates itself.
    rotated = "/var/lib/kubelet/pki/kubelet-client-current.pem"
    assert {h.name: kubelet_client(h) for h in control_planes} == {h.name: rotated for h in control_planes}

    # Once due, a plain preview (no refresh) names every certificate to renew, and why.
    time.sleep(max(0.0, (issued + DUE_AFTER - datetime.datetime.now(datetime.UTC)).total_seconds()))
    preview = stack.pulumi("preview", "--json")
    steps = json.loads(preview.stdout)["steps"]
    renewed = sorted(s["urn"].rsplit("::", 1)[1] for s in steps if s["op"] == "update" and ":Certificate::" in s["urn"])
    assert f"certs-apiserver-{control_planes[0].name}" in renewed and "kubeconfig-admin" in renewed, renewed
    assert "certs-ca" not in renewed, "a CA with years left was renewed"
    keys = [s["urn"] for s in steps if s["op"] not in ("same", "read") and ":PrivateKey::" in s["urn"]]
    assert not keys, f"keys would change: {keys}"
    text = stack.pulumi("preview").stdout
    said = [line for line in text.splitlines() if "certs-apiserver" in line or "expires" in line]
    assert re.search(r"expires \S+Z \(in 1\d\d minutes, certificateRenewBefore 112 minutes\): renewed", text), said

    kubeconfig = tmp_path / "admin.conf"
    kubeconfig.write_text(stack.outputs()["admin_kubeconfig"])
    watched = up_watched(stack, endpoint, control_planes, kubeconfig, tmp_path)
    through = watched.through

    after = {h.name: {f: certificate(h, f) for f in files} for h in control_planes}
    expiry = stack.outputs()["expiry"]
    for h in control_planes:
        for f in files:
            old, new = before[h.name][f], after[h.name][f]
            assert new["serial"] != old["serial"], f"{h.name}: {f} was not renewed"
            assert new["key"] == old["key"], f"{h.name}: {f} has a new key"
        assert started(h, "kube-apiserver")["kube-apiserver"] != apiservers[h.name], f"{h.name}: API server kept"
        # The renewed kubelet.conf was finalized again, not left with the embedded certificate it was written with.
        assert kubelet_client(h) == rotated, f"{h.name}: kubelet.conf after renewal: {kubelet_client(h)}"
        # kubeadm's own reading of every certificate and kubeconfig shows the new dates, as our report does.
        listed = check_expiration(h)
        assert {"admin.conf", "apiserver", "etcd-server", "front-proxy-client", "scheduler.conf"} <= set(listed)
        for name, expires in listed.items():
            assert expires > issued + datetime.timedelta(hours=2), f"{h.name}: {name} still expires {expires}"
        ours = datetime.datetime.fromisoformat(expiry[h.name]["/etc/kubernetes/pki/apiserver.crt"])
        assert abs(ours - listed["apiserver"]) < datetime.timedelta(minutes=1)
    assert_one_down_at_a_time(watched.windows)
    assert through.failed() == [], (
        f"{len(through.failed())} of {len(through.samples)} polls failed:\n{watched.failures(LAB, control_planes)}"
    )
    print(
        f"\n[renew] {len(renewed)} certificates renewed on 3 control planes in {watched.seconds:.1f}s; "
        f"{len(through.samples)} polls through the endpoint, 0 failed"
    )
    # The renewed certificates come due again 8 minutes after they were issued, which a slow run can pass; a lower
    # threshold is a config change that reissues nothing by itself.
    stack.set_config({"certificateRenewBefore": "1h"})
    stack.pulumi("preview", "--expect-no-changes")

    # A certificate renewed by hand is drift: a refresh reads it, the preview shows it on that host, the up stops
    # naming it and says how to put this stack's back; doing so converges.
    cp = control_planes[1]
    on_host(cp, "kubeadm certs renew apiserver")
    apiserver = "/etc/kubernetes/pki/apiserver.crt"
    by_hand = certificate(cp, "apiserver")
    steps = json.loads(stack.pulumi("preview", "--refresh", "--json").stdout)["steps"]
    changed = sorted(s["urn"].rsplit("::", 1)[1] for s in steps if s["op"] not in ("same", "read", "refresh"))
    assert changed == [f"check-expiration-{cp.name}"], changed
    failed = stack.pulumi("up", "--yes", "--skip-preview", "--refresh", check=False)
    said = failed.stdout + failed.stderr
    assert failed.returncode != 0 and f"{cp.name}: 1 file(s) are not what this stack placed there" in said, said
    assert f"{apiserver}: the host's expires" in said
    assert certificate(cp, "apiserver") == by_hand, "the hand-renewed certificate was overwritten"
    replace = re.findall(r"--replace '([^']+)'", said)
    assert len(replace) == 1 and replace[0].endswith(f"::certs-apiserver-{cp.name}"), replace
    stack.pulumi("up", "--yes", "--skip-preview", "--refresh", "--replace", replace[0])
    put_back = certificate(cp, "apiserver")
    # kubeadm certs renew makes a new key; the stack's key comes back with its certificate (the host's files are
    # written wherever they differ from state).
    assert put_back["serial"] != by_hand["serial"] and put_back["key"] == after[cp.name]["apiserver"]["key"]
    ours = datetime.datetime.fromisoformat(stack.outputs()["expiry"][cp.name][apiserver])
    on_disk = datetime.datetime.strptime(" ".join(put_back["not_after"].split()), "%b %d %H:%M:%S %Y GMT")
    assert on_disk.replace(tzinfo=datetime.UTC) == ours, (ours, put_back)
    stack.pulumi("preview", "--refresh", "--expect-no-changes")
    stack.pulumi("destroy", "--yes", "--skip-preview")
