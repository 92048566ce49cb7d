"""HostFiles: the files the phases want on one host, each written at its path with its mode.

INPUTS   the host, its SSH connection, a list of (path, content, mode).
OUTPUTS  each file on that host, rewritten in place when its content changes; removed with everything else
         kubeadm writes by the host's reset (Reset) when the host leaves the cluster or the stack is destroyed.
         Resource names are `<host><path>` (e.g. `node-1/etc/kubernetes/pki/ca.crt`), so a preview reads as a
         list of files per host.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import pulumi

from components import remote
from components.config import Host
from components.remote import HostConnection


@dataclass(frozen=True, kw_only=True)
class HostFilesArgs:
    host: Host
    connection: HostConnection
    files: Sequence[remote.HostFile]


class HostFiles(pulumi.ComponentResource):
    """One `remote.file` per file; paths must be unique per host."""

    def __init__(self, name: str, args: HostFilesArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kubeadm:files:HostFiles", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        paths = [f.path for f in args.files]
        duplicates = sorted({p for p in paths if paths.count(p) > 1})
        if duplicates:
            raise ValueError(f"{args.host.name}: more than one component writes {', '.join(duplicates)}")
        self.files = [
            remote.file(
                f"{args.host.name}{f.path}",
                conn=args.connection,
                path=f.path,
                content=f.content,
                mode=f.mode,
                opts=child,
            )
            for f in args.files
        ]
        self.register_outputs({})
