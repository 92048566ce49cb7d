#!/usr/bin/env python3
"""Build OCI image tarballs for kubeadm from locally built binaries (stdlib only, no registry, no daemon).

Each image is one uncompressed layer plus a config, written as an OCI image layout in a tar
(oci-layout, index.json, blobs/sha256/...) with a docker-style manifest.json beside it, so both
`ctr -n k8s.io images import FILE` (containerd reads index.json and names the image from the
io.containerd.image.name annotation) and `docker load` accept it. Output is deterministic:
sorted entries, uid/gid 0, fixed mtimes (SOURCE_DATE_EPOCH, default 0), so the same binaries
give the same image digest.

    images.py image --ref registry.k8s.io/etcd:3.7.0-0 --file BIN:/usr/local/bin/etcd [--file ...]
                    [--entrypoint /usr/local/bin/etcd] [--user 0] --out etcd.tar
    images.py kubeadm --kubernetes DIR --etcd DIR --coredns DIR --pause DIR [--root ROOTFS] --out DIR
        (DIRs are lab/k8s/build.sh outputs: DIR/bin/<binaries> and DIR/version). Writes the seven
        images kubeadm pulls, under exactly kubeadm's names; prints "REF FILE" per image.
    images.py workloads --agnhost DIR --flannel DIR --flannel-cni DIR --root ROOTFS --out DIR
        the e2e suite's agnhost, busybox, glibc-dns-testing and nginx images and flannel's two, under upstream's names
    images.py verify FILE...            check a tarball's structure and every digest
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import io
import json
import os
import re
import stat
import struct
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PATH_ENV = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
MT_INDEX = "application/vnd.oci.image.index.v1+json"
MT_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
MT_CONFIG = "application/vnd.oci.image.config.v1+json"
MT_LAYER = "application/vnd.oci.image.layer.v1.tar"
REGISTRY = "registry.k8s.io"
# Debian packages (from a node root file system) that kube-proxy's iptables mode needs in its image.
KUBE_PROXY_PACKAGES = ["iptables", "conntrack"]
DEBIAN_SKIP = re.compile(r"^/usr/share/(doc|man|info|locale|lintian|bug)/")
# security.capability xattr (struct vfs_cap_data, revision 2, effective bit) granting CAP_NET_BIND_SERVICE (10): what
# upstream's `setcap cap_net_bind_service=+ep /coredns` leaves on the file, so CoreDNS can bind :53 as nonroot.
CAP_NET_BIND_SERVICE_XATTR = struct.pack("<5I", 0x02000001, 1 << 10, 0, 0, 0)


def epoch() -> int:
    return int(os.environ.get("SOURCE_DATE_EPOCH", "0"))


class Layer:
    """The files of one layer: path in the image -> (kind, payload, mode)."""

    def __init__(self) -> None:
        self.entries: dict[str, tuple[str, object, int]] = {}
        self.xattrs: dict[str, dict[str, bytes]] = {}

    def _parents(self, path: str) -> None:
        parts = path.strip("/").split("/")[:-1]
        for i in range(1, len(parts) + 1):
            self.entries.setdefault("/".join(parts[:i]), ("dir", None, 0o755))

    def dir(self, path: str, mode: int = 0o755) -> None:
        self._parents(path)
        self.entries[path.strip("/")] = ("dir", None, mode)

    def file(self, src: str | Path, dest: str, mode: int | None = None, xattrs: dict[str, bytes] | None = None) -> None:
        src = Path(src)
        if xattrs:
            self.xattrs[dest.strip("/")] = xattrs
        if not src.is_file():
            raise SystemExit(f"images.py: {src} is not a file")
        self._parents(dest)
        self.entries[dest.strip("/")] = ("file", src, mode if mode is not None else stat.S_IMODE(src.stat().st_mode))

    def data(self, dest: str, content: bytes, mode: int = 0o644) -> None:
        self._parents(dest)
        self.entries[dest.strip("/")] = ("data", content, mode)

    def symlink(self, dest: str, target: str) -> None:
        self._parents(dest)
        self.entries[dest.strip("/")] = ("link", target, 0o777)

    def write(self, fileobj) -> None:
        with tarfile.open(fileobj=fileobj, mode="w", format=tarfile.PAX_FORMAT) as tar:
            for name in sorted(self.entries):
                kind, payload, mode = self.entries[name]
                info = tarfile.TarInfo(name)
                info.mtime, info.mode, info.uid, info.gid, info.uname, info.gname = epoch(), mode, 0, 0, "", ""
                if name in self.xattrs:  # PAX SCHILY.xattr.*, as GNU tar and containerd's applier read them
                    info.pax_headers = {
                        f"SCHILY.xattr.{k}": v.decode("utf-8", "surrogateescape") for k, v in self.xattrs[name].items()
                    }
                if kind == "dir":
                    info.type = tarfile.DIRTYPE
                    tar.addfile(info)
                elif kind == "link":
                    info.type, info.linkname = tarfile.SYMTYPE, str(payload)
                    tar.addfile(info)
                elif kind == "data":
                    info.size = len(payload)
                    tar.addfile(info, io.BytesIO(payload))
                else:
                    info.size = payload.stat().st_size
                    with open(payload, "rb") as f:
                        tar.addfile(info, f)


# agnhost's image defines a user and a group of its own (a SupplementalGroups spec reads them): passwd, group lines.
AGNHOST_USERS = (
    "user-defined-in-image:x:1000:1000::/home/user-defined-in-image:/bin/sh\n",
    "user-defined-in-image:x:1000:\ngroup-defined-in-image:x:50000:user-defined-in-image\n",
)


def base_files(layer: Layer, users: tuple[str, str] = ("", "")) -> None:
    """What a distroless base gives: passwd/group with root, nobody and nonroot (plus `users`), /tmp,
    /etc/nsswitch.conf."""
    layer.data(
        "/etc/passwd",
        b"root:x:0:0:root:/root:/sbin/nologin\n"
        b"nobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n"
        b"nonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n" + users[0].encode(),
    )
    layer.data("/etc/group", b"root:x:0:\nnobody:x:65534:\nnonroot:x:65532:\n" + users[1].encode())
    layer.data("/etc/nsswitch.conf", b"hosts: files dns\n")
    layer.dir("/tmp", 0o1777)
    layer.dir("/root", 0o700)
    layer.dir("/home/nonroot", 0o700)


def debian_packages(layer: Layer, root: Path, packages: list[str]) -> list[str]:
    """Copy the files of PACKAGES and their Depends (recursively) from a Debian root file system."""
    status = (root / "var/lib/dpkg/status").read_text()
    depends: dict[str, list[str]] = {}
    for para in status.split("\n\n"):
        m = re.search(r"^Package: (\S+)", para, re.M)
        if not m or "Status: install ok installed" not in para:
            continue
        deps = []
        for field in ("Pre-Depends", "Depends"):
            d = re.search(rf"^{field}: (.*)$", para, re.M)
            if d:
                deps += [alt.split("|")[0].strip().split(" ")[0].split(":")[0] for alt in d.group(1).split(",")]
        depends[m.group(1)] = deps
    seen: list[str] = []
    todo = list(packages)
    while todo:
        p = todo.pop()
        if p in seen or p not in depends:
            continue
        seen.append(p)
        todo += depends[p]
    info = root / "var/lib/dpkg/info"
    # merged /usr: package lists name /lib/..., /bin/..., but in the root those are symlinks into /usr.
    merged = {}
    for top in ("bin", "sbin", "lib", "lib32", "lib64", "libx32"):
        if (root / top).is_symlink():
            target = os.readlink(root / top)
            layer.symlink("/" + top, target)
            merged["/" + top + "/"] = "/" + os.path.normpath(target).lstrip("/") + "/"
    for p in seen:
        lst = info / f"{p}.list"
        if not lst.exists():
            lst = info / f"{p}:amd64.list"
        for path in lst.read_text().split("\n"):
            if not path or path == "/." or DEBIAN_SKIP.match(path):
                continue
            for prefix, real in merged.items():
                if path.startswith(prefix):
                    path = real + path[len(prefix) :]
            src = root / path.lstrip("/")
            if src.is_symlink():
                layer.symlink(path, os.readlink(src))
            elif src.is_file():
                layer.file(src, path)
    return sorted(seen)


def nft_iptables(layer: Layer) -> None:
    """iptables/ip6tables(-save,-restore) on the nft backend, as the nodes' alternatives point them (upstream's
    images pick one with iptables-wrapper)."""
    for t in ("iptables", "ip6tables"):
        for s in ("", "-save", "-restore"):
            layer.symlink(f"/usr/sbin/{t}{s}", "xtables-nft-multi")


def sha256_file(path: Path) -> tuple[str, int]:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return "sha256:" + h.hexdigest(), path.stat().st_size


def split_ref(ref: str) -> tuple[str, str]:
    repo, _, tag = ref.rpartition(":")
    if not repo or "/" in tag:
        raise SystemExit(f"images.py: {ref!r} needs an explicit :tag")
    return repo, tag


def build_image(
    ref: str,
    layer: Layer,
    out: Path,
    entrypoint: list[str] | None = None,
    cmd: list[str] | None = None,
    user: str = "0",
    env: list[str] | None = None,
    also: list[str] | None = None,
) -> str:
    """Write REF (and the names in `also`, for the same image) as an OCI layout tarball at OUT; return the manifest
    digest."""
    split_ref(ref)  # every name needs an explicit tag
    out.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out.parent, prefix=".img-") as tmp:
        layer_path = Path(tmp) / "layer.tar"
        with open(layer_path, "wb") as f:
            layer.write(f)
        layer_digest, layer_size = sha256_file(layer_path)
        created = datetime.datetime.fromtimestamp(epoch(), datetime.UTC)
        created_s = created.strftime("%Y-%m-%dT%H:%M:%SZ")
        config = {
            "created": created_s,
            "architecture": "amd64",
            "os": "linux",
            "config": {"Env": env or [PATH_ENV], "User": user, "WorkingDir": "/"},
            "rootfs": {"type": "layers", "diff_ids": [layer_digest]},
            "history": [{"created": created_s, "created_by": "kubeadm-pulumi lab/k8s/images.py"}],
        }
        if entrypoint:
            config["config"]["Entrypoint"] = entrypoint
        if cmd:
            config["config"]["Cmd"] = cmd
        config_b = json.dumps(config, sort_keys=True, separators=(",", ":")).encode()
        config_digest = "sha256:" + hashlib.sha256(config_b).hexdigest()
        manifest = {
            "schemaVersion": 2,
            "mediaType": MT_MANIFEST,
            "config": {"mediaType": MT_CONFIG, "digest": config_digest, "size": len(config_b)},
            "layers": [{"mediaType": MT_LAYER, "digest": layer_digest, "size": layer_size}],
        }
        manifest_b = json.dumps(manifest, sort_keys=True, separators=(",", ":")).encode()
        manifest_digest = "sha256:" + hashlib.sha256(manifest_b).hexdigest()
        index = {
            "schemaVersion": 2,
            "mediaType": MT_INDEX,
            "manifests": [
                {
                    "mediaType": MT_MANIFEST,
                    "digest": manifest_digest,
                    "size": len(manifest_b),
                    "platform": {"architecture": "amd64", "os": "linux"},
                    "annotations": {"io.containerd.image.name": name, "org.opencontainers.image.ref.name": t},
                }
                for name, t in [(r, split_ref(r)[1]) for r in [ref, *(also or [])]]
            ],
        }
        blob = lambda d: "blobs/sha256/" + d.split(":", 1)[1]  # noqa: E731
        docker_manifest = [
            {"Config": blob(config_digest), "RepoTags": [ref, *(also or [])], "Layers": [blob(layer_digest)]}
        ]
        part = Path(tmp) / "image.tar"
        with tarfile.open(part, "w", format=tarfile.PAX_FORMAT) as tar:

            def add(name: str, data: bytes | None = None, path: Path | None = None, dir_: bool = False) -> None:
                info = tarfile.TarInfo(name)
                info.mtime, info.mode = epoch(), 0o755 if dir_ else 0o644
                if dir_:
                    info.type = tarfile.DIRTYPE
                    tar.addfile(info)
                elif path is not None:
                    info.size = path.stat().st_size
                    with open(path, "rb") as f:
                        tar.addfile(info, f)
                else:
                    info.size = len(data)
                    tar.addfile(info, io.BytesIO(data))

            add("blobs", dir_=True)
            add("blobs/sha256", dir_=True)
            add(blob(config_digest), config_b)
            add(blob(layer_digest), path=layer_path)
            add(blob(manifest_digest), manifest_b)
            add("index.json", json.dumps(index, sort_keys=True).encode())
            add("manifest.json", json.dumps(docker_manifest).encode())
            add("oci-layout", b'{"imageLayoutVersion":"1.0.0"}')
        os.replace(part, out)
    return manifest_digest


def verify(path: Path) -> dict:
    """Check an image tarball: layout, index -> manifest -> config/layers digests and sizes, diff_ids, names."""
    problems: list[str] = []
    with tarfile.open(path) as tar:
        members = {m.name.rstrip("/"): m for m in tar.getmembers()}

        def read(name: str) -> bytes:
            if name not in members:
                raise SystemExit(f"{path}: missing {name}")
            return tar.extractfile(members[name]).read()

        def blob(desc: dict, what: str) -> bytes:
            data = read("blobs/sha256/" + desc["digest"].split(":", 1)[1])
            if "sha256:" + hashlib.sha256(data).hexdigest() != desc["digest"]:
                problems.append(f"{what}: digest mismatch")
            if len(data) != desc["size"]:
                problems.append(f"{what}: size {len(data)} != {desc['size']}")
            return data

        if json.loads(read("oci-layout")).get("imageLayoutVersion") != "1.0.0":
            problems.append("oci-layout: version is not 1.0.0")
        index = json.loads(read("index.json"))
        refs = []
        for m in index["manifests"]:
            if m["mediaType"] != MT_MANIFEST:
                problems.append(f"index: unexpected mediaType {m['mediaType']}")
            refs.append(m.get("annotations", {}).get("io.containerd.image.name"))
            manifest = json.loads(blob(m, "manifest"))
            config = json.loads(blob(manifest["config"], "config"))
            layers = []
            for i, desc in enumerate(manifest["layers"]):
                data = blob(desc, f"layer {i}")
                layers.append(data)
                if desc["mediaType"] == MT_LAYER and config["rootfs"]["diff_ids"][i] != desc["digest"]:
                    problems.append(f"layer {i}: diff_id differs from the (uncompressed) layer digest")
            files = []
            for data in layers:
                with tarfile.open(fileobj=io.BytesIO(data)) as lt:
                    files += [("/" + x.name, x.mode, x.type) for x in lt.getmembers()]
            ep = (config["config"].get("Entrypoint") or [None])[0]
            if ep and ep.startswith("/") and not any(f[0] == ep for f in files):
                problems.append(f"entrypoint {ep} is not in the layers")
        docker = json.loads(read("manifest.json"))
    result = {
        "file": str(path),
        "refs": refs,
        "docker_repo_tags": [t for d in docker for t in d["RepoTags"]],
        "config": config["config"],
        "files": len(files),
        "executables": sorted(f[0] for f in files if f[2] == tarfile.REGTYPE and f[1] & 0o111),
        "problems": problems,
    }
    return result


def kubeadm_images(args) -> None:
    def ver(d: Path) -> str:
        return (d / "version").read_text().strip()

    k8s, etcd, coredns, pause = (Path(getattr(args, n)) for n in ("kubernetes", "etcd", "coredns", "pause"))
    kv = ver(k8s)
    etcd_tag = args.etcd_tag or ver(etcd).lstrip("v") + "-0"
    out = Path(args.out)
    specs = []
    for name in ("kube-apiserver", "kube-controller-manager", "kube-scheduler", "kube-proxy"):
        layer = Layer()
        base_files(layer)
        layer.file(k8s / "bin" / name, f"/usr/local/bin/{name}", 0o755)
        if name == "kube-proxy":
            if args.root:
                debian_packages(layer, Path(args.root), KUBE_PROXY_PACKAGES)
                nft_iptables(layer)  # kube-proxy calls them by name
            else:
                print(
                    "images.py: warning: no --root, kube-proxy image lacks iptables (iptables mode fails)",
                    file=sys.stderr,
                )
        specs.append((f"{REGISTRY}/{name}:{kv}", layer, [f"/usr/local/bin/{name}"], "0"))
    layer = Layer()
    base_files(layer)
    layer.file(etcd / "bin/etcd", "/usr/local/bin/etcd", 0o755)
    layer.dir("/var/lib/etcd", 0o700)
    specs.append((f"{REGISTRY}/etcd:{etcd_tag}", layer, ["/usr/local/bin/etcd"], "0"))
    layer = Layer()
    base_files(layer)
    layer.file(coredns / "bin/coredns", "/coredns", 0o755, xattrs={"security.capability": CAP_NET_BIND_SERVICE_XATTR})
    specs.append((f"{REGISTRY}/coredns/coredns:{ver(coredns)}", layer, ["/coredns"], "65532:65532"))
    layer = Layer()
    layer.file(pause / "bin/pause", "/pause", 0o755)
    specs.append((f"{REGISTRY}/pause:{ver(pause).lstrip('v')}", layer, ["/pause"], "65535:65535"))
    for ref, layer, ep, user in specs:
        repo, tag = split_ref(ref)
        dest = out / f"{repo.rsplit('/', 1)[1]}_{tag}.tar"
        digest = build_image(ref, layer, dest, entrypoint=ep, user=user)
        print(ref, dest, digest)


# The images the e2e suite runs (test/utils/image/manifest.go of the release: registry, name, tag) and flannel's
# (its kube-flannel.yml): built from local binaries and Debian packages of the node root file system.
E2E_REGISTRY = f"{REGISTRY}/e2e-test-images"
FLANNEL_REGISTRY = "ghcr.io/flannel-io"
# Debian's stand-ins for what upstream's agnhost image adds with apk (bind-tools, curl, netcat-openbsd, iproute2,
# bash, socat, ...) and getent: e2e tests exec dig, nslookup, getent, nc, curl and a shell in agnhost pods.
AGNHOST_PACKAGES = ["bind9-dnsutils", "curl", "netcat-openbsd", "iproute2", "iptables", "bash", "socat", "libc-bin"]
# The previous agnhost the suite names (AgnhostPrev, the "old" image of its rolling-update tests): the same image.
AGNHOST_PREV_TAG = "2.55"
# The e2e suite's busybox and glibc-dns-testing tags at Kubernetes v1.37.2; agnhost's comes from its VERSION file.
BUSYBOX_TAG = "1.37.0-2"
GLIBC_DNS_TESTING_TAG = "2.1.1"
# The suite's nginx and "new" nginx (NginxNew): Debian's nginx serving a welcome page on port 80, as upstream's does.
NGINX_TAGS = ("1.27.0-2", "1.28.0-2")
NGINX_CONF = b"""\
# kubeadm-pulumi lab: the e2e suite's nginx image (Debian's nginx), in the foreground, logging to the container's.
user nobody nobody;
worker_processes 1;
daemon off;
error_log /dev/stderr;
pid /run/nginx.pid;
events {}
http {
    include /etc/nginx/mime.types;
    access_log /dev/stdout;
    server {
        listen 80;
        listen [::]:80;
        root /usr/share/nginx/html;
        index index.html;
    }
}
"""
NGINX_INDEX = (
    b"<!DOCTYPE html>\n<html><head><title>Welcome to nginx!</title></head>\n"
    b"<body><h1>Welcome to nginx!</h1></body></html>\n"
)
# kube-flannel.yml v0.28.10's plugin image: the lab's holds flannel's CNI plugin built from containernetworking.
FLANNEL_CNI_PLUGIN_TAG = "v1.9.1-flannel3"


def workload_images(args) -> None:
    def ver(d: Path) -> str:
        return (d / "version").read_text().strip()

    root, out = Path(args.root), Path(args.out)
    specs = []
    agnhost = Path(args.agnhost)
    layer = Layer()
    base_files(layer, users=AGNHOST_USERS)
    layer.file(agnhost / "bin/agnhost", "/agnhost", 0o755)
    layer.symlink("/agnhost-2", "agnhost")  # entrypoint-tester specs override the entrypoint with it
    for name in ("localhost.crt", "localhost.key"):  # porter's TLS pair
        layer.file(agnhost / "share" / name, f"/{name}", 0o644)
    layer.dir("/uploads")  # netexec's
    debian_packages(layer, root, AGNHOST_PACKAGES)
    layer.symlink("/usr/bin/nc", "nc.openbsd")  # Debian's alternatives link, made by its postinst
    nft_iptables(layer)
    tools_with_bash(layer, root)
    refs = [f"{E2E_REGISTRY}/agnhost:{ver(agnhost)}", f"{E2E_REGISTRY}/agnhost:{AGNHOST_PREV_TAG}"]
    specs.append((refs, layer, ["/agnhost"], ["pause"], "0"))
    for name, tag in (("busybox", BUSYBOX_TAG), ("glibc-dns-testing", GLIBC_DNS_TESTING_TAG)):
        layer = Layer()
        base_files(layer)
        if name == "glibc-dns-testing":  # a glibc dig, nslookup and getent, as its Debian base gives upstream
            debian_packages(layer, root, ["bind9-dnsutils", "libc-bin"])
        tools_with_bash(layer, root)
        specs.append(([f"{E2E_REGISTRY}/{name}:{tag}"], layer, None, ["sh"], "0"))
    layer = Layer()
    base_files(layer)
    debian_packages(layer, root, ["nginx"])
    layer.data("/etc/nginx/nginx.conf", NGINX_CONF)
    layer.data("/usr/share/nginx/html/index.html", NGINX_INDEX)
    for d in ("/var/lib/nginx", "/var/log/nginx", "/run"):
        layer.dir(d)
    tools_with_bash(layer, root)
    refs = [f"{E2E_REGISTRY}/nginx:{tag}" for tag in NGINX_TAGS]
    specs.append((refs, layer, ["/usr/sbin/nginx"], None, "0"))
    flannel = Path(args.flannel)
    layer = Layer()
    base_files(layer)
    layer.file(flannel / "bin/flanneld", "/opt/bin/flanneld", 0o755)
    layer.file(flannel / "bin/install-conf", "/opt/bin/install-conf", 0o755)
    debian_packages(layer, root, ["iptables"])
    nft_iptables(layer)
    specs.append(([f"{FLANNEL_REGISTRY}/flannel:{ver(flannel)}"], layer, ["/opt/bin/flanneld"], None, "0"))
    layer = Layer()
    base_files(layer)
    layer.file(Path(args.flannel_cni) / "bin/flannel", "/flannel", 0o755)
    busybox_applets_at(layer, root, "/bin")  # its init container runs `cp -f /flannel /opt/cni/bin/flannel`
    specs.append(([f"{FLANNEL_REGISTRY}/flannel-cni-plugin:{FLANNEL_CNI_PLUGIN_TAG}"], layer, None, None, "0"))
    for refs, layer, ep, cmd, user in specs:
        repo, tag = split_ref(refs[0])
        dest = out / f"{repo.rsplit('/', 1)[1]}_{tag}.tar"
        digest = build_image(refs[0], layer, dest, entrypoint=ep, cmd=cmd, user=user, also=refs[1:])
        for ref in refs:
            print(ref, dest, digest)


def tools_with_bash(layer: Layer, root: Path) -> None:
    """A shell and coreutils as upstream's e2e images have them: busybox applets in /usr/bin (so /bin/true,
    /bin/sleep, /bin/sysctl, which specs run by path, are there too: /bin is /usr/bin) where Debian's packages in the
    layer give no such tool, and bash as sh. Not busybox's ash: bookworm's (1.35) drops variables
    whose names are no shell identifiers (`data-1`) from the environment it passes on, and e2e's env specs read
    them back through `sh -c env`."""
    debian_packages(layer, root, ["bash"])
    provided = {p.rsplit("/", 1)[-1] for p in layer.entries if p.startswith(("usr/bin/", "usr/sbin/"))}
    busybox_applets_at(layer, root, "/usr/bin", provided | {"sh", "ash"})
    layer.symlink("/usr/bin/sh", "bash")


def busybox_applets_at(layer: Layer, root: Path, where: str, skip: set[str] = frozenset()) -> None:
    """Debian's static busybox at WHERE/busybox and a symlink per applet not in SKIP (a shell, coreutils, ...)."""
    binary = root / "usr/bin/busybox"
    layer.file(binary, f"{where}/busybox", 0o755)
    listed = subprocess.run([str(binary), "--list"], capture_output=True, text=True, check=True).stdout.split()
    for applet in sorted(set(listed) - set(skip) - {"busybox"}):
        layer.symlink(f"{where}/{applet}", "busybox")


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("image", help="one image from files")
    p.add_argument("--ref", required=True)
    p.add_argument("--file", action="append", default=[], metavar="SRC:DEST")
    p.add_argument("--entrypoint", action="append")
    p.add_argument("--user", default="0")
    p.add_argument("--out", required=True)
    p = sub.add_parser("kubeadm", help="the seven images kubeadm pulls")
    for n in ("kubernetes", "etcd", "coredns", "pause"):
        p.add_argument(f"--{n}", required=True, help="a build.sh output directory")
    p.add_argument("--etcd-tag", help="default: <etcd version>-0, as kubeadm names it")
    p.add_argument("--root", help="Debian node root file system to take kube-proxy's iptables from")
    p.add_argument("--out", required=True)
    p = sub.add_parser("workloads", help="e2e's agnhost, busybox, glibc-dns-testing, nginx; flannel's")
    for n in ("agnhost", "flannel", "flannel-cni"):
        p.add_argument(f"--{n}", required=True, help="a build.sh output directory")
    p.add_argument("--root", required=True, help="Debian node root file system to take tools from")
    p.add_argument("--out", required=True)
    p = sub.add_parser("verify", help="check image tarballs")
    p.add_argument("files", nargs="+")
    args = ap.parse_args(argv)
    if args.cmd == "image":
        layer = Layer()
        base_files(layer)
        for spec in args.file:
            src, _, dest = spec.partition(":")
            layer.file(src, dest or "/usr/local/bin/" + Path(src).name)
        print(
            args.ref, args.out, build_image(args.ref, layer, Path(args.out), entrypoint=args.entrypoint, user=args.user)
        )
    elif args.cmd == "kubeadm":
        kubeadm_images(args)
    elif args.cmd == "workloads":
        workload_images(args)
    else:
        bad = 0
        for f in args.files:
            r = verify(Path(f))
            bad += bool(r["problems"])
            print(json.dumps(r, indent=1))
        sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
