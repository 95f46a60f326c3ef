"""The shape of the code, checked: no import circles, the layers of the README's layout
table (each part imports only what its row allows; `report/` is a leaf of the run path),
every package and module in that table, no module over 450 lines, and executors that rely
on declarations rather than probing stages.

Imports are read with `ast`, those inside functions included; imports under
`if TYPE_CHECKING:` are left out (they are not made at run time).
"""

from __future__ import annotations

import ast
import re
from collections import defaultdict
from pathlib import Path

from tests.helpers import REPO

SRC = REPO / "src" / "jeongje"
MAX_LINES = 450
# the run path: nothing here may import report/ (the HTML report only reads finished runs)
RUN_PATH = ("api", "io", "runner", "job", "executors", "stages", "dedup", "manifest", "options",
            "recipe", "registry", "steps", "stage", "record")


def _modules() -> dict[str, Path]:
    """Dotted module name -> file, for every module of the package."""
    out = {}
    for path in SRC.rglob("*.py"):
        parts = list(path.relative_to(SRC.parent).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts = parts[:-1]
        out[".".join(parts)] = path
    return out


def _type_checking_lines(tree: ast.AST) -> set[int]:
    lines: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            for inner in node.body:
                lines.update(range(inner.lineno, (inner.end_lineno or inner.lineno) + 1))
    return lines


def import_graph() -> dict[str, set[str]]:
    """Module -> the package modules it imports."""
    modules = _modules()
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _type_checking_lines(tree)
        package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
        deps: set[str] = set()
        for node in ast.walk(tree):
            if getattr(node, "lineno", None) in skip:
                continue
            if isinstance(node, ast.ImportFrom):
                base = package[: len(package) - node.level + 1] if node.level else []
                target = ".".join([*base, node.module] if node.module else base)
                for alias in node.names:
                    sub = f"{target}.{alias.name}"
                    deps.add(sub if sub in modules else target)
            elif isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name in modules)
        graph[name] = {d for d in deps if d in modules and d != name}
    return graph


def _part(module: str) -> str:
    """The layout part a module belongs to: `jeongje.io.writers` -> `io`, `jeongje.api` -> `api`."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "__init__"


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def layout_table() -> dict[str, set[str] | None]:
    """The README's layout table: part -> the parts it may import (None: anything)."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Layout", 1)[1].split("\n## ", 1)[0]
    table: dict[str, set[str] | None] = {}
    for line in section.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        allowed = None if cells[2] == "anything" else {
            n.removesuffix(".py").rstrip("/") for n in re.findall(r"`([^`]+)`", cells[2])}
        for name in re.findall(r"`([^`]+)`", cells[0]):
            table[name.removesuffix(".py").rstrip("/")] = allowed
    return table


def test_no_import_circles():
    cycles = _cycles(import_graph())
    assert not cycles, f"import circles: {cycles}"


def test_the_report_is_a_leaf_of_the_run_path():
    bad = sorted(f"{m} -> {d}" for m, deps in import_graph().items() for d in deps
                 if _part(d) == "report" and _part(m) in RUN_PATH)
    assert not bad, f"the run path imports report/: {bad}"


def test_every_part_imports_only_what_the_readme_layout_allows():
    table = layout_table()
    edges: dict[str, set[str]] = defaultdict(set)
    for module, deps in import_graph().items():
        for dep in deps:
            if _part(dep) != _part(module):
                edges[_part(module)].add(_part(dep))
    bad = [f"{part} imports {sorted(deps - (table.get(part) or set()))}"
           for part, deps in sorted(edges.items())
           if table.get(part, set()) is not None and deps - (table.get(part) or set())]
    assert not bad, "imports the README's layout table does not allow: " + "; ".join(bad)


def test_the_readme_layout_lists_every_package_and_module():
    table = layout_table()
    parts = {p.stem for p in SRC.glob("*.py")} | {p.parent.name for p in SRC.glob("*/__init__.py")}
    missing = sorted(parts - set(table))
    stale = sorted(set(table) - parts - {"recipes", "publishers.yaml", "py.typed"})
    assert not missing, f"README layout table lacks {missing}"
    assert not stale, f"README layout table names what is not in src/jeongje: {stale}"


def test_no_module_is_longer_than_the_limit():
    long = {str(p.relative_to(SRC)): n for p in SRC.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, f"modules over {MAX_LINES} lines: {long}"


def test_executors_and_runner_rely_on_declarations_not_probes():
    """What executors need from a stage is declared on it (Stage.resources, batched,
    GlobalStage.edits_text, the BucketShuffle contract); no hasattr/getattr on stages, no
    comparison of methods or class names."""
    probes = []
    for path in [*(SRC / "executors").glob("*.py"), *(SRC / "runner").glob("*.py"),
                 SRC / "job.py", SRC / "api.py", SRC / "steps.py", SRC / "manifest.py"]:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            where = f"{path.relative_to(SRC)}:{getattr(node, 'lineno', 0)}"
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id in ("hasattr", "getattr"):
                probes.append(f"{where} {node.func.id}()")
            if isinstance(node, ast.Compare) and any(isinstance(op, ast.Is | ast.IsNot) for op in node.ops):
                text = ast.unparse(node)
                if re.search(r"\b(Stage|GlobalStage)\.\w+", text):
                    probes.append(f"{where} {text}")
            if isinstance(node, ast.Compare) and "__name__" in ast.unparse(node):
                probes.append(f"{where} {ast.unparse(node)}")
    assert not probes, f"probes instead of declared contracts: {probes}"
