"""A deployment's settings: the stage, its identity provider, its alarms.

Read from the CDK context: `cdk deploy -c stage=prod` picks the stage, whose defaults
live in cdk.json under `stages`, and any single setting can be given on the command
line as well (`-c oidc_issuer=https://...`). The values reach the functions as the
KEYWARDEN_* environment variables that chalicelib/config.py reads.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from aws_cdk import RemovalPolicy
from constructs import Node

_STAGE_NAME = re.compile(r"^[a-z][a-z0-9-]{0,19}$")
_SETTINGS = (
    "oidc_issuer",
    "oidc_audience",
    "oidc_jwks_url",
    "admin_group",
    "jwt_issuer",
    "alarm_email",
    "verify_p99_ms",
    "verify_reserved_concurrency",
    "api_rate_limit",
    "api_burst_limit",
    "manage_api_gateway_account",
    "console_oidc_client_id",
    "console_oidc_scope",
    "console_connect_origins",
    "domain_name",
    "certificate_arn",
)


@dataclass(frozen=True)
class StageConfig:
    stage: str
    # People sign in with this OpenID Connect issuer (Cognito, Auth0, Keycloak, ...).
    oidc_issuer: str | None = None
    oidc_audience: str = "keywarden"
    oidc_jwks_url: str | None = None
    admin_group: str = "keywarden-admins"
    # `iss` of the JWT API keys the service signs.
    jwt_issuer: str | None = None
    # Where alarms are mailed (an SNS subscription), if anywhere.
    alarm_email: str | None = None
    # The verification p99 (milliseconds) above which the latency alarm fires.
    verify_p99_ms: int = 250
    # Concurrency set aside for verification, so management traffic cannot starve it.
    verify_reserved_concurrency: int | None = None
    # Steady requests per second and burst the API stage admits (429 beyond).
    api_rate_limit: int = 1000
    api_burst_limit: int = 2000
    # API Gateway's access logs need the account's CloudWatch role, one per account and
    # region: set false where another stack already manages it.
    manage_api_gateway_account: bool = True
    # The web console's OIDC client at `oidc_issuer`: a public client (authorization code with
    # PKCE, no secret) and the scope it asks for.
    console_oidc_client_id: str | None = None
    console_oidc_scope: str = "openid profile"
    # Other origins the console's OIDC client calls besides the issuer's, space-separated
    # (Amazon Cognito: the user pool domain, https://<domain>.auth.<region>.amazoncognito.com).
    console_connect_origins: str = ""
    # The front door's own host name and its ACM certificate (in us-east-1, as CloudFront
    # requires); without them it answers on its *.cloudfront.net name.
    domain_name: str | None = None
    certificate_arn: str | None = None

    def __post_init__(self) -> None:
        if not _STAGE_NAME.match(self.stage) or self.stage == "local":
            raise ValueError(f"stage must be lower-case letters, digits and dashes (not 'local'), not {self.stage!r}")
        if bool(self.domain_name) != bool(self.certificate_arn):
            raise ValueError("domain_name and certificate_arn go together: give both or neither")

    @property
    def is_prod(self) -> bool:
        return self.stage == "prod"

    @property
    def kept(self) -> RemovalPolicy:
        """What becomes of stateful resources when the stack deletes or replaces them: kept in
        prod (but not after a failed first create, which would block the retry with "already
        exists"), destroyed elsewhere."""
        return RemovalPolicy.RETAIN_ON_UPDATE_OR_DELETE if self.is_prod else RemovalPolicy.DESTROY

    @property
    def table_prefix(self) -> str:
        return f"keywarden-{self.stage}"

    @property
    def api_name(self) -> str:
        """The REST API's name, which its CloudWatch metrics are dimensioned by."""
        return f"keywarden-{self.stage}"

    def table_name(self, logical_name: str) -> str:
        return f"{self.table_prefix}-{logical_name}"

    def kms_alias(self, logical_name: str) -> str:
        return f"alias/{self.table_prefix}-{logical_name}"

    @classmethod
    def from_context(cls, node: Node) -> StageConfig:
        stage = str(node.try_get_context("stage") or "dev")
        stages: dict[str, dict[str, Any]] = node.try_get_context("stages") or {}
        values: dict[str, Any] = dict(stages.get(stage, {}))
        for name in _SETTINGS:
            given = node.try_get_context(name)
            if given is not None:
                values[name] = given
        unknown = set(values) - set(_SETTINGS)
        if unknown:
            raise ValueError(f"unknown settings for stage {stage}: {sorted(unknown)}")
        for name in ("verify_p99_ms", "verify_reserved_concurrency", "api_rate_limit", "api_burst_limit"):
            if values.get(name) is not None:
                values[name] = int(values[name])
        if isinstance(values.get("manage_api_gateway_account"), str):
            values["manage_api_gateway_account"] = values["manage_api_gateway_account"].lower() == "true"
        return cls(stage=stage, **values)

    def environment(self) -> dict[str, str]:
        """The functions' KEYWARDEN_* settings (see chalicelib/config.py)."""
        env = {
            "KEYWARDEN_STAGE": self.stage,
            "KEYWARDEN_TABLE_PREFIX": self.table_prefix,
            "KEYWARDEN_OIDC_AUDIENCE": self.oidc_audience,
            "KEYWARDEN_ADMIN_GROUP": self.admin_group,
            "KEYWARDEN_ISSUER": self.jwt_issuer or f"urn:keywarden:{self.stage}",
            # Powertools' names for the request log and the EMF metrics.
            "POWERTOOLS_SERVICE_NAME": "keywarden",
            "POWERTOOLS_METRICS_NAMESPACE": "Keywarden",
        }
        if self.oidc_issuer:
            env["KEYWARDEN_OIDC_ISSUER"] = self.oidc_issuer
        if self.oidc_jwks_url:
            env["KEYWARDEN_OIDC_JWKS_URL"] = self.oidc_jwks_url
        return env
