"""Dynamic providers pickled into state by earlier versions name their modules' old paths; those must still load."""

from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

from tests.conftest import ROOT

# (old module, class) as state written before the folders existed refers to them.
OLD_PROVIDERS = [
    ("components.pki_resources", "PrivateKeyProvider"),
    ("components.pki_resources", "CertificateProvider"),
    ("components.upload_certs", "EncryptedCertsProvider"),
    ("components.control_plane_set", "ControlPlaneSetProvider"),
    ("components.host_inventory", "HostInventoryProvider"),
]


def pickled_by_reference(module: str, name: str) -> bytes:
    """What dill writes for a provider instance of a class importable as module.name (no state of its own)."""
    return b"\x80\x04" + pickle.dumps(module, protocol=4)[2:-1] + pickle.dumps(name, protocol=4)[2:-1] + b"\x93)\x81."


@pytest.mark.parametrize(("module", "name"), OLD_PROVIDERS, ids=[f"{m}.{n}" for m, n in OLD_PROVIDERS])
def test_an_old_provider_loads_in_a_fresh_process_as_the_class_of_today(module: str, name: str) -> None:
    # A fresh interpreter, as the dynamic provider plugin is: nothing of components imported before the state is.
    script = (
        "import dill, sys; p = dill.loads(sys.stdin.buffer.read()); print(type(p).__module__ + '.' + type(p).__name__)"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], input=pickled_by_reference(module, name), capture_output=True, cwd=ROOT
    )
    assert result.returncode == 0, result.stderr.decode()
    loaded = result.stdout.decode().strip()
    assert loaded.endswith(f".{name}") and loaded != f"{module}.{name}"  # the class under its new module
