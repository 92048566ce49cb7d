"""Keys and certificates as Pulumi resources, so they are made once and kept in state (keys as secrets).

Two dynamic resources: `PrivateKey` and `Certificate`. Any change to what a certificate says (its fields), to its
key or to its signer replaces it with a new certificate, and nothing else is regenerated; a renewal updates it
in place. NotBefore and NotAfter are fixed when a certificate is created and kept in its outputs.

Renewal needs no `pulumi refresh`: the engine checks every resource's inputs on every preview and up, and the
certificate's check reads the clock (components.pki.renewal). One whose NotAfter is less than
`renew_before_seconds` away (or already past) gets a new issue time and NotAfter in its inputs, so it is updated:
reissued with the same key and fields, as `kubeadm certs renew` does, its `renewal` input saying why. Nothing
here needs the cluster, so an expired certificate renews as well.

Provider classes live at module level and import what they need inside their methods: Pulumi pickles them
(with dill) into the state and the provider process loads them from there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pulumi
from pulumi.dynamic import (
    CheckFailure,
    CheckResult,
    CreateResult,
    DiffResult,
    Resource,
    ResourceProvider,
    UpdateResult,
)

from components.pki.renewal import UNKNOWN


class PrivateKeyProvider(ResourceProvider):
    """Inputs: algorithm. Outputs: algorithm, key_pem (secret), public_key_pem."""

    def check(self, _olds: Any, news: Any) -> CheckResult:
        from components import constants

        failures = []
        if news.get("algorithm") not in constants.KEY_ALGORITHMS:
            known = ", ".join(constants.KEY_ALGORITHMS)
            failures.append(CheckFailure("algorithm", f"unknown key algorithm {news.get('algorithm')!r} ({known})"))
        return CheckResult(news, failures)

    def diff(self, _id: str, olds: Any, news: Any) -> DiffResult:
        replaces = ["algorithm"] if olds.get("algorithm") != news.get("algorithm") else []
        return DiffResult(changes=bool(replaces), replaces=replaces, delete_before_replace=False)

    def create(self, props: Any) -> CreateResult:
        import hashlib

        from components.pki import crypto as pki_crypto

        key = pki_crypto.new_private_key(props["algorithm"])
        public = pki_crypto.public_key_pem(key)
        outs = {"algorithm": props["algorithm"], "key_pem": pki_crypto.private_key_pem(key), "public_key_pem": public}
        return CreateResult(hashlib.sha256(public.encode()).hexdigest()[:32], outs)


class CertificateProvider(ResourceProvider):
    """Inputs: fields (CertFields.to_dict()), key_pem, for a leaf ca_cert_pem + ca_key_pem, and renew_before_seconds
    (renew once NotAfter is closer than this; none: never by time).

    Check adds issued_at, not_after and renewal (components.pki.renewal). Outputs: fields, cert_pem,
    public_key_pem (of key_pem), ca_cert_pem, not_before, not_after, serial, issued_at. `renewal` is an input
    only, so a preview (whose outputs are the inputs) shows it once and an up does not repeat it.
    The private keys are read, never echoed into the outputs.
    """

    def check(self, olds: Any, news: Any) -> CheckResult:
        import datetime

        from components.pki import renewal
        from components.pki.crypto import CertFields

        failures = []
        try:
            fields = CertFields.from_dict(news.get("fields") or {})
            if fields.is_ca == bool(news.get("ca_cert_pem")):
                failures.append(CheckFailure("ca_cert_pem", "a CA is self-signed; a leaf needs ca_cert_pem"))
            if bool(news.get("ca_cert_pem")) != bool(news.get("ca_key_pem")):
                failures.append(CheckFailure("ca_key_pem", "ca_cert_pem and ca_key_pem go together"))
        except (TypeError, ValueError) as error:
            failures.append(CheckFailure("fields", str(error)))
        if not news.get("key_pem"):
            failures.append(CheckFailure("key_pem", "a certificate needs its private key"))
        if failures:
            return CheckResult(news, failures)
        issue = renewal.plan(olds or {}, news, datetime.datetime.now(datetime.UTC))
        planned = {"issued_at": issue.issued_at, "not_after": issue.not_after, "renewal": issue.renewal}
        return CheckResult({**news, **planned}, [])

    def diff(self, _id: str, olds: Any, news: Any) -> DiffResult:
        import datetime

        from components.pki import renewal

        replaces = []
        if olds.get("fields") != news.get("fields"):
            replaces.append("fields")
        if _public_key(news.get("key_pem")) != olds.get("public_key_pem"):
            replaces.append("key_pem")
        if (news.get("ca_cert_pem") or "") != (olds.get("ca_cert_pem") or ""):
            replaces.append("ca_cert_pem")
        # A new issue time alone is a renewal planned by check, done in place (an update): a replacement would have
        # the engine check the inputs again without the old ones, and the reason would be lost from the preview.
        # The NotAfter test also renews a certificate made before issue times were planned (its inputs have none).
        renew = (news.get("issued_at") or "") != (olds.get("issued_at") or "") or renewal.due(
            olds.get("not_after"), news.get("renew_before_seconds"), datetime.datetime.now(datetime.UTC)
        )
        return DiffResult(changes=bool(replaces) or renew, replaces=replaces, delete_before_replace=False)

    def update(self, _id: str, _olds: Any, news: Any) -> UpdateResult:
        """A renewal: the same key and fields, a new serial, NotBefore and NotAfter."""
        return UpdateResult(self.create(news).outs)

    def create(self, props: Any) -> CreateResult:
        import datetime

        from components.pki import crypto as pki_crypto

        fields = pki_crypto.CertFields.from_dict(props["fields"])
        key = pki_crypto.load_private_key(props["key_pem"])
        signer = None
        if props.get("ca_cert_pem"):
            signer = (pki_crypto.load_cert(props["ca_cert_pem"]), pki_crypto.load_private_key(props["ca_key_pem"]))
        start = datetime.datetime.fromisoformat(props["issued_at"]) if props.get("issued_at") else None
        cert = pki_crypto.issue(fields, key, start or datetime.datetime.now(datetime.UTC), signer)
        outs = {
            "fields": fields.to_dict(),
            "cert_pem": pki_crypto.cert_pem(cert),
            "public_key_pem": pki_crypto.public_key_pem(key),
            "ca_cert_pem": props.get("ca_cert_pem") or "",
            "not_before": cert.not_valid_before_utc.isoformat(),
            "not_after": cert.not_valid_after_utc.isoformat(),
            "serial": str(cert.serial_number),
            "issued_at": props.get("issued_at") or "",
        }
        return CreateResult(f"{cert.serial_number:x}", outs)


def _public_key(key_pem: Any) -> str | None:
    """The public half of a key PEM; None while the key is unknown (it is being replaced)."""
    from components.pki import crypto as pki_crypto

    if not isinstance(key_pem, str) or not key_pem or key_pem == UNKNOWN:
        return None
    return pki_crypto.public_key_pem(pki_crypto.load_private_key(key_pem))


class PrivateKey(Resource, module="pki", name="PrivateKey"):
    """A private key kept in state as a secret."""

    key_pem: pulumi.Output[str]
    public_key_pem: pulumi.Output[str]

    def __init__(self, name: str, algorithm: str, opts: pulumi.ResourceOptions | None = None) -> None:
        secret = pulumi.ResourceOptions(additional_secret_outputs=["key_pem"])
        props = {"algorithm": algorithm, "key_pem": None, "public_key_pem": None}
        super().__init__(PrivateKeyProvider(), name, props, pulumi.ResourceOptions.merge(opts, secret))


class Certificate(Resource, module="pki", name="Certificate"):
    """A certificate for `key_pem`, self-signed (a CA) or signed by the given CA."""

    cert_pem: pulumi.Output[str]
    not_before: pulumi.Output[str]
    not_after: pulumi.Output[str]
    renewal: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        fields: dict[str, Any],
        key_pem: pulumi.Input[str],
        ca_cert_pem: pulumi.Input[str] | None = None,
        ca_key_pem: pulumi.Input[str] | None = None,
        renew_before_seconds: int | None = None,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        props: dict[str, Any] = {
            "renew_before_seconds": renew_before_seconds,
            "fields": fields,
            "key_pem": pulumi.Output.secret(key_pem),
            "ca_cert_pem": ca_cert_pem,
            "ca_key_pem": pulumi.Output.secret(ca_key_pem) if ca_key_pem is not None else None,
            "cert_pem": None,
            "not_before": None,
            "not_after": None,
            "issued_at": None,
            "renewal": None,
        }
        super().__init__(CertificateProvider(), name, props, opts)


@dataclass(frozen=True)
class KeyAndCert:
    key_pem: pulumi.Output[str]  # secret
    cert_pem: pulumi.Output[str]
    # ISO 8601; None for a signer given from outside (the CA handed to Kubeconfigs).
    not_after: pulumi.Output[str] | None = None
    # The Certificate's URN (what `pulumi up --replace` takes); None as not_after.
    urn: pulumi.Output[str] | None = None


def key_and_cert(
    name: str,
    *,
    fields: dict[str, Any],
    algorithm: str,
    signer: KeyAndCert | None,
    renew_before_seconds: int | None,
    opts: pulumi.ResourceOptions,
) -> KeyAndCert:
    """`<name>-key` and `<name>`: a fresh key and its certificate, signed by `signer` (None: self-signed), renewed
    with the same key once it has less than `renew_before_seconds` left."""
    key = PrivateKey(f"{name}-key", algorithm, opts)
    cert = Certificate(
        name,
        fields=fields,
        key_pem=key.key_pem,
        ca_cert_pem=signer.cert_pem if signer else None,
        ca_key_pem=signer.key_pem if signer else None,
        renew_before_seconds=renew_before_seconds,
        opts=opts,
    )
    # Only a preview sees `renewal` (an input the engine echoes as an output there), so this says it once.
    cert.renewal.apply(lambda reason: pulumi.log.info(reason, resource=cert) if reason else None)
    return KeyAndCert(
        key_pem=pulumi.Output.secret(key.key_pem), cert_pem=cert.cert_pem, not_after=cert.not_after, urn=cert.urn
    )
