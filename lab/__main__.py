"""Command line of the lab: `python -m lab up|down|status|ssh|load-image|stop-node|start-node`.

Thin wrapper over lab.core so tests and people use the same code paths; every failure
is reported as one clear line naming the node and step, with exit status 1.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from . import core, kubernetes, remote
from .paths import DEFAULT_LAB, LabError, log


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m lab", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)
    name = argparse.ArgumentParser(add_help=False)
    name.add_argument("--name", default=DEFAULT_LAB, help="lab name (default: lab)")
    up = sub.add_parser("up", parents=[name], help="boot N nodes, write the stack config")
    up.add_argument("--nodes", type=int, default=1)
    up.add_argument("--stack-config", help="default: stacks/Pulumi.<LAB>.yaml")
    up.add_argument("--no-stack-config", action="store_true", help="do not write it")
    up.add_argument("--timeout", type=float, default=300.0, help="seconds to wait for boot")
    up.add_argument(
        "--load-balancer",
        action="store_true",
        help="also run the machine lb (the subnet's .10): HAProxy on :6443 in front of every node, written into "
        "the stack config as controlPlaneEndpoint; without it, an lb left from an earlier `up` is removed",
    )
    up.add_argument(
        "--kubernetes",
        default="1.37",
        help="Kubernetes minor whose kubelet/kubeadm/kubectl packages the lab's repository serves and whose runtime "
        "and images the nodes get (1.37, 1.36), or 'none' for plain hosts",
    )
    up.add_argument(
        "--upgrade-to",
        action="append",
        default=[],
        metavar="MINOR",
        help="a later minor (1.37) whose packages the repository serves too and whose images the nodes get, to try "
        "an upgrade on (repeatable)",
    )
    up.add_argument(
        "--cni",
        choices=kubernetes.CNI_CHOICES,
        default=kubernetes.DEFAULT_CNI,
        help="flannel (default): the stack applies flannel's daemonset (`kubeadm:cni: flannel`, written into the "
        "stack config); bridge: the nodes get a static bridge config and pod routes, for clusters without a CNI",
    )
    sub.add_parser("down", parents=[name], help="stop and remove every node of the lab")
    li = sub.add_parser("load-image", parents=[name], help="import image tarballs into every node, as `kind load`")
    li.add_argument("files", nargs="+", metavar="FILE.tar", help="docker save / OCI archive tarballs")
    st = sub.add_parser("status", parents=[name], help="nodes, addresses, running, ssh")
    st.add_argument("--json", action="store_true")
    ssh = sub.add_parser("ssh", parents=[name], help="ssh into a node (or run a command)")
    ssh.add_argument("node", help="node-<i>, <i> or lb")
    ssh.add_argument("cmd", nargs="*", help="command to run (put it after `--`)")
    for verb, text in (
        ("stop-node", "power a node off (keeps its disk)"),
        ("start-node", "boot a stopped node again"),
        ("disconnect-node", "take a running node off the network"),
        ("connect-node", "put a disconnected node back on the network"),
    ):
        sp = sub.add_parser(verb, parents=[name], help=text)
        sp.add_argument("node")
    ip = sub.add_parser(
        "install-packages", parents=[name], help="install kubelet/kubeadm/kubectl from the lab's repository by hand"
    )
    ip.add_argument("nodes", nargs="+", metavar="NODE")
    ip.add_argument("--version", help="a release like v1.37.2 (default: the lab's)")
    sub.add_parser("package-source", parents=[name], help="print the kubeadm:packages setting for this lab (JSON)")
    sub.add_parser("key-path", help="print the lab's private SSH key path")
    return p


def _main(args: argparse.Namespace) -> int:
    t0 = time.monotonic()
    if args.command == "up":
        nodes = core.up(
            args.name,
            args.nodes,
            args.stack_config,
            timeout=args.timeout,
            write_config=not args.no_stack_config,
            kubernetes_minor=None if args.kubernetes == "none" else args.kubernetes,
            load_balancer=args.load_balancer,
            cni=args.cni,
            upgrade_to=args.upgrade_to,
        )
        for n in nodes:
            print(f"{n.name}\t{n.address}")
        if args.load_balancer:
            print(f"lb\t{core.load_balancer_address(args.name)}")
        log(f"lab {args.name!r} up with {len(nodes)} node(s) in {time.monotonic() - t0:.1f}s")
    elif args.command == "load-image":
        for host, refs in core.load_images([Path(f) for f in args.files], args.name).items():
            print(f"{host}\t{' '.join(refs)}")
    elif args.command == "down":
        core.down(args.name)
        log(f"lab {args.name!r} down in {time.monotonic() - t0:.1f}s")
    elif args.command == "status":
        nodes = core.status(args.name)
        if args.json:
            print(json.dumps([n.to_dict() for n in nodes], indent=1))
        elif not nodes:
            print(f"lab {args.name!r} is not up")
        for n in nodes if not args.json else []:
            print(
                f"{n.name}\t{n.address}\t{'running' if n.running else 'stopped'}\t"
                f"ssh {'ok (' + str(n.state) + ')' if n.ssh else 'unreachable'}"
            )
    elif args.command == "ssh":
        cmd = args.cmd
        argv = remote.ssh_argv(
            core.node_address(args.node, args.name), cmd, tty=not cmd and sys.stdin.isatty(), batch=False
        )
        os.execvp(argv[0], argv)
    elif args.command == "stop-node":
        core.stop_node(args.node, args.name)
    elif args.command == "start-node":
        n = core.start_node(args.node, args.name)
        print(f"{n.name}\t{n.address}")
    elif args.command in ("disconnect-node", "connect-node"):
        core.disconnect_node(args.node, args.name, connected=args.command == "connect-node")
    elif args.command == "install-packages":
        for spec in args.nodes:
            print(core.install_packages(spec, args.name, args.version), end="")
    elif args.command == "package-source":
        print(json.dumps(core.package_source(args.name)))
    elif args.command == "key-path":
        print(core.key_path())
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    # Everything after the first `--` is the remote command, whatever options follow NODE.
    remote_cmd = None
    if "--" in argv:
        cut = argv.index("--")
        argv, remote_cmd = argv[:cut], argv[cut + 1 :]
    args = _parser().parse_args(argv)
    if remote_cmd is not None:
        args.cmd = remote_cmd
    try:
        return _main(args)
    except LabError as e:
        print(f"lab: error: {e}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
