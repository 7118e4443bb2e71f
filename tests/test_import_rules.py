"""The import rules of docs/architecture.md, checked on the code's own imports.

Each module of `events/` sits on a layer; it may import its own layer and the
layers below, never above. Forms may take only types from the services (their
input types, such as `EventData`); a blueprint never imports another blueprint's
module; no `_private` name is imported from another module; no import cycles.
"""

import ast
import copy
import functools
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "events"

# Lowest first; a module's layer is the first pattern it matches, so the
# feature packages come before the flat services they sit above.
LAYERS = [
    ("base", ["events", "events.*"]),
    ("models", ["events.models", "events.models.*"]),
    ("messages", ["events.messages", "events.messages.*"]),
    ("services core", ["events.services", "events.services.*", "events.services.organizations*"]),
    (
        "service features",
        [
            "events.services.checkin*",
            "events.services.questionnaires*",
            "events.services.courses*",
            "events.services.invitations*",
            "events.services.groups*",
        ],
    ),
    (
        "compositions",
        [
            "events.services.participants",
            "events.services.personal_pages",
            "events.services.privacy",
            "events.services.exports",
            "events.services.reports",
        ],
    ),
    ("forms", ["events.forms", "events.forms.*"]),
    ("top", ["events.views*", "events.cli", "events.demo*"]),
]


def _matches(name: str, pattern: str) -> bool:
    if pattern.endswith("*") and not pattern.endswith(".*"):
        stem = pattern[:-1]
        return name == stem or name.startswith(stem + ".")
    if pattern.endswith(".*"):
        return name.startswith(pattern[:-1]) and "." not in name[len(pattern) - 1 :]
    return name == pattern


def layer_of(name: str) -> int:
    """The highest layer whose patterns match: the most specific one wins."""
    found = [
        rank
        for rank, (_, patterns) in enumerate(LAYERS)
        if any(_matches(name, p) for p in patterns)
    ]
    assert found, f"{name} is on no layer: add it to LAYERS and docs/architecture.md"
    return max(found)


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache
def _parsed(root: Path) -> dict[str, ast.Module]:
    return {
        module_name(path): ast.parse(path.read_text(), str(path)) for path in root.rglob("*.py")
    }


def read_modules(root: Path = PACKAGE) -> dict[str, ast.Module]:
    """Every module's tree, parsed once per run; a copy, so that a test may add imports."""
    return copy.deepcopy(_parsed(root))


def imports_of(tree: ast.Module, modules: dict) -> list[tuple[str, str, int]]:
    """(imported module, imported name or "", line) for every `events` import, nested ones too."""
    found = []
    skipped = type_checking_only(tree)
    for node in ast.walk(tree):
        if node in skipped:
            continue
        if (
            isinstance(node, ast.ImportFrom)
            and node.module
            and node.module.split(".")[0] == "events"
        ):
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                if full in modules:  # `from events.services import audit`: the module itself
                    found.append((full, "", node.lineno))
                else:
                    found.append((node.module, alias.name, node.lineno))
        elif isinstance(node, ast.Import):
            found += [
                (a.name, "", node.lineno) for a in node.names if a.name.split(".")[0] == "events"
            ]
    return found


def type_checking_only(tree: ast.Module) -> set[ast.AST]:
    """Imports under `if TYPE_CHECKING:`: for annotations only, never run."""
    return {
        child
        for node in ast.walk(tree)
        if isinstance(node, ast.If) and getattr(node.test, "id", "") == "TYPE_CHECKING"
        for child in ast.walk(node)
    }


def blueprint_of(name: str, modules: dict[str, ast.Module]) -> str | None:
    """The blueprint a views module belongs to: its own, or its package's
    (events.views.organizer); None for the shared helpers of the views."""
    parts = name.split(".")
    if parts[:2] != ["events", "views"] or len(parts) < 3:
        return None
    package = ".".join(parts[:3])
    if package + ".blueprint" in modules or any(
        defines_blueprint(modules[other]) for other in modules if other.startswith(package + ".")
    ):
        return package
    return name if defines_blueprint(modules[name]) else None


def defines_blueprint(tree: ast.Module) -> bool:
    return any(
        isinstance(node, ast.Assign)
        and isinstance(node.value, ast.Call)
        and getattr(node.value.func, "id", "") == "Blueprint"
        for node in tree.body
    )


def breaches(modules: dict[str, ast.Module]) -> list[str]:
    found = []
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, tree in modules.items():
        rank = layer_of(name)
        for target, imported, line in imports_of(tree, modules):
            where = f"{name}:{line} imports {target}{'.' + imported if imported else ''}"
            if target not in modules:
                found.append(f"{where}: no such module")
                continue
            graph[name].add(target)
            target_rank = layer_of(target)
            if imported.startswith("_"):
                found.append(f"{where}: a private name of another module")
            if target_rank > rank:
                found.append(f"{where}: {LAYERS[rank][0]} may not import {LAYERS[target_rank][0]}")
            if (
                LAYERS[rank][0] == "forms"
                and LAYERS[target_rank][0].startswith(("service", "compositions"))
                and not (imported[:1].isupper())
            ):
                found.append(f"{where}: forms take only input types from the services")
            theirs = blueprint_of(target, modules)
            if theirs and blueprint_of(name, modules) not in (None, theirs):
                found.append(f"{where}: a blueprint imports another blueprint's module")
    return found + [f"import cycle: {' -> '.join(cycle)}" for cycle in cycles(graph)]


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle per strongly connected group of modules (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups = []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in graph[node]:
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return groups


def test_the_code_keeps_the_import_rules():
    assert breaches(read_modules()) == []


BREACHES = [
    ("events.models.events", "from events.services import audit", "models may not import"),
    ("events.services.lifecycle", "from events.services.checkin import door", "core may not"),
    ("events.services.courses.sessions", "from events.services.exports import x", "features may"),
    ("events.forms.organizer", "from events.services.event_admin import publish", "input types"),
    ("events.services.exports", "from events.services.lifecycle import _rule", "private name"),
    ("events.views.public", "from events.views.ticket import show", "another blueprint"),
    (
        "events.views.organizer.events",
        "from events.views.checkin import scanner",
        "another blueprint",
    ),
    ("events.timezone", "from events.models import Event", "base may not import models"),
]


@pytest.mark.parametrize(("module", "source", "breach"), BREACHES)
def test_a_forbidden_import_is_found(module, source, breach):
    """The checker itself: each kind of breach, added to the real code, is reported."""
    modules = read_modules()
    tree = modules[module]
    tree.body.append(ast.parse(source).body[0])
    found = breaches(modules)
    assert any(breach in line and line.startswith(module) for line in found), found


def test_an_import_cycle_is_found():
    modules = read_modules()
    modules["events.services.audit"].body.append(
        ast.parse("from events.services import registration").body[0]
    )
    assert any(
        line.startswith("import cycle") and "events.services.audit" in line
        for line in breaches(modules)
    )
