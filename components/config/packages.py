"""`kubeadm:packages`: where every host's kubelet, kubeadm and kubectl come from, at the cluster's version.

    kubeadm:packages: {}                                   (the default) Kubernetes' repository, pkgs.k8s.io, its
                                                           key fetched over https as Kubernetes' install docs do
    kubeadm:packages:
      repository: http://mirror.example/core:/stable:      a mirror of it, up to the minor: the hosts use
      signingKeyFile: keys/kubernetes-release.asc          <repository>/v1.37/deb/, trusting this key only
    kubeadm:packages: {install: false}                     the hosts carry them already (an image pipeline's);
                                                           preflight checks that kubelet and kubeadm are there

A repository that is not https needs its key given (a key fetched over plain http proves nothing). The key file is
read here, relative to the project directory, so a wrong one fails before any host is touched.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from components import constants as c
from components.config.problems import Problems, kind

_KEYS = ("install", "repository", "signingKeyFile")
_URL = re.compile(r"^(https?://[^\s/]+|file:)/?\S*$")
_ARMOR = "-----BEGIN PGP PUBLIC KEY BLOCK-----"


@dataclass(frozen=True, kw_only=True)
class Packages:
    install: bool = True
    repository: str = c.DEFAULT_PACKAGE_REPOSITORY
    # The repository's public key as given (ASCII-armored); empty: fetched from the repository over https.
    signing_key: str = ""

    def source(self, kubernetes_version: str) -> str:
        """The apt source of the version's minor, as pkgs.k8s.io lays it out: <repository>/v1.37/deb/."""
        minor = kubernetes_version.removeprefix("v").rsplit(".", 1)[0]
        return f"{self.repository.rstrip('/')}/v{minor}/deb/"


def parse_packages(value: Any, problems: Problems, base: Path) -> Packages:
    if value is None:
        return Packages()
    if not isinstance(value, dict):
        problems.add("packages", f"must be a map (install, repository, signingKeyFile), not {kind(value)}", value)
        return Packages()
    problems.unknown_keys(value, "packages", _KEYS)
    install = value.get("install", True)
    if not isinstance(install, bool):
        problems.add("packages.install", "must be true or false", install)
    repository = value.get("repository", c.DEFAULT_PACKAGE_REPOSITORY)
    if not isinstance(repository, str) or not _URL.match(repository):
        problems.add("packages.repository", "must be an http://, https:// or file: URL", repository)
        repository = c.DEFAULT_PACKAGE_REPOSITORY
    key = ""
    key_file = value.get("signingKeyFile")
    if key_file is not None:
        if not isinstance(key_file, str) or not key_file:
            problems.add("packages.signingKeyFile", "must be the path of the repository's public key", key_file)
        else:
            key, problem = _read_key((base / Path(key_file).expanduser()).resolve())
            if problem:
                problems.add("packages.signingKeyFile", problem)
    elif install is True and not repository.startswith("https://"):
        problems.add(
            "packages.signingKeyFile",
            f"is required for a repository that is not https ({repository}): a key fetched over it proves nothing",
        )
    return Packages(install=install is not False, repository=repository, signing_key=key)


def _read_key(path: Path) -> tuple[str, str | None]:
    try:
        text = path.read_bytes().decode(errors="replace")
    except FileNotFoundError:
        return "", f"no such file: {path}"
    except OSError as error:
        return "", f"cannot be read ({error.strerror}): {path}"
    # A binary keyring (gpg --export without --armor) is refused too: it cannot travel in a command's text.
    if not text.lstrip().startswith(_ARMOR):
        return "", f"is not an ASCII-armored OpenPGP public key (as a repository's Release.key): {path}"
    return text.strip() + "\n", None
