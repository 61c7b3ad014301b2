"""A template's information fields: names, placeholders, and the `.env` text a claim hands out.

A field's value may hold three placeholders, resolved when the key is issued:

- `{{project.id}}`: the project's id;
- `{{node:<node_id>}}`: the id of one of the project's nodes (the identifier of the
  selected node, as a service addresses it);
- `{{node:<node_id>.name}}`: that node's name.

A node either form names must exist when the template is saved, and cannot be deleted
while a template names it.

Anything else between `{{` and `}}` is refused when the template is saved, so a typo
does not reach a requester's `.env` file as literal braces.

>>> placeholders_of("https://{{node:nod_01jd3v8m4q7e2x5w6y7z8a9b0c.name}}/{{project.id}}")
{'nod_01jd3v8m4q7e2x5w6y7z8a9b0c'}
>>> resolve("{{node:nod_01jd3v8m4q7e2x5w6y7z8a9b0c}} is {{node:nod_01jd3v8m4q7e2x5w6y7z8a9b0c.name}}",
...         "prj_1", {"nod_01jd3v8m4q7e2x5w6y7z8a9b0c": "eu-west"})
'nod_01jd3v8m4q7e2x5w6y7z8a9b0c is eu-west'
>>> dotenv({"API_URL": "https://example.com", "GREETING": "it's here"})
'API_URL=https://example.com\\nGREETING="it\\'s here"\\n'
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

from chalicelib.domain.ids import is_id
from chalicelib.errors import FieldError, ValidationFailedError

# Nodes one template may name: each is an item in the template's transactions (of at most 100).
MAX_NODES = 20
# DynamoDB holds 400 KB per item, counted as stored: JSON with non-ASCII text escaped (up to
# 12 bytes a character). The template's fields as stored, and the most they can grow to when
# resolved (the sealed claim on the request holds them, base64 and encryption adding a third).
MAX_INFO_FIELDS_BYTES = 64 * 1024
MAX_RESOLVED_BYTES = 128 * 1024
_PROJECT_ID_GROWTH = 30 - len("{{project.id}}")
_NODE_NAME_GROWTH = 128 * 12 - len("{{node:nod_00000000000000000000000000}}")

NAME_PATTERN = r"^[A-Z][A-Z0-9_]{0,63}(?!\n)$"
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_PROJECT_ID = "project.id"
_NODE = "node:"
_NAME = ".name"
# Values a shell or a dotenv parser reads back unchanged without quotes.
_BARE = re.compile(r"[A-Za-z0-9_./:@+,=%-]*")


def _node_of(inner: str) -> tuple[str, bool] | None:
    """(the node id, whether its name is wanted) of a node placeholder's inside, else None."""
    if not inner.startswith(_NODE):
        return None
    node_id = inner[len(_NODE) :]
    wants_name = node_id.endswith(_NAME)
    return (node_id[: -len(_NAME)] if wants_name else node_id), wants_name


def placeholders_of(value: str) -> set[str]:
    """The node ids `value` refers to, by id or by name."""
    return {node[0] for inner in _PLACEHOLDER.findall(value) if (node := _node_of(inner)) is not None}


def placeholder_errors(field: str, value: str) -> list[FieldError]:
    """What is wrong with the placeholders of one value (`field` names it in errors)."""
    errors = []
    for inner in _PLACEHOLDER.findall(value):
        if inner == _PROJECT_ID:
            continue
        node = _node_of(inner)
        if node is not None and is_id(node[0], "nod"):
            continue
        errors.append(
            FieldError(
                field,
                f"unknown placeholder {{{{{inner[:80]}}}}}: use {{{{project.id}}}}, {{{{node:<node_id>}}}} (its id)"
                " or {{node:<node_id>.name}} (its name)",
            )
        )
    return errors


def resolve(value: str, project_id: str, node_names: Mapping[str, str]) -> str:
    """`value` with its placeholders replaced (its placeholders were checked when the template
    was saved); every node it names by name must be in `node_names`."""

    def replace(match: re.Match[str]) -> str:
        inner = match.group(1)
        if inner == _PROJECT_ID:
            return project_id
        node = _node_of(inner)
        if node is None:
            raise ValueError(f"not a placeholder: {{{{{inner[:80]}}}}}")
        node_id, wants_name = node
        return node_names[node_id] if wants_name else node_id

    return _PLACEHOLDER.sub(replace, value)


def dotenv(fields: Iterable[tuple[str, str]] | Mapping[str, str]) -> str:
    """`NAME=value` lines, quoted where needed so that dotenv readers (python-dotenv, Docker
    Compose's env files) read the values back unchanged: bare when safe, single quotes when the
    value has no quote, backslash or newline, double quotes with escapes otherwise. Two things
    no quoting carries: a reader that expands `${NAME}` (python-dotenv does by default, in any
    quotes) expands it in a value too; and the text is for dotenv readers, not for a shell's
    `source`, which would run a `$(...)` inside double quotes."""
    pairs = fields.items() if isinstance(fields, Mapping) else fields
    lines = []
    for name, value in pairs:
        if _BARE.fullmatch(value):
            quoted = value
        elif not any(c in value for c in "'\\\n\r"):
            quoted = f"'{value}'"
        else:
            escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
            quoted = f'"{escaped}"'
        lines.append(f"{name}={quoted}\n")
    return "".join(lines)


def _node_ids(fields: list[dict[str, str]]) -> set[str]:
    return {node_id for field in fields for node_id in placeholders_of(field["value"])}


def check_fields(fields: list[dict[str, str]]) -> set[str]:
    """A template's info fields as it may hold them: unique names, well-formed placeholders,
    and within the limits of what a template and its sealed claim can store (else 422);
    returns the node ids the values name."""
    errors: list[FieldError] = []
    seen: set[str] = set()
    for index, field in enumerate(fields):
        if field["name"] in seen:
            errors.append(FieldError(f"info_fields[{index}].name", f"{field['name']} appears twice"))
        seen.add(field["name"])
        errors.extend(placeholder_errors(f"info_fields[{index}].value", field["value"]))
    if errors:
        raise ValidationFailedError(errors)
    node_ids = _node_ids(fields)
    if len(node_ids) > MAX_NODES:
        raise ValidationFailedError.single("info_fields", f"may name at most {MAX_NODES} distinct nodes")
    stored = len(json.dumps(fields))
    if stored > MAX_INFO_FIELDS_BYTES:
        raise ValidationFailedError.single(
            "info_fields",
            f"must encode to at most {MAX_INFO_FIELDS_BYTES // 1024} KiB (non-ASCII counts up to 12 bytes)",
        )
    values = "".join(field["value"] for field in fields)
    resolved = (
        stored + values.count("{{project.id}}") * _PROJECT_ID_GROWTH + values.count("{{node:") * _NODE_NAME_GROWTH
    )
    if resolved > MAX_RESOLVED_BYTES:
        raise ValidationFailedError.single(
            "info_fields",
            f"could resolve to more than {MAX_RESOLVED_BYTES // 1024} KiB: use fewer placeholders or shorter values",
        )
    return node_ids
