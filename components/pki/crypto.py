"""Keys and certificates with kubeadm's X.509 fields and PEM encodings. Pure: no Pulumi here.

Inputs are plain values (a `CertFields`, a key, the signer's cert and key, a start time), so the only
randomness is in the keys and the serial numbers.
"""

from __future__ import annotations

import datetime
import hashlib
import ipaddress
import secrets
import string
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.name import _ASN1Type
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from components import constants

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey

# Extended key usages by the names the spec tables use.
USAGES = {"server": ExtendedKeyUsageOID.SERVER_AUTH, "client": ExtendedKeyUsageOID.CLIENT_AUTH}

# Characters of an ASN.1 PrintableString; Go writes a name in that type when it can, else as UTF8String.
_PRINTABLE = frozenset(string.ascii_letters + string.digits + " '()+,-./:=?")


@dataclass(frozen=True, kw_only=True)
class CertFields:
    """What one certificate says, rendered from a spec row for one node; JSON-able through `to_dict`."""

    common_name: str
    organizations: tuple[str, ...] = ()
    usages: tuple[str, ...] = ()
    dns_names: tuple[str, ...] = ()
    ip_addresses: tuple[str, ...] = ()
    is_ca: bool = False
    # Whole hours unless the config asks for less (certificateValidityPeriod: 90m).
    validity_hours: int | float = constants.CERT_VALIDITY_HOURS
    # Kubeconfig client certs start when their CA does (kubeadm signs them without a NotBefore of their own).
    not_before_from_ca: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {k: list(v) if isinstance(v, tuple) else v for k, v in asdict(self).items()}

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> CertFields:
        unknown = set(raw) - set(cls.__dataclass_fields__)
        if unknown:
            raise ValueError(f"unknown certificate fields: {', '.join(sorted(unknown))}")
        values: dict[str, Any] = {k: tuple(v) if isinstance(v, list | tuple) else v for k, v in raw.items()}
        fields = cls(**values)
        bad = [u for u in fields.usages if u not in USAGES]
        if bad:
            raise ValueError(f"{fields.common_name}: unknown usages {bad} (known: {', '.join(USAGES)})")
        if fields.is_ca and fields.usages:
            raise ValueError(f"{fields.common_name}: a CA has no extended key usages")
        for ip in fields.ip_addresses:
            ipaddress.ip_address(ip)
        return fields


def hours(seconds: int) -> int | float:
    """A validity in the hours CertFields counts: whole when it is, so a default certificate's fields stay as
    they were before validity came from config (a change of fields reissues the certificate)."""
    return seconds // 3600 if seconds % 3600 == 0 else seconds / 3600


def new_private_key(algorithm: str = constants.DEFAULT_KEY_ALGORITHM) -> PrivateKey:
    """A fresh key for `algorithm` (ClusterConfiguration.encryptionAlgorithm)."""
    if algorithm.startswith("RSA-") and algorithm in constants.KEY_ALGORITHMS:
        return rsa.generate_private_key(public_exponent=65537, key_size=int(algorithm[4:]))
    if algorithm == "ECDSA-P256":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm == "ECDSA-P384":
        return ec.generate_private_key(ec.SECP384R1())
    raise ValueError(f"unknown key algorithm {algorithm!r} (known: {', '.join(constants.KEY_ALGORITHMS)})")


def private_key_pem(key: PrivateKey) -> str:
    """`RSA PRIVATE KEY` (PKCS#1) or `EC PRIVATE KEY` (SEC 1), as kubeadm writes `*.key`."""
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()
    ).decode()


def load_private_key(pem: str) -> PrivateKey:
    key = serialization.load_pem_private_key(pem.encode(), password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError(f"unsupported key type {type(key).__name__}")
    return key


def public_key_pem(key: PrivateKey) -> str:
    """`PUBLIC KEY` (PKIX SubjectPublicKeyInfo), as kubeadm writes `sa.pub`."""
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


def cert_pem(cert: x509.Certificate) -> str:
    """`CERTIFICATE`: this one certificate, no chain."""
    return cert.public_bytes(serialization.Encoding.PEM).decode()


def load_cert(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode())


def ca_cert_hash(pem: str) -> str:
    """`sha256:<hex>` of the CA's SubjectPublicKeyInfo: the `--discovery-token-ca-cert-hash` value."""
    spki = (
        load_cert(pem)
        .public_key()
        .public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    return f"sha256:{hashlib.sha256(spki).hexdigest()}"


def new_serial() -> int:
    """Uniform in [1, 2^63 - 1)."""
    return secrets.randbelow(constants.SERIAL_LIMIT - 1) + 1


def subject_key_id(key: PrivateKey) -> bytes:
    """First 160 bits of SHA-256 over the public key bits: what Go 1.25+ (Kubernetes 1.35+) puts on CA certs."""
    public = key.public_key()
    if isinstance(public, rsa.RSAPublicKey):
        bits = public.public_bytes(serialization.Encoding.DER, serialization.PublicFormat.PKCS1)
    else:
        bits = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return hashlib.sha256(bits).digest()[:20]


def issue(
    fields: CertFields,
    key: PrivateKey,
    start: datetime.datetime,
    signer: tuple[x509.Certificate, PrivateKey] | None = None,
) -> x509.Certificate:
    """A certificate for `key`: self-signed when `signer` is None (a CA), else signed by the (CA cert, CA key)."""
    if fields.is_ca != (signer is None):
        raise ValueError(f"{fields.common_name}: a CA is self-signed and a leaf needs a signer")
    not_before = start - datetime.timedelta(minutes=constants.CERT_BACKDATE_MINUTES)
    if signer is not None and fields.not_before_from_ca:
        not_before = signer[0].not_valid_before_utc
    subject = _name(fields.common_name, fields.organizations)
    builder = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(signer[0].subject if signer else subject)
        .public_key(key.public_key())
        .serial_number(new_serial())
        .not_valid_before(not_before)
        .not_valid_after(start + datetime.timedelta(hours=fields.validity_hours))
        .add_extension(x509.BasicConstraints(ca=fields.is_ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=True,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=fields.is_ca,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
    )
    if fields.usages:
        builder = builder.add_extension(x509.ExtendedKeyUsage([USAGES[u] for u in fields.usages]), critical=False)
    sans: list[x509.GeneralName] = [x509.DNSName(d) for d in fields.dns_names]
    sans += [x509.IPAddress(ipaddress.ip_address(ip)) for ip in fields.ip_addresses]
    if sans:
        builder = builder.add_extension(x509.SubjectAlternativeName(sans), critical=False)
    if signer is None:
        builder = builder.add_extension(x509.SubjectKeyIdentifier(subject_key_id(key)), critical=False)
        signing_key = key
    else:
        ski = signer[0].extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        aki = x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski)
        builder = builder.add_extension(aki, critical=False)
        signing_key = signer[1]
    return builder.sign(signing_key, _digest(signing_key))


def _digest(key: PrivateKey) -> hashes.SHA256 | hashes.SHA384:
    if isinstance(key, ec.EllipticCurvePrivateKey) and key.curve.key_size > 256:
        return hashes.SHA384()
    return hashes.SHA256()


def _name(common_name: str, organizations: tuple[str, ...]) -> x509.Name:
    """Go's order: one RDN holding every O, then the CN; PrintableString where the text allows it."""
    rdns = []
    if organizations:
        rdns.append(x509.RelativeDistinguishedName([_attribute(NameOID.ORGANIZATION_NAME, o) for o in organizations]))
    rdns.append(x509.RelativeDistinguishedName([_attribute(NameOID.COMMON_NAME, common_name)]))
    return x509.Name(rdns)


def _attribute(oid: x509.ObjectIdentifier, value: str) -> x509.NameAttribute:
    kind = _ASN1Type.PrintableString if set(value) <= _PRINTABLE else _ASN1Type.UTF8String
    return x509.NameAttribute(oid, value, _type=kind)
