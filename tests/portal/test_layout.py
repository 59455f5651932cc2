"""Dependencies between the apps point one way (README, Layout): read from the source with
``ast``, function-level imports included, migrations left out.

    portal (ground floor) ← accounts ← billing ← meters, tickets, payments ← chat, sync ← portal's wiring

- The ground floor (every ``portal`` module but the wiring) imports no app.
- An app imports the non-model modules (services, selectors, views, …) of the apps before it
  only; meters and tickets, side by side, not each other.
- Any app may import any app's ``models`` (and the model ``fields`` they use): the models are
  one floor, tied by foreign keys both ways (an account points at a back-office person, a
  grant at a unit), and import nothing but models and the ground floor.
- The wiring (``WIRING``: urls, admin site, metrics, retention, commands) puts everything together."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ORDER = {"portal": 0, "accounts": 1, "billing": 2, "meters": 3, "tickets": 3, "payments": 3, "chat": 4, "sync": 4}
WIRING = (
    "portal.urls",
    "portal.settings",
    "portal.celery",
    "portal.wsgi",
    "portal.asgi",
    "portal.admin_site",
    "portal.metrics",
    "portal.services.retention",
    "portal.management",
)


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(tree: ast.AST) -> list[tuple[int, str]]:
    """(line, module) of every import; ``from app import name`` counts as ``app.name`` when
    ``name`` is a module."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            base = node.module
            for alias in node.names:
                candidate = ROOT.joinpath(*base.split("."), alias.name)
                is_module = candidate.with_suffix(".py").exists() or (candidate / "__init__.py").exists()
                found.append((node.lineno, f"{base}.{alias.name}" if is_module else base))
    return found


def _is_models(module: str) -> bool:
    """The models floor: an app's ``models`` and the model ``fields`` they are built of."""
    return module.split(".")[1:2] in (["models"], ["fields"])


def forbidden_imports() -> list[str]:
    problems = []
    for app in ORDER:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            importer = _module_name(path)
            if importer.startswith(WIRING):
                continue
            for line, module in _imported(ast.parse(path.read_text(encoding="utf-8"))):
                target = module.split(".")[0]
                if target not in ORDER or target == app:
                    continue
                if target == "portal" or _is_models(module):
                    allowed = app != "portal"
                else:  # the models floor itself stands on models only
                    allowed = not _is_models(importer) and ORDER[target] < ORDER[app]
                if not allowed:
                    problems.append(f"{path.relative_to(ROOT)}:{line} imports {module}")
    return problems


def test_dependencies_between_apps_point_one_way() -> None:
    assert forbidden_imports() == []


def test_the_check_sees_an_import_inside_a_function() -> None:
    tree = ast.parse("def f():\n    from tickets.services import announcement_recipients\n")
    assert _imported(tree) == [(2, "tickets.services")]
    assert not _is_models("tickets.services") and _is_models("tickets.models")
