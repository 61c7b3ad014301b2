"""Binding a request to what the handler receives: path parameters, the body and the query.

Each is decoded exactly once, here, whatever carried the request: chalice (locally and in
Lambda) hands path parameters over as the client sent them, still percent-encoded (API
Gateway's REST proxy event does the same; aws/chalice#688 keeps it so), so an OIDC subject
`auth0|abc` arrives as `auth0%7Cabc` from every client that encodes paths. Bad input is a
problem with the contract's code: an unreadable path parameter is 404 (no resource has that
name), a body that is not JSON 400, one that does not fit the schema 422.

Whatever the service reads as one value must come once: a JSON member repeated in an object,
a query parameter or a header the service reads (Authorization, Content-Type,
Idempotency-Key) given twice is 400 `malformed_request`, naming what was repeated and never
its values. Otherwise which of them counts would be up to the parser (msgspec and chalice
keep the last, chalice's local server the first header) and to whatever proxy stands in
front, which may read another one.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

import msgspec
from chalice.app import MultiDict

from chalicelib.errors import (
    FieldError,
    MalformedRequestError,
    NotFoundError,
    UnsupportedMediaTypeError,
    ValidationFailedError,
)

MAX_PATH_PARAM = 255
# The headers the service reads, each as one value.
SINGLE_HEADERS = frozenset({"authorization", "content-type", "idempotency-key"})
# How much of a repeated name a problem quotes.
_NAME_CHARS = 64
_MSGSPEC_PATH = re.compile(r"^(?P<message>.*?)(?: - at `\$(?P<path>[^`]*)`)?$", re.S)
_MSGSPEC_FIELD = re.compile(r"^Object (?P<kind>missing required|contains unknown) field `(?P<name>[^`]*)`$")


def decode_path_params(raw: Mapping[str, str] | None) -> dict[str, str]:
    """The route's path parameters, percent-decoded once (`auth0%7Cabc` is `auth0|abc`).

    A `%` that does not start an escape stays as it is (as browsers and `unquote` read it);
    an escape that is not UTF-8, a control character or an overlong value names no
    resource: 404. A value decodes once only, so `%257C` is the literal `%7C`.

    >>> decode_path_params({"user_id": "auth0%7Cabc"})
    {'user_id': 'auth0|abc'}
    """
    params: dict[str, str] = {}
    for name, value in (raw or {}).items():
        try:
            decoded = urllib.parse.unquote(value, errors="strict") if "%" in value else value
        except UnicodeDecodeError:
            raise NotFoundError("no such resource") from None
        if len(decoded) > MAX_PATH_PARAM or not decoded.isprintable():
            raise NotFoundError("no such resource")
        params[name] = decoded
    return params


def decode_body(schema: type, raw: bytes, content_type: str | None) -> Any:
    if not raw.strip():
        raw = b"{}"  # an absent body is an empty object: required fields then say what is missing
    elif content_type is not None:
        mime, *parameters = (part.strip().lower() for part in content_type.split(";"))
        if not (mime == "application/json" or (mime.startswith("application/") and mime.endswith("+json"))):
            raise UnsupportedMediaTypeError("send the body as application/json")
        for parameter in parameters:
            name, _, value = parameter.partition("=")
            if name.strip() == "charset" and value.strip().strip('"') not in ("utf-8", "utf8"):
                raise UnsupportedMediaTypeError("send the body as UTF-8")
    invalid = None
    try:
        decoded: Any = msgspec.json.decode(raw, type=schema)
    except msgspec.ValidationError as error:
        decoded, invalid = None, ValidationFailedError([field_error(str(error))])
    except (msgspec.DecodeError, UnicodeDecodeError):
        # msgspec reports invalid UTF-8 inside a string as UnicodeDecodeError.
        raise MalformedRequestError("the body is not valid JSON (UTF-8)") from None
    except RecursionError:
        # msgspec refuses nesting deeper than the interpreter's recursion limit (~1,000).
        raise MalformedRequestError("the body is nested too deeply") from None
    # An object with a repeated member is ambiguous before it is invalid: 400 first.
    refuse_repeated_members(raw)
    if invalid is not None:
        raise invalid
    return decoded


class _RepeatedMember(Exception):
    def __init__(self, name: str) -> None:
        self.name = name


def _unique_members(pairs: list[tuple[str, Any]]) -> None:
    """json's object_pairs_hook: raises at a repeated name; builds nothing (the value is not used)."""
    if len(pairs) > 1 and len(dict(pairs)) < len(pairs):
        seen: set[str] = set()
        for name, _ in pairs:
            if name in seen:
                raise _RepeatedMember(name)
            seen.add(name)


# Made once: json.loads with a hook builds a decoder per call, which costs more than the parse.
# Shared by threads as json's own default decoder is.
_MEMBER_CHECK = json.JSONDecoder(object_pairs_hook=_unique_members)


def refuse_repeated_members(raw: bytes) -> None:
    """Raises MalformedRequestError when an object of the JSON document `raw` has a member twice.

    msgspec (like json.loads) keeps the last of `{"type": "opaque", "type": "jwt"}`, and
    says nothing. This parses `raw` once more, with the standard library's C scanner and a
    hook that sees each object's members in order, only when it could hold two members:
    every member needs a colon, so a body with fewer than two (`{"key": "kw_..."}`, the
    common verification) cannot. `raw` is JSON already accepted by msgspec (UTF-8, nothing
    but JSON whitespace around the value). The second parse costs about 1 µs for a
    verification with permissions and 2 µs for an HMAC verification's body, a 1-2% slower
    cached verification (`python -m bench.verify`, `repeated_input`).

    >>> refuse_repeated_members(b'{"type": "opaque", "type": "jwt"}')
    Traceback (most recent call last):
    chalicelib.errors.MalformedRequestError: the member 'type' appears more than once in an object of the body
    """
    if raw.count(b":") < 2:
        return
    try:
        _MEMBER_CHECK.raw_decode(raw.decode("utf-8").strip())
    except _RepeatedMember as repeated:
        raise MalformedRequestError(
            f"the member {_quoted(repeated.name)} appears more than once in an object of the body"
        ) from None
    except (ValueError, RecursionError):
        raise MalformedRequestError("the body is not valid JSON, or is nested too deeply") from None


def refuse_repeated_headers(lines: Mapping[str, Sequence[str]] | None) -> None:
    """Raises MalformedRequestError when a header the service reads comes more than once.

    `lines` is the event's `multiValueHeaders` (API Gateway's REST proxy event; the local
    server's, devstack.http_server): every line of each name, where `headers` holds one.
    Names are compared without case, however the carrier grouped them. None (chalice's test
    client, which cannot repeat a header) passes.
    """
    seen: set[str] = set()
    for name, values in (lines or {}).items():
        lowered = name.lower()
        if lowered in SINGLE_HEADERS:
            if len(values) > 1 or lowered in seen:
                raise MalformedRequestError(f"the header {name.title()} is given more than once")
            seen.add(lowered)


def _quoted(name: str) -> str:
    return repr(name if len(name) <= _NAME_CHARS else name[:_NAME_CHARS] + "...")


_MAX_FORM_FIELDS = 50


def decode_form(schema: type, raw: bytes, content_type: str | None) -> Any:
    """An OAuth request's form body (RFC 6749 section 3.2: UTF-8, each parameter at most once)."""
    mime = (content_type or "").split(";")[0].strip().lower()
    if raw.strip() and mime != "application/x-www-form-urlencoded":
        raise UnsupportedMediaTypeError("send the body as application/x-www-form-urlencoded")
    try:
        pairs = urllib.parse.parse_qsl(
            raw.decode("utf-8"),
            keep_blank_values=True,
            strict_parsing=bool(raw.strip()),
            errors="strict",  # a %-escape that is not UTF-8 is an error, not U+FFFD
            max_num_fields=_MAX_FORM_FIELDS,
        )
    except (UnicodeDecodeError, ValueError):
        raise MalformedRequestError("the body is not a UTF-8 form (name=value&...)") from None
    values: dict[str, str] = {}
    for name, value in pairs:
        if name in values:
            raise MalformedRequestError(f"the parameter {name!r} is given more than once")
        values[name] = value
    try:
        return msgspec.convert(values, type=schema)
    except msgspec.ValidationError as error:
        raise ValidationFailedError([field_error(str(error))]) from None


def decode_query(schema: type, query_params: MultiDict | None) -> Any:
    """The query, each parameter given once (chalice's MultiDict keeps every value, as API
    Gateway's `multiValueQueryStringParameters` does)."""
    values: dict[str, str] = {}
    if query_params is not None:
        for name in query_params:
            given = query_params.getlist(name)
            if len(given) > 1:
                raise MalformedRequestError(f"the query parameter {_quoted(name)} is given more than once")
            values[name] = given[0]
    try:
        return msgspec.convert(values, type=schema, strict=False)
    except msgspec.ValidationError as error:
        raise ValidationFailedError([field_error(str(error))]) from None


def field_error(message: str) -> FieldError:
    """Turns msgspec's message (`Expected int - at $.a[0]`) into a field path and a sentence.

    >>> field_error("Object missing required field `name` - at `$.info_fields[0]`")
    FieldError(field='info_fields[0].name', message='is required')
    """
    match = _MSGSPEC_PATH.match(message)
    assert match is not None  # the pattern matches any string
    text, path = match["message"], (match["path"] or "").lstrip(".")
    named = _MSGSPEC_FIELD.match(text)
    if named:
        path = f"{path}.{named['name']}" if path else named["name"]
        text = "is required" if named["kind"] == "missing required" else "is not a known field"
    return FieldError(path or "body", text)
