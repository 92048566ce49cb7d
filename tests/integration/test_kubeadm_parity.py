"""Our output against the real kubeadm binary of the same release, for the same configuration.

`kubeadm init phase certs all / kubeconfig all / control-plane all / etcd local` write into an empty root
(`--rootfs`); our render functions and certificate table must agree with every manifest byte and every
certificate field that is not random (keys, serials) or a timestamp. Intended differences: none so far.
"""

from __future__ import annotations

import base64
import datetime
import subprocess
from pathlib import Path

import pytest
import yaml
from cryptography import x509

from components import constants as c
from components.config import parse
from components.pki import cert_specs as pki_specs
from components.pki import crypto as pki_crypto
from components.pki.kubeconfig_specs import KUBECONFIGS, server_url
from components.render.cluster_objects import cluster_configuration
from components.render.static_pod_specs import STATIC_PODS
from components.render.static_pods import manifest_path, render_manifest
from lab import kubernetes
from tests.conftest import write_ssh_key

pytestmark = pytest.mark.integration

STACK = {
    "clusterName": "parity",
    "controlPlanes": [{"name": "node-1", "address": "10.213.0.11"}],
    "controlPlaneEndpoint": "cp.parity.example:6443",
    "networking": {"serviceSubnet": "10.100.0.0/16", "podSubnet": "10.244.0.0/16", "dnsDomain": "parity.local"},
    "apiServer": {
        "extraArgs": {"audit-log-maxage": "7"},
        "certSANs": ["10.213.0.100", "api.parity.example"],
        "extraVolumes": [
            {
                "name": "audit",
                "hostPath": "/var/log/kubernetes",
                "mountPath": "/var/log/audit",
                "pathType": "DirectoryOrCreate",
            },
            {
                "name": "policy",
                "hostPath": "/etc/kubernetes/audit.yaml",
                "mountPath": "/etc/audit.yaml",
                "readOnly": True,
                "pathType": "File",
            },
        ],
    },
    "controllerManager": {
        "extraVolumes": [{"name": "plugins", "hostPath": "/opt/plugins", "mountPath": "/opt/plugins"}]
    },
    "etcd": {"serverCertSANs": ["etcd.parity.example"]},
}


@pytest.fixture(scope="module")
def kubeadm_root(tmp_path_factory: pytest.TempPathFactory, key_file: Path) -> Path:
    root = tmp_path_factory.mktemp("kubeadm-root")
    config = parse({**STACK, "ssh": {"privateKeyFile": str(key_file)}})
    host = config.control_planes[0]
    init = {
        "apiVersion": "kubeadm.k8s.io/v1beta4",
        "kind": "InitConfiguration",
        "localAPIEndpoint": {"advertiseAddress": host.address, "bindPort": c.APISERVER_PORT},
        "nodeRegistration": {"name": host.name, "criSocket": c.KUBEADM_CONTAINERD_ENDPOINT},
    }
    (root / "kubeadm.yaml").write_text(yaml.safe_dump_all([init, cluster_configuration(config)]))
    for directory in c.DEBIAN_CA_CERT_DIRS:  # kubeadm mounts the CA directories that exist on the host
        (root / directory.lstrip("/")).mkdir(parents=True)
    kubeadm = kubernetes.build().unit("kubernetes") / "bin" / "kubeadm"
    for phase in (["certs", "all"], ["kubeconfig", "all"], ["control-plane", "all"], ["etcd", "local"]):
        subprocess.run(
            [str(kubeadm), "init", "phase", *phase, "--config=/kubeadm.yaml", f"--rootfs={root}"],
            check=True,
            capture_output=True,
        )
    return root


@pytest.fixture(scope="module")
def key_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Never used to connect, but a stack's key must be a readable private key.
    return write_ssh_key(tmp_path_factory.mktemp("ssh") / "id")


@pytest.fixture(scope="module")
def config(key_file: Path):
    return parse({**STACK, "ssh": {"privateKeyFile": str(key_file)}})


@pytest.mark.parametrize("spec", STATIC_PODS, ids=[s.name for s in STATIC_PODS])
def test_static_pod_manifest_is_byte_identical(kubeadm_root: Path, config, spec) -> None:
    theirs = (kubeadm_root / manifest_path(spec).lstrip("/")).read_text()
    assert render_manifest(spec, config, config.control_planes[0]) == theirs


def describe(cert: x509.Certificate) -> dict[str, object]:
    """Every field of a certificate that two runs of kubeadm would also agree on."""
    ext = {e.oid.dotted_string: e for e in cert.extensions}
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value if "2.5.29.17" in ext else None
    eku = cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value if "2.5.29.37" in ext else []
    basic = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    return {
        "subject": cert.subject.rfc4514_string(),
        "issuer": cert.issuer.rfc4514_string(),
        "version": cert.version,
        "dns": sorted(san.get_values_for_type(x509.DNSName)) if san else [],
        "ips": [str(ip) for ip in san.get_values_for_type(x509.IPAddress)] if san else [],
        "eku": sorted(u.dotted_string for u in eku),
        "ca": (basic.critical, basic.value.ca, basic.value.path_length),
        "key_usage": (
            usage.critical,
            usage.value.digital_signature,
            usage.value.key_encipherment,
            usage.value.key_cert_sign,
        ),
        "extensions": sorted(ext),
        "validity_hours": round((cert.not_valid_after_utc - cert.not_valid_before_utc).total_seconds() / 3600),
        "key_bits": cert.public_key().key_size,
        "signature": cert.signature_algorithm_oid.dotted_string,
    }


def test_every_certificate_agrees_field_by_field(kubeadm_root: Path, config) -> None:
    node = pki_specs.node_facts(config, config.control_planes[0])
    start = datetime.datetime.now(datetime.UTC)
    ours: dict[str, x509.Certificate] = {}
    keys = {}
    for spec in pki_specs.CERTS:
        key = pki_crypto.new_private_key()
        signer = (ours[spec.ca], keys[spec.ca]) if spec.ca else None
        ours[spec.name], keys[spec.name] = pki_crypto.issue(spec.fields(node), key, start, signer=signer), key
    for spec in pki_specs.CERTS:
        theirs = x509.load_pem_x509_certificate((kubeadm_root / spec.cert_path.lstrip("/")).read_bytes())
        assert describe(ours[spec.name]) == describe(theirs), spec.name


def test_every_kubeconfig_agrees_on_user_server_and_client_certificate(kubeadm_root: Path, config) -> None:
    host = config.control_planes[0]
    start = datetime.datetime.now(datetime.UTC)
    ca_key = pki_crypto.new_private_key()
    ca = pki_crypto.issue(pki_specs.BY_NAME[pki_specs.CA].fields(pki_specs.node_facts(config, host)), ca_key, start)
    for spec in KUBECONFIGS:
        theirs = yaml.safe_load((kubeadm_root / spec.path.lstrip("/")).read_text())
        user = theirs["users"][0]
        assert user["name"] == spec.user(host.name), spec.path
        server = server_url(spec, advertise_address=host.address, control_plane_endpoint=config.control_plane_endpoint)
        assert theirs["clusters"][0]["cluster"]["server"] == server, spec.path
        assert theirs["clusters"][0]["name"] == config.cluster_name
        their_cert = x509.load_pem_x509_certificate(base64.b64decode(user["user"]["client-certificate-data"]))
        ours = pki_crypto.issue(spec.fields(host.name), pki_crypto.new_private_key(), start, signer=(ca, ca_key))
        assert describe(ours) == describe(their_cert), spec.path
