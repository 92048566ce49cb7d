"""BootstrapToken: a kubeadm bootstrap token (`<id>.<secret>`) made once and kept in state as a secret.

Outputs: token_id, token_secret (secret), expiration (RFC 3339, creation + ttl). A dynamic resource, so a rerun
does not mint a new token; a changed ttl replaces it.
"""

from __future__ import annotations

from typing import Any

import pulumi
from pulumi.dynamic import CreateResult, DiffResult, Resource, ResourceProvider


class BootstrapTokenProvider(ResourceProvider):
    """Inputs: ttl_hours. Outputs: ttl_hours, token_id, token_secret, expiration."""

    def diff(self, _id: str, olds: Any, news: Any) -> DiffResult:
        changed = olds.get("ttl_hours") != news.get("ttl_hours")
        return DiffResult(changes=changed, replaces=["ttl_hours"] if changed else [], delete_before_replace=False)

    def create(self, props: Any) -> CreateResult:
        import datetime
        import secrets

        from components import constants

        def pick(n: int) -> str:
            return "".join(secrets.choice(constants.BOOTSTRAP_TOKEN_ALPHABET) for _ in range(n))

        token_id, token_secret = pick(6), pick(16)
        now = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
        expiration = (now + datetime.timedelta(hours=int(props["ttl_hours"]))).strftime("%Y-%m-%dT%H:%M:%SZ")
        outs = {
            "ttl_hours": props["ttl_hours"],
            "token_id": token_id,
            "token_secret": token_secret,
            "expiration": expiration,
        }
        return CreateResult(token_id, outs)


class BootstrapToken(Resource, module="token", name="BootstrapToken"):
    token_id: pulumi.Output[str]
    token_secret: pulumi.Output[str]
    expiration: pulumi.Output[str]

    def __init__(self, name: str, ttl_hours: int, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__(
            BootstrapTokenProvider(),
            name,
            {"ttl_hours": ttl_hours, "token_id": None, "token_secret": None, "expiration": None},
            pulumi.ResourceOptions.merge(opts, pulumi.ResourceOptions(additional_secret_outputs=["token_secret"])),
        )
