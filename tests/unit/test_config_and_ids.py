"""Settings from the environment, the service's ids, and how msgspec's complaints become field errors."""

from __future__ import annotations

import re
import time
from typing import Annotated

import msgspec
import pytest

from chalicelib.api.binding import field_error
from chalicelib.config import load_settings
from chalicelib.domain.ids import is_id, new_id
from chalicelib.errors import ConfigError, FieldError

# --- settings ----------------------------------------------------------------------------


def test_defaults_are_those_of_api_md() -> None:
    settings = load_settings({})
    assert settings.cache_ttl == 5
    assert settings.step_up_max_age == 300
    assert settings.admin_group == "keywarden-admins"
    assert settings.stage == "local" and settings.is_local
    assert settings.oidc_algorithms
    assert set(settings.oidc_algorithms) <= {"RS256", "RS384", "RS512", "PS256", "ES256", "ES384", "EdDSA"}


def test_empty_values_mean_the_defaults() -> None:
    names = (
        "KEYWARDEN_CACHE_TTL",
        "KEYWARDEN_STEP_UP_MAX_AGE",
        "KEYWARDEN_ADMIN_GROUP",
    )
    assert load_settings(dict.fromkeys(names, "")) == load_settings({})


def test_knobs_override_the_defaults() -> None:
    settings = load_settings(
        {
            "KEYWARDEN_STAGE": "prod",
            "KEYWARDEN_CACHE_TTL": "0.5",
            "KEYWARDEN_STEP_UP_MAX_AGE": "60",
            "KEYWARDEN_ADMIN_GROUP": "platform-root",
            "KEYWARDEN_OIDC_ALGORITHMS": "ES384, EdDSA",
        }
    )
    assert settings.cache_ttl == 0.5
    assert settings.step_up_max_age == 60
    assert settings.admin_group == "platform-root"
    assert settings.oidc_algorithms == ("ES384", "EdDSA")
    assert not settings.is_local


@pytest.mark.parametrize(
    ("name", "value"),
    [
        ("KEYWARDEN_CACHE_TTL", "five"),
        ("KEYWARDEN_CACHE_TTL", "-1"),
        ("KEYWARDEN_CACHE_TTL", "3601"),
        ("KEYWARDEN_CACHE_TTL", "nan"),
        ("KEYWARDEN_CACHE_TTL", "inf"),
        ("KEYWARDEN_STEP_UP_MAX_AGE", "5m"),
        ("KEYWARDEN_STEP_UP_MAX_AGE", "300.5"),
        ("KEYWARDEN_STEP_UP_MAX_AGE", "-1"),
        ("KEYWARDEN_STEP_UP_MAX_AGE", "86401"),
        ("KEYWARDEN_OIDC_ALGORITHMS", "HS256"),
        ("KEYWARDEN_OIDC_ALGORITHMS", "RS256,HS256"),
        ("KEYWARDEN_OIDC_ALGORITHMS", "none"),
        ("KEYWARDEN_OIDC_ALGORITHMS", "RS256,none"),
        ("KEYWARDEN_OIDC_ALGORITHMS", "rs256"),
        ("KEYWARDEN_OIDC_ALGORITHMS", ","),
    ],
)
def test_bad_values_are_config_errors_that_name_the_setting(name: str, value: str) -> None:
    with pytest.raises(ConfigError) as raised:
        load_settings({name: value})
    assert name in str(raised.value)


# --- ids ---------------------------------------------------------------------------------

_ID = re.compile(r"^prj_[0-9a-hjkmnp-tv-z]{26}$")  # Crockford base32, lower case: no i, l, o, u


def test_new_id_has_the_prefix_and_26_crockford_characters() -> None:
    for now_ms in (0, 1, 1_790_000_000_000, 2**48 - 1):
        value = new_id("prj", now_ms=now_ms)
        assert _ID.match(value), value
        assert is_id(value, "prj")


def test_ids_made_later_sort_after_ids_made_earlier() -> None:
    times = [0, 1, 2, 999, 1_000, 1_790_000_000_000, 1_790_000_000_001, 1_790_000_060_000, 2**48 - 1]
    for _ in range(50):  # the random part must never outweigh a millisecond
        made = [new_id("evt", now_ms=ms) for ms in times]
        assert sorted(made) == made


def test_ids_made_in_the_same_millisecond_differ() -> None:
    made = {new_id("key", now_ms=1_790_000_000_000) for _ in range(1000)}
    assert len(made) == 1000


def test_ids_without_now_use_the_current_time() -> None:
    before = new_id("prj", now_ms=int(time.time() * 1000) - 1)
    now = new_id("prj")
    after = new_id("prj", now_ms=int(time.time() * 1000) + 1)
    assert before < now < after


@pytest.mark.parametrize(
    "value",
    [
        "",
        "prj_",
        "prj",
        "rol_01jd3v8m4q7e2x9k5w6t8r0abc",
        "prj01jd3v8m4q7e2x9k5w6t8r0abc",
        "prj_01jd3v8m4q7e2x9k5w6t8r0ab",
        "prj_01jd3v8m4q7e2x9k5w6t8r0abcd",
        "prj_01JD3V8M4Q7E2X9K5W6T8R0ABC",
        "prj_01jd3v8m4q7e2x9k5w6t8r0abi",
        "prj_01jd3v8m4q7e2x9k5w6t8r0abl",
        "prj_01jd3v8m4q7e2x9k5w6t8r0abo",
        "prj_01jd3v8m4q7e2x9k5w6t8r0abu",
        "prj_01jd3v8m4q7e2x9k5w6t8r0ab/",
        "prj_01jd3v8m4q7e2x9k5w6t8r0abc\n",
        " prj_01jd3v8m4q7e2x9k5w6t8r0abc",
    ],
    ids=[
        "empty",
        "prefix-only",
        "no-underscore-no-body",
        "other-kind",
        "no-underscore",
        "25-chars",
        "27-chars",
        "upper-case",
        "letter-i",
        "letter-l",
        "letter-o",
        "letter-u",
        "slash",
        "trailing-newline",
        "leading-space",
    ],
)
def test_is_id_rejects_what_new_id_never_makes(value: str) -> None:
    assert not is_id(value, "prj")


def test_is_id_accepts_what_new_id_makes() -> None:
    assert is_id("prj_01jd3v8m4q7e2x9k5w6t8r0abc", "prj")
    assert is_id(new_id("rol"), "rol")
    assert not is_id(new_id("rol"), "prj")


# --- field_error on msgspec's own messages -----------------------------------------------


class InfoField(msgspec.Struct, forbid_unknown_fields=True):
    name: Annotated[str, msgspec.Meta(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")]
    value: str


class TemplateBody(msgspec.Struct, forbid_unknown_fields=True):
    name: str
    ttl_seconds: int = 0
    info_fields: list[InfoField] = []


def _field_error_of(body: bytes) -> FieldError:
    with pytest.raises(msgspec.ValidationError) as raised:
        msgspec.json.decode(body, type=TemplateBody)
    return field_error(str(raised.value))


def test_missing_top_level_field() -> None:
    assert _field_error_of(b"{}") == FieldError("name", "is required")


def test_missing_field_in_a_list_item_names_the_item() -> None:
    body = b'{"name": "t", "info_fields": [{"name": "A", "value": "x"}, {"value": "y"}]}'
    assert _field_error_of(body) == FieldError("info_fields[1].name", "is required")


def test_unknown_top_level_field() -> None:
    assert _field_error_of(b'{"name": "t", "nmae": "t"}') == FieldError("nmae", "is not a known field")


def test_unknown_field_in_a_list_item() -> None:
    body = b'{"name": "t", "info_fields": [{"name": "A", "value": "x", "secret": "s"}]}'
    assert _field_error_of(body) == FieldError("info_fields[0].secret", "is not a known field")


@pytest.mark.parametrize(
    ("body", "field", "words"),
    [
        (b'{"name": "t", "ttl_seconds": "60"}', "ttl_seconds", ("int", "str")),
        (b'{"name": "t", "ttl_seconds": 1.5}', "ttl_seconds", ("int", "float")),
        (b'{"name": 7}', "name", ("str", "int")),
        (b'{"name": "t", "info_fields": {"name": "A"}}', "info_fields", ("array", "object")),
        (b'{"name": "t", "info_fields": [{"name": "A", "value": null}]}', "info_fields[0].value", ("str", "null")),
    ],
    ids=["str-for-int", "float-for-int", "int-for-str", "object-for-list", "null-in-item"],
)
def test_wrong_type_names_the_field_and_the_types(body: bytes, field: str, words: tuple[str, ...]) -> None:
    error = _field_error_of(body)
    assert error.field == field
    assert all(word in error.message for word in words), error.message
    assert "$" not in error.message and " - at " not in error.message


def test_regex_mismatch_in_a_list_item() -> None:
    error = _field_error_of(
        b'{"name": "t", "info_fields": [{"name": "A", "value": "x"}, {"name": "lower", "value": "x"}]}'
    )
    assert error.field == "info_fields[1].name"
    assert "^[A-Z][A-Z0-9_]{0,63}$" in error.message
    assert " - at " not in error.message


def test_body_of_the_wrong_shape_is_blamed_on_the_body() -> None:
    error = _field_error_of(b"[]")
    assert error.field == "body"
    assert "object" in error.message and "array" in error.message
