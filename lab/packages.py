"""The lab's Debian package repository: kubelet, kubeadm and kubectl built from a release of lab/k8s, packaged,
named and versioned as Kubernetes' own repository (pkgs.k8s.io) has them, in its layout, signed with a lab key.

    <root>/core:/stable:/v1.37/deb/{Release,Release.gpg,InRelease,Release.key,Packages,Packages.gz,*.deb}

A site points at pkgs.k8s.io or at its mirror of it; the lab's stack points at this one, served on the lab's own
network (lab/repository.py), so `apt-get install kubelet=1.37.2-*` on a node works as it would against upstream.

What differs from upstream's packages, on purpose: no `cri-tools` or `kubernetes-cni` packages (the lab builds
neither crictl nor a CNI package; the nodes' runtime comes with its plugins, as Debian's containerd does) and so no
dependency on them. The unit and its kubeadm drop-in are the ones components/render writes, the bytes upstream
ships. Packages are stored uncompressed (`-Znone`): the repository is on the nodes' own network, and unpacking
~200 MB of xz on every node would cost more than the copy.
"""

from __future__ import annotations

import fcntl
import gzip
import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from email.utils import formatdate
from pathlib import Path

from .paths import LabError, cache_dir, log, run

# pkgs.k8s.io's path for one minor's Debian packages, below the repository's address.
REPO_PATH = "core:/stable:/v{minor}/deb"
# pkgs.k8s.io's revision suffix: 1.37.2 is packaged as 1.37.2-1.1.
REVISION = "1.1"
KEY_UID = "kubeadm-pulumi lab package repository <lab@kubeadm-pulumi.invalid>"
MAINTAINER = "kubeadm-pulumi lab <lab@kubeadm-pulumi.invalid>"
# Bump when what a package holds or how it is built changes: every minor's repository is built again.
RECIPE = 1


@dataclass(frozen=True)
class Package:
    name: str
    description: str
    depends: str
    # (binary in the kubernetes build's bin/, path in the package)
    binaries: tuple[tuple[str, str], ...]
    postinst: str = ""
    prerm: str = ""


# As upstream's debs: the kubelet enables and starts its unit (it restarts until kubeadm writes its config) and is
# restarted on upgrade; kubeadm's drop-in changes the unit, so its postinst reloads systemd.
_KUBELET_POSTINST = """#!/bin/sh
set -e
if [ "$1" = configure ] && [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  systemctl enable kubelet.service >/dev/null 2>&1
  if [ -n "$2" ]; then systemctl restart kubelet.service || true; else systemctl start kubelet.service || true; fi
fi
"""
_KUBELET_PRERM = """#!/bin/sh
set -e
if [ "$1" = remove ] && [ -d /run/systemd/system ]; then
  systemctl stop kubelet.service || true
  systemctl disable kubelet.service >/dev/null 2>&1 || true
fi
"""
_RELOAD = """#!/bin/sh
set -e
if [ -d /run/systemd/system ]; then systemctl daemon-reload; fi
"""

PACKAGES = (
    Package(
        "kubelet",
        "Node agent for Kubernetes clusters",
        "iptables (>= 1.4.21), iproute2, socat, util-linux, mount, ebtables, ethtool, conntrack",
        (("kubelet", "usr/bin/kubelet"),),
        postinst=_KUBELET_POSTINST,
        prerm=_KUBELET_PRERM,
    ),
    Package(
        "kubectl",
        "Command-line utility for interacting with a Kubernetes cluster",
        "",
        (("kubectl", "usr/bin/kubectl"),),
    ),
    Package(
        "kubeadm",
        "Command-line utility for administering a Kubernetes cluster",
        "kubelet (>= 1.30.0), kubectl (>= 1.30.0)",
        (("kubeadm", "usr/bin/kubeadm"),),
        postinst=_RELOAD,
    ),
)
NAMES = tuple(p.name for p in PACKAGES)


def key_dir() -> Path:
    return cache_dir() / "apt"


def public_key_path() -> Path:
    """The repository's public key, ASCII-armored, as pkgs.k8s.io serves its Release.key: what a stack trusts."""
    return key_dir() / "Release.key"


def _gpg(*args: str) -> list[str]:
    return ["gpg", "--batch", "--quiet", "--homedir", str(key_dir() / "gnupg"), *args]


def ensure_key() -> Path:
    """The lab's signing key, generated once (kept across `down`, like the SSH key); returns the public key file."""
    if public_key_path().is_file():
        return public_key_path()
    if shutil.which("gpg") is None:
        raise LabError("the lab signs its package repository with gpg: apt-get install gpg")
    key_dir().mkdir(parents=True, exist_ok=True)
    with open(key_dir() / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if public_key_path().is_file():
            return public_key_path()
        home = key_dir() / "gnupg"
        shutil.rmtree(home, ignore_errors=True)
        home.mkdir(mode=0o700)
        run(_gpg("--passphrase", "", "--quick-gen-key", KEY_UID, "ed25519", "sign", "never"), "apt key: generate")
        armored = run(_gpg("--armor", "--export", KEY_UID), "apt key: export").stdout
        tmp = public_key_path().with_suffix(".tmp")
        tmp.write_text(armored)
        tmp.rename(public_key_path())
        subprocess.run(["gpgconf", "--homedir", str(home), "--kill", "gpg-agent"], capture_output=True)
    log(f"apt: generated the lab's repository signing key ({public_key_path()})")
    return public_key_path()


def deb_version(version: str) -> str:
    """v1.37.2 -> 1.37.2-1.1, as pkgs.k8s.io versions its packages."""
    return f"{version.removeprefix('v')}-{REVISION}"


def architecture() -> str:
    return run(["dpkg", "--print-architecture"], "apt: architecture").stdout.strip()


def build_deb(package: Package, version: str, bin_dir: Path, out: Path, extra: dict[str, str]) -> Path:
    """One .deb of `package` at `version` (v1.37.2) from the build's bin_dir; `extra`: path in package -> text."""
    arch = architecture()
    stage = out / f".stage-{package.name}"
    shutil.rmtree(stage, ignore_errors=True)
    (stage / "DEBIAN").mkdir(parents=True)
    for binary, target in package.binaries:
        (stage / target).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(bin_dir / binary, stage / target)
        (stage / target).chmod(0o755)
    for target, text in extra.items():
        (stage / target).parent.mkdir(parents=True, exist_ok=True)
        (stage / target).write_text(text)
        (stage / target).chmod(0o644)
    size_kb = sum(f.stat().st_size for f in stage.rglob("*") if f.is_file()) // 1024
    control = [
        f"Package: {package.name}",
        f"Version: {deb_version(version)}",
        f"Architecture: {arch}",
        f"Maintainer: {MAINTAINER}",
        f"Installed-Size: {size_kb}",
        *([f"Depends: {package.depends}"] if package.depends else []),
        "Section: admin",
        "Priority: optional",
        "Homepage: https://kubernetes.io",
        f"Description: {package.description}",
        f" Built by the kubeadm-pulumi lab from k8s.io/kubernetes {version}.",
    ]
    (stage / "DEBIAN" / "control").write_text("\n".join(control) + "\n")
    for script, text in (("postinst", package.postinst), ("prerm", package.prerm)):
        if text:
            (stage / "DEBIAN" / script).write_text(text)
            (stage / "DEBIAN" / script).chmod(0o755)
    deb = out / f"{package.name}_{deb_version(version)}_{arch}.deb"
    run(["dpkg-deb", "--root-owner-group", "-Znone", "--build", str(stage), str(deb)], f"apt: {package.name} deb")
    shutil.rmtree(stage)
    return deb


def _release(folder: Path, files: list[str]) -> str:
    """A flat repository's Release file (no Suite or Codename: sources name it `<url> /`, as pkgs.k8s.io's)."""
    lines = [
        "Origin: kubeadm-pulumi lab",
        "Label: kubeadm-pulumi lab",
        f"Architectures: {architecture()}",
        f"Date: {formatdate(usegmt=True)}",
        "SHA256:",
    ]
    for name in files:
        data = (folder / name).read_bytes()
        lines.append(f" {hashlib.sha256(data).hexdigest()} {len(data)} {name}")
    return "\n".join(lines) + "\n"


def build_repository(minor: str, version: str, bin_dir: Path) -> Path:
    """Build (or reuse from the cache) one minor's repository folder from a kubernetes build's bin/; returns the
    folder that is served as <root>/core:/stable:/v<minor>/deb."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from components import constants  # the unit and drop-in the packages ship: one source
    from components.render import kubelet_config

    public = ensure_key()
    extras = {
        "kubelet": {constants.KUBELET_UNIT_PATH.lstrip("/"): kubelet_config.render_kubelet_unit()},
        "kubeadm": {constants.KUBELET_DROPIN_PATH.lstrip("/"): kubelet_config.render_kubeadm_dropin()},
    }
    inputs = [str(bin_dir.resolve()), version, str(RECIPE), Path(__file__).read_text(), public.read_text()]
    inputs += [text for files in extras.values() for text in files.values()]
    key = hashlib.sha256("\n".join(inputs).encode()).hexdigest()[:16]
    folder = cache_dir() / "k8s" / f"apt-{minor}-{key}"
    if (folder / "InRelease").is_file():
        return folder
    log(f"apt: packaging kubelet, kubeadm, kubectl {version} into {folder}")
    tmp = folder.with_name(folder.name + f".tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir(parents=True)
    for package in PACKAGES:
        build_deb(package, version, bin_dir, tmp, extras.get(package.name, {}))
    scanned = run(["dpkg-scanpackages", "--multiversion", ".", "/dev/null"], "apt: Packages", cwd=tmp).stdout
    (tmp / "Packages").write_text(scanned)
    (tmp / "Packages.gz").write_bytes(gzip.compress(scanned.encode(), mtime=0))
    (tmp / "Release").write_text(_release(tmp, ["Packages", "Packages.gz"]))
    run(_gpg("--yes", "--armor", "--detach-sign", "-o", str(tmp / "Release.gpg"), str(tmp / "Release")), "apt: sign")
    run(_gpg("--yes", "--clearsign", "-o", str(tmp / "InRelease"), str(tmp / "Release")), "apt: sign")
    shutil.copy2(public, tmp / "Release.key")
    subprocess.run(["gpgconf", "--homedir", str(key_dir() / "gnupg"), "--kill", "gpg-agent"], capture_output=True)
    try:
        tmp.rename(folder)
    except OSError:  # another lab built the same folder meanwhile
        shutil.rmtree(tmp, ignore_errors=True)
    return folder
