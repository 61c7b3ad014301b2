"""Keywarden's management API for Python: the typed client generated from the OpenAPI document
(:mod:`keywarden.management._generated`, httpx + attrs), and the few things a generator does
not give: a session object, problems as exceptions, and pagination.

Every operation of the document is a module of ``keywarden.management._generated.api.<tag>``
(the tag in snake case) with ``sync_detailed``
(and ``asyncio_detailed``) functions that return a ``Response`` whose ``parsed`` is the model
or a :class:`Problem`. :meth:`Keywarden.call` runs one with the session's client and returns
the model, or raises :class:`ProblemError`; :meth:`Keywarden.paginate` follows a list's
``next_cursor``. Network failures are httpx's own exceptions (``httpx.HTTPError``).

Example::

    import uuid

    from keywarden.management import Keywarden, models
    from keywarden.management._generated.api.api_keys import create_key, list_keys

    with Keywarden("https://keys.example.com", token) as kw:
        body = models.KeyCreate(name="ci", type_=models.KeyCreateType.OPAQUE, role_id=role_id)
        issued = kw.call(create_key.sync_detailed, pid, body=body, idempotency_key=str(uuid.uuid4()))
        secret = issued.secret  # KeyIssuedSecretType0 {key}; HMAC keys: KeyIssuedSecretType1 {token, secret}
        assert isinstance(secret, models.KeyIssuedSecretType0)
        print(secret.key)  # shown once
        for key in kw.paginate(list_keys.sync_detailed, pid=pid, status=models.ListKeysStatus.ACTIVE):
            print(key.id, key.name)

Importing :mod:`keywarden` does not import this package: a resource server that only
verifies keys does not load the generated client.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http import HTTPStatus
from types import TracebackType
from typing import Any, Protocol, Self, TypeVar, cast

import httpx

from keywarden.management._generated import models
from keywarden.management._generated.api.local_stage import issue_token
from keywarden.management._generated.client import AuthenticatedClient, Client
from keywarden.management._generated.models import DevToken, DevTokenRequest, Problem
from keywarden.management._generated.types import UNSET

__all__ = [
    "FieldError",
    "Keywarden",
    "ProblemError",
    "models",
    "paginate",
    "paginate_json",
    "sign_in_locally",
    "unwrap",
]

T = TypeVar("T")
ItemT = TypeVar("ItemT")
_T_co = TypeVar("_T_co", covariant=True)

PROBLEM_TYPE_PREFIX = "urn:keywarden:problem:"
DEFAULT_TIMEOUT = 30.0


class _Answer(Protocol[_T_co]):
    """What the generated functions return (their ``Response``), read-only so that it is covariant:
    a ``Response[PageKey | Problem]`` then fits ``_Answer[_Page[Key] | Problem]``."""

    @property
    def status_code(self) -> HTTPStatus: ...

    @property
    def content(self) -> bytes: ...

    @property
    def parsed(self) -> _T_co | None: ...


class _Page(Protocol[_T_co]):
    """Every list's answer: ``{"items": [...], "next_cursor": "..." | null}``."""

    @property
    def items(self) -> Sequence[_T_co]: ...

    @property
    def next_cursor(self) -> str | None: ...


# --- problems ------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldError:
    """One entry of a validation problem's ``errors``: which field, and what is wrong with it."""

    field: str
    message: str


# Not frozen: contextlib and traceback machinery assign to an exception's attributes.
@dataclass(eq=False)
class ProblemError(Exception):
    """An RFC 9457 problem (``application/problem+json``) the service answered instead of a result.

    ``code`` is the stable, machine-readable part (``not_found``, ``step_up_required``, ...);
    ``extensions`` holds any other members (``rerolled_to``, ...). An answer that is not a
    problem (a proxy's HTML page, an undocumented status) becomes one with the code
    ``unexpected_response``. No problem of this service carries a secret.
    """

    status: int
    code: str
    title: str
    detail: str = ""
    errors: tuple[FieldError, ...] = ()
    type: str = ""
    request_id: str | None = None
    extensions: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        text = f"{self.title}: {self.detail}" if self.detail else self.title
        return f"{text} ({self.code})"

    @classmethod
    def from_problem(cls, problem: Problem) -> ProblemError:
        errors = tuple(FieldError(e.field, e.message) for e in problem.errors or ())
        return cls(
            status=problem.status,
            code=problem.code,
            title=problem.title,
            detail=problem.detail,
            errors=errors,
            type=problem.type_,
            request_id=problem.request_id or None,
            extensions=dict(problem.additional_properties),
        )

    @classmethod
    def from_response(cls, response: _Answer[Any]) -> ProblemError:
        """The problem an unsuccessful answer carries, parsed by the generated code or, for a
        status the document does not list for that operation, from the body itself."""
        if isinstance(response.parsed, Problem):
            return cls.from_problem(response.parsed)
        status = int(response.status_code)
        try:
            body = json.loads(response.content)
            if isinstance(body, dict) and {"code", "title", "status", "detail", "type"} <= body.keys():
                return cls.from_problem(Problem.from_dict(body))
        except (ValueError, TypeError, KeyError, AttributeError):
            pass  # not a problem body: described below without repeating it
        try:
            phrase = HTTPStatus(status).phrase
        except ValueError:
            phrase = "Unexpected status"
        return cls(
            status=status,
            code="unexpected_response",
            title=phrase,
            detail=f"the service answered HTTP {status}, which is not a documented answer of this operation",
        )


def unwrap(response: _Answer[T | Problem]) -> T:
    """The parsed result of a generated ``sync_detailed`` call; raises :class:`ProblemError` otherwise.

    A 204 answer returns ``None`` (typed ``Any`` by the generated code).
    """
    status = int(response.status_code)
    if 200 <= status < 300 and (response.parsed is not None or status == HTTPStatus.NO_CONTENT):
        if isinstance(response.parsed, Problem):  # no documented success is a problem; be safe
            raise ProblemError.from_problem(response.parsed)
        return cast(T, response.parsed)
    raise ProblemError.from_response(response)


# --- pagination ------------------------------------------------------------------------


def _pages(fn: Callable[..., _Answer[Any]], kwargs: dict[str, Any]) -> Iterator[tuple[_Page[Any], bytes]]:
    """Each page of a list (its model and its body), following ``next_cursor`` from ``cursor=``."""
    cursor = kwargs.pop("cursor", UNSET)
    while True:
        response = fn(**kwargs, cursor=cursor)
        page = cast(_Page[Any], unwrap(response))
        yield page, response.content
        if not page.next_cursor:
            return
        if page.next_cursor == cursor:  # a service that answered the same page again: stop, not loop
            raise ProblemError(0, "pagination_loop", "The service returned the same cursor twice")
        cursor = page.next_cursor


def paginate(fn: Callable[..., _Answer[_Page[ItemT] | Problem]], /, **kwargs: Any) -> Iterator[ItemT]:
    """Every item of a list operation, page after page: ``fn`` is its generated ``sync_detailed``,
    ``kwargs`` its arguments (``client`` included; ``limit`` is the page size, ``cursor`` where to
    start). Pages are fetched as the iteration reaches them; a problem raises :class:`ProblemError`.

    >>> for key in paginate(list_keys.sync_detailed, pid=pid, client=client, limit=100):  # doctest: +SKIP
    ...     print(key.id)
    """
    for page, _ in _pages(fn, kwargs):
        yield from page.items


def paginate_json(fn: Callable[..., _Answer[_Page[Any] | Problem]], /, **kwargs: Any) -> Iterator[dict[str, Any]]:
    """As :func:`paginate`, but each item as the service's JSON object (timestamps as it wrote them)."""
    for _, content in _pages(fn, kwargs):
        yield from json.loads(content)["items"]


# --- the session ---------------------------------------------------------------------------


class Keywarden:
    """A person's session with the management API: ``client`` is the generated
    ``AuthenticatedClient`` (``Authorization: Bearer <token>``), usable with any operation.

    ``token`` is the person's OIDC access token (or, on the local stage, one from
    :func:`sign_in_locally`). ``httpx_args`` go to ``httpx.Client`` (``transport=``, ``proxy=``...).
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        headers: dict[str, str] | None = None,
        httpx_args: dict[str, Any] | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.client = AuthenticatedClient(
            base_url=self.base_url,
            token=token,
            timeout=httpx.Timeout(timeout),
            headers={"Accept": "application/json, application/problem+json", **(headers or {})},
            httpx_args=httpx_args or {},
        )

    def call(self, fn: Callable[..., _Answer[T | Problem]], /, *args: Any, **kwargs: Any) -> T:
        """Runs a generated ``sync_detailed`` with this session's client: its result, or :class:`ProblemError`."""
        return unwrap(fn(*args, client=self.client, **kwargs))

    def paginate(self, fn: Callable[..., _Answer[_Page[ItemT] | Problem]], /, **kwargs: Any) -> Iterator[ItemT]:
        """:func:`paginate` with this session's client."""
        return paginate(fn, client=self.client, **kwargs)

    def paginate_json(
        self, fn: Callable[..., _Answer[_Page[Any] | Problem]], /, **kwargs: Any
    ) -> Iterator[dict[str, Any]]:
        """:func:`paginate_json` with this session's client."""
        return paginate_json(fn, client=self.client, **kwargs)

    def close(self) -> None:
        self.client.get_httpx_client().close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, traceback: TracebackType | None
    ) -> None:
        self.close()


def sign_in_locally(
    base_url: str,
    sub: str,
    groups: Sequence[str] = (),
    *,
    auth_age_seconds: int = 0,
    timeout: float = DEFAULT_TIMEOUT,
    httpx_args: dict[str, Any] | None = None,
) -> DevToken:
    """A token from the local stack's own issuer (``POST /v1/dev/token``; 404 in any other stage).

    ``auth_age_seconds`` backdates the sign-in, as a login made that long ago (step-up tests).
    """
    body = DevTokenRequest(sub=sub, groups=list(groups), auth_age_seconds=auth_age_seconds)
    with Client(base_url=base_url.rstrip("/"), timeout=httpx.Timeout(timeout), httpx_args=httpx_args or {}) as client:
        return unwrap(issue_token.sync_detailed(client=client, body=body))
