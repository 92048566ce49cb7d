"""The packages phase's script against stand-ins for apt and dpkg: it installs only what differs, pins the version
and holds the packages, and leaves a host that is already right alone."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from components import constants as c
from components.node import scripts

URL = "http://10.213.0.1/core:/stable:/v1.37/deb/"
KEY = "-----BEGIN PGP PUBLIC KEY BLOCK-----\n\nmDMEabc\n-----END PGP PUBLIC KEY BLOCK-----\n"

# Stand-ins: dpkg-query answers from state/<name> (the installed version), apt-mark keeps state/held, apt-get
# records its arguments and "installs" the versions it was asked for.
STUBS = {
    "dpkg-query": '#!/bin/sh\nname=$(eval echo \\${$#}); cat "$STATE/$name" 2>/dev/null || exit 1\n',
    "apt-mark": (
        '#!/bin/sh\ncase $1 in\n  showhold) cat "$STATE/held" 2>/dev/null; true ;;\n'
        '  hold) shift; for n; do echo "$n" >>"$STATE/held"; done ;;\n'
        '  unhold) shift; for n; do grep -vx "$n" "$STATE/held" >"$STATE/held.new"; mv "$STATE/held.new" '
        '"$STATE/held"; done 2>/dev/null; true ;;\nesac\n'
    ),
    "systemctl": '#!/bin/sh\necho "systemctl $*" >>"$STATE/calls"\n',
    "apt-get": (
        '#!/bin/sh\necho "apt-get $*" >>"$STATE/calls"\n'
        'for a; do case $a in *=*-\\*) n=${a%%=*}; v=${a#*=}; echo "${v%-\\*}-1.1" >"$STATE/$n" ;; esac; done\n'
    ),
}


def run(tmp: Path, version: str = "v1.37.2") -> subprocess.CompletedProcess[str]:
    text = scripts.packages("node-1", URL, KEY, version)
    text = text.replace(c.PACKAGE_KEYRING, str(tmp / "keyrings/kubernetes-apt-keyring.asc"))
    text = text.replace(c.PACKAGE_SOURCE_LIST, str(tmp / "kubernetes.list"))
    env = {"PATH": f"{tmp / 'bin'}:/usr/bin:/bin", "STATE": str(tmp / "state")}
    return subprocess.run(["sh", "-c", text], capture_output=True, text=True, env=env, timeout=60)


@pytest.fixture
def host(tmp_path: Path) -> Path:
    (tmp_path / "bin").mkdir()
    (tmp_path / "state").mkdir()
    for name, body in STUBS.items():
        path = tmp_path / "bin" / name
        path.write_text(body)
        path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return tmp_path


def test_a_fresh_host_gets_the_source_the_key_and_the_pinned_packages_held(host: Path) -> None:
    result = run(host)
    assert result.returncode == 0, result.stderr
    calls = (host / "state/calls").read_text().splitlines()
    assert calls[0].startswith("apt-get -q -o DPkg::Lock::Timeout=300 -o Dir::Etc::sourcelist=")
    assert calls[0].endswith("-o Dir::Etc::sourceparts=- -o APT::Get::List-Cleanup=0 update")
    assert calls[1].endswith("install kubelet=1.37.2-* kubeadm=1.37.2-* kubectl=1.37.2-*")
    assert sorted((host / "state/held").read_text().split()) == ["kubeadm", "kubectl", "kubelet"]
    keyring = host / "keyrings/kubernetes-apt-keyring.asc"
    assert keyring.read_text() == KEY and oct(keyring.stat().st_mode & 0o777) == "0o644"
    assert (host / "kubernetes.list").read_text() == f"deb [signed-by={keyring}] {URL} /\n"
    assert "[packages] kubelet 1.37.2-1.1 from" in result.stdout
    assert "systemctl" not in "".join(calls)  # a fresh install restarts nothing


def test_a_host_already_at_the_version_is_left_alone(host: Path) -> None:
    assert run(host).returncode == 0
    os.remove(host / "state/calls")
    again = run(host)
    assert again.returncode == 0, again.stderr
    assert not (host / "state/calls").exists()
    assert again.stdout == f"[packages] kubelet kubeadm kubectl 1.37.2 from {URL}: installed and held\n"


def test_a_new_version_is_installed_over_the_held_one(host: Path) -> None:
    assert run(host, "v1.37.2").returncode == 0
    result = run(host, "v1.37.3")
    assert result.returncode == 0, result.stderr
    assert (host / "state/kubelet").read_text().strip() == "1.37.3-1.1"
    calls = (host / "state/calls").read_text()
    assert "--allow-change-held-packages install kubelet=1.37.3-*" in calls
    # The kubelet that ran the old version is restarted on the new binary, after the install.
    assert calls.splitlines()[-1] == "systemctl restart kubelet"
    assert "[packages] kubelet 1.37.2-1.1 -> 1.37.3-1.1: restarted" in result.stdout


def test_a_failed_install_names_the_host(host: Path) -> None:
    (host / "bin/apt-get").write_text(
        "#!/bin/sh\necho \"E: Version '1.35.0-*' for 'kubelet' was not found\" >&2\nexit 100\n"
    )
    result = run(host, "v1.35.0")
    assert result.returncode != 0
    assert "E: Version '1.35.0-*' for 'kubelet' was not found" in result.stderr
    assert f"packages: installing kubelet kubeadm kubectl 1.35.0 from {URL} failed on host node-1" in result.stderr
