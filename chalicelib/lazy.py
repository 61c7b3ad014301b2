"""Modules imported at first use, for the cold start.

Every route must be registered when `app` is imported, but most routes' code is not
needed until one of them is called: a function that only verifies keys should not pay for
defining the tables of templates and webhooks. A handler module writes

    if TYPE_CHECKING:
        from chalicelib.store import templates
    else:
        templates = lazy_module("chalicelib.store.templates")

and uses `templates.x` as usual: type checkers see the module, and the import happens at
the first attribute read (Python's import lock makes that safe from any thread).
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any


class _LazyModule:
    __slots__ = ("_module", "_name")

    def __init__(self, name: str) -> None:
        self._name = name
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        module = self._module
        if module is None:
            module = self._module = importlib.import_module(self._name)
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported at first use>"


def lazy_module(name: str) -> Any:
    """A stand-in for module `name` that imports it when an attribute is first read."""
    return _LazyModule(name)
