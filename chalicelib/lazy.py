"""Modules imported at first use, for the cold start: the one way chalicelib defers an import.

Every route must be registered when `app` is imported, but most routes' code is not
needed until one of them is called: a function that only verifies keys should not pay for
defining the tables of templates and webhooks, nor for loading `cryptography` and `jwt`.
A module that needs another only in some calls writes, at its top,

    if TYPE_CHECKING:
        from chalicelib.store import templates
    else:
        templates = lazy_module("chalicelib.store.templates")

and uses `templates.x` as usual: type checkers see the module, and the import happens at
the first attribute read (Python's import lock makes that safe from any thread). A name
that the code would import from a module (`from cryptography.exceptions import
InvalidTag`) is read from the deferred module where it is used (`exceptions.InvalidTag`).

At that first read the stand-in also puts the module itself in its place, under every
name it had in the module that declared it, so that later reads there are plain
attribute reads, as after an `import`: the verification path pays for the deferral once
per process, not once per call. A name needed while the module itself is imported (a base
class, a decorator, a default value) cannot be deferred: the first read would be then.

Imports are not deferred inside functions: there a module's dependencies are hidden from
a reader of its head, and ruff refuses them in `app.py` and `chalicelib/` (PLC0415). What
`import app` loads anyway (the standard library's small modules, `botocore`, the modules
every handler's recipe needs) is imported at the top as usual: it costs nothing more.
"""

from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any


class _LazyModule:
    __slots__ = ("_module", "_name", "_namespace")

    def __init__(self, name: str, namespace: dict[str, Any]) -> None:
        self._name = name
        self._namespace = namespace
        self._module: ModuleType | None = None

    def __getattr__(self, attribute: str) -> Any:
        module = self._module
        if module is None:
            module = importlib.import_module(self._name)
            # The declaring module's names for the stand-in now name the module itself.
            namespace = self._namespace
            for binding in [name for name, value in list(namespace.items()) if value is self]:
                namespace[binding] = module
            self._module = module
        return getattr(module, attribute)

    def __repr__(self) -> str:
        return f"<module {self._name!r}, imported at first use>"


def lazy_module(name: str) -> Any:
    """A stand-in for module `name` that imports it when an attribute is first read, and then
    gives way to it in the namespace of the module that called `lazy_module`."""
    return _LazyModule(name, sys._getframe(1).f_globals)
