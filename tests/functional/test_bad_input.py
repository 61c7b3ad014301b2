"""Hostile and broken input on every endpoint: never a 5xx, always a problem the contract names.

Each test walks every endpoint the app registers (chalicelib.api.http.ENDPOINTS), so a new
route is covered the day it is added. Findings are collected and reported together, one
line per endpoint and input, rather than stopping at the first.
"""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass, field
from typing import Any

import jwt
import msgspec.inspect as mi
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from app import app  # noqa: F401  (importing the app registers every route in ENDPOINTS)
from chalicelib.api.http import AUTH_NONE, AUTH_PERSON, ENDPOINTS, MAX_BODY_BYTES, Endpoint
from chalicelib.auth.local_issuer import LOCAL_ISSUER
from tests.functional.conftest import Api, Reply

# API.md, "Conventions": every problem code and its status.
PROBLEM_STATUS = {
    "malformed_request": 400,
    "confirmation_required": 400,
    "unauthenticated": 401,
    "step_up_required": 401,
    "forbidden": 403,
    "not_found": 404,
    "conflict": 409,
    "payload_too_large": 413,
    "unsupported_media_type": 415,
    "validation_failed": 422,
    "immutable_field": 422,
    "owner_not_permitted": 422,
    "idempotency_key_reused": 422,
    # Issue 23: a key the project's key policy refuses; the open leak report endpoint's rate limit.
    "policy_violation": 422,
    "rate_limited": 429,
}
OWNER = "ann"
KNOWN = object()  # an expectation of "any sound answer"
LEGITIMATE = "the credential a legitimate caller of the route sends"


def endpoint_id(endpoint: Endpoint) -> str:
    return f"{endpoint.method} {endpoint.path}"


ROUTES = {endpoint_id(e) for e in ENDPOINTS}
# Service-key routes are reached with a project's service key, when the app can reveal one.
REVEAL_ROUTE = "POST /v1/projects/{pid}/secrets/{name}/reveal"
CREATE_KEY_ROUTE = "POST /v1/projects/{pid}/keys"


def decodes_for_us(endpoint: Endpoint) -> bool:
    """Routes whose body and query this file reaches with the right credential."""
    return endpoint.auth in (AUTH_PERSON, AUTH_NONE) or REVEAL_ROUTE in ROUTES


BODY_ENDPOINTS = [e for e in ENDPOINTS if e.body is not None and not e.form and decodes_for_us(e)]
# OAuth's form-encoded routes (introspection): JSON is refused there as 415.
FORM_ENDPOINTS = [e for e in ENDPOINTS if e.body is not None and e.form]
# Lists: their queries page with `limit` and `cursor` (the usage report has a query of its own).
QUERY_ENDPOINTS = [
    e for e in ENDPOINTS if e.query is not None and "limit" in e.query.__struct_fields__ and decodes_for_us(e)
]
AUTHENTICATED_ENDPOINTS = [e for e in ENDPOINTS if e.auth != AUTH_NONE]


# --- what a sound answer is --------------------------------------------------------


@dataclass(frozen=True)
class Expect:
    status: int
    code: str
    field: str | None = None  # the first error's field, up to its first "." or "["


def problems_with(reply: Reply, expect: Expect | tuple[Expect, ...] | object) -> list[str]:
    """Everything wrong with `reply`, judged by API.md and, when given, an exact expectation."""
    found = []
    if b"Traceback" in reply.body or b'File "/' in reply.body:
        found.append("leaks a stack trace")
    if reply.status >= 500:
        return [*found, f"answered {reply.status}: {reply.body[:120]!r}"]
    content_type = reply.headers.get("content-type", "")
    if reply.status >= 400:
        if content_type != "application/problem+json":
            found.append(f"error with content type {content_type!r}")
        try:
            problem = json.loads(reply.body)
        except ValueError:
            return [*found, f"error body is not JSON: {reply.body[:80]!r}"]
        code = problem.get("code")
        if PROBLEM_STATUS.get(code) != reply.status:
            found.append(f"code {code!r} is not API.md's code for {reply.status}")
        if problem.get("status") != reply.status or problem.get("type") != f"urn:keywarden:problem:{code}":
            found.append(f"problem fields disagree: {problem}")
        if not isinstance(problem.get("title"), str) or not isinstance(problem.get("detail"), str):
            found.append("problem without title or detail")
    elif reply.status != 204:
        try:
            json.loads(reply.body)
        except ValueError:
            found.append(f"success body is not JSON: {reply.body[:80]!r}")
    if isinstance(expect, Expect):
        expect = (expect,)
    if isinstance(expect, tuple):
        misses = [miss for option in expect if (miss := _mismatch(reply, option))]
        if len(misses) == len(expect):
            found.append(" or ".join(misses))
    return found


def _mismatch(reply: Reply, expect: Expect) -> str | None:
    got = (reply.status, reply.code if reply.status >= 400 else None)
    if got != (expect.status, expect.code):
        return f"expected {expect.status} {expect.code}, got {got[0]} {got[1]}: {reply.body[:160]!r}"
    if expect.field is not None:
        errors = json.loads(reply.body).get("errors") or [{}]
        first = re.split(r"[.\[]", str(errors[0].get("field")))[0]
        if first != expect.field:
            return f"expected the error on {expect.field!r}, got {errors}"
    return None


# --- sending -------------------------------------------------------------------------


class _Params(dict[str, str]):
    def __missing__(self, key: str) -> str:
        return "unknown"  # a route param this file does not know yet: any id will do


@dataclass
class Prober:
    """Sends input to endpoints against a freshly arranged project, and collects findings."""

    api: Api
    findings: list[str] = field(default_factory=list)
    params: _Params = field(default_factory=_Params)
    _service_key: tuple[str, str] = ("", "")

    def __post_init__(self) -> None:
        self.arrange()

    def arrange(self) -> None:
        pid = self.api.project(owner=OWNER, bob="viewer", dana="developer")
        self.params = _Params(pid=pid, user_id="bob", job="usage-rollup", name="secure_key")
        self.replace("role_id")
        self.replace("node_id")
        if CREATE_KEY_ROUTE in ROUTES:
            self.replace("key_id")
        self.replace("template_id")
        self.replace("request_id")
        self.replace("webhook_id")

    def replace(self, param: str) -> None:
        """Makes again what a DELETE that went through removed (DynamoDB in moto slows as it fills)."""
        pid = self.params["pid"]
        if param == "role_id":
            made = self.api.post(f"/v1/projects/{pid}/roles", {"name": "r", "permissions": ["a"]}, as_user=OWNER)
        elif param == "node_id":
            made = self.api.post(f"/v1/projects/{pid}/nodes", {"name": "n", "kind": "input"}, as_user=OWNER)
        elif param == "user_id":
            made = self.api.put(f"/v1/projects/{pid}/members/bob", {"role": "viewer"}, as_user=OWNER)
        elif param == "template_id":
            body = {"name": "t", "type": "opaque", "role_id": self.params["role_id"], "info_fields": []}
            made = self.api.post(f"/v1/projects/{pid}/key-templates", body, as_user=OWNER)
        elif param == "request_id":
            # From a fresh template each time: one pending request per requester and template.
            self.replace("template_id")
            body = {"template_id": self.params["template_id"]}
            made = self.api.post(f"/v1/projects/{pid}/key-requests", body, as_user="dana")
        elif param == "webhook_id":
            body = {"url": "http://127.0.0.1:9/hook", "events": ["key.created"]}
            made = self.api.post(f"/v1/projects/{pid}/webhooks", body, as_user=OWNER)
            assert made.status == 201, made.body
            self.params[param] = made.json["webhook"]["id"]
            return
        elif param == "key_id":
            body = {"name": "k", "type": "opaque", "role_id": self.params["role_id"]}
            made = self.api.post(f"/v1/projects/{pid}/keys", body, as_user=OWNER)
            assert made.status == 201, made.body
            self.params[param] = made.json["key"]["id"]
            return
        else:
            self.arrange()
            return
        assert made.status in (200, 201), made.body
        if param != "user_id":
            self.params[param] = made.json["id"]

    def credential(self, endpoint: Endpoint) -> str | None:
        """What a legitimate caller of `endpoint` sends: the owner's token, or the project's service key."""
        if endpoint.auth == AUTH_NONE:
            return None
        if endpoint.auth == AUTH_PERSON:
            return "Bearer " + self.api.token(OWNER)
        pid = self.params["pid"]
        if self._service_key[0] != pid:
            reply = self.api.post(f"/v1/projects/{pid}/secrets/service_key/reveal", as_user=OWNER)
            assert reply.status == 200, reply.body
            self._service_key = (pid, reply.json["value"])
        return "Bearer " + self._service_key[1]

    def send(
        self,
        endpoint: Endpoint,
        body: bytes | str = b"",
        *,
        expect: Expect | tuple[Expect, ...] | object = KNOWN,
        content_type: str = "application/json",
        query: str = "",
        params: dict[str, str] | None = None,
        authorization: str | None = LEGITIMATE,
        label: str = "",
    ) -> Reply:
        path = endpoint.path.format_map(_Params({**self.params, **(params or {})})) + query
        headers = {"content-type": content_type}
        if authorization is LEGITIMATE:
            credential = self.credential(endpoint)
            if credential is not None:
                headers["authorization"] = credential
        elif authorization is not None:
            headers["authorization"] = authorization
        reply = self.api.request(endpoint.method, path, body=body, headers=headers)
        raw = body if isinstance(body, bytes) else body.encode("utf-8", "surrogatepass")
        where = f"{endpoint_id(endpoint)} {label or raw[:60]!r}"
        self.findings.extend(f"{where}: {problem}" for problem in problems_with(reply, expect))
        if endpoint.method == "DELETE" and 200 <= reply.status < 300:
            # It went through: the next input gets something to delete again.
            self.replace(re.findall(r"{(\w+)}", endpoint.path)[-1] if "{" in endpoint.path else "pid")
        return reply

    def verdict(self) -> None:
        assert not self.findings, f"{len(self.findings)} findings:\n" + "\n".join(self.findings[:60])


def dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=True)


# --- bodies, by schema --------------------------------------------------------------

SAMPLES: dict[str, Any] = {
    "string": "text",
    "integer": 7,
    "number": 1.5,
    "boolean": True,
    "array": [],
    "object": {},
    "null": None,
}
_KINDS: dict[type, set[str]] = {
    mi.StrType: {"string"},
    mi.BytesType: {"string"},
    mi.DateTimeType: {"string"},
    mi.DateType: {"string"},
    mi.TimeType: {"string"},
    mi.UUIDType: {"string"},
    mi.DecimalType: {"string", "number", "integer"},
    mi.EnumType: {"string", "integer"},
    mi.IntType: {"integer"},
    mi.FloatType: {"integer", "number"},
    mi.BoolType: {"boolean"},
    mi.NoneType: {"null"},
    mi.ListType: {"array"},
    mi.SetType: {"array"},
    mi.FrozenSetType: {"array"},
    mi.VarTupleType: {"array"},
    mi.TupleType: {"array"},
    mi.DictType: {"object"},
    mi.StructType: {"object"},
    mi.TypedDictType: {"object"},
    mi.DataclassType: {"object"},
}


def json_kinds(t: mi.Type) -> set[str] | None:
    """The JSON types a field accepts; None when it accepts anything (or this file cannot tell)."""
    if isinstance(t, mi.Metadata):
        return json_kinds(t.type)
    if isinstance(t, mi.LiteralType):
        return {"integer" if isinstance(v, int) else "string" for v in t.values}
    if isinstance(t, mi.UnionType):
        kinds: set[str] = set()
        for member in t.types:
            member_kinds = json_kinds(member)
            if member_kinds is None:
                return None
            kinds |= member_kinds
        return kinds
    return _KINDS.get(type(t))


def body_fields(endpoint: Endpoint) -> list[mi.Field]:
    info = mi.type_info(endpoint.body)
    assert isinstance(info, mi.StructType), f"{endpoint_id(endpoint)}: bodies are expected to be Structs"
    return list(info.fields)


def wrong_values(kinds: set[str]) -> list[Any]:
    accepted = kinds | ({"integer"} if "number" in kinds else set())
    return [value for kind, value in SAMPLES.items() if kind not in accepted]


def wrap(kinds: set[str] | None, value: Any) -> Any:
    """`value` placed where a field of these kinds holds text: itself, in a list, or as a key."""
    if kinds is None or "string" in kinds:
        return value
    if "array" in kinds:
        return [value]
    if "object" in kinds:
        return {str(value): value}
    return value


# --- the tests -------------------------------------------------------------------------


def test_every_endpoint_is_probed() -> None:
    # The lists below are computed from ENDPOINTS; make sure they are not silently empty.
    assert len(ENDPOINTS) >= 20
    assert {"POST /v1/projects", "PUT /v1/projects/{pid}/members/{user_id}"} <= {endpoint_id(e) for e in BODY_ENDPOINTS}
    assert "GET /v1/projects/{pid}/audit-events" in {endpoint_id(e) for e in QUERY_ENDPOINTS}


MALFORMED = [b"{", b"}", b"nul\x00", b"\xff\xfe{}", b"{'name': 'x'}", b"NaN", b"{,}", b"\x00{}"]
# Broken only after a first key: a 422 on that key may come first, and that is fine too.
BROKEN_LATE = [b'{"name": ', b'{"a": 1,}', b'{"name": "x"', b'{"name": "unterminated', b"{}}", b"{} []"]
NOT_AN_OBJECT = [b"[]", b"[1, 2]", b'"text"', b"42", b"-1e400", b"null", b"true"]
DEEP = [b"[" * 100_000, b"[" * 100_000 + b"]" * 100_000, b'{"a":' * 40_000, b'{"name": ' + b"[" * 100_000]
# Routes that read no body must ignore one, whatever it is: a sample of each kind.
IGNORED_BODIES = [MALFORMED[0], NOT_AN_OBJECT[0], NOT_AN_OBJECT[2], DEEP[0]]


BROKEN_FORMS = [b"token", b"=", b"&&", b"token=a&token=b", b"token=%zz%", b"\xff\xfe=1", b"token=\xff", b"a=1;b=2"]


def test_broken_form_bodies(api: Api) -> None:
    """A form route answers garbage with a sound problem or, for a token that is no key, `{"active": false}`."""
    assert {endpoint_id(e) for e in FORM_ENDPOINTS} == {"POST /v1/oauth/introspect"}
    probe = Prober(api)
    form = "application/x-www-form-urlencoded"
    for endpoint in FORM_ENDPOINTS:
        for raw in BROKEN_FORMS + MALFORMED:
            reply = probe.send(endpoint, raw, content_type=form)
            assert reply.status in (200, 400, 422), (raw, reply.status, reply.body)
            assert reply.status != 200 or reply.json == {"active": False}, (raw, reply.body)
        probe.send(endpoint, b'{"token": "x"}', expect=Expect(415, "unsupported_media_type"))
        probe.send(endpoint, b"token=a&token=b", content_type=form, expect=Expect(400, "malformed_request"))
    probe.verdict()


def test_broken_json_bodies(api: Api) -> None:
    probe = Prober(api)
    malformed = Expect(400, "malformed_request")
    for endpoint in ENDPOINTS:
        if endpoint not in BODY_ENDPOINTS:
            for raw in IGNORED_BODIES:
                probe.send(endpoint, raw)
            continue
        for raw in MALFORMED:
            probe.send(endpoint, raw, expect=malformed)
        for raw in BROKEN_LATE:
            probe.send(endpoint, raw, expect=(malformed, Expect(422, "validation_failed")))
        for raw in NOT_AN_OBJECT:
            probe.send(endpoint, raw, expect=Expect(422, "validation_failed", "body"))
        for raw in DEEP:
            probe.send(endpoint, raw, expect=(malformed, Expect(422, "validation_failed")), label=f"{len(raw)} B deep")
    probe.verdict()


INVALID_UTF8_IN_A_STRING = [b"\xed\xa0\x80", b"\xff", b"\xc3", b"\xc0\xaf", b"a\xe2\x82", b"\xf4\x90\x80\x80"]


def test_invalid_utf8_inside_a_string_is_refused(api: Api) -> None:
    # A UTF-16 surrogate written as UTF-8 (ED A0 80), stray and truncated sequences, an overlong
    # "/", a code point past U+10FFFF: not UTF-8, so not JSON (RFC 8259 section 8.1).
    probe = Prober(api)
    for endpoint in BODY_ENDPOINTS:
        for f in body_fields(endpoint):
            kinds = json_kinds(f.type)
            if kinds is not None and not kinds & {"string", "array"}:
                continue  # a number field refuses any string before reading it
            for raw in INVALID_UTF8_IN_A_STRING:
                text = b'"' + raw + b'"'
                value = text if kinds is None or "string" in kinds else b"[" + text + b"]"
                body = b'{"' + f.name.encode() + b'": ' + value + b"}"
                # Typed strings (timestamps) may be refused as such first; plain text is simply not JSON.
                expect = (Expect(400, "malformed_request"), Expect(422, "validation_failed", f.name))
                probe.send(endpoint, body, expect=expect, label=f"{f.name}={raw!r}")
    probe.verdict()


def test_wrong_types_and_huge_numbers_for_each_field(api: Api) -> None:
    probe = Prober(api)
    for endpoint in BODY_ENDPOINTS:
        for f in body_fields(endpoint):
            kinds = json_kinds(f.type)
            for value in wrong_values(kinds) if kinds is not None else []:
                probe.send(endpoint, dumps({f.name: value}), expect=Expect(422, "validation_failed", f.name))
            # 1e400 is valid JSON but no float: nothing may store it.
            huge_float = '{"' + f.name + '": 1e400}'
            probe.send(endpoint, huge_float, expect=Expect(422, "validation_failed", f.name) if kinds else KNOWN)
            takes_numbers = kinds is None or bool(kinds & {"integer", "number"})
            for huge in (10**30, -(10**30), 2**64):
                expect = KNOWN if takes_numbers else Expect(422, "validation_failed", f.name)
                probe.send(endpoint, dumps({f.name: huge}), expect=expect)
                probe.send(endpoint, dumps({f.name: wrap(kinds, huge)}))
    probe.verdict()


ODD_TEXT = [
    "\ud800",  # a lone surrogate, sent as the escape \ud800
    "\udfff\ud800",
    "\u0000",
    "nul\u0000inside",
    "\u202eevil\u200f",  # right-to-left override and mark
    "\u200b",  # zero-width space
    "\ufeffbom",
    "e\u0301" * 50,  # combining accents
    "😀" * 64,
    "\U0010ffff",
    "x" * 10_000,
    "😀" * 10_000,
    "line\nbreak",
    "  ",
]


def test_odd_unicode_in_every_text_field(api: Api) -> None:
    probe = Prober(api)
    for endpoint in BODY_ENDPOINTS:
        for f in body_fields(endpoint):
            kinds = json_kinds(f.type)
            for text in ODD_TEXT:
                probe.send(endpoint, dumps({f.name: wrap(kinds, text)}), label=f"{f.name}={text[:12]!r}")
            # Raw UTF-8 on the wire, not escapes.
            raw = json.dumps({f.name: wrap(kinds, "😀 \u202e ü")}, ensure_ascii=False)
            probe.send(endpoint, raw.encode(), label=f"{f.name} raw UTF-8")
        # Odd text in unknown places: as an unknown field's name and as the whole body.
        probe.send(endpoint, dumps({"\ud800": 1}), label="surrogate key")
        probe.send(endpoint, dumps("\u0000"), label="NUL string body")
    probe.verdict()


def test_a_final_newline_is_refused_wherever_a_tab_is(api: Api) -> None:
    # A pattern ending in "$" also matches before a final newline: "ok\n" must fare like "ok\t".
    probe = Prober(api)
    for endpoint in BODY_ENDPOINTS:
        for f in body_fields(endpoint):
            kinds = json_kinds(f.type)
            if kinds is None or not kinds & {"string", "array"}:
                continue
            tab = probe.send(endpoint, dumps({f.name: wrap(kinds, "ok\t")}), label=f"{f.name} tab")
            if not refused_on(tab, f.name):
                continue
            newline = probe.send(endpoint, dumps({f.name: wrap(kinds, "ok\n")}), label=f"{f.name} newline")
            if not refused_on(newline, f.name):
                # msgspec stops at the first error: one on another field means this one passed.
                probe.findings.append(
                    f"{endpoint_id(endpoint)}: {f.name} refuses 'ok\\t' but took 'ok\\n' "
                    f"({newline.status} {newline.body[:100]!r})"
                )
    probe.verdict()


def refused_on(reply: Reply, name: str) -> bool:
    errors = reply.json.get("errors") if reply.status == 422 else None
    return bool(errors) and re.split(r"[.\[]", errors[0]["field"])[0] == name


def test_missing_and_unknown_fields(api: Api) -> None:
    probe = Prober(api)
    for endpoint in BODY_ENDPOINTS:
        required = [f.name for f in body_fields(endpoint) if f.required]
        for body in (b"{}", b"", b"   "):
            if required:
                reply = probe.send(endpoint, body, expect=Expect(422, "validation_failed"))
                errors = reply.json.get("errors") if reply.status == 422 else None
                if not errors or errors[0].get("message") != "is required" or errors[0].get("field") not in required:
                    probe.findings.append(f"{endpoint_id(endpoint)} {body!r}: errors {errors} name no required field")
            else:
                probe.send(endpoint, body)
        forbids_unknown = endpoint.body.__struct_config__.forbid_unknown_fields  # type: ignore[union-attr]
        for name in ("surprise", "__proto__", "constructor", "Name", "id"):
            if name in {f.name for f in body_fields(endpoint)}:
                continue
            expect = Expect(422, "validation_failed", name) if forbids_unknown else KNOWN
            probe.send(endpoint, dumps({name: 1}), expect=expect)
    probe.verdict()


REFUSED_TYPES = [
    "text/plain",
    "text/json",
    "application/x-www-form-urlencoded",
    "multipart/form-data; boundary=xyz",
    "application/xml",
    "application/json; charset=latin-1",
    "application/json; charset=utf-16",
]
ACCEPTED_TYPES = ["application/json; charset=UTF-8", "APPLICATION/JSON", "application/merge-patch+json"]


def test_bodies_that_are_not_json_by_content_type(api: Api) -> None:
    probe = Prober(api)
    for endpoint in ENDPOINTS:
        if endpoint not in BODY_ENDPOINTS:
            for content_type in REFUSED_TYPES[:2]:
                probe.send(endpoint, b"{}", content_type=content_type, label=content_type)
            continue
        for content_type in REFUSED_TYPES:
            expect = Expect(415, "unsupported_media_type")
            probe.send(endpoint, b"{}", content_type=content_type, expect=expect, label=content_type)
        for content_type in ACCEPTED_TYPES:
            reply = probe.send(endpoint, b"{}", content_type=content_type, label=content_type)
            if reply.status == 415:
                probe.findings.append(f"{endpoint_id(endpoint)}: {content_type!r} is JSON but was refused")
    probe.verdict()


def test_bodies_over_256_kib_are_413(api: Api) -> None:
    probe = Prober(api)

    def body_of(size: int) -> bytes:
        head, tail = b'{"name": "', b'"}'
        return head + b"a" * (size - len(head) - len(tail)) + tail

    for endpoint in ENDPOINTS:
        too_big = Expect(413, "payload_too_large")
        probe.send(endpoint, body_of(MAX_BODY_BYTES + 1), expect=too_big, label="256 KiB + 1")
        probe.send(endpoint, body_of(5 * MAX_BODY_BYTES), expect=too_big, label="1.25 MiB")
        # The size is judged before the caller: nobody makes the service read a huge body.
        probe.send(endpoint, body_of(MAX_BODY_BYTES + 1), authorization=None, expect=too_big, label="no auth")
        reply = probe.send(endpoint, body_of(MAX_BODY_BYTES), label="exactly 256 KiB")
        if reply.status == 413:
            probe.findings.append(f"{endpoint_id(endpoint)}: exactly 256 KiB was refused as too large")
    probe.verdict()


GARBAGE_LIMITS = ["abc", "0", "101", "-1", "1.5", "", "1e400", str(10**30), "%00", "ten"]
GARBAGE_CURSORS = [
    "garbage",
    "",
    "x" * 3000,
    "é",
    "%00",
    "%ff%fe",
    base64.urlsafe_b64encode(b'{"nope": "x"}').decode(),
    base64.urlsafe_b64encode(b"[]").decode(),
    base64.urlsafe_b64encode(b'"x"').decode(),
]


def test_garbage_query_strings(api: Api) -> None:
    probe = Prober(api)
    junk = "?limit=abc&cursor=garbage&&=&%ZZ=1&x=" + "y" * 5000
    repeated = "?limit=abc&limit=0"
    for endpoint in ENDPOINTS:
        if endpoint not in QUERY_ENDPOINTS:
            for query in ("?limit=abc", "?limit=0", "?limit=101", "?cursor=garbage", junk, repeated):
                probe.send(endpoint, b"", query=query, label=query[:40])
            continue
        for limit in GARBAGE_LIMITS:
            expect = Expect(422, "validation_failed", "limit")
            probe.send(endpoint, b"", query=f"?limit={limit}", expect=expect, label=f"limit={limit[:20]}")
        for cursor in GARBAGE_CURSORS:
            expect = Expect(422, "validation_failed", "cursor")
            probe.send(endpoint, b"", query=f"?cursor={cursor}", expect=expect, label=f"cursor={cursor[:20]}")
        probe.send(endpoint, b"", query=junk, expect=Expect(422, "validation_failed"), label="junk")
        # Given twice, neither value counts: the parameter is named, whatever its values.
        probe.send(endpoint, b"", query=repeated, expect=Expect(400, "malformed_request"), label="repeated")
    probe.verdict()


def test_a_cursor_holding_deeply_nested_json_is_422(api: Api) -> None:
    # Well within the 2,048 characters a cursor may have, and deeper than Python's json recurses.
    cursor = base64.urlsafe_b64encode(b"[" * 1500).decode().rstrip("=")
    probe = Prober(api)
    for endpoint in QUERY_ENDPOINTS:
        probe.send(endpoint, b"", query=f"?cursor={cursor}", expect=Expect(422, "validation_failed", "cursor"))
    probe.verdict()


# (No tab or newline: the test client's URL parsing drops them before the app sees the path.)
UNROUTABLE_IDS = ["x" * 257, "x" * 10_000, "nul\x00", "bell\x07", "esc\x1b", "\u202e", "\u2028"]
ODD_IDS = ["😀", "a b", "%00", "..", "'; DROP TABLE projects; --", "prj_" + "0" * 26, "x" * 256]


def test_odd_path_parameters(api: Api) -> None:
    probe = Prober(api)
    for endpoint in ENDPOINTS:
        for name in re.findall(r"{(\w+)}", endpoint.path):
            for value in UNROUTABLE_IDS:
                expect = Expect(404, "not_found")
                probe.send(endpoint, b"{}", params={name: value}, expect=expect, label=f"{name}={value[:12]!r}")
            for value in ODD_IDS:
                probe.send(endpoint, b"{}", params={name: value}, label=f"{name}={value[:12]!r}")
    probe.verdict()


def test_no_authorization_is_401_with_a_challenge(api: Api) -> None:
    probe = Prober(api)
    for endpoint in AUTHENTICATED_ENDPOINTS:
        reply = probe.send(endpoint, b"{}", authorization=None, expect=Expect(401, "unauthenticated"))
        if not reply.headers.get("www-authenticate", "").startswith("Bearer"):
            probe.findings.append(f"{endpoint_id(endpoint)}: 401 without WWW-Authenticate: Bearer")
    probe.verdict()


def forged_tokens() -> dict[str, str]:
    now = int(time.time())
    claims = {"iss": LOCAL_ISSUER, "aud": "keywarden", "sub": OWNER, "iat": now, "exp": now + 600, "auth_time": now}
    stranger = ec.generate_private_key(ec.SECP256R1())
    public_pem = stranger.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )

    def unsigned(payload: dict[str, Any]) -> str:
        parts = [{"alg": "none", "typ": "JWT"}, payload]
        encoded = [base64.urlsafe_b64encode(json.dumps(p).encode()).rstrip(b"=").decode() for p in parts]
        return ".".join(encoded) + "."

    def hs256_with(secret: bytes) -> str:
        header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').rstrip(b"=").decode()
        payload = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
        import hashlib
        import hmac

        signature = hmac.new(secret, f"{header}.{payload}".encode(), hashlib.sha256).digest()
        return f"{header}.{payload}." + base64.urlsafe_b64encode(signature).rstrip(b"=").decode()

    return {
        "another key, local issuer": jwt.encode(claims, stranger, algorithm="ES256"),
        "alg none": unsigned(claims),
        "HS256 keyed with a public key": hs256_with(public_pem),
        "expired, another key": jwt.encode({**claims, "exp": now - 3600}, stranger, algorithm="ES256"),
    }


def test_garbage_and_forged_tokens_are_401(api: Api) -> None:
    token = api.token(OWNER)
    header, payload, signature = token.split(".")
    tampered_payload = base64.urlsafe_b64encode(
        json.dumps({**jwt.decode(token, options={"verify_signature": False}), "sub": "root"}).encode()
    )
    authorizations = {
        "garbage": "Bearer garbage",
        "empty bearer": "Bearer ",
        "bearer alone": "Bearer",
        "basic": "Basic YW5uOnNlY3JldA==",
        "a service key": "Bearer kws_" + "a" * 40,
        "oversized": "Bearer " + "a" * 20_000,
        "non-ASCII": "Bearer ключ",
        "three dots": "Bearer ...",
        "tampered claims": f"Bearer {header}.{tampered_payload.rstrip(b'=').decode()}.{signature}",
        "cut signature": f"Bearer {header}.{payload}.{signature[:-4]}",
        **{name: f"Bearer {value}" for name, value in forged_tokens().items()},
    }
    probe = Prober(api)
    for endpoint in AUTHENTICATED_ENDPOINTS:
        for label, authorization in authorizations.items():
            reply = probe.send(
                endpoint, b"{}", authorization=authorization, expect=Expect(401, "unauthenticated"), label=label
            )
            if reply.status == 401 and not reply.headers.get("www-authenticate", "").startswith("Bearer"):
                probe.findings.append(f"{endpoint_id(endpoint)} {label}: 401 without WWW-Authenticate: Bearer")
    probe.verdict()
