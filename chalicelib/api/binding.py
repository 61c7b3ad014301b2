"""Binding a request to what the handler receives: path parameters, the body and the query.

Each is decoded exactly once, here, whatever carried the request: chalice (locally and in
Lambda) hands path parameters over as the client sent them, still percent-encoded (API
Gateway's REST proxy event does the same; aws/chalice#688 keeps it so), so an OIDC subject
`auth0|abc` arrives as `auth0%7Cabc` from every client that encodes paths. Bad input is a
problem with the contract's code: an unreadable path parameter is 404 (no resource has that
name), a body that is not JSON 400, one that does not fit the schema 422.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Mapping
from typing import Any

import msgspec

from chalicelib.errors import (
    FieldError,
    MalformedRequestError,
    NotFoundError,
    UnsupportedMediaTypeError,
    ValidationFailedError,
)

MAX_PATH_PARAM = 255
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
    try:
        return msgspec.json.decode(raw, type=schema)
    except msgspec.ValidationError as error:
        raise ValidationFailedError([field_error(str(error))]) from None
    except (msgspec.DecodeError, UnicodeDecodeError):
        # msgspec reports invalid UTF-8 inside a string as UnicodeDecodeError.
        raise MalformedRequestError("the body is not valid JSON (UTF-8)") from None
    except RecursionError:
        # msgspec refuses nesting deeper than the interpreter's recursion limit (~1,000).
        raise MalformedRequestError("the body is nested too deeply") from None


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


def decode_query(schema: type, query_params: Mapping[str, str] | None) -> Any:
    values = {name: query_params[name] for name in query_params} if query_params else {}
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
