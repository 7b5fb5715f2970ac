"""The code base reads as the pipeline: no import cycle, the scene graph imports no stage, no private
name crosses a package, no source file over 400 lines, every engine registry filled from entry points."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from layerize.registry import EXPORTERS, INPAINTERS, OCR_ENGINES, SEGMENTERS

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = {"layerize": ROOT / "src" / "layerize", "layerize_exporters": ROOT / "exporters"}
MAX_LINES = 400
SCENE_MAY_IMPORT = ("layerize.scene", "layerize.registry", "layerize.files", "layerize.errors")
"""The scene graph is plain data: it may write files atomically and look up exporters, nothing else."""


def _modules() -> dict[str, Path]:
    found = {}
    for package, folder in PACKAGES.items():
        for path in folder.rglob("*.py"):
            parts = [package, *path.relative_to(folder).with_suffix("").parts]
            if parts[-1] == "__init__":
                parts.pop()
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _type_checking_only(node: ast.AST) -> bool:
    return isinstance(node, ast.If) and isinstance(node.test, ast.Name) and node.test.id == "TYPE_CHECKING"


def _imports(module: str, path: Path) -> list[tuple[str, list[str]]]:
    """(imported module, names taken from it) for every import in the file, nested ones included
    (typing-only ``if TYPE_CHECKING:`` blocks excepted)."""
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[str, list[str]]] = []

    def visit(node: ast.AST) -> None:
        if _type_checking_only(node):
            return
        if isinstance(node, ast.Import):
            found.extend((alias.name, []) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.append((sub, []) if sub in MODULES else (base, [alias.name]))
        for child in ast.iter_child_nodes(node):
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8")))
    return [(name, names) for name, names in found if name in MODULES]


GRAPH = {module: _imports(module, path) for module, path in MODULES.items()}


def test_there_is_no_import_cycle():
    state: dict[str, str] = {}
    stack: list[str] = []

    def walk(module: str) -> None:
        state[module] = "open"
        stack.append(module)
        for target, _ in GRAPH[module]:
            if state.get(target) == "open":
                cycle = stack[stack.index(target):] + [target]
                pytest.fail("import cycle: " + " -> ".join(cycle))
            if target not in state:
                walk(target)
        stack.pop()
        state[module] = "done"

    for module in sorted(GRAPH):
        if module not in state:
            walk(module)


def test_the_scene_graph_imports_no_stage():
    for module, imports in GRAPH.items():
        if module.startswith("layerize.scene"):
            outside = [t for t, _ in imports if not t.startswith(SCENE_MAY_IMPORT)]
            assert not outside, f"{module} imports {outside}"


def _package_of(module: str) -> str:
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def test_no_private_name_crosses_a_package():
    for module, imports in GRAPH.items():
        for target, names in imports:
            if _package_of(target) != _package_of(module):
                private = [n for n in names if n.startswith("_") and not n.startswith("__")] or (
                    [target] if target.rpartition(".")[2].startswith("_") and target.count(".") > 1 else [])
                assert not private, f"{module} imports private {private} from {target}"


def test_no_source_file_is_over_400_lines():
    folders = [*PACKAGES.values(), ROOT / "tests", ROOT / "fixtures", ROOT / "benchmarks"]
    long = {str(p.relative_to(ROOT)): n for folder in folders for p in folder.rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long


@pytest.mark.parametrize("registry,names", [
    (OCR_ENGINES, {"rapidocr", "easyocr"}),
    (INPAINTERS, {"auto", "plane", "opencv", "patchmatch", "lama"}),
    (SEGMENTERS, {"flat", "photo", "u2netp"}),
    (EXPORTERS, {"psd", "pptx", "svg"}),
])
def test_every_registry_is_filled_from_its_entry_point_group(registry, names):
    assert registry.group.startswith("layerize.") and names <= set(registry.names())
    engine = object()
    assert registry.create(engine) is engine  # an instance is taken as it is
