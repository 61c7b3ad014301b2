"""A template's info fields: placeholders checked when saved and resolved when issued, and the
`.env` text a claim hands out, read back by python-dotenv exactly as given."""

from __future__ import annotations

import io
import re

import pytest
from dotenv import dotenv_values
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.info_fields import NAME_PATTERN, dotenv, placeholder_errors, placeholders_of, resolve

NODE = "nod_01jd3v8m4q7e2x5w6y7z8a9b0c"
OTHER_NODE = "nod_01jd3v8m4q7e2x5w6y7z8a9b0d"


def test_placeholders_name_the_nodes_they_refer_to() -> None:
    value = f"https://{{{{node:{NODE}}}}}/p/{{{{project.id}}}}?peer={{{{node:{OTHER_NODE}.name}}}}"
    assert placeholders_of(value) == {NODE, OTHER_NODE}
    assert placeholder_errors("info_fields[0].value", value) == []


@pytest.mark.parametrize(
    "value",
    [
        "{{project}}",
        "{{node:}}",
        "{{node:x}}",
        "{{ project.id }}",
        "{{PROJECT.ID}}",
        "{{node:prj_01jd3v8m4q7e2x5w6y7z8a9b0c}}",
        "{{node:.name}}",
        "{{node:x.name}}",
        f"{{{{node:{NODE}.id}}}}",
        f"{{{{node:{NODE}.Name}}}}",
        f"{{{{node:{NODE}.name.name}}}}",
        f"{{{{node:{NODE} .name}}}}",
    ],
)
def test_anything_else_in_braces_is_refused_with_the_field_named(value: str) -> None:
    errors = placeholder_errors("info_fields[2].value", f"prefix {value} suffix")
    assert [e.field for e in errors] == ["info_fields[2].value"]
    assert "unknown placeholder" in errors[0].message


def test_a_value_without_placeholders_is_left_as_it_is() -> None:
    assert resolve("plain {single} braces", "prj_1", {}) == "plain {single} braces"


def test_resolution_puts_the_project_id_and_the_nodes_ids_and_names_in() -> None:
    # {{node:<id>}} is the node's identifier, {{node:<id>.name}} its name (API.md, seed 002).
    value = f"{{{{node:{NODE}}}}}/{{{{node:{NODE}.name}}}}.{{{{project.id}}}}"
    assert resolve(value, "prj_9", {NODE: "orders-api"}) == f"{NODE}/orders-api.prj_9"
    assert resolve(f"id={{{{node:{OTHER_NODE}}}}}", "prj_9", {}) == f"id={OTHER_NODE}"


@pytest.mark.parametrize("name", ["API_URL", "A", "X1_2", "A" * 64])
def test_environment_variable_names_are_accepted(name: str) -> None:
    assert re.match(NAME_PATTERN, name)


@pytest.mark.parametrize("name", ["api_url", "1API", "_API", "A-B", "A" * 65, "API\n", ""])
def test_other_names_are_refused(name: str) -> None:
    assert not re.match(NAME_PATTERN, name)


@pytest.mark.parametrize(
    "value",
    [
        "plain",
        "with spaces",
        "it's quoted",
        'double "quotes"',
        "dollar $HOME and ${HOME}",
        "back\\slash",
        "two\nlines",
        "",
        "tab\there",
        "both ' and \" and \\ and \n",
    ],
)
def test_dotenv_text_reads_back_unchanged(value: str) -> None:
    text = dotenv({"FIELD": value})
    assert dict(dotenv_values(stream=io.StringIO(text), interpolate=False)) == {"FIELD": value}


# Values read back with python-dotenv's defaults, which expand ${NAME} in any quotes (see
# dotenv's docstring): any text without `${`, and quotes, backslashes and newlines with `$`.
_VALUES = (
    st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
    | st.text(alphabet="ab '\"\\\n\r\t${}=#", max_size=20)
).filter(lambda v: "${" not in v)


@given(st.dictionaries(st.from_regex(r"[A-Z][A-Z0-9_]{0,10}", fullmatch=True), _VALUES, max_size=5))
def test_any_fields_read_back_as_given(fields: dict[str, str]) -> None:
    text = dotenv(fields)
    assert dict(dotenv_values(stream=io.StringIO(text))) == fields
