"""Every DynamoDB table of the service, declared as the deployment needs it.

Written out here rather than derived from the PynamoDB models on purpose: a change to a
table's keys or indexes replaces or rebuilds a production table, and it should show in a
review of infra/ as such. `tests/infra/test_tables_match_models.py` fails when this list
and the models (`chalicelib.store.tables.all_models`) disagree on anything DynamoDB knows:
names, keys and their types, indexes and their projections, TTL attributes, streams.

Physical names are `<table prefix>-<logical name>`, as `Settings.table_name` builds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from aws_cdk import aws_dynamodb as dynamodb
from constructs import Construct

from keywarden_infra.config import StageConfig

S = dynamodb.AttributeType.STRING
N = dynamodb.AttributeType.NUMBER


@dataclass(frozen=True)
class Key:
    name: str
    type: dynamodb.AttributeType = S


@dataclass(frozen=True)
class Index:
    name: str
    hash_key: Key
    range_key: Key | None = None
    # KEYS_ONLY unless the reads through the index need the items themselves.
    projection: dynamodb.ProjectionType = dynamodb.ProjectionType.KEYS_ONLY


@dataclass(frozen=True)
class TableSpec:
    logical_name: str
    hash_key: Key
    range_key: Key | None = None
    indexes: tuple[Index, ...] = ()
    ttl_attribute: str | None = None
    # Only where a handler consumes the stream (app.py's `on_dynamodb_record`).
    stream: dynamodb.StreamViewType | None = None
    purpose: str = field(default="", compare=False)


TABLES: tuple[TableSpec, ...] = (
    TableSpec("projects", Key("id"), purpose="projects"),
    TableSpec(
        "members",
        Key("project_id"),
        Key("user_id"),
        indexes=(Index("by-user", Key("user_id"), Key("project_id"), dynamodb.ProjectionType.ALL),),
        purpose="project members and their roles; by-user lists a person's projects",
    ),
    TableSpec("roles", Key("project_id"), Key("id"), purpose="roles with their permissions"),
    TableSpec("nodes", Key("project_id"), Key("id"), purpose="project nodes (information-field targets)"),
    TableSpec("audit", Key("project_id"), Key("id"), purpose="the audit log, newest first by id"),
    TableSpec("idempotency", Key("key"), ttl_attribute="expires_at", purpose="Idempotency-Key responses, 24 h"),
    TableSpec("system", Key("name"), purpose="service-wide items: the sealed key-hash pepper"),
    TableSpec("app-secrets", Key("project_id"), Key("name"), purpose="sealed secure and service keys"),
    TableSpec("service-keys", Key("digest"), purpose="service-key hashes -> project"),
    TableSpec(
        "api-keys",
        Key("project_id"),
        Key("id"),
        indexes=(
            Index("expiry-watch", Key("watch"), Key("watch_at", N)),
            Index("revoked", Key("project_id"), Key("revoked_at")),
        ),
        purpose="API keys; expiry-watch feeds the expiry sweep, revoked the revocation list",
    ),
    TableSpec("key-lookup", Key("digest"), purpose="key hashes -> key: verification's one read"),
    TableSpec("identities", Key("project_id"), Key("id"), purpose="identities: the platform's own customers"),
    TableSpec(
        "identity-names", Key("project_id"), Key("external_id"), purpose="external ids in use -> identity (uniqueness)"
    ),
    TableSpec("meters", Key("id"), purpose="rate-limit windows and credit balances of keys and identities"),
    TableSpec("key-holders", Key("project_id"), Key("owner_id"), purpose="who holds working keys"),
    TableSpec("signing-keys", Key("kid"), purpose="the JWT signing-key chain (public halves)"),
    TableSpec("hmac-replay", Key("id"), ttl_attribute="expires_at", purpose="HMAC signatures seen, 600 s"),
    TableSpec(
        "leak-reports", Key("id"), ttl_attribute="expires_at", purpose="leak reports per source address and minute"
    ),
    TableSpec(
        "usage-counters",
        Key("pk"),
        Key("sk"),
        indexes=(Index("unrolled", Key("dirty"), Key("pk")),),
        ttl_attribute="expires_at",
        purpose="raw verification counts per writer; unrolled feeds the rollup",
    ),
    TableSpec("usage-totals", Key("series"), Key("period"), purpose="hour, day and month totals"),
    TableSpec("key-templates", Key("project_id"), Key("id"), purpose="key templates"),
    TableSpec(
        "key-requests",
        Key("project_id"),
        Key("id"),
        indexes=(Index("open-by-deadline", Key("open_shard"), Key("expires_at", N)),),
        purpose="key requests; open-by-deadline feeds the lapse sweep",
    ),
    TableSpec("key-request-tiles", Key("project_id"), Key("slot"), purpose="one open request per member and template"),
    TableSpec("webhooks", Key("project_id"), Key("id"), purpose="webhook endpoints (sealed secrets)"),
    TableSpec(
        "webhook-outbox",
        Key("id"),
        indexes=(Index("unsent", Key("unsent"), Key("id")),),
        ttl_attribute="expires_at",
        stream=dynamodb.StreamViewType.KEYS_ONLY,
        purpose="domain events, written in the transaction that caused them; streamed to webhook_events",
    ),
    TableSpec(
        "webhook-deliveries",
        Key("webhook_id"),
        Key("id"),
        indexes=(Index("due", Key("due"), Key("next_attempt_at", N)),),
        ttl_attribute="expires_at",
        purpose="webhook deliveries and their attempts; due feeds the dispatcher",
    ),
)


def create_tables(scope: Construct, config: StageConfig) -> dict[str, dynamodb.Table]:
    """The tables, on demand, with point-in-time recovery; kept and protected in prod."""
    tables: dict[str, dynamodb.Table] = {}
    for spec in TABLES:
        table = dynamodb.Table(
            scope,
            _construct_id(spec.logical_name),
            table_name=config.table_name(spec.logical_name),
            partition_key=_attribute(spec.hash_key),
            sort_key=_attribute(spec.range_key) if spec.range_key else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            # Encrypted at rest with AWS-owned keys (no KMS calls, no charge). Every secret in
            # them is already sealed with the `secrets` KMS key (envelope encryption), and keys
            # are stored as keyed hashes: a customer-managed key per table would add cost, not
            # protection of a secret.
            encryption=dynamodb.TableEncryption.DEFAULT,
            deletion_protection=config.is_prod,
            removal_policy=config.kept,
            time_to_live_attribute=spec.ttl_attribute,
            stream=spec.stream,
        )
        for index in spec.indexes:
            table.add_global_secondary_index(
                index_name=index.name,
                partition_key=_attribute(index.hash_key),
                sort_key=_attribute(index.range_key) if index.range_key else None,
                projection_type=index.projection,
            )
        tables[spec.logical_name] = table
    return tables


def _attribute(key: Key) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=key.type)


def _construct_id(logical_name: str) -> str:
    return "".join(part.capitalize() for part in logical_name.split("-")) + "Table"
