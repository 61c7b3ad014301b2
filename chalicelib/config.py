"""Settings, read from the environment at first use and never at import.

`chalice package` and `cdk synth` import the app with no environment at all, and
chalice's test client patches a stage's environment variables only while a call
runs, so nothing here may be evaluated while modules load. Call `get_settings()`
where a value is needed; tests call `reset_settings()` after changing the
environment.
"""

from __future__ import annotations

import os
import re
from functools import lru_cache
from urllib.parse import urlsplit

from msgspec import Struct

from chalicelib.errors import ConfigError
from chalicelib.resets import on_reset

LOCAL_STAGE = "local"


class Settings(Struct, frozen=True):
    """Every knob of the service, as one immutable value."""

    stage: str
    region: str
    table_prefix: str
    dynamodb_endpoint: str | None
    kms_endpoint: str | None
    oidc_issuer: str | None
    oidc_audience: str
    oidc_jwks_url: str | None
    oidc_algorithms: tuple[str, ...]
    admin_group: str
    step_up_max_age: int
    cache_ttl: float
    # `iss` of JWT keys.
    issuer: str
    # How long resource servers may cache /.well-known/jwks.json; a new signing key is
    # published this long before it signs.
    jwks_max_age: int
    # Seconds between a webhook delivery's attempts: its length is the number of retries.
    webhook_retry_schedule: tuple[float, ...]
    # `buffered` (counts written at least once a second) or `sync` (before each answer).
    usage_mode: str
    # Seconds between the local stack's usage rollups (deployed: every 5 minutes).
    rollup_interval: float
    # Where GitHub publishes the keys that sign its secret scanning alerts (POST /v1/leaks/github).
    github_keys_url: str
    # The prefix of this deployment's opaque keys (`<prefix>_...`), so scanners can tell them apart.
    key_prefix: str = "kw"
    # Reports one source address may send to POST /v1/leaks/report per minute.
    leak_reports_per_minute: int = 30
    # The least time a leak report's answer takes (seconds), so that its timing does not tell
    # whether the keys it named were live (acting on one is a transaction; an unknown one is not).
    leak_report_floor: float = 0.25

    @property
    def is_local(self) -> bool:
        return self.stage == LOCAL_STAGE

    def table_name(self, logical_name: str) -> str:
        return f"{self.table_prefix}-{logical_name}"

    def kms_alias(self, logical_name: str) -> str:
        return f"alias/{self.table_prefix}-{logical_name}"


# Algorithms a people's token may be signed with. Symmetric algorithms are left out
# on purpose: with a public JWKS they would let anyone mint tokens.
_ALLOWED_OIDC_ALGORITHMS = frozenset({"RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"})


def _int(env: os._Environ[str] | dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, not {value}")
    return value


def _float(env: os._Environ[str] | dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, not {raw!r}") from None
    if not 0 <= value <= 3600:
        raise ConfigError(f"{name} must be between 0 and 3600 seconds, not {value}")
    return value


def _choice(env: os._Environ[str] | dict[str, str], name: str, choices: tuple[str, ...]) -> str:
    raw = (env.get(name) or choices[0]).strip().lower()
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw


DEFAULT_WEBHOOK_RETRY_SCHEDULE = "5,300,1800,7200,18000,36000,50400,72000,86400"


def _schedule(env: os._Environ[str] | dict[str, str], name: str, default: str) -> tuple[float, ...]:
    raw = env.get(name) or default
    try:
        values = tuple(float(part) for part in raw.split(","))
    except ValueError:
        raise ConfigError(f"{name} must be seconds separated by commas, not {raw!r}") from None
    if len(values) > 50 or not all(0 <= value <= 7 * 86400 for value in values):
        raise ConfigError(f"{name} takes at most 50 delays of 0 to 604800 seconds, not {raw!r}")
    if sum(values) > 25 * 86400:
        # Deliveries are kept 30 days: a schedule must end well inside that.
        raise ConfigError(f"{name} must add up to at most 25 days (2160000 seconds), not {sum(values):g}")
    return values


DEFAULT_GITHUB_KEYS_URL = "https://api.github.com/meta/public_keys/secret_scanning"


def _http_url(env: os._Environ[str] | dict[str, str], name: str, default: str) -> str:
    raw = (env.get(name) or default).strip()
    # urllib would also open file: and ftp: URLs; a keys document comes over HTTP(S) only.
    parts = urlsplit(raw)
    if parts.scheme not in ("https", "http") or not parts.hostname:
        raise ConfigError(f"{name} must be an http(s) URL, not {raw!r}")
    return raw


_RESERVED_PREFIXES = ("kwh", "kws")  # HMAC key tokens and service keys


def _key_prefix(env: os._Environ[str] | dict[str, str]) -> str:
    raw = env.get("KEYWARDEN_KEY_PREFIX") or "kw"
    if not re.fullmatch(r"[a-z][a-z0-9]{1,15}", raw) or raw in _RESERVED_PREFIXES:
        raise ConfigError(
            f"KEYWARDEN_KEY_PREFIX must be 2 to 16 lower-case letters and digits, starting with a letter, "
            f"and not kwh or kws; not {raw!r}"
        )
    return raw


def load_settings(env: os._Environ[str] | dict[str, str]) -> Settings:
    """Builds settings from an environment mapping; raises ConfigError on a bad value."""
    stage = env.get("KEYWARDEN_STAGE", LOCAL_STAGE) or LOCAL_STAGE
    algorithms = tuple(a.strip() for a in env.get("KEYWARDEN_OIDC_ALGORITHMS", "RS256,ES256").split(",") if a.strip())
    unsupported = [a for a in algorithms if a not in _ALLOWED_OIDC_ALGORITHMS]
    if unsupported or not algorithms:
        raise ConfigError(f"KEYWARDEN_OIDC_ALGORITHMS has unsupported algorithms: {unsupported or 'none given'}")
    return Settings(
        stage=stage,
        region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1",
        table_prefix=env.get("KEYWARDEN_TABLE_PREFIX") or f"keywarden-{stage}",
        dynamodb_endpoint=env.get("KEYWARDEN_DYNAMODB_ENDPOINT") or None,
        kms_endpoint=env.get("KEYWARDEN_KMS_ENDPOINT") or None,
        oidc_issuer=env.get("KEYWARDEN_OIDC_ISSUER") or None,
        oidc_audience=env.get("KEYWARDEN_OIDC_AUDIENCE") or "keywarden",
        oidc_jwks_url=env.get("KEYWARDEN_OIDC_JWKS_URL") or None,
        oidc_algorithms=algorithms,
        admin_group=env.get("KEYWARDEN_ADMIN_GROUP") or "keywarden-admins",
        step_up_max_age=_int(env, "KEYWARDEN_STEP_UP_MAX_AGE", 300, 0, 86400),
        cache_ttl=_float(env, "KEYWARDEN_CACHE_TTL", 5.0),
        issuer=env.get("KEYWARDEN_ISSUER") or f"urn:keywarden:{stage}",
        jwks_max_age=_int(env, "KEYWARDEN_JWKS_MAX_AGE", 300, 0, 86400),
        webhook_retry_schedule=_schedule(env, "KEYWARDEN_WEBHOOK_RETRY_SCHEDULE", DEFAULT_WEBHOOK_RETRY_SCHEDULE),
        usage_mode=_choice(env, "KEYWARDEN_USAGE_MODE", ("buffered", "sync")),
        rollup_interval=_float(env, "KEYWARDEN_ROLLUP_INTERVAL_SECONDS", 10.0),
        github_keys_url=_http_url(env, "KEYWARDEN_GITHUB_KEYS_URL", DEFAULT_GITHUB_KEYS_URL),
        key_prefix=_key_prefix(env),
        leak_reports_per_minute=_int(env, "KEYWARDEN_LEAK_REPORTS_PER_MINUTE", 30, 1, 100_000),
        leak_report_floor=_int(env, "KEYWARDEN_LEAK_REPORT_FLOOR_MS", 250, 0, 5000) / 1000,
    )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The settings of this process, read from os.environ on the first call."""
    return load_settings(os.environ)


@on_reset
def reset_settings() -> None:
    """Forgets the cached settings so the next call reads the environment again."""
    get_settings.cache_clear()
