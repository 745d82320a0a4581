"""The import order of the package's stages (docs/architecture.md), read from the source with ``ast``.

Each module imports only modules of its own stage or of earlier ones; there is no import cycle, counting
the imports inside functions too (``if TYPE_CHECKING:`` blocks are not imports at run time). The judge is
language-neutral and knows no output; the rules know nothing of the judge.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

PACKAGE = pathlib.Path(__file__).resolve().parents[1] / "incubator_check"

# The stages in import order: a module may import its own stage and the ones above it, never one below.
STAGES: list[tuple[str, tuple[str, ...]]] = [
    ("base", ("findings", "errors", "_text", "_words", "_files", "_click_zh", "_yaml_cache", "_environment")),
    ("workbook", ("workbook", "model")),
    ("rules", ("rules", "rulesets")),
    ("report", ("report",)),
    ("judge", ("judge",)),
    ("plan", ("plan",)),
    ("check", ("_check",)),
    ("batch", ("_supervise", "_batch", "_early")),
    ("output", ("present", "_template", "web")),
    ("cli", ("cli", "__main__", "_start")),
]
OUTPUTS = ("present", "cli", "web")
RULES = ("rules",)


def _name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {_name(p): p for p in PACKAGE.rglob("*.py")}


def stage_of(module: str) -> int:
    for index, (_, members) in enumerate(STAGES):
        if any(module == m or module.startswith(m + ".") for m in members):
            return index
    raise AssertionError(f"incubator_check.{module} is in no stage of tests/test_layers.py: place it")


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def imports(module: str) -> list[tuple[str, bool]]:
    """(imported module of the package, at module level?) for every run-time import in ``module``."""
    path = MODULES[module]
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    found: list[tuple[str, bool]] = []

    def target(level: int, name: str | None) -> str | None:
        if level == 0:
            if not (name or "").startswith("incubator_check"):
                return None
            return (name or "").removeprefix("incubator_check").lstrip(".")
        base = package[: len(package) - (level - 1)]
        return ".".join(base + ([name] if name else []))

    def visit(node: ast.AST, top: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.If) and _is_type_checking(child):
                for other in child.orelse:
                    visit(other, top)
                continue
            if isinstance(child, ast.ImportFrom):
                base = target(child.level, child.module)
                if base is not None:
                    for alias in child.names:
                        candidate = f"{base}.{alias.name}" if base else alias.name
                        found.append((candidate if candidate in MODULES else base, top))
            elif isinstance(child, ast.Import):
                for alias in child.names:
                    base = target(0, alias.name)
                    if base is not None:
                        found.append((base, top))
            inner = top and not isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda))
            visit(child, inner)

    visit(ast.parse(path.read_text(encoding="utf-8")), True)
    # The package itself ("") is imported by every submodule anyway, and its public names load lazily.
    return [(m, top) for m, top in found if m and m in MODULES and m != module]


GRAPH = {m: imports(m) for m in MODULES if m}


def test_every_module_has_a_stage():
    for module in GRAPH:
        stage_of(module)


def test_no_import_cycle():
    done: set[str] = set()
    path: list[str] = []

    def visit(module: str) -> None:
        if module in done:
            return
        if module in path:
            cycle = path[path.index(module):] + [module]
            pytest.fail("import cycle: " + " → ".join(cycle))
        path.append(module)
        for other, _ in GRAPH[module]:
            visit(other)
        path.pop()
        done.add(module)

    for module in GRAPH:
        visit(module)


@pytest.mark.parametrize("module", sorted(GRAPH))
def test_imports_go_up_the_stages(module: str):
    mine = stage_of(module)
    later = [(other, STAGES[stage_of(other)][0]) for other, _ in GRAPH[module] if stage_of(other) > mine]
    assert not later, f"{module} ({STAGES[mine][0]}) imports a later stage: {later}"


def test_the_judge_knows_no_output_nor_the_workbook():
    for module, found in GRAPH.items():
        if module == "judge" or module.startswith("judge."):
            bad = [m for m, _ in found if m.split(".")[0] in OUTPUTS
                   or m.startswith(("workbook.reader", "workbook.guard"))]
            assert not bad, f"{module} imports {bad}"


def test_the_rules_do_not_import_the_judge():
    for module in RULES:
        at_top = [m for m, top in GRAPH[module] if top and (m == "judge" or m.startswith("judge."))]
        assert not at_top, f"{module} imports the judge at module level: {at_top}"
        anywhere = [m for m, _ in GRAPH[module] if m == "judge" or m.startswith("judge.")]
        assert not anywhere, f"{module} imports the judge (in a function): {anywhere}"


def _mentions_language(node: ast.AST) -> bool:
    return any((isinstance(n, ast.Name) and n.id in ("lang", "en")) or (isinstance(n, ast.Attribute) and n.attr == "lang")
               for n in ast.walk(node))


def test_the_judge_does_not_branch_on_the_language():
    """No judging code decides anything by the language it will be shown in (``if en``, ``lang == "en"``)."""
    for module in GRAPH:
        if module == "judge" or module.startswith("judge."):
            tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                tests = [node.test] if isinstance(node, (ast.If, ast.IfExp, ast.While)) else (
                    [node] if isinstance(node, ast.Compare) else [])
                for test in tests:
                    assert not _mentions_language(test), f"{module}:{node.lineno} branches on the language"
