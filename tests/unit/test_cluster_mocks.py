"""Components under Pulumi's mocks: which resources the cluster registers, with which inputs."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest
from pulumi.runtime import rpc

from components.config import parse
from components.preflight_checks import Target, render_script
from components.remote import digest


class Recorder(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: dict[str, pulumi.runtime.MockResourceArgs] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.resources[args.name] = args
        outputs = dict(args.inputs)
        if args.typ == "command:remote:Command":
            outputs["stdout"] = f"report of {args.name}"
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}


@pytest.fixture
def recorder() -> Recorder:
    mocks = Recorder()
    pulumi.runtime.set_mocks(mocks, preview=False)
    return mocks


def config(tmp_path: Path):
    key = tmp_path / "id"
    key.write_text("KEY")
    return parse(
        {
            "ssh": {"privateKeyFile": str(key)},
            "controlPlanes": [{"name": "node-1", "address": "10.213.0.11"}],
            "workers": [{"name": "node-2", "address": "10.213.0.12"}],
            "ignorePreflightErrors": ["FileExisting-kubeadm"],
        }
    )


@pulumi.runtime.test
def test_cluster_runs_preflight_on_every_host(recorder: Recorder, tmp_path: Path):
    from components.cluster import Cluster, ClusterArgs

    cfg = config(tmp_path)
    cluster = Cluster("lab", ClusterArgs(config=cfg, private_keys={cfg.hosts[0].ssh.private_key_file: "KEY"}))

    def check(reports: dict[str, str]) -> None:
        commands = {n: r for n, r in recorder.resources.items() if r.typ == "command:remote:Command"}
        assert sorted(commands) == ["preflight-node-1-checks", "preflight-node-2-checks"]
        for host in cfg.hosts:
            step = commands[f"preflight-{host.name}-checks"]
            script = render_script(
                Target(name=host.name, address=host.address, role=host.role, ignored=cfg.ignore_preflight_errors)
            )
            assert step.inputs["create"] == script
            assert step.inputs["triggers"] == [digest(script)]
            # The private key makes the whole connection a secret, so state never holds it in plaintext.
            connection = step.inputs["connection"]
            assert connection[rpc._special_sig_key] == rpc._special_secret_sig
            assert connection["value"]["host"] == host.address
            assert connection["value"]["user"] == "root"
            assert connection["value"]["privateKey"] == "KEY"
        components = {n: r.typ for n, r in recorder.resources.items() if r.typ.startswith("kubeadm:")}
        assert components == {
            "lab": "kubeadm:index:Cluster",
            "preflight-node-1": "kubeadm:preflight:Preflight",
            "preflight-node-2": "kubeadm:preflight:Preflight",
        }
        assert reports == {
            "node-1": "report of preflight-node-1-checks",
            "node-2": "report of preflight-node-2-checks",
        }

    return cluster.preflight_reports.apply(check)
