"""ClusterPki and Kubeconfigs under Pulumi's mocks; the mocks run the real providers, so the PEMs are real."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pulumi
import pytest
import yaml
from pulumi.runtime.mocks import MockMonitor
from pulumi_mocks import DYNAMIC_PROVIDERS, plain, plain_inputs

from components.config import parse
from components.pki import crypto as pki_crypto
from tests.conftest import write_ssh_key

KEY_TYPE = "pulumi-python:dynamic/pki:PrivateKey"
CERT_TYPE = "pulumi-python:dynamic/pki:Certificate"


class Recorder(pulumi.runtime.Mocks):
    """Records every resource; runs the real create of the dynamic providers."""

    def __init__(self) -> None:
        self.resources: dict[tuple[str, str], pulumi.runtime.MockResourceArgs] = {}
        self.secret_inputs: dict[str, set[str]] = {}
        self.monitor: SpyMonitor | None = None

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        self.resources[(args.typ, args.name)] = args
        self.secret_inputs[args.name] = {
            k for k, v in args.inputs.items() if plain(v) is not v and not k.startswith("__")
        }
        inputs = plain_inputs(args.inputs)
        provider = DYNAMIC_PROVIDERS.get(args.typ)
        if provider is None:
            return f"{args.name}-id", inputs
        assert provider().check({}, inputs).failures == []
        result = provider().create(inputs)
        return result.id, result.outs

    def call(self, args: pulumi.runtime.MockCallArgs):
        return {}

    def names(self, typ: str) -> set[str]:
        return {name for t, name in self.resources if t == typ}


class SpyMonitor(MockMonitor):
    """Also records which outputs each resource asks the engine to keep secret."""

    def __init__(self, mocks) -> None:
        super().__init__(mocks)
        self.secret_outputs: dict[str, list[str]] = {}

    def RegisterResource(self, request):
        self.secret_outputs[request.name] = list(request.additionalSecretOutputs)
        return super().RegisterResource(request)


@pytest.fixture
def recorder():
    mocks = Recorder()
    mocks.monitor = SpyMonitor(mocks)
    pulumi.runtime.set_mocks(mocks, preview=False, monitor=mocks.monitor)
    return mocks


def config(tmp_path: Path, endpoint: str | None = "k8s.example"):
    key = tmp_path / "id"
    write_ssh_key(key)
    return parse(
        {
            "ssh": {"privateKeyFile": str(key)},
            "controlPlaneEndpoint": endpoint,
            "apiServer": {"certSANs": ["api.example", "192.168.1.5"]},
            "controlPlanes": [{"name": "cp-1", "address": "10.0.0.11"}, {"name": "cp-2", "address": "10.0.0.12"}],
            "workers": [{"name": "w-1", "address": "10.0.0.21"}],
        }
    )


PER_CLUSTER = ["ca", "apiserver-kubelet-client", "front-proxy-ca", "front-proxy-client", "etcd-ca"]
PER_CLUSTER += ["etcd-healthcheck-client", "apiserver-etcd-client"]
PER_NODE = ["apiserver", "etcd-server", "etcd-peer"]


@pulumi.runtime.test
def test_cluster_pki(recorder: Recorder, tmp_path: Path):
    from components.pki.cluster_pki import ClusterPki, ClusterPkiArgs

    cfg = config(tmp_path)
    pki = ClusterPki("certs", ClusterPkiArgs(config=cfg, algorithm="ECDSA-P256"))
    files = {host.name: pki.files_for(host) for host in cfg.hosts}

    paths = [f.path.removeprefix("/etc/kubernetes/pki/") for f in files["cp-1"]]
    assert paths[:4] == ["ca.crt", "ca.key", "apiserver.crt", "apiserver.key"]
    assert paths[-2:] == ["sa.key", "sa.pub"] and len(paths) == 22
    assert {f.path: f.mode for f in files["cp-1"]}["/etc/kubernetes/pki/etcd/peer.key"] == 0o600
    assert {f.path: f.mode for f in files["cp-1"]}["/etc/kubernetes/pki/etcd/peer.crt"] == 0o644
    assert {f.path: f.mode for f in files["cp-1"]}["/etc/kubernetes/pki/sa.pub"] == 0o600
    assert [(f.path, f.mode) for f in files["w-1"]] == [("/etc/kubernetes/pki/ca.crt", 0o644)]

    def check(values):
        ca_pem, ca_key, ca_hash, cp1_files, cp2_files, secrets = values
        certs = {f"certs-{n}" for n in PER_CLUSTER} | {f"certs-{n}-{h}" for n in PER_NODE for h in ("cp-1", "cp-2")}
        assert recorder.names("kubeadm:pki:ClusterPki") == {"certs"}
        assert recorder.names(CERT_TYPE) == certs
        assert recorder.names(KEY_TYPE) == {f"{n}-key" for n in certs} | {"certs-sa"}
        for name in recorder.names(KEY_TYPE):
            assert recorder.monitor.secret_outputs[name] == ["key_pem"], name
        for name in certs - {"certs-ca", "certs-front-proxy-ca", "certs-etcd-ca"}:
            assert recorder.secret_inputs[name] == {"key_pem", "ca_key_pem"}, name
        apiserver = recorder.resources[(CERT_TYPE, "certs-apiserver-cp-2")].inputs["fields"]
        assert apiserver["ip_addresses"] == ["10.96.0.1", "10.0.0.12", "192.168.1.5"]
        assert "k8s.example" in apiserver["dns_names"] and "cp-2" in apiserver["dns_names"]

        ca = pki_crypto.load_cert(ca_pem)
        assert ca_hash == pki_crypto.ca_cert_hash(ca_pem)
        assert pki_crypto.load_private_key(ca_key).public_key() == ca.public_key()
        by_path = dict(zip([f.path for f in files["cp-1"]], cp1_files, strict=True))
        other = dict(zip([f.path for f in files["cp-2"]], cp2_files, strict=True))
        pki_crypto.load_cert(by_path["/etc/kubernetes/pki/apiserver.crt"]).verify_directly_issued_by(ca)
        assert by_path["/etc/kubernetes/pki/ca.crt"] == other["/etc/kubernetes/pki/ca.crt"] == ca_pem
        assert by_path["/etc/kubernetes/pki/apiserver.crt"] != other["/etc/kubernetes/pki/apiserver.crt"]
        assert by_path["/etc/kubernetes/pki/sa.key"] == other["/etc/kubernetes/pki/sa.key"]
        assert secrets == [True, False, True, True]

    return pulumi.Output.all(
        pki.ca_cert_pem,
        pki.ca_key_pem,
        pki.ca_cert_hash,
        pulumi.Output.all(*[f.content for f in files["cp-1"]]),
        pulumi.Output.all(*[f.content for f in files["cp-2"]]),
        pulumi.Output.all(
            *[
                pulumi.Output.from_input(o.is_secret())
                for o in (pki.ca_key_pem, pki.ca_cert_pem, files["cp-1"][-2].content, files["cp-1"][1].content)
            ]
        ),
    ).apply(check)


@pulumi.runtime.test
def test_kubeconfigs(recorder: Recorder, tmp_path: Path):
    from components.pki.cluster_pki import ClusterPki, ClusterPkiArgs
    from components.pki.kubeconfigs import Kubeconfigs, KubeconfigsArgs

    # Two control planes without an endpoint are refused by config; the kubeconfig rules still define this case.
    cfg = dataclasses.replace(config(tmp_path), control_plane_endpoint=None)
    pki = ClusterPki("certs", ClusterPkiArgs(config=cfg, algorithm="ECDSA-P256"))
    kcs = Kubeconfigs(
        "kubeconfig",
        KubeconfigsArgs(config=cfg, ca_cert_pem=pki.ca_cert_pem, ca_key_pem=pki.ca_key_pem, algorithm="ECDSA-P256"),
    )
    files = {host.name: kcs.files_for(host) for host in cfg.hosts}

    assert [f.path for f in files["cp-1"]] == [
        "/etc/kubernetes/admin.conf",
        "/etc/kubernetes/super-admin.conf",
        "/etc/kubernetes/kubelet.conf",
        "/etc/kubernetes/controller-manager.conf",
        "/etc/kubernetes/scheduler.conf",
    ]
    assert "/etc/kubernetes/super-admin.conf" not in [f.path for f in files["cp-2"]]
    assert files["w-1"] == [] and {f.mode for f in files["cp-2"]} == {0o600}

    def check(values):
        admin, is_secret, cp2_texts, ca_pem = values
        per_node = {
            f"kubeconfig-{n}-{h}" for n in ("kubelet", "controller-manager", "scheduler") for h in ("cp-1", "cp-2")
        }
        expected = {"kubeconfig-admin", "kubeconfig-super-admin"} | per_node
        assert recorder.names("kubeadm:kubeconfig:Kubeconfigs") == {"kubeconfig"}
        assert {n for n in recorder.names(CERT_TYPE) if n.startswith("kubeconfig-")} == expected
        for name in expected:
            assert recorder.monitor.secret_outputs[f"{name}-key"] == ["key_pem"]
        assert is_secret
        doc = yaml.safe_load(admin)
        assert doc["clusters"][0]["cluster"]["server"] == "https://10.0.0.11:6443"
        assert doc["current-context"] == "kubernetes-admin@kubernetes"
        kubelet = yaml.safe_load(cp2_texts[1])
        assert kubelet["users"][0]["name"] == "system:node:cp-2"
        assert kubelet["clusters"][0]["cluster"]["server"] == "https://10.0.0.12:6443"
        import base64

        cert = pki_crypto.load_cert(base64.b64decode(kubelet["users"][0]["user"]["client-certificate-data"]).decode())
        ca = pki_crypto.load_cert(ca_pem)
        cert.verify_directly_issued_by(ca)
        assert cert.not_valid_before_utc == ca.not_valid_before_utc
        assert cert.subject.rfc4514_string() == "CN=system:node:cp-2,O=system:nodes"

    return pulumi.Output.all(
        kcs.admin_kubeconfig,
        pulumi.Output.from_input(kcs.admin_kubeconfig.is_secret()),
        pulumi.Output.all(*[f.content for f in files["cp-2"]]),
        pki.ca_cert_pem,
    ).apply(check)
