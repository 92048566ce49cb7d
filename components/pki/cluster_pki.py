"""Certs: kubeadm init's `certs` phase, every key and certificate of the cluster PKI, made once and kept in state.

INPUTS   the stack config: cluster name, control-plane hosts (name, address), networking (service subnet ->
         the API server's service IP, DNS domain), controlPlaneEndpoint, apiServer.certSANs, etcd
         serverCertSANs/peerCertSANs; the key algorithm (RSA-2048 unless told).
OUTPUTS  files under /etc/kubernetes/pki, from `files_for(host)`:
           every control-plane host: ca, front-proxy-ca, etcd/ca (.crt 0644, .key 0600); that host's own
             apiserver, etcd/server, etcd/peer (.crt 0644, .key 0600); the cluster-wide
             apiserver-kubelet-client, front-proxy-client, etcd/healthcheck-client, apiserver-etcd-client
             (.crt 0644, .key 0600); sa.key and sa.pub (0600)
           every worker: ca.crt (0644)
         `ca_cert_pem`, `ca_key_pem` (secret) and `ca_cert_hash` (`sha256:<hex>`) for kubeconfigs and join.
Resources: `<name>-<cert>-key` (PrivateKey) and `<name>-<cert>` (Certificate) per row, with `-<node>` appended
for per-node rows (apiserver, etcd-server, etcd-peer); `<name>-sa` (PrivateKey).
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components import constants
from components.config import ROLE_CONTROL_PLANE, ClusterConfig, Host
from components.pki import cert_specs as pki_specs
from components.pki import crypto as pki_crypto
from components.pki.resources import KeyAndCert, PrivateKey, key_and_cert
from components.remote import HostFile


@dataclass(frozen=True, kw_only=True)
class ClusterPkiArgs:
    config: ClusterConfig
    algorithm: str = constants.DEFAULT_KEY_ALGORITHM


class ClusterPki(pulumi.ComponentResource):
    """The cluster's CAs, leaves and service-account key pair; name it `certs` for kubeadm-like resource names."""

    ca_cert_pem: pulumi.Output[str]
    ca_key_pem: pulumi.Output[str]
    ca_cert_hash: pulumi.Output[str]

    def __init__(self, name: str, args: ClusterPkiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("kubeadm:pki:ClusterPki", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        config = args.config
        first = pki_specs.node_facts(config, config.control_planes[0])

        # Cluster-wide rows once (CAs first, as the table orders them), per-node rows for each control plane.
        self._shared: dict[str, KeyAndCert] = {}
        self._per_node: dict[str, dict[str, KeyAndCert]] = {host.name: {} for host in config.control_planes}
        for spec in pki_specs.CERTS:
            signer = self._shared[spec.ca] if spec.ca else None
            if not spec.per_node:
                self._shared[spec.name] = key_and_cert(
                    f"{name}-{spec.slug}",
                    fields=spec.fields(first, config.certificates).to_dict(),
                    algorithm=args.algorithm,
                    signer=signer,
                    renew_before_seconds=config.certificates.renew_before_seconds,
                    opts=child,
                )
                continue
            for host in config.control_planes:
                self._per_node[host.name][spec.name] = key_and_cert(
                    f"{name}-{spec.slug}-{host.name}",
                    fields=spec.fields(pki_specs.node_facts(config, host), config.certificates).to_dict(),
                    algorithm=args.algorithm,
                    signer=signer,
                    renew_before_seconds=config.certificates.renew_before_seconds,
                    opts=child,
                )
        sa = PrivateKey(f"{name}-{pki_specs.SA.slug}", args.algorithm, child)
        self._sa_key_pem: pulumi.Output[str] = pulumi.Output.secret(sa.key_pem)
        self._sa_pub_pem: pulumi.Output[str] = sa.public_key_pem

        ca = self._shared[pki_specs.CA]
        self.ca_cert_pem = ca.cert_pem
        self.ca_key_pem = ca.key_pem
        self.ca_cert_hash = ca.cert_pem.apply(pki_crypto.ca_cert_hash)
        self.register_outputs(
            {"ca_cert_pem": self.ca_cert_pem, "ca_key_pem": self.ca_key_pem, "ca_cert_hash": self.ca_cert_hash}
        )

    def not_after_for(self, host: Host) -> dict[str, pulumi.Output[str]]:
        """The NotAfter of each certificate `host` holds, by its path (the sa key pair has none)."""
        return {path: _not_after(pair) for path, pair in self._certs_for(host).items()}

    def issuers_for(self, host: Host) -> dict[str, pulumi.Output[str]]:
        """The URN of the Certificate behind each certificate file of `not_after_for(host)`, by its path."""
        return {path: _urn(pair) for path, pair in self._certs_for(host).items()}

    def _certs_for(self, host: Host) -> dict[str, KeyAndCert]:
        """Each certificate `host` holds, by its path: a worker only the cluster CA's."""
        if host.role != ROLE_CONTROL_PLANE:
            return {pki_specs.BY_NAME[pki_specs.CA].cert_path: self._shared[pki_specs.CA]}
        own = self._per_node[host.name]
        return {
            spec.cert_path: own[spec.name] if spec.per_node else self._shared[spec.name] for spec in pki_specs.CERTS
        }

    def files_for(self, host: Host) -> list[HostFile]:
        """The PKI files `host` needs, in table order: (path, content, mode)."""
        if host.role != ROLE_CONTROL_PLANE:
            return [HostFile(pki_specs.BY_NAME[pki_specs.CA].cert_path, self.ca_cert_pem, constants.PUBLIC_FILE_MODE)]
        own = self._per_node[host.name]
        files = []
        for spec in pki_specs.CERTS:
            pair = own[spec.name] if spec.per_node else self._shared[spec.name]
            files.append(HostFile(spec.cert_path, pair.cert_pem, constants.PUBLIC_FILE_MODE))
            files.append(HostFile(spec.key_path, pair.key_pem, constants.PRIVATE_FILE_MODE))
        files.append(HostFile(pki_specs.SA.key_path, self._sa_key_pem, constants.PRIVATE_FILE_MODE))
        files.append(HostFile(pki_specs.SA.pub_path, self._sa_pub_pem, constants.PRIVATE_FILE_MODE))
        return files


def _not_after(pair: KeyAndCert) -> pulumi.Output[str]:
    assert pair.not_after is not None  # every pair here is a Certificate of this component
    return pair.not_after


def _urn(pair: KeyAndCert) -> pulumi.Output[str]:
    assert pair.urn is not None  # as _not_after
    return pair.urn
