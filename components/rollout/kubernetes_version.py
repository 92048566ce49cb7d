"""KubernetesVersion: the cluster's Kubernetes version of the last run, kept in state, so a version change kubeadm
would refuse is refused at preview time, before any host is touched (every host's resources follow the control-plane
set guard, which follows this).

Input/output: `version` (kubernetesVersion). Its diff compares the last run's version with the configured one, with
kubeadm upgrade's skew rules: one minor per hop (v1.36.x -> v1.37.y; a request two minors ahead is refused with
the hops to run instead), never a lower minor (kubeadm upgrades forward only; going back is a restore of the etcd
snapshot taken before the upgrade). Patch releases may move either way within a minor, as `kubeadm upgrade apply`
allows.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider, UpdateResult

from components.render.release_images import minor


def hop_problem(old: str | None, new: str) -> str | None:
    """Why the cluster cannot go from `old` (None: a new cluster) to `new` in one run, or None."""
    if not old or old == new:
        return None
    was, wanted = minor(old), minor(new)
    if wanted < was:
        return (
            f"kubernetesVersion: {old} -> {new} lowers the minor release; kubeadm upgrades forward only "
            f"(going back means restoring the etcd snapshot taken before the upgrade to 1.{was})"
        )
    if wanted > was + 1:
        hops = [f"v1.{m}.x (newest patch of 1.{m})" for m in range(was + 1, wanted)] + [new]
        return (
            f"kubernetesVersion: {old} -> {new} skips {wanted - was - 1} minor release(s); kubeadm upgrades one "
            f"minor at a time: run `pulumi up` with kubernetesVersion {', then '.join(hops)}"
        )
    return None


class KubernetesVersionProvider(ResourceProvider):
    def create(self, props: Any) -> CreateResult:
        return CreateResult("kubernetes-version", {"version": props["version"]})

    def diff(self, _id: str, olds: Any, news: Any) -> DiffResult:
        problem = hop_problem(olds.get("version"), news["version"])
        if problem:
            raise ValueError(problem)
        return DiffResult(changes=olds.get("version") != news["version"], replaces=[], delete_before_replace=False)

    def update(self, _id: str, _olds: Any, news: Any) -> UpdateResult:
        return UpdateResult({"version": news["version"]})


class KubernetesVersion(Resource, module="rollout", name="KubernetesVersion"):
    version: pulumi.Output[str]

    def __init__(self, name: str, version: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(KubernetesVersionProvider(), name, {"version": version}, opts)
