"""The stack's tables are the PynamoDB models' tables: a drift fails here, before a deploy."""

from __future__ import annotations

from typing import Any

import pytest
from pynamodb.attributes import TTLAttribute
from pynamodb.indexes import GlobalSecondaryIndex, LocalSecondaryIndex

from chalicelib.store.base import KeywardenModel
from chalicelib.store.tables import all_models
from tests.infra.conftest import Template

_PROJECTIONS = {"AllProjection": "ALL", "KeysOnlyProjection": "KEYS_ONLY", "IncludeProjection": "INCLUDE"}


def model_table(model: type[KeywardenModel], prefix: str) -> dict[str, Any]:
    """What DynamoDB should know of the model's table, in CloudFormation's terms."""
    attributes = model.get_attributes().values()
    key_types: dict[str, str] = {}

    def schema(attrs: Any) -> list[dict[str, str]]:
        keys = sorted((a for a in attrs if a.is_hash_key or a.is_range_key), key=lambda a: not a.is_hash_key)
        for a in keys:
            key_types[a.attr_name] = a.attr_type
        return [{"AttributeName": a.attr_name, "KeyType": "HASH" if a.is_hash_key else "RANGE"} for a in keys]

    table: dict[str, Any] = {"KeySchema": schema(attributes), "GlobalSecondaryIndexes": {}, "LocalSecondaryIndexes": {}}
    for index in model._indexes.values():
        kind = "GlobalSecondaryIndexes" if isinstance(index, GlobalSecondaryIndex) else "LocalSecondaryIndexes"
        assert isinstance(index, GlobalSecondaryIndex | LocalSecondaryIndex)
        projection = index.Meta.projection
        table[kind][index.Meta.index_name] = {
            "KeySchema": schema(index.Meta.attributes.values()),
            "Projection": _PROJECTIONS[type(projection).__name__],
            "NonKeyAttributes": sorted(getattr(projection, "non_key_attributes", None) or []),
        }
    table["AttributeDefinitions"] = dict(sorted(key_types.items()))
    ttl = [a.attr_name for a in attributes if isinstance(a, TTLAttribute)]
    table["TTL"] = ttl[0] if ttl else None
    table["Stream"] = getattr(model.Meta, "stream_view_type", None)
    table["TableName"] = f"{prefix}-{model.logical_name}"
    return table


def stack_table(props: dict[str, Any]) -> dict[str, Any]:
    """The same, as the synthesized template declares it."""

    def indexes(kind: str) -> dict[str, Any]:
        return {
            index["IndexName"]: {
                "KeySchema": index["KeySchema"],
                "Projection": index["Projection"]["ProjectionType"],
                "NonKeyAttributes": sorted(index["Projection"].get("NonKeyAttributes", [])),
            }
            for index in props.get(kind, [])
        }

    ttl = props.get("TimeToLiveSpecification")
    return {
        "TableName": props["TableName"],
        "KeySchema": props["KeySchema"],
        "GlobalSecondaryIndexes": indexes("GlobalSecondaryIndexes"),
        "LocalSecondaryIndexes": indexes("LocalSecondaryIndexes"),
        "AttributeDefinitions": dict(
            sorted((a["AttributeName"], a["AttributeType"]) for a in props["AttributeDefinitions"])
        ),
        "TTL": ttl["AttributeName"] if ttl and ttl.get("Enabled") else None,
        "Stream": (props.get("StreamSpecification") or {}).get("StreamViewType"),
    }


@pytest.mark.parametrize("model", all_models(), ids=lambda m: m.logical_name)
def test_every_model_has_its_table_in_the_stack(dev: Template, model: type[KeywardenModel]) -> None:
    expected = model_table(model, "keywarden-dev")
    tables = dev.tables_by_name()
    assert expected["TableName"] in tables, f"the stack has no table for {model.__name__}"
    _, resource = tables[expected["TableName"]]
    assert stack_table(resource["Properties"]) == expected


def test_the_stack_has_no_table_the_models_do_not_define(dev: Template) -> None:
    defined = {f"keywarden-dev-{model.logical_name}" for model in all_models()}
    assert set(dev.tables_by_name()) == defined


def test_the_physical_names_are_the_ones_the_service_reads(dev: Template) -> None:
    """The functions find their tables through KEYWARDEN_TABLE_PREFIX (Settings.table_name)."""
    from chalicelib.config import load_settings

    for logical_id, function in dev.of_type("AWS::Serverless::Function").items():
        env = function["Properties"]["Environment"]["Variables"]
        settings = load_settings(env)
        for model in all_models():
            assert settings.table_name(model.logical_name) in dev.tables_by_name(), (logical_id, model)


def test_tables_are_recoverable_everywhere_and_protected_in_prod(dev: Template, prod: Template) -> None:
    for template, protected in ((dev, False), (prod, True)):
        for logical_id, table in template.of_type("AWS::DynamoDB::Table").items():
            props = table["Properties"]
            assert props["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, logical_id
            assert props["BillingMode"] == "PAY_PER_REQUEST"
            assert props.get("DeletionProtectionEnabled", False) is protected, logical_id
            # Kept in prod, except after a failed first create (whose retry would find it there).
            assert table["DeletionPolicy"] == ("RetainExceptOnCreate" if protected else "Delete"), logical_id
            assert table["UpdateReplacePolicy"] == ("Retain" if protected else "Delete"), logical_id


def test_a_drifted_model_is_caught(dev: Template) -> None:
    """The comparison itself: a model whose index or TTL changed no longer matches its table."""
    from chalicelib.store.key_models import ApiKeyModel

    expected = model_table(ApiKeyModel, "keywarden-dev")
    _, resource = dev.tables_by_name()[expected["TableName"]]
    actual = stack_table(resource["Properties"])
    assert actual == expected
    renamed = dict(expected, GlobalSecondaryIndexes={**expected["GlobalSecondaryIndexes"], "extra": {}})
    assert actual != renamed
    assert actual != dict(expected, TTL="expires_at")
