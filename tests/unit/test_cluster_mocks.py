"""Components under Pulumi's mocks: which resources the cluster registers, with which inputs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pulumi
import pytest
from bundles import scripts_of, unbundle
from pulumi.runtime import rpc
from pulumi_mocks import DYNAMIC_PROVIDERS, plain_inputs

from components.config import parse
from components.node.preflight_checks import Target, render_script
from components.remote import TRIGGER_LINE
from tests.conftest import write_ssh_key


class Recorder(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: dict[str, pulumi.runtime.MockResourceArgs] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.resources[args.name] = args
        outputs = dict(args.inputs)
        if args.typ == "command:remote:Command":
            outputs["stdout"] = f"report of {args.name}"
        provider = DYNAMIC_PROVIDERS.get(args.typ)
        if provider is not None:
            result = provider().create(plain_inputs(args.inputs))
            return result.id, result.outs
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


@pytest.fixture
def recorder() -> Recorder:
    mocks = Recorder()
    pulumi.runtime.set_mocks(mocks, preview=False)
    return mocks


def config(tmp_path: Path, **settings: object):
    key = tmp_path / "id"
    write_ssh_key(key)
    return parse(
        {
            "ssh": {"privateKeyFile": str(key)},
            "controlPlanes": [{"name": "node-1", "address": "10.213.0.11"}],
            "workers": [{"name": "node-2", "address": "10.213.0.12"}],
            "ignorePreflightErrors": ["FileExisting-kubeadm"],
            **settings,
        }
    )


@pulumi.runtime.test
def test_cluster_runs_preflight_on_every_host(recorder: Recorder, tmp_path: Path):
    from components.cluster import Cluster, ClusterArgs

    cfg = config(tmp_path)
    cluster = Cluster("lab", ClusterArgs(config=cfg, private_keys={cfg.hosts[0].ssh.private_key_file: "KEY"}))

    def check(reports: dict[str, str]) -> None:
        commands = {n: r for n, r in recorder.resources.items() if r.typ == "command:remote:Command"}
        assert sorted(n for n in commands if n.startswith("preflight-")) == [
            "preflight-node-1-checks",
            "preflight-node-2-checks",
        ]
        for host in cfg.hosts:
            step = commands[f"preflight-{host.name}-checks"]
            script = render_script(
                Target(name=host.name, address=host.address, role=host.role, ignored=cfg.ignore_preflight_errors)
            )
            assert scripts_of(step.inputs)["create"] == script
            assert "environment" not in step.inputs
            # The private key makes the whole connection a secret, so state never holds it in plaintext.
            connection = step.inputs["connection"]
            assert connection[rpc._special_sig_key] == rpc._special_secret_sig
            assert connection["value"]["host"] == host.address
            assert connection["value"]["user"] == "root"
            assert connection["value"]["privateKey"] == "KEY"
        components = {n: r.typ for n, r in recorder.resources.items() if r.typ.startswith("kubeadm:")}
        assert {
            "lab": "kubeadm:index:Cluster",
            "preflight-node-1": "kubeadm:preflight:Preflight",
            "preflight-node-2": "kubeadm:preflight:Preflight",
            "certs": "kubeadm:pki:ClusterPki",
            "kubeconfig": "kubeadm:kubeconfig:Kubeconfigs",
        }.items() <= components.items()
        assert reports == {
            "node-1": "report of preflight-node-1-checks",
            "node-2": "report of preflight-node-2-checks",
        }

    return cluster.preflight_reports.apply(check)


def test_each_host_gets_the_files_of_its_role(recorder: Recorder, tmp_path: Path) -> None:
    from components.cluster import Cluster, ClusterArgs

    cfg = config(tmp_path)

    @pulumi.runtime.test
    def build():
        cluster = Cluster("lab", ClusterArgs(config=cfg, private_keys={cfg.hosts[0].ssh.private_key_file: "KEY"}))
        return cluster.ca_cert_hash

    build()  # returns once every resource, including those waiting on certificates, is registered
    assert {n: r.typ for n, r in recorder.resources.items() if n.startswith("files-")} == {
        "files-node-1": "command:remote:Command",
        "files-node-2": "command:remote:Command",
    }
    # One command per host writes its files; its triggers list each with its mode and a digest of its content.
    writes = {n: plain_inputs(r.inputs) for n, r in recorder.resources.items() if n.startswith("files-")}
    assert sorted(writes) == ["files-node-1", "files-node-2"]
    listed = {host: {line.split()[0]: line.split()[1] for line in writes[f"files-{host}"]["triggers"]}
              for host in ("node-1", "node-2")}  # fmt: skip
    assert sorted(listed["node-2"]) == [
        "/etc/kubernetes/pki/ca.crt",
        "/var/lib/kubelet/config.yaml",
        "/var/lib/kubelet/instance-config.yaml",
        "/var/lib/kubelet/kubeadm-flags.env",
    ]
    assert listed["node-1"]["/etc/kubernetes/pki/apiserver.key"] == "0600"
    assert listed["node-1"]["/etc/kubernetes/admin.conf"] == "0600"
    assert listed["node-1"]["/etc/kubernetes/pki/apiserver.crt"] == "0644"
    assert all(re.fullmatch(r"\S+ 0[0-7]{3} sha256:[0-9a-f]{16}", line) for line in writes["files-node-1"]["triggers"])
    # The digests are plain (the engine shows them in a diff), the contents ride in a secret stdin, no key in the clear.
    write = recorder.resources["files-node-1"]
    assert write.inputs["stdin"][rpc._special_sig_key] == rpc._special_secret_sig
    assert "PRIVATE KEY" not in json.dumps(write.inputs["triggers"]) + write.inputs["create"]
    assert (
        "0600 " in writes["files-node-1"]["stdin"]
        and "/etc/kubernetes/pki/apiserver.key\n" in writes["files-node-1"]["stdin"]
    )
    # kubeadm init's phases after the files, in order, on the first control plane; every host gets a reset.
    names = set(recorder.resources)
    assert {"reset-node-1", "reset-node-2", "kubelet-start-node-1", "wait-control-plane", "upload-config"} <= names
    assert {"mark-control-plane", "bootstrap-token", "kubelet-finalize", "addons"} <= names
    assert "kubelet-start-node-2" not in names  # workers start their kubelet when they join
    assert "cni" not in names  # kubeadm applies no pod network, nor does the default `cni: none`
    steps = {r.name: r for r in recorder.resources.values() if r.typ.startswith("command:")}
    # The join's token is minted on the control plane right before the join, and deleted there right after it.
    cp, worker = "10.213.0.11", "10.213.0.12"
    for name, host in (("join-node-2-token", cp), ("join-node-2", worker), ("join-node-2-token-delete", cp)):
        assert steps[name].inputs["connection"]["value"]["host"] == host, name
    assert (
        "kubectl" in scripts_of(steps["join-node-2-token"].inputs)["create"]
        and "create -f -" in scripts_of(steps["join-node-2-token"].inputs)["create"]
    )
    for name in ("join-node-2", "join-node-2-token-delete"):
        assert steps[name].inputs["stdin"][rpc._special_sig_key] == rpc._special_secret_sig, name  # the token
    # Init mints no token: bootstrap-token holds the RBAC and cluster-info only.
    assert "bootstrap.kubernetes.io/token" not in unbundle(steps["bootstrap-token"].inputs["stdin"])[1]
    # Removing the worker drains it and deletes its Node from the control plane; its reset runs over local ssh.
    mark = steps["join-node-2-mark"]
    assert mark.inputs["connection"]["value"]["host"] == cp
    removal = scripts_of(mark.inputs)["delete"]
    assert 'drain "$node"' in removal and 'k delete node "$node"' in removal
    reset = steps["reset-node-2-cleanup-node"]
    assert reset.typ == "command:local:Command" and "create" not in reset.inputs
    assert f"address={worker}\n" in reset.inputs["delete"] and '"$user@$address" sh -s' in reset.inputs["delete"]
    assert "rm -rf" not in reset.inputs["delete"]  # the cleanup itself travels on stdin
    assert "manifests_dir=/etc/kubernetes/manifests\n" in reset.inputs["stdin"]
    assert 'rm -rf "${manifests_dir:?}"/*' in reset.inputs["stdin"]
    # Host files have no delete of their own: the host's reset removes what they put there.
    assert all("delete" not in steps[n].inputs for n in writes)
    # Nothing relies on what upstream's plugin drops on a stock sshd: no `environment` anywhere, triggers travel as
    # the first line of the command, and no command reads PULUMI_COMMAND_STDOUT/STDERR.
    for r in steps.values():
        assert "environment" not in r.inputs, r.name
        for field in ("create", "delete", "stdin"):
            assert "PULUMI_COMMAND_STD" not in str(r.inputs.get(field, "")), (r.name, field)
    assert steps["join-node-2"].inputs["create"].startswith(TRIGGER_LINE)
    assert not steps["preflight-node-1-checks"].inputs["create"].startswith(TRIGGER_LINE)  # no triggers, no line
    # The only step whose stdout is a secret (the minted token) is never streamed to the console.
    quiet = sorted(r.name for r in steps.values() if r.inputs.get("logging") == "none")
    assert quiet == ["join-node-2-token"]
    manifests = sorted(p for p in listed["node-1"] if p.startswith("/etc/kubernetes/manifests/"))
    assert manifests == [
        f"/etc/kubernetes/manifests/{p}.yaml"
        for p in ("etcd", "kube-apiserver", "kube-controller-manager", "kube-scheduler")
    ]
    # Each control plane's check: what this stack placed there, its finalized kubelet.conf left out; workers (the
    # CA certificate only) have none, so they cost the engine no dynamic resource.
    checks = {n: plain_inputs(r.inputs) for n, r in recorder.resources.items() if n.startswith("check-expiration-")}
    assert sorted(checks) == ["check-expiration-node-1"]
    on_cp = checks["check-expiration-node-1"]
    assert {"/etc/kubernetes/admin.conf", "/etc/kubernetes/pki/apiserver.crt"} <= set(on_cp["expected"])
    assert "/etc/kubernetes/kubelet.conf" not in on_cp["expected"]
    assert set(on_cp["issuers"]) == set(on_cp["expected"])
    assert on_cp["host"] == {
        "name": "node-1",
        "address": "10.213.0.11",
        "port": 22,
        "user": "root",
        "key_file": str(cfg.hosts[0].ssh.private_key_file),
    }


@pytest.mark.parametrize(
    ("dns", "proxy", "kinds"),
    [
        (False, False, {"Deployment", "DaemonSet"}),
        (True, False, {"DaemonSet"}),
        (False, True, {"Deployment"}),
        (True, True, set()),
    ],
    ids=["both_addons", "dns_disabled", "proxy_disabled", "both_disabled_means_no_addons_phase"],
)
def test_each_addon_can_be_disabled(tmp_path: Path, dns: bool, proxy: bool, kinds: set[str]) -> None:
    import yaml

    from components.phases.addons import addon_objects

    key = tmp_path / "id"
    write_ssh_key(key)
    cfg = parse(
        {
            "ssh": {"privateKeyFile": str(key)},
            "controlPlanes": [{"name": "node-1", "address": "10.213.0.11"}],
            "dns": {"disabled": dns},
            "proxy": {"disabled": proxy},
        }
    )
    rendered = addon_objects(cfg)
    workloads = {d["kind"] for d in yaml.safe_load_all(rendered) if d and d["kind"] in ("Deployment", "DaemonSet")}
    assert workloads == kinds
    assert (rendered == "") == (not kinds)


def test_more_control_planes_join_one_at_a_time_with_stacked_etcd(recorder: Recorder, tmp_path: Path) -> None:
    from components.cluster import Cluster, ClusterArgs

    key = tmp_path / "id"
    write_ssh_key(key)
    cfg = parse(
        {
            "ssh": {"privateKeyFile": str(key)},
            "controlPlaneEndpoint": "10.213.0.10:6443",
            "controlPlanes": [{"name": f"cp-{i}", "address": f"10.213.0.1{i}"} for i in (1, 2, 3)],
            "workers": [{"name": "node-4", "address": "10.213.0.14"}],
        }
    )

    @pulumi.runtime.test
    def build():
        return Cluster("lab", ClusterArgs(config=cfg, private_keys={key: "KEY"})).ca_cert_hash

    build()
    steps = {r.name: r for r in recorder.resources.values() if r.typ.startswith("command:")}
    # Joining control planes get their etcd manifest only after their member is added, with the members etcd listed.
    assert any(
        line.startswith("/etc/kubernetes/manifests/etcd.yaml ")
        for line in plain_inputs(steps["files-cp-1"].inputs)["triggers"]
    )
    for cp in ("cp-2", "cp-3"):
        files = plain_inputs(steps[f"files-{cp}"].inputs)["triggers"]
        assert not any(line.startswith("/etc/kubernetes/manifests/etcd.yaml ") for line in files)
        etcd = plain_inputs(steps[f"{cp}/etc/kubernetes/manifests/etcd.yaml"].inputs)
        assert etcd["stdin"].count("--initial-cluster=report of join-") == 1
        assert "--initial-cluster-state=existing" in etcd["stdin"]
        for phase in ("check-etcd", "etcd", "etcd-promote"):
            assert steps[f"join-{cp}-{phase}"].inputs["connection"]["value"]["host"] == "10.213.0.11", phase
        for phase in ("wait-control-plane", "mark-control-plane", "kubelet-finalize"):
            assert steps[f"join-{cp}-{phase}"].inputs["connection"]["value"]["host"] == f"10.213.0.1{cp[-1]}"
    # The cluster-level steps and the guard; no second init.
    assert "etcd-members" in steps and "wait-control-plane" in steps and "join-cp-1-etcd" not in steps
    assert recorder.resources["control-planes"].typ == "pulumi-python:dynamic/etcd:ControlPlaneSet"
    assert "--advertise-address=10.213.0.12" in plain_inputs(steps["files-cp-2"].inputs)["stdin"]


def test_flannel_is_applied_with_the_pod_subnet(recorder: Recorder, tmp_path: Path) -> None:
    from components.cluster import Cluster, ClusterArgs

    cfg = config(tmp_path, networking={"podSubnet": "10.50.0.0/16"}, cni="flannel")

    @pulumi.runtime.test
    def build():
        cluster = Cluster("lab", ClusterArgs(config=cfg, private_keys={cfg.hosts[0].ssh.private_key_file: "KEY"}))
        return cluster.ca_cert_hash

    build()
    steps = {r.name: r for r in recorder.resources.values() if r.typ.startswith("command:")}
    cni = steps["cni"]
    assert '"Network": "10.50.0.0/16"' in plain_inputs(cni.inputs)["stdin"]
    assert "kind: DaemonSet" in plain_inputs(cni.inputs)["stdin"]


def test_kubelet_finalize_runs_again_when_kubelet_conf_is_rewritten(recorder: Recorder, tmp_path: Path) -> None:
    """A renewal rewrites kubelet.conf with an embedded certificate; finalize must point it at the rotated one again."""
    from components import remote
    from components.phases.kubelet_finalize import kubelet_finalize

    host = config(tmp_path).control_planes[0]
    conn = remote.connection(host, "KEY")
    opts = pulumi.ResourceOptions()

    @pulumi.runtime.test
    def build():
        for name, conf in (("first", "conf-1"), ("same", "conf-1"), ("renewed", "conf-2")):
            kubelet_finalize(name, host, conn, "after", pulumi.Output.secret(conf), opts)
        return pulumi.Output.from_input("done")

    build()
    # The triggers' hash is the command's first line (a secret here: kubelet.conf holds a key).
    hashes = {
        n: plain_inputs(recorder.resources[n].inputs)["create"].splitlines()[0] for n in ("first", "same", "renewed")
    }
    assert hashes["first"].startswith(TRIGGER_LINE)
    assert hashes["first"] == hashes["same"]
    assert hashes["renewed"] != hashes["first"]


@pytest.mark.parametrize("install", [True, False], ids=["packages_installed", "hosts_bring_their_own"])
def test_each_host_installs_the_packages_between_preflight_and_its_files(
    recorder: Recorder, tmp_path: Path, install: bool
) -> None:
    from components.cluster import Cluster, ClusterArgs

    key = tmp_path / "mirror.asc"
    key.write_text("-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEabc\n-----END PGP PUBLIC KEY BLOCK-----\n")
    packages = {"repository": "http://10.213.0.1/core:/stable:", "signingKeyFile": str(key), "install": install}
    cfg = config(tmp_path, packages=packages, kubernetesVersion="v1.36.3")

    @pulumi.runtime.test
    def build():
        cluster = Cluster("lab", ClusterArgs(config=cfg, private_keys={cfg.hosts[0].ssh.private_key_file: "KEY"}))
        return cluster.endpoint

    build()
    steps = {n: r for n, r in recorder.resources.items() if n.startswith("packages-")}
    if not install:
        assert steps == {}
        assert "FileExisting-kubelet" in scripts_of(recorder.resources["preflight-node-1-checks"].inputs)["create"]
        return
    assert sorted(steps) == ["packages-node-1", "packages-node-2"]
    for host in cfg.hosts:
        step = steps[f"packages-{host.name}"]
        script = scripts_of(step.inputs)["create"]
        assert "source_url=http://10.213.0.1/core:/stable:/v1.36/deb/" in script
        assert "version=1.36.3" in script and "names='kubelet kubeadm kubectl'" in script
        assert "mDMEabc" in script  # the key given, not one fetched over plain http
        assert "delete" not in step.inputs  # destroy leaves the packages, as kubeadm reset does
    assert "FileExisting-kubelet" not in scripts_of(recorder.resources["preflight-node-1-checks"].inputs)["create"]


@pytest.mark.parametrize(
    ("old", "new", "problem"),
    [
        (None, "v1.37.2", None),
        ("v1.37.2", "v1.37.2", None),
        ("v1.36.3", "v1.37.2", None),
        ("v1.37.2", "v1.37.1", None),  # a patch back, as kubeadm upgrade apply allows
        ("v1.37.2", "v1.36.3", "kubernetesVersion: v1.37.2 -> v1.36.3 lowers the minor release; kubeadm upgrades"),
        (
            "v1.35.4",
            "v1.37.2",
            "kubernetesVersion: v1.35.4 -> v1.37.2 skips 1 minor release(s); kubeadm upgrades one minor at a time: "
            "run `pulumi up` with kubernetesVersion v1.36.x (newest patch of 1.36), then v1.37.2",
        ),
    ],
    ids=["new_cluster", "unchanged", "one_minor_up", "patch_down", "minor_down", "two_minors_up"],
)
def test_a_version_change_kubeadm_would_refuse_fails_the_diff(old, new, problem) -> None:
    from components.rollout.kubernetes_version import KubernetesVersionProvider, hop_problem

    found = hop_problem(old, new)
    assert (found is None) if problem is None else (found or "").startswith(problem), found
    provider = KubernetesVersionProvider()
    if problem is None:
        olds = {"version": old} if old else {}
        assert provider.diff("kubernetes-version", olds, {"version": new}).changes == (old != new)
    else:
        with pytest.raises(ValueError, match="kubernetesVersion: "):
            provider.diff("kubernetes-version", {"version": old}, {"version": new})
