"""Imports follow the data: settings → parsers → storage → crawl → alerts → service → web → command line.

Every module's imports are read with `ast`, including those inside functions (a cycle hidden
behind a late import is still a cycle), so a newcomer can follow a change in one direction.
"""

from __future__ import annotations

import ast
from graphlib import CycleError, TopologicalSorter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("parsers", "storage", "scrapers", "alerts", "service", "web", "cli")
SKIPPED = ("scrapers/templates", "storage/migrations")

# Lower layers never import higher ones. Layer 0 is the vocabulary every stage may use.
LAYERS = (
    ("base", ("settings", "errors", "vocabulary", "i18n")),
    ("parsers", ("parsers",)),
    ("storage", ("storage",)),
    ("crawl", ("scrapers",)),
    ("alerts", ("alerts",)),
    ("service", ("service",)),
    ("web", ("web",)),
    ("command line", ("cli", "scheduler")),
)


def layer_of(module: str) -> int | None:
    best: tuple[int, int] | None = None  # (prefix length, layer): the longest prefix decides
    for index, (_, prefixes) in enumerate(LAYERS):
        for prefix in prefixes:
            if module == prefix or module.startswith(prefix + "."):
                if best is None or len(prefix) > best[0]:
                    best = (len(prefix), index)
    return best[1] if best else None


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def tracker_modules() -> dict[str, Path]:
    paths = [ROOT / "settings.py", ROOT / "errors.py", ROOT / "vocabulary.py", ROOT / "i18n.py", ROOT / "scheduler.py"]
    for package in PACKAGES:
        paths += [p for p in (ROOT / package).rglob("*.py")
                  if not any(p.relative_to(ROOT).as_posix().startswith(skip) for skip in SKIPPED)]
    return {module_name(p): p for p in paths}


def imported(module: str, path: Path, known: set[str]) -> set[str]:
    """The tracker modules `module` imports anywhere in its body, resolved to module names."""
    found: set[str] = set()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names] + [base]
        else:
            continue
        for name in names:
            while name and name not in known:
                name = name.rpartition(".")[0]
            if name and name != module:
                found.add(name)
    return found


def import_graph() -> dict[str, set[str]]:
    """Each tracker module and the tracker modules it imports."""
    modules = tracker_modules()
    return {module: imported(module, path, set(modules)) for module, path in modules.items()}


def edges(graph: dict[str, set[str]]) -> list[tuple[str, str]]:
    return [(a, b) for a, targets in sorted(graph.items()) for b in sorted(targets)]


def cycle_in(graph: dict[str, set[str]]) -> list[str]:
    try:
        tuple(TopologicalSorter(graph).static_order())
    except CycleError as exc:
        return list(exc.args[1])
    return []


def test_every_module_belongs_to_a_layer() -> None:
    assert [m for m in import_graph() if layer_of(m) is None] == []


def test_no_module_imports_a_later_stage() -> None:
    upward = [f"{a} ({LAYERS[layer_of(a)][0]}) imports {b} ({LAYERS[layer_of(b)][0]})"
              for a, b in edges(import_graph()) if layer_of(b) > layer_of(a)]
    assert upward == []


def test_storage_imports_only_the_base_and_the_parsers_records() -> None:
    graph = import_graph()
    allowed = {"base", "parsers", "storage"}
    outside = [f"{a} imports {b}" for a, b in edges(graph)
               if a.startswith("storage") and LAYERS[layer_of(b)][0] not in allowed]
    assert outside == []


def test_there_is_no_import_cycle() -> None:
    assert cycle_in(import_graph()) == []


def test_the_checks_catch_a_cycle_and_an_upward_import(tmp_path) -> None:
    """The graph reader sees imports inside functions and relative imports."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "a.py").write_text("def f():\n    from pkg import b\n")
    (tmp_path / "pkg" / "b.py").write_text("from . import a\n")
    known = {"pkg", "pkg.a", "pkg.b"}
    assert imported("pkg.a", tmp_path / "pkg" / "a.py", known) == {"pkg", "pkg.b"}
    assert imported("pkg.b", tmp_path / "pkg" / "b.py", known) == {"pkg", "pkg.a"}
    assert cycle_in({"pkg.a": {"pkg.b"}, "pkg.b": {"pkg.a"}, "pkg": set()}) != []
    assert layer_of("storage.events") > layer_of("parsers.places")
    assert layer_of("scrapers.pipelines") > layer_of("storage.events")
