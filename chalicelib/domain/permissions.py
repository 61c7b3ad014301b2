"""What a permission is, and when a key's permissions grant one.

A permission is 1 to 128 of `a-z 0-9 _ . : * -` (what a role may hold; the API's `Permission`
schema spells the same pattern). A trailing `*` in a granted permission grants every permission
it is a prefix of; anywhere else `*` is a literal character.
"""

from __future__ import annotations

from collections.abc import Collection

# The characters of a permission (as in a regular expression's class) and its length.
PERMISSION_CHARACTERS = "a-z0-9_.:*-"
PERMISSION_MAX_LENGTH = 128
# A permission, unanchored: callers add their own anchors.
PERMISSION_PATTERN = rf"[{PERMISSION_CHARACTERS}]{{1,{PERMISSION_MAX_LENGTH}}}"


def holds(granted: Collection[str], wanted: str) -> bool:
    """Whether a key holding `granted` may do `wanted`. A trailing `*` grants a prefix.

    >>> holds(["orders:*"], "orders:read"), holds(["orders:read"], "orders:write")
    (True, False)
    """
    return wanted in granted or wanted.startswith(wildcard_prefixes(granted))


def wildcard_prefixes(granted: Collection[str]) -> tuple[str, ...]:
    """The prefixes the patterns among `granted` grant (`orders:*` grants `orders:`).

    A query gathers them once for all its terms rather than once per term, as `holds` does.
    """
    return tuple([permission[:-1] for permission in granted if permission.endswith("*")])
