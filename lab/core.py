"""The lab operations (up, down, status, start/stop one node) as plain functions.

The CLI in __main__.py and the project's tests both call these. A lab is N nodes named
node-1..node-N; node-1 is the control plane in the generated stack config. With a load balancer
(`up --load-balancer`) it also has a machine named lb, which is the stack's control-plane endpoint
(lab/loadbalancer.py); internally it is machine number network.LB. Everything a
lab owns on the machine can be found again from its name alone (pid files, namespaces,
veths, nspawn command lines), which is what lets `up` and `down` repair leftovers.
"""

from __future__ import annotations

import fcntl
import json
import shutil
import subprocess
import sys
import tarfile
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from . import kubernetes, loadbalancer, network, node, packages, remote, repository, rootfs, stackconfig
from .network import LB
from .paths import DEFAULT_LAB, LabError, key_path, lab_dir, labs_dir, log

READY_STATES = ("running", "degraded")
MAX_NODES = 244


@dataclass
class Node:
    name: str
    address: str
    index: int
    running: bool = False
    ssh: bool = False
    state: str | None = None  # `systemctl is-system-running` when ssh answers

    def to_dict(self) -> dict:
        return asdict(self)


def parse_node(spec: str | int) -> int:
    """'node-2', '2' or 2 -> 2; 'lb' -> network.LB (the load balancer)."""
    if spec == node.node_name(LB):
        return LB
    text = str(spec).removeprefix("node-")
    if not text.isdigit() or int(text) < 1:
        raise LabError(f"node {spec!r}: expected node-<i> or <i> with i >= 1, or lb")
    return int(text)


@contextmanager
def _locked(name: str) -> Iterator[None]:
    """One operation per lab at a time (a test and a user's shell may race)."""
    labs_dir().mkdir(parents=True, exist_ok=True)
    with open(labs_dir() / f".{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


def _state_file(name: str) -> Path:
    return lab_dir(name) / "state.json"


def _state(name: str) -> dict:
    try:
        state = json.loads(_state_file(name).read_text())
    except (OSError, ValueError):
        return {}
    return state if isinstance(state, dict) else {}


def node_count(name: str) -> int:
    try:
        return int(_state(name)["nodes"])
    except (KeyError, TypeError, ValueError):
        return 0


def has_load_balancer(name: str) -> bool:
    """True when the lab was last brought up with --load-balancer."""
    return bool(_state(name).get("load_balancer"))


def _known_indices(name: str, net: network.LabNet) -> set[int]:
    """Every node number (LB for the load balancer) that left a trace: folders, namespaces, veths, processes."""
    found = set(range(1, node_count(name) + 1)) | network.stale_node_indices(net)
    if has_load_balancer(name) or node.node_dir(name, LB).exists():
        found.add(LB)
    found |= set(node.find_orphans(name)) | set(node.stray_inits(name))
    if lab_dir(name).exists():
        for d in lab_dir(name).glob("node-*"):
            if d.name[5:].isdigit():
                found.add(int(d.name[5:]))
    return found


def _write_hosts(name: str, net: network.LabNet, n: int, load_balancer: bool = False) -> None:
    """/etc/hosts shared by all nodes (bind-mounted; rewritten in place, same inode)."""
    lines = [
        "127.0.0.1\tlocalhost",
        "::1\tlocalhost ip6-localhost ip6-loopback",
        "ff02::1\tip6-allnodes",
        "ff02::2\tip6-allrouters",
    ]
    machines = ([LB] if load_balancer else []) + list(range(1, n + 1))
    lines += [f"{net.address(i)}\t{node.node_name(i)}" for i in machines]
    text = "\n".join(lines) + "\n"
    path = lab_dir(name) / "hosts"
    if not path.exists() or path.read_text() != text:
        with open(path, "w") as f:
            f.write(text)


def _remove_node(name: str, net: network.LabNet, i: int) -> None:
    node.stop(name, i)
    network.remove_node_link(net, i)
    shutil.rmtree(node.node_dir(name, i), ignore_errors=True)


def _boot(name: str, net: network.LabNet, i: int, root: Path, release: kubernetes.Release | None) -> None:
    """Start node i unless it runs; adopt an nspawn whose pid file was lost."""
    if node.is_running(name, i):
        if network.link_exists(net.veth(i)):
            network.ensure_attached(net, i)
            return
        log(f"{node.node_name(i)}: running without its network, restarting it")
        node.stop(name, i)
    orphan = node.find_orphans(name).get(i)
    if orphan is not None:
        node.adopt(name, i, orphan)
        if network.node_link_ok(net, i):
            return
        node.stop(name, i)
    network.ensure_node_link(net, i)
    log(f"{node.node_name(i)}: booting at {net.address(i)}")
    node.start(net, i, root, release)


def wait_ready(
    name: str, indices: list[int], timeout: float = 300.0, reboot: Callable[[int], object] | None = None
) -> dict[int, str]:
    """Until every node's sshd answers and systemd is running/degraded, else LabError. A node whose nspawn exits
    during boot is booted again (up to twice) through `reboot`: nodes booting side by side now and then lose a
    race on the machine's cgroup hierarchies and exit at once with an empty log."""
    net = network.lab_net(name)
    pending: set[int] = set(indices)
    states: dict[int, str | None] = {}
    retries = dict.fromkeys(indices, 2 if reboot else 0)
    deadline = time.monotonic() + timeout
    while pending:
        for i in sorted(pending):
            if not node.is_running(name, i):
                if retries[i] > 0 and reboot is not None:
                    retries[i] -= 1
                    tail = node.log_tail(name, i, lines=3).strip().replace("\n", " | ") or "no output"
                    log(f"{node.node_name(i)}: systemd-nspawn exited during boot ({tail}), booting it again")
                    node.stop(name, i)
                    reboot(i)
                    continue
                raise LabError(
                    f"{node.node_name(i)}: systemd-nspawn exited during boot; log tail:\n{node.log_tail(name, i)}"
                )
            states[i] = remote.system_state(net.address(i))
            if states[i] in READY_STATES:
                pending.discard(i)
        if not pending:
            break
        if time.monotonic() > deadline:
            i = min(pending)
            state = states.get(i)
            seen = f"ssh answers, system is {state}" if state else "ssh does not answer"
            raise LabError(
                f"{node.node_name(i)} ({net.address(i)}): not ready after {timeout:.0f}s "
                f"({seen}); log: {node.node_dir(name, i) / 'nspawn.log'}"
            )
        time.sleep(1)
    return {i: str(states[i]) for i in indices}


# Each booted machine (systemd, journald, udev, containerd, the kubelet) holds about this many inotify instances
# of the machine's per-user budget, which is shared by every lab.
INOTIFY_INSTANCES_PER_MACHINE = 24
INOTIFY_SYSCTL = Path("/proc/sys/fs/inotify/max_user_instances")


def ensure_inotify_instances(machines: int, sysctl: Path = INOTIFY_SYSCTL) -> None:
    """Raise fs.inotify.max_user_instances when `machines` more would run out of it (kind asks the same of its
    users); systemd in a machine that runs out fails with "Too many open files". Never lowers it."""
    current = int(sysctl.read_text())
    # Room for the machine itself and for other labs already running, plus what these machines take.
    wanted = 512 + machines * INOTIFY_INSTANCES_PER_MACHINE
    if current < wanted:
        log(f"raising fs.inotify.max_user_instances from {current} to {wanted} for {machines} more machines")
        sysctl.write_text(f"{wanted}\n")


def up(
    name: str = DEFAULT_LAB,
    nodes: int = 1,
    stack_config: Path | str | None = None,
    timeout: float = 300.0,
    write_config: bool = True,
    kubernetes_minor: str | None = kubernetes.DEFAULT_MINOR,
    load_balancer: bool = False,
    cni: str = kubernetes.DEFAULT_CNI,
    upgrade_to: Sequence[str] = (),
) -> list[Node]:
    """Bring the lab to exactly `nodes` running nodes and write the stack config. With `kubernetes_minor` (the
    default) every node has that release's kubelet, kubeadm, kubectl, container runtime and images; None gives
    plain hosts. With `load_balancer` the lab also runs the machine lb (load_balancer_address()), HAProxy in
    front of port 6443 of every node, and the stack config gets it as controlPlaneEndpoint; without it, an lb
    left from an earlier `up` is removed. `upgrade_to`: more minors (1.37) whose packages the lab's repository
    serves too and whose images every node gets, for clusters upgraded to them. The list returned holds the nodes
    only (node-1 first), never lb."""
    if not 1 <= nodes <= MAX_NODES:
        raise LabError(f"--nodes must be between 1 and {MAX_NODES}")
    net = network.lab_net(name)
    rootfs.ensure_host_tools()
    ensure_inotify_instances(nodes + int(load_balancer))
    root = rootfs.ensure_rootfs()
    remote.ensure_key()
    release = kubernetes.build(kubernetes_minor, cni) if kubernetes_minor else None
    later = [kubernetes.build(minor, cni) for minor in upgrade_to] if release is not None else []
    with _locked(name):
        # Running nodes keep the network they booted with: switching CNI means new nodes (labs from before the
        # choice existed ran the bridge).
        running = [i for i in _known_indices(name, net) if i != LB and node.is_running(name, i)]
        was = _state(name).get("cni", "bridge") if _state_file(name).exists() else cni
        if release is not None and running and was != cni:
            raise LabError(
                f"lab {name!r} runs with --cni {was}; bring it down first (`make lab-down`, or "
                f"`python -m lab down --name {name}`) to boot it with --cni {cni}, or pass --cni {was}"
            )
        lab_dir(name).mkdir(parents=True, exist_ok=True)
        for i in sorted(_known_indices(name, net)):
            if i > nodes:
                log(f"node-{i}: removing (lab now has {nodes} nodes)")
                _remove_node(name, net, i)
            elif i == LB and not load_balancer:
                log("lb: removing (lab brought up without --load-balancer)")
                _remove_node(name, net, i)
        _write_hosts(name, net, nodes, load_balancer)
        network.ensure_bridge(net)
        if release is not None:
            # The nodes install kubelet, kubeadm and kubectl from the lab's repository, as a site's from its mirror.
            repository.publish(
                name,
                {
                    r.minor: packages.build_repository(r.minor, r.version, r.unit("kubernetes") / "bin")
                    for r in [release, *later]
                },
            )
            repository.serve(name, net)
        machines = list(range(1, nodes + 1)) + ([LB] if load_balancer else [])
        for i in machines:
            _boot(name, net, i, root, None if i == LB else release)
        state = {
            "nodes": nodes,
            "subnet": net.index,
            "kubernetes": kubernetes_minor,
            # The release the lab's repository serves (lab.install_packages installs it).
            "version": release.version if release is not None else None,
            "load_balancer": load_balancer,
            "cni": cni,
        }
        _state_file(name).write_text(json.dumps(state) + "\n")
        states = wait_ready(
            name, machines, timeout, reboot=lambda i: node.start(net, i, root, None if i == LB else release)
        )
        if load_balancer:
            backends = [(node.node_name(i), net.address(i)) for i in range(1, nodes + 1)]
            if loadbalancer.configure(net.address(LB), backends):
                log(f"lb: haproxy at {loadbalancer.endpoint(net.address(LB))} balances {nodes} node(s)")
        if release is not None:
            addresses = {i: net.address(i) for i in range(1, nodes + 1)}
            for i in addresses if cni == "bridge" else ():
                kubernetes.route_pod_ranges(net.netns(i), i, addresses)
            with ThreadPoolExecutor(max_workers=4) as pool:
                for done in [
                    pool.submit(preload, node.node_name(i), addresses[i], [release, *later]) for i in addresses
                ]:
                    done.result()
    result = [Node(node.node_name(i), net.address(i), i, True, True, states[i]) for i in range(1, nodes + 1)]
    if write_config:
        path = Path(stack_config) if stack_config else stackconfig.default_path(name)
        lb_endpoint = loadbalancer.endpoint(net.address(LB))
        endpoint = lb_endpoint if load_balancer else None
        hosts = [(n.name, n.address) for n in result]
        apt = (repository.url(net), packages.public_key_path()) if release else None
        if stackconfig.write(path, hosts, key_path(), endpoint, lb_endpoint, cni if release else "none", apt):
            log(f"wrote {path}")
    return result


def preload(node_name: str, address: str, releases: Sequence[kubernetes.Release]) -> None:
    for release in releases:
        kubernetes.preload_images(node_name, address, release)


def down(name: str = DEFAULT_LAB) -> None:
    """Stop every node and remove all the lab put on the machine but the rootfs and key."""
    if not network.is_known(name):
        return  # never brought up: nothing of it can exist on the machine
    net = network.lab_net(name)
    with _locked(name):
        for i in sorted(_known_indices(name, net)):
            log(f"{node.node_name(i)}: stopping")
            _remove_node(name, net, i)
        repository.stop(name)
        network.remove_bridge(net)
        shutil.rmtree(lab_dir(name), ignore_errors=True)


def status(name: str = DEFAULT_LAB) -> list[Node]:
    """Every node of the lab with its address, whether nspawn runs and ssh answers; the load balancer last."""
    if node_count(name) == 0:
        return []
    net = network.lab_net(name)
    result, orphans = [], node.find_orphans(name)
    for i in list(range(1, node_count(name) + 1)) + ([LB] if has_load_balancer(name) else []):
        running = node.is_running(name, i) or i in orphans
        state = remote.system_state(net.address(i)) if running else None
        result.append(Node(node.node_name(i), net.address(i), i, running, state is not None, state))
    return result


def stop_node(spec: str | int, name: str = DEFAULT_LAB) -> None:
    """Power node off (its disk, i.e. its overlay upper dir, is kept for start_node)."""
    i = parse_node(spec)
    with _locked(name):
        node.stop(name, i)


def start_node(spec: str | int, name: str = DEFAULT_LAB, timeout: float = 300.0) -> Node:
    """Boot a stopped node (or lb) of an existing lab again, with its previous disk."""
    i = parse_node(spec)
    if i > node_count(name):
        raise LabError(f"node-{i}: lab {name!r} has {node_count(name)} nodes; use `up`")
    if i == LB and not has_load_balancer(name):
        raise LabError(f"lb: lab {name!r} has no load balancer; use `up --load-balancer`")
    net = network.lab_net(name)
    minor, cni = _state(name).get("kubernetes"), _state(name).get("cni", "bridge")
    release = kubernetes.build(minor, cni) if minor and i != LB else None
    with _locked(name):
        network.ensure_bridge(net)
        root = rootfs.ensure_rootfs()
        _boot(name, net, i, root, release)
        state = wait_ready(name, [i], timeout, reboot=lambda j: node.start(net, j, root, release))[i]
        if release is not None and cni == "bridge":  # never for lb
            addresses = {j: net.address(j) for j in range(1, node_count(name) + 1)}
            kubernetes.route_pod_ranges(net.netns(i), i, addresses)
    return Node(node.node_name(i), net.address(i), i, True, True, state)


def load_images(files: list[Path], name: str = DEFAULT_LAB) -> dict[str, list[str]]:
    """Import image archives into every running node of the lab, as `kind load image-archive` does: node name ->
    the image names imported. Every file is checked before any node is touched."""
    for f in files:
        if not f.is_file() or not tarfile.is_tarfile(f):
            raise LabError(f"{f}: not an image archive (a tar from `docker save`, `podman save` or an OCI layout)")
    nodes = [n for n in status(name) if n.ssh and n.name != "lb"]
    if not nodes:
        raise LabError(f"lab {name!r} has no running node; `python -m lab up --name {name}` first")
    imported: dict[str, list[str]] = {}
    for n in nodes:
        for f in files:
            imported.setdefault(n.name, []).extend(kubernetes.import_image(n.name, n.address, f))
    return imported


def disconnect_node(spec: str | int, name: str = DEFAULT_LAB, connected: bool = False) -> None:
    """Cut (connected=False) or restore node's network link; the node keeps running."""
    network.set_node_link(network.lab_net(name), parse_node(spec), up=connected)


def node_address(spec: str | int, name: str = DEFAULT_LAB) -> str:
    return network.lab_net(name).address(parse_node(spec))


def package_source(name: str = DEFAULT_LAB) -> dict[str, str]:
    """`kubeadm:packages` for a stack on this lab's nodes: the lab's repository (served while the lab is up) and its
    key. The same for every up of the lab, whether or not it runs."""
    return {"repository": repository.url(network.lab_net(name)), "signingKeyFile": str(packages.public_key_path())}


def install_packages(spec: str | int, name: str = DEFAULT_LAB, version: str | None = None) -> str:
    """Install kubelet, kubeadm and kubectl from the lab's repository on one node by hand, as an operator following
    Kubernetes' install docs does (for kubeadm run without the program: benchmarks, kubeadm's own tools); `version`
    defaults to the lab's release. Returns what the install printed."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    from components.config.packages import Packages
    from components.node import scripts  # the same apt steps the program's packages phase runs

    version = version or _state(name).get("version")
    if not version:
        raise LabError(f"lab {name!r} serves no Kubernetes packages (brought up without a release)")
    source = package_source(name)
    url = Packages(repository=source["repository"]).source(version)
    text = scripts.packages(node.node_name(parse_node(spec)), url, Path(source["signingKeyFile"]).read_text(), version)
    result = subprocess.run(
        remote.ssh_argv(node_address(spec, name), ["sh"]), input=text, capture_output=True, text=True, timeout=600
    )
    if result.returncode != 0:
        raise LabError(f"{node.node_name(parse_node(spec))}: installing packages failed: {result.stderr.strip()}")
    return result.stdout


def load_balancer_address(name: str = DEFAULT_LAB) -> str:
    """Address of the lab's load balancer (the subnet's .10); its HAProxy listens on port 6443. The address is
    fixed per lab, so it is returned whether or not the lab runs one (see has_load_balancer)."""
    return network.lab_net(name).address(LB)
