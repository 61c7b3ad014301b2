"""What each function may do in AWS: the one list the stack's roles are built from.

Plain data, no CDK: `tests/functional/conftest.py` checks every AWS call the service makes
in the functional tests against the grants of the function that would make it in AWS
(verification routes -> `verify`, other routes -> `api`, each job -> its function), and
`tests/functional/test_least_privilege.py` checks that the verification function and the
jobs use every grant they have. `tests/infra/` checks that the synthesized roles say
exactly this. So a new table access fails a test until it is granted here, and a grant no
code uses fails one until it is removed.

Resources are logical names, which the stack turns into ARNs:
`table:<logical name>`, `index:<table>/<index>`, `key:secrets`, `key:jwt-signing`,
`key:rotated-signing` (signing keys the service creates at rotation: unknown ARNs, so
granted by the tag the service puts on them), `key:new` (CreateKey, only with that tag),
`queue:dead-letters`, `stream:webhook-outbox`.
"""

from __future__ import annotations

from dataclasses import dataclass

# The tag every KMS key of a deployment carries (value: the table prefix, e.g. keywarden-prod);
# rotated signing keys are created with it, which is what lets a role use them and only them.
from chalicelib.crypto.keys import DEPLOYMENT_TAG


@dataclass(frozen=True)
class Grant:
    actions: tuple[str, ...]
    resources: tuple[str, ...]
    why: str = ""


def _tables(*names: str) -> tuple[str, ...]:
    return tuple(f"table:{name}" for name in names)


_READ = ("dynamodb:GetItem", "dynamodb:Query")
_WRITE = ("dynamodb:PutItem", "dynamodb:UpdateItem")


def _each(actions: tuple[str, ...], *tables: str, why: str) -> Grant:
    return Grant(actions, _tables(*tables), why)


GRANTS: dict[str, tuple[Grant, ...]] = {
    # The API function: every route but verification. Written table by table from what the
    # functional suite's routes do (every call of theirs is checked against this list).
    "api": (
        _each(
            (*_READ, *_WRITE, "dynamodb:DeleteItem"),
            "members",
            "roles",
            "nodes",
            "key-templates",
            "webhooks",
            why="managed with their routes: listed, created, changed, deleted",
        ),
        _each(("dynamodb:ConditionCheckItem",), "members", "key-templates", why="guards of other items' changes"),
        _each((*_READ, *_WRITE, "dynamodb:DeleteItem"), "identities", why="managed with their routes"),
        _each(("dynamodb:ConditionCheckItem",), "identities", why="a change of the identity that its keys follow"),
        _each(
            ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:DeleteItem"),
            "identity-names",
            why="an external id taken, found, and freed",
        ),
        _each(("dynamodb:BatchGetItem", "dynamodb:UpdateItem"), "meters", why="credit balances: read, set and changed"),
        _each((*_READ, *_WRITE, "dynamodb:BatchGetItem"), "api-keys", why="keys; a bulk delete reads its keys at once"),
        _each(("dynamodb:BatchGetItem", "dynamodb:GetItem", *_WRITE), "projects", why="projects (deletion is a state)"),
        _each(("dynamodb:ConditionCheckItem",), "projects", why="a project that still exists, for changes in it"),
        _each(("dynamodb:BatchGetItem",), "nodes", why="the nodes a template names"),
        _each((*_READ, *_WRITE), "app-secrets", "key-requests", "key-request-tiles", why="their routes"),
        _each(("dynamodb:PutItem", "dynamodb:Query"), "audit", why="audit events, and the audit log"),
        _each(
            ("dynamodb:GetItem", *_WRITE, "dynamodb:DeleteItem"),
            "idempotency",
            "service-keys",
            why="Idempotency-Key responses; service-key hashes (rotation removes the old one)",
        ),
        _each(("dynamodb:GetItem", "dynamodb:UpdateItem", "dynamodb:ConditionCheckItem"), "key-holders", why="holders"),
        _each(
            (*_WRITE, "dynamodb:BatchGetItem"),
            "key-lookup",
            why="a key's verification record, written with the key; the reported keys of a leak, read at once",
        ),
        _each(("dynamodb:UpdateItem",), "leak-reports", why="the leak report endpoint's rate limit per address"),
        _each(
            ("dynamodb:GetItem", *_WRITE, "dynamodb:Scan"), "signing-keys", why="the signing-key chain (a few items)"
        ),
        _each(("dynamodb:GetItem", "dynamodb:PutItem"), "system", why="the sealed pepper, made on first use"),
        _each(("dynamodb:Query",), "usage-totals", why="the usage API"),
        _each(
            ("dynamodb:GetItem", "dynamodb:Query", "dynamodb:UpdateItem"),
            "webhook-deliveries",
            why="the delivery log, retry",
        ),
        _each(("dynamodb:PutItem",), "webhook-outbox", why="domain events, in the transaction that caused them"),
        Grant(
            ("dynamodb:Query",),
            ("index:members/by-user", "index:api-keys/revoked"),
            "a person's projects; the revocation list",
        ),
        Grant(
            ("kms:GenerateDataKey", "kms:Decrypt"),
            ("key:secrets",),
            "sealing and opening app secrets, HMAC secrets, webhook secrets, the pepper",
        ),
        Grant(
            ("kms:Sign", "kms:GetPublicKey"),
            ("key:jwt-signing", "key:rotated-signing"),
            "signing JWT keys; publishing the JWKS",
        ),
        Grant(("kms:CreateKey", "kms:TagResource"), ("key:new",), "rotating the signing key (tagged keys only)"),
        Grant(("kms:ScheduleKeyDeletion",), ("key:rotated-signing",), "discarding a rotation that lost a race"),
    ),
    # Verification: reads a key, counts its use. Nothing else.
    "verify": (
        Grant(
            ("dynamodb:GetItem",),
            _tables("key-lookup", "service-keys", "system"),
            "the key, the caller's service key, the sealed pepper",
        ),
        Grant(("dynamodb:Scan",), _tables("signing-keys"), "the public signing keys, for JWT keys"),
        Grant(("dynamodb:PutItem",), _tables("usage-counters"), "usage counts"),
        Grant(("dynamodb:PutItem", "dynamodb:DeleteItem"), _tables("hmac-replay"), "HMAC replay marks"),
        Grant(("kms:Decrypt",), ("key:secrets",), "the pepper and HMAC keys' secrets"),
        Grant(
            ("dynamodb:UpdateItem", "dynamodb:BatchGetItem"),
            _tables("meters"),
            "charging keys' limits: one conditional write (and a read after a two-meter transaction)",
        ),
        Grant(("dynamodb:PutItem",), _tables("webhook-outbox"), "notices of limits: credits low or out, rate limited"),
    ),
    "webhook_events": (
        Grant(("dynamodb:BatchGetItem", "dynamodb:UpdateItem"), _tables("webhook-outbox"), "events to fan out"),
        Grant(("dynamodb:Query",), _tables("webhooks"), "the project's endpoints"),
        Grant(
            ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
            _tables("webhook-deliveries"),
            "deliveries and their attempts",
        ),
        Grant(("dynamodb:UpdateItem",), _tables("webhooks"), "disabling an endpoint that answers 410"),
        Grant(("dynamodb:PutItem",), _tables("audit"), "the audit event of disabling it"),
        # A fresh environment opens each endpoint's secret once (the tests' one process has it cached).
        Grant(("kms:Decrypt",), ("key:secrets",), "endpoints' signing secrets"),
        Grant(("sqs:SendMessage",), ("queue:dead-letters",), "batches that failed every retry"),
        Grant(
            ("dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator"),
            ("stream:webhook-outbox",),
            "the event source reads the outbox stream",
        ),
        Grant(("dynamodb:ListStreams",), ("stream:*",), "the event source lists streams (no resource ARN)"),
    ),
    "webhook-dispatch": (
        Grant(("dynamodb:BatchGetItem", "dynamodb:UpdateItem"), _tables("webhook-outbox"), "events to fan out"),
        Grant(("dynamodb:Query",), ("index:webhook-outbox/unsent",), "events the stream handler missed"),
        Grant(("dynamodb:Query",), _tables("webhooks"), "the project's endpoints"),
        Grant(
            ("dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem"),
            _tables("webhook-deliveries"),
            "deliveries and their attempts",
        ),
        Grant(("dynamodb:Query",), ("index:webhook-deliveries/due",), "deliveries that came due"),
        Grant(
            ("dynamodb:GetItem", "dynamodb:UpdateItem"),
            _tables("webhooks"),
            "a due delivery's endpoint; disabling one that answers 410",
        ),
        Grant(("dynamodb:PutItem",), _tables("audit"), "the audit event of disabling it"),
        # A fresh environment opens each endpoint's secret once (the tests' one process has it cached).
        Grant(("kms:Decrypt",), ("key:secrets",), "endpoints' signing secrets"),
        Grant(("sqs:SendMessage",), ("queue:dead-letters",), "a run that failed"),
    ),
    "usage-rollup": (
        Grant(("dynamodb:Query", "dynamodb:UpdateItem"), _tables("usage-counters"), "counters, marked covered"),
        Grant(("dynamodb:Query",), ("index:usage-counters/unrolled",), "project-hours with new counts"),
        Grant(("dynamodb:Query", "dynamodb:PutItem"), _tables("usage-totals"), "hour, day and month totals"),
        Grant(("dynamodb:UpdateItem",), _tables("api-keys"), "last_used_at"),
        Grant(("sqs:SendMessage",), ("queue:dead-letters",), "a run that failed"),
    ),
    "expiry-sweep": (
        Grant(("dynamodb:Query",), ("index:api-keys/expiry-watch",), "keys to look at"),
        Grant(("dynamodb:GetItem", "dynamodb:UpdateItem"), _tables("api-keys"), "announced and recorded expiries"),
        Grant(
            ("dynamodb:UpdateItem",),
            _tables("key-lookup", "key-holders", "roles"),
            "an expired key stops counting as its owner's and its role's working key",
        ),
        Grant(("dynamodb:PutItem",), _tables("audit", "webhook-outbox"), "their audit and webhook events"),
        Grant(("dynamodb:Query",), ("index:key-requests/open-by-deadline",), "key requests past their deadline"),
        Grant(
            ("dynamodb:GetItem", "dynamodb:UpdateItem"), _tables("key-requests", "key-request-tiles"), "lapsing them"
        ),
        Grant(("sqs:SendMessage",), ("queue:dead-letters",), "a run that failed"),
    ),
}

# Which function serves which route: verification has a function (and role) of its own.
VERIFY_ROUTES: tuple[tuple[str, str], ...] = (
    ("POST", "/v1/keys/verify"),
    ("POST", "/v1/hmac/verify"),
    ("POST", "/v1/oauth/introspect"),
)

# Grants the service's code never calls itself: the platform's (the event source, failure
# destinations) and kms:TagResource, which CreateKey with tags requires. Checked against
# the template, not against recorded calls.
PLATFORM_ONLY = frozenset(
    {
        "sqs:SendMessage",
        "dynamodb:DescribeStream",
        "dynamodb:GetRecords",
        "dynamodb:GetShardIterator",
        "dynamodb:ListStreams",
        "kms:TagResource",
    }
)

__all__ = ["DEPLOYMENT_TAG", "GRANTS", "PLATFORM_ONLY", "VERIFY_ROUTES", "Grant", "allows"]


def allows(function: str, action: str, resource: str) -> bool:
    """Whether `function`'s grants allow `action` on the logical `resource`."""
    return any(action in grant.actions and resource in grant.resources for grant in GRANTS[function])
