"""The layers as STYLE.md draws them: handlers change state only through a use case.

`api/` calls `services/` for every change and the store only to read; the store decides no
rights, mints nothing, seals no new value and forgets no cache. Read from the source, so
a handler that writes through a repository, or a repository that grows a decision, fails here.
"""

from __future__ import annotations

import ast
from pathlib import Path

CHALICELIB = Path(__file__).resolve().parents[2] / "chalicelib"
# The recipe itself stores Idempotency-Key replays (api/http.py): that is the edge's own state.
RECIPE = {"http.py"}
WRITES = (
    "create",
    "update",
    "delete",
    "put",
    "remove",
    "revoke",
    "rotate",
    "reroll",
    "requeue",
    "approve",
    "deny",
    "cancel",
    "claim",
    "record",
    "add",
    "commit",
    "begin",
    "finish",
    "disable",
    "flip",
    "expire",
)


def _store_aliases(tree: ast.Module) -> dict[str, str]:
    """Names bound to store modules, wherever imported (module level, TYPE_CHECKING, lazy_module)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "chalicelib.store":
            for alias in node.names:
                aliases[alias.asname or alias.name] = alias.name
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            call = node.value
            if getattr(call.func, "id", None) == "lazy_module" and call.args:
                target = getattr(call.args[0], "value", "")
                if isinstance(target, str) and target.startswith("chalicelib.store."):
                    for name in node.targets:
                        if isinstance(name, ast.Name):
                            aliases[name.id] = target.rsplit(".", 1)[1]
    return aliases


def test_handlers_change_state_only_through_services() -> None:
    found: list[str] = []
    for path in sorted((CHALICELIB / "api").glob("*.py")):
        if path.name in RECIPE:
            continue
        tree = ast.parse(path.read_text())
        aliases = _store_aliases(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                owner = node.func.value
                if isinstance(owner, ast.Name) and owner.id in aliases and node.func.attr.split("_")[0] in WRITES:
                    found.append(f"api/{path.name}:{node.lineno} store.{aliases[owner.id]}.{node.func.attr}")
    assert found == [], "call the use case in services/ instead:\n" + "\n".join(found)


def test_the_store_decides_no_rights_mints_nothing_and_forgets_no_cache() -> None:
    forbidden = {
        "chalicelib.cache": "cache invalidation is the use case's seam",
        "chalicelib.services": "the store is below the use cases",
        "chalicelib.api": "the store is below the edge",
        "chalicelib.domain.key_kinds": "minting is the use case's",
        "chalicelib.domain.kind_registry": "minting is the use case's",
    }
    decisions = {"may", "authorize", "authorize_member_change", "require_key_holder", "seal"}
    found: list[str] = []
    for path in sorted((CHALICELIB / "store").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
                for name in names:
                    for prefix, why in forbidden.items():
                        if name == prefix or name.startswith(prefix + "."):
                            found.append(f"store/{path.name}:{node.lineno} imports {name}: {why}")
                found += [
                    f"store/{path.name}:{node.lineno} imports {a.name}" for a in node.names if a.name in decisions
                ]
    # Two stores keep the seal of what only they hold: Idempotency-Key replays of secret
    # responses, and the pepper of the keyed hashes (each opened where it is read).
    allowed = {"store/idempotency.py", "store/pepper.py"}
    assert [f for f in found if f.split(":")[0] not in allowed] == []
