"""A mutation run over the guards of chalicelib/store: does a race test fail when a guard goes?

STYLE.md: "every conditional write has a race test; a mutation run shows it". mutmut mutates
every operator of a file and cannot be told to mutate only conditions, and with moto each
mutant costs seconds, so this runner mutates only the guards:

- every `condition=` argument of a call (a pass-through of the enclosing function's own
  `condition` parameter, as in store/base.py, is plumbing, not a guard): removed (`None`),
  or for a `condition_check` the whole check removed;
- each operand of an `&`/`|` composition dropped in turn, and each comparison negated or
  moved by one (`==`<->`!=`, `<`<->`<=`, `>`<->`>=`), also inside `live()` and
  `_holder_unchanged()`, whose return values are the conditions they hand out;
- every `project_is_live(...)` check removed; in members.py, `live()` replaced by a condition
  that always holds and the `&= owner_count > 1` step removed;
- the create-only conditions secrets.initial_items pairs with a project's new records.

Each mutant is applied to a copy of the repository (its .venv symlinked) and the race tests run
there, the mutated file's own group first, with -x; a failing run kills the mutant. The report
is JSON on stdout: {mutants: [{file, line, function, mutation, killed, by, seconds}], killed,
survived, unexplained, seconds}. Survivors listed in tools/mutation_verdicts.py (each with the
reason no test can kill it) do not fail the run; any other survivor does (exit status 1).

    python -m tools.mutate_conditions [--workers 2] [--only keys.py] [--list] [--full]
"""

from __future__ import annotations

import argparse
import ast
import json
import os
import queue
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path

from tools.mutation_verdicts import COMBINED, EXPLAINED

ROOT = Path(__file__).resolve().parents[1]
STORE = ROOT / "chalicelib" / "store"
FUNCTIONAL = "tests/functional"

# The race tests of each store module's guards; they run first for its mutants.
GROUPS = {
    "projects.py": "test_races_projects.py",
    "audit.py": "test_races_projects.py",
    "members.py": "test_races_members.py",
    "roles.py": "test_races_roles_nodes.py",
    "nodes.py": "test_races_roles_nodes.py",
    "keys.py": "test_races_keys.py",
    "key_lookup.py": "test_races_keys.py",
    "key_holders.py": "test_races_keys.py",
    "key_revocation.py": "test_races_keys.py",
    "signing_keys.py": "test_jwt_keys.py",
    "replay.py": "test_hmac_keys.py",
    "secrets.py": "test_races_secrets.py",
    "idempotency.py": "test_races_idempotency.py",
    "templates.py": "test_races_workflow.py",
    "key_requests.py": "test_races_workflow.py",
    "webhooks.py": "test_races_workflow.py",
    "deliveries.py": "test_races_workflow.py",
    "outbox.py": "test_races_workflow.py",
    "pepper.py": "test_races_idempotency.py",
    "usage_counters.py": "test_races_usage.py",
    "usage_totals.py": "test_races_usage.py",
    "key_expiry.py": "test_key_expiry.py",
    "meters.py": "test_limits_edges.py",
    "identities.py": "test_identities.py",
    "leaks.py": "test_leaks.py",
    "key_policies.py": "test_key_policy.py",
}
# Race tests that live beside other tests (the race files say which guards they leave to these).
ALSO = [
    "test_hardening.py",
    "test_review_findings.py",
    "test_members.py",
    "test_idempotency.py",
    "test_templates.py",
    "test_key_requests.py",
    "test_webhooks.py",
    "test_webhook_dispatch.py",
    "test_usage.py",
    "test_key_expiry.py",
    "test_limits.py",
    "test_identity_keys.py",
    "test_key_restrictions.py",
]

# Functions whose return value is a condition other writes use.
CONDITION_FUNCTIONS = {"live", "_holder_unchanged", "_as_read", "_older_flush"}
CHECK_CALLS = {"project_is_live"}
ALWAYS_TRUE = "(ProjectModel.id.exists() | ProjectModel.id.does_not_exist())"
SWAPS: dict[type[ast.cmpop], type[ast.cmpop]] = {
    ast.Eq: ast.NotEq,
    ast.NotEq: ast.Eq,
    ast.Lt: ast.LtE,
    ast.LtE: ast.Lt,
    ast.Gt: ast.GtE,
    ast.GtE: ast.Gt,
}
SYMBOLS = {ast.Eq: "==", ast.NotEq: "!=", ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">="}


@dataclass(frozen=True)
class Edit:
    file: str
    start: tuple[int, int]
    end: tuple[int, int]
    replacement: str


@dataclass(frozen=True)
class Mutant:
    file: str
    line: int
    function: str
    mutation: str
    edits: tuple[Edit, ...]

    @property
    def key(self) -> tuple[str, str, str]:
        return Path(self.file).name, self.function, self.mutation


@dataclass
class Result:
    file: str
    line: int
    function: str
    mutation: str
    killed: bool
    by: str
    seconds: float
    explained: str = ""


# --- finding mutants -------------------------------------------------------------------


def _span(node: ast.AST) -> tuple[tuple[int, int], tuple[int, int]]:
    end_line, end_col = node.end_lineno, node.end_col_offset  # type: ignore[attr-defined]
    assert end_line is not None and end_col is not None
    return (node.lineno, node.col_offset), (end_line, end_col)  # type: ignore[attr-defined]


def _operands(node: ast.expr, op: type[ast.operator]) -> list[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, op):
        return _operands(node.left, op) + _operands(node.right, op)
    return [node]


def _join(operands: list[ast.expr], op: type[ast.operator]) -> ast.expr:
    joined = operands[0]
    for operand in operands[1:]:
        joined = ast.BinOp(left=joined, op=op(), right=operand)
    return joined


def _expression_mutants(node: ast.expr) -> Iterator[tuple[ast.expr, str, str]]:
    """(node to replace, description, replacement) for operand drops and comparison changes."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitAnd | ast.BitOr):
        op = type(node.op)
        symbol = "&" if op is ast.BitAnd else "|"
        operands = _operands(node, op)
        for i, operand in enumerate(operands):
            rest = operands[:i] + operands[i + 1 :]
            yield node, f"operand of {symbol} dropped: {ast.unparse(operand)}", f"({ast.unparse(_join(rest, op))})"
        for operand in operands:
            yield from _expression_mutants(operand)
    elif isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in SWAPS:
        old = type(node.ops[0])
        new = SWAPS[old]
        changed = ast.Compare(left=node.left, ops=[new()], comparators=node.comparators)
        yield node, f"{SYMBOLS[old]} -> {SYMBOLS[new]}: {ast.unparse(node)}", f"({ast.unparse(changed)})"


class _Finder(ast.NodeVisitor):
    def __init__(self, file: str) -> None:
        self.file = file
        self.mutants: list[Mutant] = []
        self._functions: list[ast.FunctionDef] = []
        self._statements: list[ast.stmt] = []

    def _add(self, node: ast.AST, mutation: str, replacement: str) -> None:
        start, end = _span(node)
        function = self._functions[-1].name if self._functions else "<module>"
        edit = Edit(self.file, start, end, replacement)
        self.mutants.append(Mutant(self.file, node.lineno, function, mutation, (edit,)))  # type: ignore[attr-defined]

    def _add_expression(self, node: ast.expr) -> None:
        for target, mutation, replacement in _expression_mutants(node):
            self._add(target, mutation, replacement)

    def _parameters(self) -> set[str]:
        if not self._functions:
            return set()
        args = self._functions[-1].args
        return {a.arg for a in [*args.posonlyargs, *args.args, *args.kwonlyargs]}

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._functions.append(node)
        if node.name in CONDITION_FUNCTIONS:
            for statement in ast.walk(node):
                if isinstance(statement, ast.Return) and statement.value is not None:
                    self._add_expression(statement.value)
        self.generic_visit(node)
        self._functions.pop()

    def generic_visit(self, node: ast.AST) -> None:
        if isinstance(node, ast.stmt):
            self._statements.append(node)
            super().generic_visit(node)
            self._statements.pop()
        else:
            super().generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        statement = self._statements[-1] if self._statements else None
        whole_statement = isinstance(statement, ast.Expr) and statement.value is node
        if isinstance(node.func, ast.Name) and node.func.id in CHECK_CALLS and whole_statement:
            assert statement is not None
            self._add(statement, f"check removed: {ast.unparse(node)}", "pass")
        for keyword in node.keywords:
            if keyword.arg != "condition":
                continue
            value = keyword.value
            if isinstance(value, ast.Name) and value.id in self._parameters():
                continue  # plumbing that hands on its caller's condition
            is_check = isinstance(node.func, ast.Attribute) and node.func.attr == "condition_check"
            if is_check and whole_statement:
                assert statement is not None
                self._add(statement, f"check removed: {ast.unparse(value)}", "pass")
            else:
                self._add(value, f"condition removed: {ast.unparse(value)}", "None")
            if not isinstance(value, ast.Name | ast.Call):  # helpers and variables are mutated where made
                self._add_expression(value)
        self.generic_visit(node)

    def visit_Assign(self, node: ast.Assign) -> None:
        # `project_condition = live()` (members.py): the variable later given as condition=.
        if self._feeds_a_condition(node.targets):
            value = node.value
            if isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id == "live":
                self._add(value, "live() replaced by a condition that always holds", ALWAYS_TRUE)
            else:
                self._add_expression(value)
        self.generic_visit(node)

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        if self._feeds_a_condition([node.target]) and isinstance(node.op, ast.BitAnd):
            self._add(node, f"operand of & dropped: {ast.unparse(node.value)}", "pass")
            self._add_expression(node.value)
        self.generic_visit(node)

    def visit_Tuple(self, node: ast.Tuple) -> None:
        # secrets.initial_items: (record, create-only condition) pairs that create_project saves.
        if len(node.elts) == 2:
            second = node.elts[1]
            if (
                isinstance(second, ast.Call)
                and isinstance(second.func, ast.Attribute)
                and second.func.attr in {"exists", "does_not_exist"}
            ):
                self._add(second, f"condition removed: {ast.unparse(second)}", "None")
        self.generic_visit(node)

    def _feeds_a_condition(self, targets: list[ast.expr]) -> bool:
        names = {t.id for t in targets if isinstance(t, ast.Name)}
        if not names or not self._functions:
            return False
        return any(
            isinstance(k, ast.keyword)
            and k.arg == "condition"
            and isinstance(k.value, ast.Name)
            and k.value.id in names
            for k in ast.walk(self._functions[-1])
        )


def find_mutants(only: str | None = None) -> list[Mutant]:
    found: list[Mutant] = []
    for path in sorted(STORE.glob("*.py")):
        if only and path.name != only:
            continue
        finder = _Finder(str(path.relative_to(ROOT)))
        finder.visit(ast.parse(path.read_text(), filename=str(path)))
        found.extend(sorted(finder.mutants, key=lambda m: (m.edits[0].start, m.mutation)))
    return found if only else found + combined(found)


def combined(found: list[Mutant]) -> list[Mutant]:
    """The COMBINED mutants, made of the single ones they name."""
    by_key = {m.key: m for m in found}
    made = []
    for description, keys in COMBINED:
        missing = [k for k in keys if k not in by_key]
        if missing:
            print(f"combined mutant {description!r}: no mutant {missing} (the code changed?)", file=sys.stderr)
            continue
        parts = [by_key[k] for k in keys]
        edits = tuple(edit for part in parts for edit in part.edits)
        made.append(Mutant(parts[0].file, parts[0].line, "+".join(p.function for p in parts), description, edits))
    return made


def apply(source: str, edits: list[Edit]) -> str:
    """The source with the edits' spans replaced (offsets are in UTF-8 bytes, as ast gives them)."""
    data = source.encode()
    starts = [0]
    for line in data.splitlines(keepends=True):
        starts.append(starts[-1] + len(line))
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):  # from the end: offsets stay valid
        begin = starts[edit.start[0] - 1] + edit.start[1]
        end = starts[edit.end[0] - 1] + edit.end[1]
        data = data[:begin] + edit.replacement.encode() + data[end:]
    mutated = data.decode()
    ast.parse(mutated)  # a mutant must still be Python
    assert mutated != source
    return mutated


# --- running ----------------------------------------------------------------------------


def _ignore(directory: str, names: list[str]) -> set[str]:
    skip = {".git", ".venv", ".mypy_cache", ".ruff_cache", ".pytest_cache", ".hypothesis", "__pycache__", "mutants"}
    return {n for n in names if n in skip or n.endswith(".pyc")}


def make_copy(parent: Path, name: str) -> Path:
    copy = parent / name
    shutil.copytree(ROOT, copy, ignore=_ignore, symlinks=True)
    (copy / ".venv").symlink_to(ROOT / ".venv")
    return copy


def selection(file: str, full: bool) -> list[str]:
    if full:
        return [FUNCTIONAL]
    first = GROUPS.get(Path(file).name)
    races = sorted(p.name for p in (ROOT / FUNCTIONAL).glob("test_races_*.py"))
    ordered = ([first] if first else []) + [r for r in races if r != first] + ALSO
    return [f"{FUNCTIONAL}/{name}" for name in ordered if (ROOT / FUNCTIONAL / name).exists()]


def run_tests(copy: Path, tests: list[str], timeout: float) -> tuple[int, str]:
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    command = [str(copy / ".venv" / "bin" / "python"), "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests]
    try:
        done = subprocess.run(  # noqa: S603 (our own interpreter and arguments)
            command, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        return -1, "timeout"
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", done.stdout, re.MULTILINE)
    return done.returncode, failed[0] if failed else done.stdout[-400:]


def run_mutant(mutant: Mutant, copies: queue.Queue[Path], full: bool, timeout: float) -> Result:
    copy = copies.get()
    originals = {file: (copy / file).read_text() for file in {e.file for e in mutant.edits}}
    started = time.monotonic()
    try:
        for file, original in originals.items():
            (copy / file).write_text(apply(original, [e for e in mutant.edits if e.file == file]))
        code, by = run_tests(copy, selection(mutant.file, full), timeout)
    finally:
        for file, original in originals.items():
            (copy / file).write_text(original)
        copies.put(copy)
    seconds = round(time.monotonic() - started, 1)
    # 1: a test failed. A timeout (-1) counts too: the mutant made a request hang or loop. Any
    # other exit (collection error, usage) is no kill: the mutant broke the run, not a test.
    killed = code in (1, -1)
    if code == 0:
        by = ""
    elif not killed:
        by = f"error (pytest exit {code}): {by}"
    explained = "" if killed else EXPLAINED.get(mutant.key, "")
    return Result(mutant.file, mutant.line, mutant.function, mutant.mutation, killed, by, seconds, explained)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--workers", type=int, default=2, help="mutants run at once (the machine has 2 cores)")
    parser.add_argument("--only", help="one file of chalicelib/store, e.g. keys.py")
    parser.add_argument("--list", action="store_true", help="list the mutants and stop")
    parser.add_argument("--full", action="store_true", help="run all of tests/functional for each mutant")
    parser.add_argument("--timeout", type=float, default=900, help="seconds one mutant's tests may take")
    args = parser.parse_args(argv)

    mutants = find_mutants(args.only)
    if args.list:
        for m in mutants:
            print(f"{m.file}:{m.line} [{m.function}] {m.mutation}")
        print(f"{len(mutants)} mutants", file=sys.stderr)
        return 0

    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="mutate-conditions-") as scratch:
        copies: queue.Queue[Path] = queue.Queue()
        for i in range(max(1, args.workers)):
            copies.put(make_copy(Path(scratch), f"copy{i}"))
        # Unmutated first: if the tests fail as they are, every mutant would look killed.
        baseline = copies.get()
        code, by = run_tests(baseline, selection("", args.full), args.timeout)
        copies.put(baseline)
        if code != 0:
            print(f"the tests fail without any mutant ({by}); fix them first", file=sys.stderr)
            return 2
        results: list[Result] = []
        with ThreadPoolExecutor(max_workers=max(1, args.workers)) as pool:
            for result in pool.map(lambda m: run_mutant(m, copies, args.full, args.timeout), mutants):
                state = "killed" if result.killed else ("survived (explained)" if result.explained else "SURVIVED")
                print(f"{result.file}:{result.line} {result.mutation}: {state} {result.by}", file=sys.stderr)
                results.append(result)

    survived = [r for r in results if not r.killed]
    report = {
        "mutants": [asdict(r) for r in results],
        "killed": len(results) - len(survived),
        "survived": len(survived),
        "unexplained": len([r for r in survived if not r.explained]),
        "seconds": round(time.monotonic() - started, 1),
    }
    print(json.dumps(report, indent=2))
    return 1 if report["unexplained"] else 0


if __name__ == "__main__":
    sys.exit(main())
