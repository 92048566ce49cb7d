"""The lab's package repository, built from stand-in binaries: pkgs.k8s.io's names, versions and layout, each
package's files and dependencies, and a Release whose signature verifies with the key a stack is given."""

from __future__ import annotations

import hashlib
import subprocess
from pathlib import Path

import pytest

from components import constants as c
from lab import packages


@pytest.fixture(scope="module")
def repository(tmp_path_factory: pytest.TempPathFactory) -> Path:
    cache = tmp_path_factory.mktemp("cache")
    bin_dir = cache / "bin"
    bin_dir.mkdir()
    for name in packages.NAMES:
        (bin_dir / name).write_text(f"#!/bin/sh\necho {name}\n")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("KUBEADM_PULUMI_CACHE", str(cache))
        folder = packages.build_repository("1.37", "v1.37.2", bin_dir)
        assert packages.build_repository("1.37", "v1.37.2", bin_dir) == folder  # built once, then reused
    return folder


def fields(deb: Path) -> dict[str, str]:
    text = subprocess.run(["dpkg-deb", "-f", str(deb)], capture_output=True, text=True, check=True).stdout
    return dict(line.split(": ", 1) for line in text.splitlines() if ": " in line and not line.startswith(" "))


def contents(deb: Path) -> list[str]:
    listing = subprocess.run(["dpkg-deb", "-c", str(deb)], capture_output=True, text=True, check=True).stdout
    return [line.split()[-1].removeprefix(".") for line in listing.splitlines() if not line.endswith("/")]


def test_packages_are_named_and_versioned_as_kubernetes_repository_does(repository: Path) -> None:
    arch = packages.architecture()
    debs = sorted(p.name for p in repository.glob("*.deb"))
    assert debs == [f"{n}_1.37.2-1.1_{arch}.deb" for n in ("kubeadm", "kubectl", "kubelet")]
    index = (repository / "Packages").read_text()
    assert [line for line in index.splitlines() if line.startswith("Package: ")] == [
        "Package: kubeadm",
        "Package: kubectl",
        "Package: kubelet",
    ]
    assert index.count("Version: 1.37.2-1.1") == 3


def test_each_package_holds_its_binary_and_what_kubeadm_expects_of_it(repository: Path) -> None:
    by_name = {p.name.split("_")[0]: p for p in repository.glob("*.deb")}
    assert contents(by_name["kubelet"]) == ["/usr/bin/kubelet", c.KUBELET_UNIT_PATH]
    assert contents(by_name["kubeadm"]) == ["/usr/bin/kubeadm", c.KUBELET_DROPIN_PATH]
    assert contents(by_name["kubectl"]) == ["/usr/bin/kubectl"]
    assert fields(by_name["kubeadm"])["Depends"] == "kubelet (>= 1.30.0), kubectl (>= 1.30.0)"
    assert "conntrack" in fields(by_name["kubelet"])["Depends"]


def test_the_release_is_signed_with_the_key_a_stack_trusts(repository: Path, tmp_path: Path) -> None:
    keyring = tmp_path / "trusted.gpg"
    home = ["--homedir", str(tmp_path)]
    key = (repository / "Release.key").read_text()
    assert key.startswith("-----BEGIN PGP PUBLIC KEY BLOCK-----")
    subprocess.run(["gpg", "--batch", *home, "--dearmor", "-o", str(keyring)], input=key.encode(), check=True)
    verify = subprocess.run(["gpgv", "--keyring", str(keyring), str(repository / "InRelease")], capture_output=True)
    assert verify.returncode == 0, verify.stderr
    release = (repository / "Release").read_text()
    assert "Packages.gz" in release and "SHA256:" in release
    # The index apt reads is the one the signed Release lists.
    digest = hashlib.sha256((repository / "Packages").read_bytes()).hexdigest()
    assert f" {digest} " in release
