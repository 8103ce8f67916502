"""The layer table of ``docs/design.md`` holds for the code.

The table is read from the document itself (its "Layers" section), so the document is the one
source of truth. Every module of ``infossl`` must fall under a row; no import statement (module
level or inside a function, absolute or relative) may name a module of a higher layer; the
module-level imports between modules of ``infossl`` must form no cycle, nor may the table's
packages need each other in a circle (lazy imports included). Loads by name through
``importlib`` are not import statements; the document lists the deliberate ones and the modules
allowed to make them.
"""

from __future__ import annotations

import ast
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "infossl"
DESIGN = ROOT / "docs" / "design.md"


# ----------------------------------------------------------------------------- the table
def read_layers(markdown: str) -> dict[str, int]:
    """``{module name: layer}`` from the table of the ``## Layers`` section."""
    if "\n## Layers" not in "\n" + markdown:
        raise ValueError("no '## Layers' section")
    section = ("\n" + markdown).split("\n## Layers", 1)[1].split("\n## ", 1)[0]
    rows = [line.strip() for line in section.splitlines() if line.strip().startswith("|")]
    if len(rows) < 3:
        raise ValueError("the Layers section has no table")
    header = [c.strip() for c in rows[0].strip("|").split("|")]
    if header[:2] != ["layer", "packages"]:
        raise ValueError(f"the Layers table must start with columns layer | packages, got {header}")
    layers: dict[str, int] = {}
    for row in rows[2:]:
        cells = [c.strip() for c in row.strip("|").split("|")]
        layer = int(cells[0])
        names = re.findall(r"`([^`]+)`", cells[1])
        if not names:
            raise ValueError(f"a Layers row names no module: {row}")
        for name in names:
            if name in layers:
                raise ValueError(f"{name} is in two rows of the Layers table")
            layers[name] = layer
    return layers


def read_name_loads(markdown: str) -> list[str]:
    """The modules the ``Deliberate exceptions`` list allows to load modules by name (the first
    name of each item)."""
    section = ("\n" + markdown).split("\n## Layers", 1)[1].split("\n## ", 1)[0]
    if "Deliberate exceptions" not in section:
        raise ValueError("the Layers section has no 'Deliberate exceptions' list")
    items = section.split("Deliberate exceptions", 1)[1].split("\n\n", 2)[1]
    names = [
        m.group(1) for line in items.splitlines() if (m := re.match(r"- `([^`]+)`", line.strip()))
    ]
    if not names:
        raise ValueError("the 'Deliberate exceptions' list names no module")
    return names


# ----------------------------------------------------------------------------- the code
@dataclass(frozen=True)
class Import:
    line: int
    target: str  # a module of the package (``top.__init__`` for the package itself)
    module_level: bool  # runs when the module is imported (not in a function, not TYPE_CHECKING)


@dataclass
class Project:
    top: str
    base: Path  # the folder holding the package folder
    files: dict[str, Path]  # module name -> file
    parsed: dict[str, list[Import]] = field(default_factory=dict)

    def rel(self, module: str) -> str:
        return self.files[module].relative_to(self.base).as_posix()


def scan(package_dir: Path) -> Project:
    """Every module under ``package_dir``; the top package itself is ``<top>.__init__``."""
    top = package_dir.name
    files: dict[str, Path] = {}
    for path in sorted(package_dir.rglob("*.py")):
        parts = list(path.relative_to(package_dir.parent).with_suffix("").parts)
        if parts[-1] == "__init__" and len(parts) > 1 and parts != [top, "__init__"]:
            parts.pop()
        files[".".join(parts)] = path
    return Project(top, package_dir.parent, files)


def _canonical(project: Project, name: str) -> str:
    return f"{project.top}.__init__" if name == project.top else name


def _resolve(project: Project, name: str) -> str | None:
    """The module that ``import name`` loads last (its longest existing prefix)."""
    parts = name.split(".")
    if parts[0] != project.top:
        return None
    while parts:
        candidate = _canonical(project, ".".join(parts))
        if candidate in project.files:
            return candidate
        parts.pop()
    return None


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imports_of(project: Project, module: str) -> list[Import]:
    """The package's modules named by each import statement of ``module``."""
    if module in project.parsed:
        return project.parsed[module]
    path = project.files[module]
    package = list(path.relative_to(project.base).parent.parts)
    found: list[Import] = []

    def targets(node: ast.Import | ast.ImportFrom) -> list[str]:
        if isinstance(node, ast.Import):
            return [t for a in node.names if (t := _resolve(project, a.name))]
        if node.level:
            if node.level - 1 >= len(package):
                raise ValueError(
                    f"{project.rel(module)}:{node.lineno}: relative import beyond the top package"
                )
            anchor = package[: len(package) - (node.level - 1)]
            base = ".".join(anchor + ([node.module] if node.module else []))
        else:
            base = node.module or ""
        out = []
        for alias in node.names:
            sub = _canonical(project, f"{base}.{alias.name}")
            if alias.name != "*" and sub in project.files:
                out.append(sub)
            elif (t := _resolve(project, base)) is not None:
                out.append(t)
        return out

    def visit(nodes: list[ast.stmt], module_level: bool) -> None:
        for node in nodes:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                found.extend(Import(node.lineno, t, module_level) for t in targets(node))
                continue
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                visit(node.body, False)
                continue
            if isinstance(node, ast.If) and _is_type_checking(node.test):
                visit(node.body, False)
                visit(node.orelse, module_level)
                continue
            for attr in ("body", "orelse", "finalbody", "handlers", "cases"):
                for child in getattr(node, attr, []) or []:
                    if isinstance(child, (ast.ExceptHandler, ast.match_case)):
                        visit(child.body, module_level)
                    elif isinstance(child, ast.stmt):
                        visit([child], module_level)

    visit(ast.parse(path.read_text(), filename=str(path)).body, True)
    project.parsed[module] = found
    return found


def loads_by_name(project: Project, module: str) -> list[int]:
    """Lines of ``module`` that call ``importlib.import_module`` or ``__import__``."""
    tree = ast.parse(project.files[module].read_text())
    return sorted(
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and (
            (isinstance(node.func, ast.Attribute) and node.func.attr == "import_module")
            or (isinstance(node.func, ast.Name) and node.func.id in ("import_module", "__import__"))
        )
    )


def layer_of(project: Project, layers: dict[str, int], module: str) -> int | None:
    """The layer of the longest table name covering ``module`` (never the bare top package)."""
    parts = module.split(".")
    while len(parts) > 1:
        name = ".".join(parts)
        if name in layers:
            return layers[name]
        if module == f"{project.top}.__init__":
            return None
        parts.pop()
    return None


def unplaced(project: Project, layers: dict[str, int]) -> list[str]:
    return [
        f"{project.rel(m)} ({m}) is in no row of the Layers table"
        for m in project.files
        if layer_of(project, layers, m) is None
    ]


def unknown_names(project: Project, layers: dict[str, int]) -> list[str]:
    return [
        f"the Layers table names {name}, which is no module"
        for name in layers
        if name not in project.files
    ]


def upward_imports(project: Project, layers: dict[str, int]) -> list[str]:
    out = []
    for module in project.files:
        own = layer_of(project, layers, module)
        if own is None:
            continue
        for imp in imports_of(project, module):
            other = layer_of(project, layers, imp.target)
            if other is not None and other > own:
                target = project.top if imp.target == f"{project.top}.__init__" else imp.target
                out.append(
                    f"{project.rel(module)}:{imp.line} imports {target} (layer {other}) "
                    f"from layer {own}"
                )
    return out


def import_graph(project: Project) -> dict[str, dict[str, int]]:
    """``{module: {module it imports at module level: line}}``, with the ``__init__`` of each
    package entered on the way (except the importer's own packages)."""
    graph: dict[str, dict[str, int]] = {m: {} for m in project.files}
    for module in project.files:
        own = module.split(".")
        ancestors = {".".join(own[:i]) for i in range(1, len(own) + 1)}
        for imp in imports_of(project, module):
            if not imp.module_level:
                continue
            parts = imp.target.split(".")
            for i in range(2, len(parts) + 1):
                name = ".".join(parts[:i])
                if name not in ancestors and name in project.files and name != module:
                    graph[module].setdefault(name, imp.line)
    return graph


def shortest_cycles(graph: dict[str, dict[str, str]]) -> list[str]:
    """One shortest cycle per strongly connected group of nodes of ``graph`` (``{node: {node
    it depends on: where}}``), written ``a (where) -> b (where) -> a``."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def connect(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                connect(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            connect(v)
    out = []
    for group in sorted(groups):
        start, members = group[0], set(group)
        previous: dict[str, str] = {}
        frontier = [start]
        while frontier and start not in previous:
            reached = []
            for v in frontier:
                for w in sorted(graph[v]):
                    if w in members and w not in previous:
                        previous[w] = v
                        reached.append(w)
            frontier = reached
        path = [start]
        while True:
            path.append(previous[path[-1]])
            if path[-1] == start:
                break
        path.reverse()
        steps = [f"{a} ({graph[a][b]})" for a, b in itertools.pairwise(path)]
        out.append(" -> ".join([*steps, start]))
    return out


def cycles(project: Project) -> list[str]:
    """Cycles of module-level imports between modules, with file:line of each import."""
    return shortest_cycles(
        {
            m: {t: f"{project.rel(m)}:{line}" for t, line in targets.items()}
            for m, targets in import_graph(project).items()
        }
    )


def package_cycles(project: Project, layers: dict[str, int]) -> list[str]:
    """Cycles between the table's names (each with the modules it covers), lazy imports
    included, with the first import of each step."""

    def row(module: str) -> str | None:
        parts = module.split(".")
        while len(parts) > 1:
            if ".".join(parts) in layers:
                return ".".join(parts)
            parts.pop()
        return None

    graph: dict[str, dict[str, str]] = {name: {} for name in layers}
    for module in project.files:
        own = row(module)
        for imp in imports_of(project, module):
            other = row(imp.target)
            if own is not None and other is not None and other != own:
                graph[own].setdefault(other, f"{project.rel(module)}:{imp.line}")
    return shortest_cycles(graph)


# ----------------------------------------------------------------------------- the checks
@pytest.fixture(scope="module")
def project() -> Project:
    return scan(PACKAGE)


@pytest.fixture(scope="module")
def layers() -> dict[str, int]:
    return read_layers(DESIGN.read_text())


def test_every_module_is_in_the_layer_table(project: Project, layers: dict[str, int]) -> None:
    problems = unplaced(project, layers) + unknown_names(project, layers)
    assert not problems, "docs/design.md, Layers:\n" + "\n".join(problems)


def test_no_import_of_a_higher_layer(project: Project, layers: dict[str, int]) -> None:
    problems = upward_imports(project, layers)
    assert not problems, "imports against the Layers table of docs/design.md:\n" + "\n".join(
        problems
    )


def test_loads_by_name_are_the_documented_ones(project: Project, layers: dict[str, int]) -> None:
    allowed = read_name_loads(DESIGN.read_text())
    assert set(allowed) <= set(project.files), f"no such module in the exceptions: {allowed}"
    undocumented = [
        f"{project.rel(m)}:{line} loads a module by name"
        for m in project.files
        if m not in allowed
        for line in loads_by_name(project, m)
    ]
    assert not undocumented, (
        "not among the deliberate exceptions of docs/design.md, Layers:\n" + "\n".join(undocumented)
    )
    # what the exceptions load is what the document says
    import infossl
    from infossl.cli.main import COMMAND_MODULES
    from infossl.estimators import _base

    registry = {m for m in _base._LAZY.values() if m.startswith("infossl.")}
    assert registry and all(layer_of(project, layers, m) == 2 for m in registry), registry
    assert all(layer_of(project, layers, m) == 5 for m in infossl._LAZY.values()), infossl._LAZY
    assert all(m.startswith("infossl.cli.") for m in COMMAND_MODULES), COMMAND_MODULES


def test_no_import_cycles(project: Project) -> None:
    found = cycles(project)
    assert not found, "module-level import cycles:\n" + "\n".join(found)


def test_no_cycles_between_the_tables_packages(project: Project, layers: dict[str, int]) -> None:
    found = package_cycles(project, layers)
    assert not found, (
        "import cycles between packages of the Layers table (lazy imports "
        "included):\n" + "\n".join(found)
    )


# ----------------------------------------------------------------------------- the checker
TABLE = """# Design

## Layers

| layer | packages | contents |
|---|---|---|
| 0 | `pkg.low`, `pkg.__init__` | low |
| 1 | `pkg.mid` | mid |
| 1 | `pkg.mid.deep` | overrides its parent's row |
| 2 | `pkg.high` | high |

## Next
"""


def _package(tmp_path: Path, sources: dict[str, str]) -> Project:
    for rel, text in sources.items():
        path = tmp_path / "pkg" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return scan(tmp_path / "pkg")


def test_checker_reads_the_table() -> None:
    assert read_layers(TABLE) == {
        "pkg.low": 0,
        "pkg.__init__": 0,
        "pkg.mid": 1,
        "pkg.mid.deep": 1,
        "pkg.high": 2,
    }
    with pytest.raises(ValueError, match="two rows"):
        read_layers(TABLE.replace("`pkg.high`", "`pkg.mid`"))
    with pytest.raises(ValueError, match="no '## Layers'"):
        read_layers("# Design\n")


def test_checker_reads_the_exceptions_and_finds_loads_by_name(tmp_path: Path) -> None:
    text = TABLE.replace(
        "## Next",
        "Deliberate exceptions:\n\n- `pkg.low` loads `pkg.high`;\n"
        "- `pkg.mid` too.\n\nMore text naming `pkg.high`.\n\n## Next",
    )
    assert read_name_loads(text) == ["pkg.low", "pkg.mid"]
    project = _package(
        tmp_path,
        {
            "__init__.py": "",
            "low.py": "import importlib\n\n"
            "importlib.import_module('pkg.high')\n__import__('pkg')\n",
        },
    )
    assert loads_by_name(project, "pkg.low") == [3, 4]


def test_checker_finds_every_kind_of_upward_import(tmp_path: Path) -> None:
    project = _package(
        tmp_path,
        {
            "__init__.py": "",
            "low.py": "def f():\n    import pkg.high.x\n",  # lazy, dotted
            "mid/__init__.py": "from pkg import high\n",  # a subpackage named in a from-import
            "mid/deep.py": "from ..high.x import name\n",  # relative
            "high/__init__.py": "",
            "high/x.py": "from pkg.low import f\nfrom pkg import mid\n",  # downward: fine
        },
    )
    layers = read_layers(TABLE)
    assert unplaced(project, layers) == []
    assert upward_imports(project, layers) == [
        "pkg/low.py:2 imports pkg.high.x (layer 2) from layer 0",
        "pkg/mid/__init__.py:1 imports pkg.high (layer 2) from layer 1",
        "pkg/mid/deep.py:1 imports pkg.high.x (layer 2) from layer 1",
    ]


def test_checker_refuses_a_module_in_no_row(tmp_path: Path) -> None:
    project = _package(
        tmp_path,
        {
            "__init__.py": "",
            "low.py": "",
            "new/__init__.py": "",
            "new/part.py": "",
            "mid/__init__.py": "",
            "high.py": "",
        },
    )
    layers = read_layers(TABLE)
    assert unplaced(project, layers) == [
        "pkg/new/__init__.py (pkg.new) is in no row of the Layers table",
        "pkg/new/part.py (pkg.new.part) is in no row of the Layers table",
    ]
    assert unknown_names(project, layers) == [
        "the Layers table names pkg.mid.deep, which is no module"
    ]
    # the bare top package covers nothing: only pkg.__init__ names it
    assert layer_of(project, {"pkg": 0}, "pkg.low") is None


def test_checker_prints_cycles_and_ignores_lazy_imports(tmp_path: Path) -> None:
    project = _package(
        tmp_path,
        {
            "__init__.py": "",
            "a.py": "import pkg.b\n",
            "b.py": "from pkg import c\n",
            "c.py": "if True:\n    from . import a\n",
            "d.py": "from pkg.e import x\n",
            "e.py": "def f():\n    from pkg.d import y\n",  # lazy: breaks the cycle
            "f.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import pkg.d\n"
            "import pkg.g\n",
            "g.py": "import pkg.f\n",
            "sub/__init__.py": "import pkg.h\n",
            "sub/part.py": "",
            "h.py": "from pkg.sub.part import z\n",  # runs pkg/sub/__init__.py first
        },
    )
    assert cycles(project) == [
        "pkg.a (pkg/a.py:1) -> pkg.b (pkg/b.py:1) -> pkg.c (pkg/c.py:2) -> pkg.a",
        "pkg.f (pkg/f.py:4) -> pkg.g (pkg/g.py:1) -> pkg.f",
        "pkg.h (pkg/h.py:1) -> pkg.sub (pkg/sub/__init__.py:1) -> pkg.h",
    ]


def test_checker_prints_cycles_between_packages(tmp_path: Path) -> None:
    project = _package(
        tmp_path,
        {
            "__init__.py": "",
            "low.py": "",
            "mid/__init__.py": "",
            "mid/one.py": "def f():\n    from pkg.mid.deep import x\n",  # lazy still counts
            "mid/deep.py": "from pkg.mid import one\n",
            "high.py": "",
        },
    )
    assert package_cycles(project, read_layers(TABLE)) == [
        "pkg.mid (pkg/mid/one.py:2) -> pkg.mid.deep (pkg/mid/deep.py:1) -> pkg.mid"
    ]
