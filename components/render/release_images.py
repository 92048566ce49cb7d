"""Container images kubeadm uses for a Kubernetes release, and the tags it pairs with each minor. Pure: no Pulumi.

Tags come from kubeadm's own constants (DefaultEtcdVersion, CoreDNSVersion, PauseVersion) of the releases the
program supports; the lab builds its images under exactly these references.
"""

from __future__ import annotations

from dataclasses import dataclass

from components import constants as c
from components.config import ClusterConfig


@dataclass(frozen=True, kw_only=True)
class ImageTags:
    """Tags kubeadm pairs with one Kubernetes minor release (its DefaultEtcdVersion, CoreDNSVersion, PauseVersion)."""

    etcd: str
    coredns: str
    pause: str


# Per-minor image tags, read from kubeadm's constants of v1.36.3 and v1.37.2.
RELEASE_IMAGE_TAGS: dict[int, ImageTags] = {
    36: ImageTags(etcd="3.6.8-0", coredns="v1.14.2", pause="3.10.2"),
    37: ImageTags(etcd="3.7.0-0", coredns="v1.14.6", pause="3.10.2"),
}


def minor(version: str) -> int:
    """`v1.37.2` -> 37."""
    parts = version.lstrip("v").split(".")
    if len(parts) < 2 or parts[0] != "1" or not parts[1].isdigit():
        raise ValueError(f"kubernetesVersion: cannot read the minor release of {version!r}")
    return int(parts[1])


def image_tags(version: str) -> ImageTags:
    tags = RELEASE_IMAGE_TAGS.get(minor(version))
    if tags is None:
        known = ", ".join(f"1.{m}" for m in sorted(RELEASE_IMAGE_TAGS))
        raise ValueError(f"kubernetesVersion: no image tags known for {version} (known: {known})")
    return tags


def image(config: ClusterConfig, name: str) -> str:
    """Image reference kubeadm uses for a component, etcd, CoreDNS or pause under `imageRepository`."""
    repo, tags = config.image_repository, image_tags(config.kubernetes_version)
    if name == c.ETCD:
        return f"{repo}/etcd:{tags.etcd}"
    if name == c.PAUSE:
        return f"{repo}/pause:{tags.pause}"
    if name == c.COREDNS:
        # Only the default registry keeps CoreDNS under its own sub-path.
        path = "coredns/coredns" if repo == c.DEFAULT_IMAGE_REPOSITORY else "coredns"
        return f"{repo}/{path}:{tags.coredns}"
    return f"{repo}/{name}:{config.kubernetes_version.replace('+', '_')}"
