"""Kubernetes on lab nodes: a plain Debian host with a container runtime, as a site's hosts are before anything of
Kubernetes is installed. kubelet, kubeadm and kubectl come from the lab's package repository (lab/packages.py),
which the program installs them from, as it would from pkgs.k8s.io or a site's mirror.

What a node gets (nothing is pulled at run time; the lab is an air-gapped site):
- containerd 2 and the CNI plugins, built by lab/k8s/build.sh and bind-mounted read-only, so a pin change needs no
  root file system rebuild (runc is Debian's, see BINARIES);
- containerd configured for the CRI with the systemd cgroup driver and the local pause image as sandbox image;
- the CNI plugins in /opt/cni/bin, as Debian's containernetworking-plugins installs them (writable: a CNI's
  daemonset adds its own plugin there);
- the lab's CNI choice (CNI_CHOICES): `flannel` (default) leaves the network to the flannel daemonset the stack
  applies (`kubeadm:cni: flannel`), as on any real site; `bridge` writes a bridge CNI config with a per-node pod
  range (10.244.<i>.0/24) and routes to the other nodes' ranges, for clusters that run no CNI daemonset;
- kubeadm's images for the release, flannel's, and the e2e suite's workload images (agnhost, busybox,
  glibc-dns-testing), imported into the node's containerd.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tarfile
from dataclasses import dataclass
from pathlib import Path

from .paths import LabError, cache_dir, log, run
from .remote import ssh_argv

HERE = Path(__file__).resolve().parent
DEFAULT_MINOR = "1.37"
POD_SUBNET_PREFIX = "10.244"  # the program's default podSubnet 10.244.0.0/16, one /24 per node
CNI_CHOICES = ("flannel", "bridge")
DEFAULT_CNI = "flannel"
BRIDGE_CONFLIST = "etc/cni/net.d/10-lab.conflist"

# Binaries bind-mounted into each node: (unit, binary) -> path in the node.
BINARIES = {
    ("containerd", "containerd"): "/usr/bin/containerd",
    ("containerd", "containerd-shim-runc-v2"): "/usr/bin/containerd-shim-runc-v2",
    ("containerd", "ctr"): "/usr/bin/ctr",
    # runc stays Debian's (1.1.5+ds1, with bookworm's security updates) for now: lab/k8s's runc 1.5.2 failed at
    # container start in these nodes ("can't get final child's PID from pipe") in our runs; the build notes say it
    # works once restrict_oom_score_adj is set, which is not yet verified here.
}

CONTAINERD_CONFIG = """\
# Written by the lab: CRI with the systemd cgroup driver (the kubelet's, as kubeadm configures it) and the
# locally built pause image as sandbox image, since no registry is reachable.
version = 3

[plugins.'io.containerd.cri.v1.images'.pinned_images]
  sandbox = '{pause}'

# The machine the lab runs on has no CAP_SYS_RESOURCE, so no process may lower its OOM score; the kubelet asks
# for -998 for pod sandboxes. Clamp requested scores at containerd's own instead of failing every pod.
[plugins.'io.containerd.cri.v1.runtime']
  restrict_oom_score_adj = true

[plugins.'io.containerd.cri.v1.runtime'.containerd.runtimes.runc.options]
  SystemdCgroup = true

[plugins.'io.containerd.cri.v1.runtime'.cni]
  bin_dirs = ['/opt/cni/bin']
  conf_dir = '/etc/cni/net.d'
"""


# Kernel settings the kubelet writes at start when they differ from these values. A node's /proc/sys is the
# machine's (nspawn's API file systems are writable here), so the kubelet would change the whole machine, e.g.
# make it panic on an oops. Each node gets read-only files with these values bind-mounted over the real ones
# before containerd and the kubelet start: the kubelet finds what it wants and writes nothing.
KUBELET_SYSCTLS = {
    "vm/overcommit_memory": "1",
    "vm/panic_on_oom": "0",
    "kernel/panic": "10",
    "kernel/panic_on_oops": "1",
    "kernel/keys/root_maxkeys": "1000000",
    "kernel/keys/root_maxbytes": "25000000",
}

SYSCTL_SHIELD_UNIT = """\
[Unit]
Description=Lab: keep the kubelet from changing the machine's kernel settings
DefaultDependencies=no
Before=containerd.service kubelet.service

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/lab-sysctl-shield

[Install]
WantedBy=multi-user.target
"""


def sysctl_shield_script() -> str:
    lines = ["#!/bin/sh", "set -e", "mkdir -p /run/lab-sysctl"]
    for key, value in sorted(KUBELET_SYSCTLS.items()):
        copy = f"/run/lab-sysctl/{key.replace('/', '.')}"
        lines.append(f"echo {value} > {copy}")
        lines.append(f"mountpoint -q /proc/sys/{key} || mount --bind -o ro {copy} /proc/sys/{key}")
    return "\n".join(lines) + "\n"


@dataclass(frozen=True)
class Release:
    """Built artifacts of one Kubernetes minor: unit name -> output dir (with bin/), and the image tarballs."""

    minor: str
    units: dict[str, Path]
    images: dict[str, Path]
    cni: str = DEFAULT_CNI  # the network the nodes are prepared for (CNI_CHOICES)

    def unit(self, prefix: str) -> Path:
        if prefix in self.units:
            return self.units[prefix]
        matches = [d for u, d in self.units.items() if u.startswith(f"{prefix}-")]
        if len(matches) != 1:
            raise LabError(f"kubernetes {self.minor}: no single build unit named {prefix} in {sorted(self.units)}")
        return matches[0]

    @property
    def version(self) -> str:
        return (self.unit("kubernetes") / "version").read_text().split()[0]

    def image(self, name: str) -> str:
        refs = [ref for ref in self.images if ref.split("/")[-1].split(":")[0] == name]
        if len(refs) != 1:
            raise LabError(f"kubernetes {self.minor}: no single image named {name} in {sorted(self.images)}")
        return refs[0]


def build(minor: str = DEFAULT_MINOR, cni: str = DEFAULT_CNI) -> Release:
    """Build (or reuse from the cache) everything a node needs for `minor`, kubeadm's images from it, and the
    CNI's and workloads' images."""
    if cni not in CNI_CHOICES:
        raise LabError(f"--cni must be one of {', '.join(CNI_CHOICES)}, not {cni!r}")
    log(f"kubernetes {minor}: building or reusing binaries (lab/k8s/build.sh {minor})")
    out = run(["bash", str(HERE / "k8s" / "build.sh"), minor], f"kubernetes {minor}: build").stdout
    units = {line.split()[0]: Path(line.split()[1]) for line in out.splitlines() if len(line.split()) == 2}
    release = Release(minor=minor, units=units, images={}, cni=cni)
    from . import rootfs

    # The images change with the binaries, the image builder and the root file system they take tools from.
    inputs = [*sorted(str(d) for d in units.values()), (HERE / "k8s" / "images.py").read_text(), rootfs.recipe_id()]
    key = hashlib.sha256("\n".join(inputs).encode()).hexdigest()[:16]
    images_dir = cache_dir() / "k8s" / f"images-{minor}-{key}"
    listing = images_dir / "images.txt"
    if not listing.exists():
        log(f"kubernetes {minor}: building kubeadm's images into {images_dir}")
        tmp = images_dir.with_name(images_dir.name + ".tmp")
        tmp.mkdir(parents=True, exist_ok=True)
        argv = [sys.executable, str(HERE / "k8s" / "images.py"), "kubeadm"]
        for flag, unit in (("--kubernetes", "kubernetes"), ("--etcd", "etcd"), ("--coredns", "coredns")):
            argv += [flag, str(release.unit(unit))]
        argv += ["--pause", str(release.unit("pause")), "--root", str(rootfs.ensure_rootfs()), "--out", str(tmp)]
        printed = run(argv, f"kubernetes {minor}: images").stdout
        argv = [sys.executable, str(HERE / "k8s" / "images.py"), "workloads"]
        for flag, unit in (("--agnhost", "agnhost"), ("--flannel", "flannel"), ("--flannel-cni", "flannel-cni")):
            argv += [flag, str(release.unit(unit))]
        argv += ["--root", str(rootfs.ensure_rootfs()), "--out", str(tmp)]
        printed += run(argv, f"kubernetes {minor}: workload images").stdout
        (tmp / "images.txt").write_text(printed)
        tmp.rename(images_dir)
    images = {}
    for line in listing.read_text().splitlines():
        ref, file = line.split()[:2]
        images[ref] = images_dir / Path(file).name
    return Release(minor=minor, units=units, images=images, cni=cni)


def bind_args(release: Release) -> list[str]:
    """systemd-nspawn arguments that put the release's binaries where the packages would."""
    args = []
    for (unit, binary), target in sorted(BINARIES.items()):
        args.append(f"--bind-ro={release.unit(unit) / 'bin' / binary}:{target}")
    args.append("--bind=/dev/kmsg")  # the kubelet's OOM watcher reads the kernel log
    return args


def pod_range(i: int) -> str:
    return f"{POD_SUBNET_PREFIX}.{i}.0/24"


def cni_config(i: int) -> str:
    conf = {
        "cniVersion": "1.0.0",
        "name": "lab",
        "plugins": [
            {
                "type": "bridge",
                "bridge": "cni0",
                "isGateway": True,
                "ipMasq": True,
                "ipam": {
                    "type": "host-local",
                    "ranges": [[{"subnet": pod_range(i)}]],
                    "routes": [{"dst": "0.0.0.0/0"}],
                },
            },
            {"type": "portmap", "capabilities": {"portMappings": True}},
        ],
    }
    return json.dumps(conf, indent=2) + "\n"


def prepare_upper(upper: Path, i: int, release: Release) -> None:
    """Files the container runtime's install (plus the operator's CNI choice) leaves on node i; rewritten at every
    boot."""
    files = {
        "etc/containerd/config.toml": CONTAINERD_CONFIG.format(pause=release.image("pause")),
        "etc/systemd/system/lab-sysctl-shield.service": SYSCTL_SHIELD_UNIT,
        "usr/local/sbin/lab-sysctl-shield": sysctl_shield_script(),
    }
    if release.cni == "bridge":
        files[BRIDGE_CONFLIST] = cni_config(i)
    else:
        (upper / BRIDGE_CONFLIST).unlink(missing_ok=True)
    for rel, text in files.items():
        path = upper / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    plugins = upper / "opt/cni/bin"
    plugins.mkdir(parents=True, exist_ok=True)
    for binary in sorted((release.unit("cni") / "bin").iterdir()):
        copy = plugins / binary.name
        if not copy.exists() or copy.stat().st_size != binary.stat().st_size:
            shutil.copy2(binary, copy)
    for rel in ("etc/kubernetes/manifests", "var/lib/kubelet"):
        (upper / rel).mkdir(parents=True, exist_ok=True)
    (upper / "usr/local/sbin/lab-sysctl-shield").chmod(0o755)
    wants = upper / "etc/systemd/system/multi-user.target.wants"
    wants.mkdir(parents=True, exist_ok=True)
    link = wants / "lab-sysctl-shield.service"
    if not link.is_symlink():
        link.symlink_to("/etc/systemd/system/lab-sysctl-shield.service")


def route_pod_ranges(netns: str, own: int, peers: dict[int, str]) -> None:
    """With the bridge CNI, each node reaches the other nodes' pod ranges through their addresses (the lab is one
    L2 segment). Flannel writes its own routes."""
    for j, address in sorted(peers.items()):
        if j != own:
            run(["ip", "-n", netns, "route", "replace", pod_range(j), "via", address], f"node-{own}: pod route")


# How long a booted node's containerd may take to answer (systemd itself gives a start 90 s).
CONTAINERD_READY_SECONDS = 120


# A node's packet forwarding, which kubeadm's preflight requires: its sysctl.d sets it at boot. Seen twice at 0 on
# the fourth node of a lab booted right after another lab's teardown (cause not found): the lab applies the
# node's sysctl settings again and says so, instead of letting preflight fail on it.
FORWARDING_CHECK = (
    'f=$(cat /proc/sys/net/ipv4/ip_forward); [ "$f" = 1 ] && exit 0; '
    'echo "net.ipv4.ip_forward was $f after boot (systemd-sysctl: $(systemctl is-active systemd-sysctl))"; '
    'systemctl restart systemd-sysctl; [ "$(cat /proc/sys/net/ipv4/ip_forward)" = 1 ]'
)


def ensure_forwarding(name: str, address: str) -> None:
    result = subprocess.run(ssh_argv(address, [FORWARDING_CHECK]), capture_output=True, text=True, timeout=60)
    if result.stdout.strip():
        log(f"{name}: {result.stdout.strip()}; applied the node's sysctl settings again")
    if result.returncode != 0:
        raise LabError(f"{name}: net.ipv4.ip_forward stays 0: {result.stdout.strip()} {result.stderr.strip()}")


def preload_images(name: str, address: str, release: Release) -> None:
    """Import every kubeadm image the node's containerd does not have yet, once containerd answers (the system
    can be up, or degraded by an unrelated unit, before containerd is)."""
    ensure_forwarding(name, address)
    wait = (
        f"end=$(( $(date +%s) + {CONTAINERD_READY_SECONDS} )); "
        'until ctr -n k8s.io images ls -q >/dev/null 2>&1; do [ "$(date +%s)" -lt "$end" ] || '
        "{ systemctl status containerd --no-pager -n 15 >&2; exit 1; }; sleep 1; done; ctr -n k8s.io images ls -q"
    )
    have = subprocess.run(
        ssh_argv(address, [wait]), capture_output=True, text=True, timeout=CONTAINERD_READY_SECONDS + 60
    )
    if have.returncode != 0:
        raise LabError(f"{name}: containerd does not answer after {CONTAINERD_READY_SECONDS}s:\n{have.stderr.strip()}")
    present = set(have.stdout.split())
    for ref, tarball in sorted(release.images.items()):
        if ref not in present:  # a tarball holding several names brings them all
            present.update(import_image(name, address, tarball))
    log(f"{name}: {len(release.images)} images present")


def import_image(name: str, address: str, tarball: Path) -> list[str]:
    """Import one image archive (docker save or OCI layout) into the node's containerd, where the kubelet finds
    it; returns the image names it holds."""
    with open(tarball, "rb") as data:
        result = subprocess.run(
            ssh_argv(address, ["ctr -n k8s.io images import --no-unpack=false -"]),
            stdin=data,
            capture_output=True,
            timeout=600,
        )
    if result.returncode != 0:
        raise LabError(f"{name}: importing {tarball} failed: {result.stderr.decode().strip()}")
    return image_names(tarball)


def image_names(tarball: Path) -> list[str]:
    """The image names an archive carries: docker save's manifest.json RepoTags, else an OCI layout's
    index.json names (ctr's own output is a progress display, not meant to be read)."""
    with tarfile.open(tarball) as tar:
        members = {m.name.removeprefix("./"): m for m in tar.getmembers()}
        for name, read in (("manifest.json", _repo_tags), ("index.json", _index_names)):
            member = members.get(name)
            handle = tar.extractfile(member) if member is not None else None
            if handle is not None:
                names = read(json.load(handle))
                if names:
                    return names
    return []


def _repo_tags(manifest: list[dict]) -> list[str]:
    return [tag for entry in manifest for tag in entry.get("RepoTags") or []]


def _index_names(index: dict) -> list[str]:
    names = [(m.get("annotations") or {}).get("io.containerd.image.name") for m in index.get("manifests", [])]
    return [n for n in names if n]
