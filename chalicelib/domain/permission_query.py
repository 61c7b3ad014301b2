"""Permission queries: what a verification may ask of a key beyond "every one of these".

    orders:read AND (orders:write OR admin)

The grammar; AND binds tighter than OR, so `a OR b AND c` is `a OR (b AND c)`:

    expr     := and_expr ("OR" and_expr)*
    and_expr := atom ("AND" atom)*
    atom     := PERMISSION | "(" expr ")"

- `AND` and `OR` are keywords in capitals only. A permission is lower case (see
  `domain.permissions`), so no permission a role can hold reads as a keyword: `and` and `or`
  are permissions, and `And` is an error.
- Spaces, tabs and line breaks separate words; parentheses need none around them. A word is
  a keyword or a permission whole: `orders:readAND x` is an error, never `orders:read AND x`.
- Each term is matched as a listed permission is (`domain.permissions.holds`): a key's
  `orders:*` grants `orders:read` wherever the query names it.
- At most 1,000 characters, 100 terms and 32 levels of parentheses. Anything else malformed
  raises `QueryError` (a `ValueError`) saying what, and at which character (counted from 1).

The SDK (`keywarden._query`) reads the same grammar; `tests/vectors/permission_queries.json`
holds both to the same answers.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import NamedTuple

from chalicelib.domain.permissions import (
    PERMISSION_CHARACTERS,
    PERMISSION_MAX_LENGTH,
    PERMISSION_PATTERN,
    wildcard_prefixes,
)

MAX_LENGTH = 1000
MAX_TERMS = 100
MAX_DEPTH = 32

# Every character that is not a separator belongs to a parenthesis or a word, so the
# matches of this pattern cover the text but for separators.
_WORDS = re.compile(r"[()]|[^ \t\r\n()]+")
_PERMISSION = re.compile(PERMISSION_PATTERN)
_STRANGER = re.compile(rf"[^{PERMISSION_CHARACTERS}]")


class QueryError(ValueError):
    """A permission query that cannot be read; the message says what and where."""


class _Node:
    """What every kind of query does: answer for a key's permissions."""

    __slots__ = ()

    def evaluate(self, granted: Collection[str]) -> bool:
        """Whether a key holding `granted` satisfies the query; its wildcards apply to each term."""
        return self.met_by(granted, wildcard_prefixes(granted))

    def met_by(self, granted: Collection[str], prefixes: tuple[str, ...]) -> bool:
        """`evaluate`, given `wildcard_prefixes(granted)` (gathered once for the whole query)."""
        raise NotImplementedError


@dataclass(frozen=True, slots=True)
class Term(_Node):
    """One permission the key must hold."""

    permission: str

    def met_by(self, granted: Collection[str], prefixes: tuple[str, ...]) -> bool:
        # `holds`, with the prefixes already gathered.
        return self.permission in granted or self.permission.startswith(prefixes)


@dataclass(frozen=True, slots=True)
class AllOf(_Node):
    """Every part holds (`AND`)."""

    parts: tuple[Query, ...]

    def met_by(self, granted: Collection[str], prefixes: tuple[str, ...]) -> bool:
        # A loop, not all() over a generator: half the cost per verification (bench/permission_query.py).
        for part in self.parts:  # noqa: SIM110
            if not part.met_by(granted, prefixes):
                return False
        return True


@dataclass(frozen=True, slots=True)
class AnyOf(_Node):
    """At least one part holds (`OR`)."""

    parts: tuple[Query, ...]

    def met_by(self, granted: Collection[str], prefixes: tuple[str, ...]) -> bool:
        for part in self.parts:  # noqa: SIM110 (a loop, as in AllOf)
            if part.met_by(granted, prefixes):
                return True
        return False


Query = Term | AllOf | AnyOf


def requirement_of(permissions: str | Collection[str]) -> Query:
    """What a verification's `permissions` asks of a key: a string is a query, any other
    collection asks for every one of its items. Both are remembered (see `parsed`).

    >>> requirement_of("a OR b").evaluate(["b"]), requirement_of(["a", "b"]).evaluate(["b"])
    (True, False)
    """
    if isinstance(permissions, str):
        return parsed(permissions)
    return _every(tuple(permissions))


@lru_cache(maxsize=1024)
def parsed(text: str) -> Query:
    """`parse`, remembered for the 1,024 queries last asked (verification asks per request)."""
    return parse(text)


@lru_cache(maxsize=1024)
def _every(permissions: tuple[str, ...]) -> Query:
    return AllOf(tuple(Term(permission) for permission in permissions))


def parse(text: str) -> Query:
    """The query `text` says, or `QueryError`.

    >>> parse("a AND (b OR c)")
    AllOf(parts=(Term(permission='a'), AnyOf(parts=(Term(permission='b'), Term(permission='c')))))
    """
    if len(text) > MAX_LENGTH:
        raise QueryError(f"a query has at most {MAX_LENGTH:,} characters; this one has {len(text):,}")
    parser = _Parser(list(_tokens(text)), len(text) + 1)
    if not parser.tokens:
        raise QueryError("the query is empty: name at least one permission")
    query = parser.expr()
    parser.expect_end()
    return query


# --- reading ------------------------------------------------------------------------------


class _Token(NamedTuple):
    kind: str  # "(", ")", "AND", "OR" or "TERM"
    text: str
    at: int  # where it starts, counted from 1


def _tokens(text: str) -> Iterator[_Token]:
    terms = 0
    for match in _WORDS.finditer(text):
        word, at = match.group(), match.start() + 1
        if word in ("(", ")", "AND", "OR"):
            yield _Token(word, word, at)
            continue
        if _PERMISSION.fullmatch(word) is None:
            raise QueryError(_not_a_permission(word, at))
        terms += 1
        if terms > MAX_TERMS:
            raise QueryError(f"a query names at most {MAX_TERMS} permissions; one more starts at character {at}")
        yield _Token("TERM", word, at)


def _not_a_permission(word: str, at: int) -> str:
    stranger = _STRANGER.search(word)
    if stranger is None:
        return f"the permission at character {at} is {len(word)} characters long; at most {PERMISSION_MAX_LENGTH}"
    return (
        f"unexpected {stranger.group()!r} at character {at + stranger.start()}: a permission is made of "
        "a-z 0-9 _ . : * -, and the operators are AND and OR in capitals"
    )


def _shown(token: _Token | None) -> str:
    if token is None:
        return "the end"
    return f"the permission {token.text!r}" if token.kind == "TERM" else repr(token.text)


class _Parser:
    """Recursive descent over the tokens; only "(" recurses, and never deeper than MAX_DEPTH."""

    def __init__(self, tokens: list[_Token], end: int) -> None:
        self.tokens = tokens
        self.end = end  # where "the end" is, for messages
        self.next = 0
        self.depth = 0

    def expr(self) -> Query:
        parts = [self.and_expr()]
        while self._take("OR"):
            parts.append(self.and_expr())
        return parts[0] if len(parts) == 1 else AnyOf(tuple(parts))

    def and_expr(self) -> Query:
        parts = [self.atom()]
        while self._take("AND"):
            parts.append(self.atom())
        return parts[0] if len(parts) == 1 else AllOf(tuple(parts))

    def atom(self) -> Query:
        token = self._peek()
        if token is not None and token.kind == "TERM":
            self.next += 1
            return Term(token.text)
        if token is None or token.kind != "(":
            raise QueryError(f"expected a permission or '(' at character {self._at()}, found {_shown(token)}")
        if self.depth == MAX_DEPTH:
            raise QueryError(f"parentheses nest at most {MAX_DEPTH} deep; the one at character {token.at} is deeper")
        self.next += 1
        self.depth += 1
        inner = self.expr()
        if not self._take(")"):
            raise QueryError(
                f"expected ')' at character {self._at()} to close the '(' at character {token.at}, "
                f"found {_shown(self._peek())}"
            )
        self.depth -= 1
        return inner

    def expect_end(self) -> None:
        token = self._peek()
        if token is None:
            return
        if token.kind == ")":
            raise QueryError(f"the ')' at character {token.at} closes nothing")
        raise QueryError(f"expected AND, OR or the end at character {token.at}, found {_shown(token)}")

    def _peek(self) -> _Token | None:
        return self.tokens[self.next] if self.next < len(self.tokens) else None

    def _at(self) -> int:
        token = self._peek()
        return self.end if token is None else token.at

    def _take(self, kind: str) -> bool:
        token = self._peek()
        if token is not None and token.kind == kind:
            self.next += 1
            return True
        return False
