"""The shared, read-only Debian bookworm root file system every lab node boots from.

Built once with debootstrap (it takes about a minute) and cached under
${CACHE}/rootfs/<RECIPE>; nodes share it copy-on-write through nspawn's --overlay, so a
node costs only its own changes. Bump RECIPE_VERSION whenever the package list or the
image tweaks below change: a new folder is built and the old one is left to be deleted.
The build happens in a temporary folder renamed into place at the end, so an interrupted
build never looks complete.
"""

from __future__ import annotations

import fcntl
import glob
import hashlib
import os
import re
import shutil
from pathlib import Path

from .paths import LabError, cache_dir, log, run

SUITE = "bookworm"
RECIPE_VERSION = 8
# Installed by debootstrap itself (known to resolve fine with --variant=minbase).
BASE_PACKAGES = ["systemd", "systemd-sysv", "dbus", "openssh-server", "iproute2", "ca-certificates"]
# Installed afterwards with apt-get inside the chroot (alternatives, postinst scripts).
EXTRA_PACKAGES = [
    "iptables",
    "kmod",
    "procps",
    "util-linux",
    "mount",
    "containerd",
    "runc",
    "conntrack",
    "ebtables",
    "ethtool",
    "socat",
    "busybox-static",
    "iputils-ping",
    "curl",  # etcd's member API on control planes, HTTP probes in tests; also copied into the agnhost image
    "bind9-dnsutils",  # dig and nslookup for the e2e suite's agnhost and glibc-dns-testing images (images.py)
    "netcat-openbsd",  # the nc of upstream's agnhost image (e2e's Service checks run `nc -v -t -w 2`)
    "haproxy",  # the load balancer machine's (`up --load-balancer`); disabled everywhere else, see DISABLED
    "nginx",  # only for the e2e suite's nginx image (images.py); never runs on a node, see DISABLED
]
HOST_TOOLS = {"debootstrap": "debootstrap", "systemd-nspawn": "systemd-container"}

# nspawn mounts the cgroup v1 controllers read-only inside the node; runc (and later the
# kubelet) must create cgroups, and `mount -o remount,rw` is refused ("busy"), so each
# read-only cgroup mount is replaced by a fresh rw mount of the same hierarchy.
CGROUP_RW_SCRIPT = """#!/bin/sh
# Installed by kubeadm-pulumi's lab: make the cgroup v1 hierarchies writable in the node.
mount -o remount,rw /sys/fs/cgroup 2>/dev/null || true
mounts=$(grep ' cgroup ro,' /proc/self/mounts)
echo "$mounts" | while read -r src mp fstype opts rest; do
  [ "$fstype" = cgroup ] || continue
  sub=$(echo "$opts" | tr , '\\n' | grep -v -x -E 'ro|rw|nosuid|nodev|noexec|relatime|noatime' | paste -sd, -)
  # A hierarchy can be busy for a moment while systemd sets up its own cgroups: try again before giving up
  # (a controller left read-only stops the kubelet for good: "failed to update top level QOS cgroup").
  for attempt in 1 2 3 4 5 6 7 8 9 10; do
    if umount "$mp" && mount -t cgroup -o "$sub" cgroup "$mp"; then
      echo "lab-cgroup-rw: $mp now rw ($sub)"
      break
    fi
    [ "$attempt" = 10 ] && echo "lab-cgroup-rw: could not remount $mp" >&2
    sleep 0.5
  done
done
exit 0
"""

UNITS = {
    "lab-cgroup-rw.service": """[Unit]
Description=Remount cgroup v1 controllers read-write (lab node)
Before=containerd.service kubelet.service
After=local-fs.target

[Service]
Type=oneshot
RemainAfterExit=yes
ExecStart=/usr/local/sbin/lab-cgroup-rw

[Install]
WantedBy=multi-user.target
""",
    "lab-ssh-hostkeys.service": """[Unit]
Description=Generate per-node SSH host keys (lab node)
Before=ssh.service
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=multi-user.target ssh.service
""",
}

DROPINS = {
    "containerd.service.d/lab.conf": "[Unit]\nWants=lab-cgroup-rw.service\nAfter=lab-cgroup-rw.service\n",
    "ssh.service.d/lab.conf": "[Unit]\nWants=lab-ssh-hostkeys.service\nAfter=lab-ssh-hostkeys.service\n",
}
# Units that only burn CPU or fail inside a container.
MASKED = [
    "apt-daily.timer",
    "apt-daily-upgrade.timer",
    "e2scrub_all.timer",
    "fstrim.timer",
    "swap.target",
    "systemd-networkd-wait-online.service",
]

# Units their packages enable but only some machines run: the lab enables them where needed (the load balancer
# enables haproxy.service; elsewhere Debian's stock config would run an idle haproxy on every node).
DISABLED = ["haproxy.service", "nginx.service"]


def recipe_id() -> str:
    """Folder name of the current recipe: suite, version and a hash of the package lists."""
    digest = hashlib.sha256(" ".join(BASE_PACKAGES + EXTRA_PACKAGES).encode()).hexdigest()[:8]
    return f"{SUITE}-v{RECIPE_VERSION}-{digest}"


def rootfs_path() -> Path:
    return cache_dir() / "rootfs" / recipe_id()


def ensure_host_tools() -> None:
    """Install debootstrap and systemd-nspawn on the machine when missing (fresh machines)."""
    missing = sorted({pkg for tool, pkg in HOST_TOOLS.items() if not shutil.which(tool)})
    if not missing:
        return
    log(f"installing host packages {missing} with apt-get")
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    run(["apt-get", "update"], "host tools: apt-get update", env=env)
    run(["apt-get", "install", "-y", *missing], "host tools: apt-get install", env=env)


def mirror_url() -> str:
    """The Debian mirror the machine itself uses (deb822 .sources or one-line .list)."""
    files = [
        "/etc/apt/sources.list",
        *sorted(glob.glob("/etc/apt/sources.list.d/*.list")),
        *sorted(glob.glob("/etc/apt/sources.list.d/*.sources")),
    ]
    for name in files:
        try:
            text = Path(name).read_text()
        except OSError:
            continue
        if name.endswith(".sources"):
            for block in re.split(r"\n\s*\n", text):
                fields = {}
                for line in block.splitlines():
                    if line.startswith("#") or ":" not in line or line[:1].isspace():
                        continue
                    key, _, value = line.partition(":")
                    fields[key.strip().lower()] = value.split()
                if "deb" in fields.get("types", []) and SUITE in fields.get("suites", []) and fields.get("uris"):
                    return fields["uris"][0]
        else:
            for line in text.splitlines():
                parts = re.sub(r"\[[^]]*\]", " ", line).split()
                if len(parts) >= 3 and parts[0] == "deb" and parts[2] == SUITE:
                    return parts[1]
    raise LabError(f"rootfs: no '{SUITE}' deb source found in the machine's apt sources")


def _configure(root: Path) -> None:
    """Image tweaks: no shared identity (machine-id, host keys), lab units, masks."""
    (root / "etc/machine-id").write_text("")
    for key in root.glob("etc/ssh/ssh_host_*"):
        key.unlink()
    ssh_dir = root / "root/.ssh"
    ssh_dir.mkdir(mode=0o700, exist_ok=True)
    (ssh_dir / "authorized_keys").touch(mode=0o600)  # bind-mount target for the lab key
    # sshd keeps Debian's stock configuration (AcceptEnv LANG LC_*, MaxStartups 10:30:100, root by key only), as
    # on a site's hosts: the program and its tests must work with what users' hosts run.
    script = root / "usr/local/sbin/lab-cgroup-rw"
    script.write_text(CGROUP_RW_SCRIPT)
    script.chmod(0o755)
    units = root / "etc/systemd/system"
    for name, text in UNITS.items():
        (units / name).write_text(text)
        for target in re.findall(r"WantedBy=(.*)", text)[0].split():
            wants = units / f"{target}.wants"
            wants.mkdir(exist_ok=True)
            link = wants / name
            if not link.is_symlink():
                link.symlink_to(f"/etc/systemd/system/{name}")
    for rel, text in DROPINS.items():
        (units / rel).parent.mkdir(parents=True, exist_ok=True)
        (units / rel).write_text(text)
    for name in DISABLED:
        for wants in units.glob("*.wants"):
            if (wants / name).is_symlink():  # glob() skips it: its target exists inside the root only
                (wants / name).unlink()
    for name in MASKED:
        link = units / name
        if link.is_symlink() or link.exists():
            link.unlink()
        link.symlink_to("/dev/null")
    (root / "etc/fstab").write_text("# lab node: no swap, root is an nspawn overlay\n")
    # What an operator sets before kubeadm (its preflight requires IPv4 forwarding); net.* is per network
    # namespace, so each node's systemd-sysctl applies it to the node alone.
    (root / "etc/sysctl.d/99-kubernetes.conf").write_text("net.ipv4.ip_forward = 1\n")
    (root / "etc/lab-rootfs").write_text(recipe_id() + "\n")


def build(dest: Path) -> None:
    """debootstrap + apt-get install + configure into a temp dir, then rename to `dest`."""
    ensure_host_tools()
    dest.parent.mkdir(parents=True, exist_ok=True)
    for stale in dest.parent.glob(f".{dest.name}.tmp-*"):
        log(f"rootfs: removing interrupted build {stale}")
        shutil.rmtree(stale, ignore_errors=True)
    tmp = dest.parent / f".{dest.name}.tmp-{os.getpid()}"
    mirror = mirror_url()
    log(f"rootfs: debootstrap {SUITE} from {mirror} into {tmp} (about a minute)")
    run(
        ["debootstrap", "--variant=minbase", f"--include={','.join(BASE_PACKAGES)}", SUITE, str(tmp), mirror],
        "rootfs: debootstrap",
    )
    policy = tmp / "usr/sbin/policy-rc.d"
    policy.write_text("#!/bin/sh\nexit 101\n")  # do not start services inside the chroot
    policy.chmod(0o755)
    log(f"rootfs: apt-get install {' '.join(EXTRA_PACKAGES)}")
    script = (
        "mount -t proc proc /proc && apt-get update -q && "
        "DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "
        '"$@" && apt-get clean'
    )
    run(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "chroot",
            str(tmp),
            "sh",
            "-c",
            script,
            "sh",
            *EXTRA_PACKAGES,
        ],
        "rootfs: apt-get install in chroot",
    )
    policy.unlink()
    _configure(tmp)
    os.rename(tmp, dest)
    log(f"rootfs: ready at {dest}")


def ensure_rootfs() -> Path:
    """Return the cached root file system, building it first if this recipe is missing."""
    dest = rootfs_path()
    if (dest / "etc/lab-rootfs").is_file():
        return dest
    dest.parent.mkdir(parents=True, exist_ok=True)
    with open(dest.parent / ".build.lock", "w") as lock:  # two labs coming up at once
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (dest / "etc/lab-rootfs").is_file():
            build(dest)
    return dest
