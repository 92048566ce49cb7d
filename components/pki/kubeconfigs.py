"""Kubeconfig: kubeadm init's `kubeconfig` phase, a client certificate and a kubeconfig file per table row.

INPUTS   the stack config (cluster name, control-plane hosts, controlPlaneEndpoint), the cluster CA's cert and
         key (from ClusterPki), the key algorithm.
OUTPUTS  files under /etc/kubernetes (all 0600), from `files_for(host)`:
           every control-plane host: admin.conf (server = the control-plane endpoint, else the first
             control plane), and its own kubelet.conf, controller-manager.conf, scheduler.conf (server =
             that host's own API server)
           the first control-plane host only: super-admin.conf
           workers: none (their kubelet.conf comes from TLS bootstrap)
         `admin_kubeconfig`: the text of admin.conf (secret), for a stack output.
Resources: `<name>-<file>-key` (PrivateKey) and `<name>-<file>` (Certificate), `-<node>` appended for per-node
files: `kubeconfig-admin`, `kubeconfig-super-admin`, `kubeconfig-kubelet-<node>`, ...
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components import constants
from components.config import ClusterConfig, Host
from components.pki import kubeconfig_specs
from components.pki.kubeconfig_specs import KubeconfigSpec, KubeconfigValues
from components.pki.resources import KeyAndCert, key_and_cert
from components.remote import HostFile

# What issuing one kubeconfig gives: its text (secret) and the client key and certificate it embeds.
Issued = tuple[pulumi.Output[str], KeyAndCert]


@dataclass(frozen=True, kw_only=True)
class KubeconfigsArgs:
    config: ClusterConfig
    ca_cert_pem: pulumi.Input[str]
    ca_key_pem: pulumi.Input[str]
    algorithm: str = constants.DEFAULT_KEY_ALGORITHM


class Kubeconfigs(pulumi.ComponentResource):
    """The kubeconfig files of the control-plane hosts; name it `kubeconfig` for kubeadm-like resource names."""

    admin_kubeconfig: pulumi.Output[str]

    def __init__(self, name: str, args: KubeconfigsArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kubeadm:kubeconfig:Kubeconfigs", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        config = args.config
        ca_cert_pem = pulumi.Output.from_input(args.ca_cert_pem)
        ca = KeyAndCert(key_pem=pulumi.Output.secret(args.ca_key_pem), cert_pem=ca_cert_pem)
        first = config.control_planes[0]

        self._files: dict[str, list[HostFile]] = {host.name: [] for host in config.control_planes}
        self._clients: dict[str, dict[str, KeyAndCert]] = {host.name: {} for host in config.control_planes}
        shared: dict[str, Issued] = {}
        for spec in kubeconfig_specs.KUBECONFIGS:
            if spec.per_node:
                for host in config.control_planes:
                    issued = self._issue(f"{name}-{spec.slug}-{host.name}", spec, host, args, ca, child)
                    self._place(host, spec, issued)
                continue
            shared[spec.file] = self._issue(f"{name}-{spec.slug}", spec, first, args, ca, child)
            for host in (first,) if spec.first_node_only else config.control_planes:
                self._place(host, spec, shared[spec.file])

        self.admin_kubeconfig = shared[constants.ADMIN_KUBECONFIG][0]
        self.register_outputs({"admin_kubeconfig": self.admin_kubeconfig})

    def _place(self, host: Host, spec: KubeconfigSpec, issued: Issued) -> None:
        self._files[host.name].append(HostFile(spec.path, issued[0], constants.PRIVATE_FILE_MODE))
        self._clients[host.name][spec.path] = issued[1]

    @staticmethod
    def _issue(
        name: str,
        spec: KubeconfigSpec,
        host: Host,
        args: KubeconfigsArgs,
        ca: KeyAndCert,
        opts: pulumi.ResourceOptions,
    ) -> Issued:
        """A client key and certificate for `spec` on `host`, and the kubeconfig text (secret) that embeds them."""
        lifetimes = args.config.certificates
        client = key_and_cert(
            name,
            fields=spec.fields(host.name, lifetimes).to_dict(),
            algorithm=args.algorithm,
            signer=ca,
            renew_before_seconds=lifetimes.renew_before_seconds,
            opts=opts,
        )
        server = kubeconfig_specs.server_url(
            spec, advertise_address=host.address, control_plane_endpoint=args.config.control_plane_endpoint
        )
        pems: pulumi.Output[list[str]] = pulumi.Output.all(ca.cert_pem, client.cert_pem, client.key_pem)
        text = pems.apply(
            lambda pems: kubeconfig_specs.render(
                KubeconfigValues(
                    cluster_name=args.config.cluster_name,
                    server=server,
                    user=spec.user(host.name),
                    ca_cert_pem=pems[0],
                    client_cert_pem=pems[1],
                    client_key_pem=pems[2],
                )
            )
        )
        return pulumi.Output.secret(text), client

    def not_after_for(self, host: Host) -> dict[str, pulumi.Output[str]]:
        """The NotAfter of the client certificate in each kubeconfig `host` holds, by its path."""
        return {path: _known(c.not_after) for path, c in self._clients.get(host.name, {}).items()}

    def issuers_for(self, host: Host) -> dict[str, pulumi.Output[str]]:
        """The URN of the Certificate embedded in each kubeconfig `host` holds, by its path."""
        return {path: _known(c.urn) for path, c in self._clients.get(host.name, {}).items()}

    def files_for(self, host: Host) -> list[HostFile]:
        """The kubeconfig files `host` needs, in table order: (path, content, mode)."""
        return list(self._files.get(host.name, []))


def _known(value: pulumi.Output[str] | None) -> pulumi.Output[str]:
    assert value is not None  # every client here is a Certificate of this component
    return value
