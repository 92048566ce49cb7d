"""kubeadm-pulumi's components, in folders by what they are (each folder's docstring says what lives there and what
it may import):

  cluster.py   the phase list: kubeadm init's phases, then join's, in order
  config/      the stack config, parsed once into frozen dataclasses and validated once
  constants.py names, paths, ports, groups; derived values are computed, never typed twice
  remote/      the two remote primitives every host action goes through: a file and a step
  render/      pure renderers: static pod manifests, kubelet files, cluster objects (no Pulumi)
  pki/         certs and kubeconfig phases: keys, certificates and kubeconfigs made once, kept (encrypted) in state
  node/        what every host gets: reset anchor -> preflight -> files -> kubelet-start
  phases/      kubeadm init's cluster-level phases on the first control plane
  join/        kubeadm join, for workers and for control planes
  etcd/        stacked etcd membership: the quorum guard and the removal of members that left
  rollout/     day-2 changes rolled one node at a time, each behind a health gate; the control planes' chain
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import sys
from importlib.machinery import ModuleSpec
from types import ModuleType

# Dynamic resources keep their provider in state, pickled by the module path of its class, and a delete runs the
# provider of the state. State written before the folders existed names these modules; they stay importable.
_MOVED = {
    "components.pki_resources": "components.pki.resources",
    "components.upload_certs": "components.pki.encrypted_certs",
    "components.control_plane_set": "components.etcd.control_plane_set",
    "components.host_inventory": "components.node.host_inventory",
}


class _MovedModules(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """`import components.pki_resources` gives the module components.pki.resources itself (one module, two names)."""

    def find_spec(self, name: str, path: object = None, target: object = None) -> ModuleSpec | None:
        return importlib.util.spec_from_loader(name, self) if name in _MOVED else None

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        return importlib.import_module(_MOVED[spec.name])

    def exec_module(self, module: ModuleType) -> None:
        """Nothing to run: the module under its own name is already imported."""


sys.meta_path.append(_MovedModules())
