"""P4 worker: our pure render code against `kubeadm init phase ...` for the same control plane, into empty folders.

Run by bench/run.py as `python bench/render.py --project DIR --repeat N` (the project's own `components` and
`lab` are imported from DIR); prints one JSON object. Measured, per repetition:
- ours: every key, certificate (the CERTS table and sa), kubeconfig (KUBECONFIGS, each with its client key and
  certificate) and static pod manifest (STATIC_PODS) of the first control plane, rendered and written as files;
  and, timed apart, the kubelet's three files (kubeadm writes those in kubelet-start, which is not compared);
- kubeadm: `kubeadm init phase certs all`, `kubeconfig all`, `control-plane all`, `etcd local` with
  `--rootfs` an empty folder and `--config` the same configuration (cluster_configuration of the same config).
The module imports are timed once, apart (a `pulumi up` pays them once, in the program process).
"""

from __future__ import annotations

import argparse
import datetime
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

STACK: dict[str, Any] = {
    "clusterName": "bench",
    "controlPlanes": [{"name": "node-1", "address": "10.213.0.11"}],
    "workers": [{"name": "node-2", "address": "10.213.0.12"}],
    "kubeletConfiguration": {"failCgroupV1": False},
}
KUBEADM_PHASES = (("certs", "all"), ("kubeconfig", "all"), ("control-plane", "all"), ("etcd", "local"))


def _write(root: Path, path: str, text: str) -> None:
    target = root / path.lstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(text)


def render_ours(config: Any, root: Path) -> dict[str, float]:
    """Seconds per part for one control plane's keys, certificates, kubeconfigs and manifests, written to root."""
    from components.node import node_files
    from components.pki import cert_specs as pki_specs
    from components.pki import crypto as pki_crypto
    from components.pki import kubeconfig_specs
    from components.render.static_pod_specs import STATIC_PODS
    from components.render.static_pods import manifest_path, render_manifest

    host = config.control_planes[0]
    parts: dict[str, float] = {}
    t = time.perf_counter()
    node = pki_specs.node_facts(config, host)
    start = datetime.datetime.now(datetime.UTC)
    issued: dict[str, tuple[Any, Any]] = {}
    for spec in pki_specs.CERTS:
        key = pki_crypto.new_private_key()
        signer = issued[spec.ca] if spec.ca else None
        cert = pki_crypto.issue(spec.fields(node), key, start, signer=signer)
        issued[spec.name] = (cert, key)
        _write(root, spec.cert_path, pki_crypto.cert_pem(cert))
        _write(root, spec.key_path, pki_crypto.private_key_pem(key))
    sa = pki_crypto.new_private_key()
    _write(root, pki_specs.SA.key_path, pki_crypto.private_key_pem(sa))
    _write(root, pki_specs.SA.pub_path, pki_crypto.public_key_pem(sa))
    parts["certs"] = time.perf_counter() - t

    t = time.perf_counter()
    ca_cert, ca_key = issued[pki_specs.CA]
    ca_pem = pki_crypto.cert_pem(ca_cert)
    for kc in kubeconfig_specs.KUBECONFIGS:
        key = pki_crypto.new_private_key()
        cert = pki_crypto.issue(kc.fields(host.name), key, start, signer=(ca_cert, ca_key))
        values = kubeconfig_specs.KubeconfigValues(
            cluster_name=config.cluster_name,
            server=kubeconfig_specs.server_url(
                kc, advertise_address=host.address, control_plane_endpoint=config.control_plane_endpoint
            ),
            user=kc.user(host.name),
            ca_cert_pem=ca_pem,
            client_cert_pem=pki_crypto.cert_pem(cert),
            client_key_pem=pki_crypto.private_key_pem(key),
        )
        _write(root, kc.path, kubeconfig_specs.render(values))
    parts["kubeconfig"] = time.perf_counter() - t

    t = time.perf_counter()
    for pod in STATIC_PODS:
        _write(root, manifest_path(pod), render_manifest(pod, config, host))
    parts["manifests"] = time.perf_counter() - t

    t = time.perf_counter()
    for f in node_files.kubelet_files(config, host):
        _write(root, f.path, str(f.content))
    parts["kubelet (not compared)"] = time.perf_counter() - t
    return parts


def kubeadm_root(config: Any, workdir: Path) -> Path:
    """An empty --rootfs with kubeadm.yaml for `config` and the CA folders kubeadm mounts when they exist."""
    import yaml

    from components import constants as c
    from components.render.cluster_objects import cluster_configuration

    host = config.control_planes[0]
    root = Path(tempfile.mkdtemp(prefix="kubeadm-root-", dir=workdir))
    init = {
        "apiVersion": "kubeadm.k8s.io/v1beta4",
        "kind": "InitConfiguration",
        "localAPIEndpoint": {"advertiseAddress": host.address, "bindPort": c.APISERVER_PORT},
        "nodeRegistration": {"name": host.name, "criSocket": c.KUBEADM_CONTAINERD_ENDPOINT},
    }
    (root / "kubeadm.yaml").write_text(yaml.safe_dump_all([init, cluster_configuration(config)]))
    for directory in c.DEBIAN_CA_CERT_DIRS:
        (root / directory.lstrip("/")).mkdir(parents=True)
    return root


def render_kubeadm(kubeadm: Path, root: Path) -> dict[str, float]:
    """Seconds of each `kubeadm init phase` run (a process each, as an operator runs them)."""
    parts = {}
    for phase in KUBEADM_PHASES:
        t = time.perf_counter()
        subprocess.run(
            [str(kubeadm), "init", "phase", *phase, "--config=/kubeadm.yaml", f"--rootfs={root}"],
            check=True,
            capture_output=True,
        )
        parts[" ".join(phase)] = time.perf_counter() - t
    return parts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--project", type=Path, required=True)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    sys.path.insert(0, str(args.project.resolve()))
    t = time.perf_counter()
    from components import config as cluster_config
    from components.node import node_files  # noqa: F401
    from components.pki import cert_specs, crypto, kubeconfig_specs  # noqa: F401
    from components.render import static_pods  # noqa: F401

    import_seconds = time.perf_counter() - t
    from lab import kubernetes

    kubeadm = kubernetes.build().unit("kubernetes") / "bin" / "kubeadm"
    workdir = Path(tempfile.mkdtemp(prefix="bench-render-"))
    try:
        key = workdir / "id"
        key.write_text("unused")
        config = cluster_config.parse({**STACK, "ssh": {"privateKeyFile": str(key)}})
        runs = []
        for _ in range(args.repeat):
            ours_root = Path(tempfile.mkdtemp(prefix="ours-", dir=workdir))
            ours = render_ours(config, ours_root)
            theirs = render_kubeadm(kubeadm, kubeadm_root(config, workdir))
            runs.append({"ours": ours, "kubeadm": theirs})
        print(json.dumps({"import_seconds": import_seconds, "kubeadm": str(kubeadm), "runs": runs}))
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
