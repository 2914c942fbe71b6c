"""The layering and the code style are checked like any other behaviour."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _tool(name: str) -> str:
    path = BIN / name
    return str(path) if path.exists() else (shutil.which(name) or name)


def test_import_contracts_hold():
    """models never imports Qt/ui/controllers; controllers and cli never import ui."""
    proc = subprocess.run([_tool("lint-imports")], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_lint_is_clean():
    proc = subprocess.run([_tool("ruff"), "check", "."], capture_output=True, text=True, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_ruff_format_is_clean():
    proc = subprocess.run(
        [_tool("ruff"), "format", "--check", "."], capture_output=True, text=True, cwd=ROOT
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr


def _cycles(graph, packages: tuple[str, ...]) -> list[list[str]]:
    """Modules importing one another round in a circle (Tarjan's strongly connected parts)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for other in graph.find_modules_directly_imported_by(module):
            if other.split(".")[0] not in packages:
                continue
            if other not in index:
                visit(other)
                low[module] = min(low[module], low[other])
            elif other in on_stack:
                low[module] = min(low[module], index[other])
        if low[module] == index[module]:
            part = []
            while True:
                other = stack.pop()
                on_stack.discard(other)
                part.append(other)
                if other == module:
                    break
            if len(part) > 1:
                found.append(sorted(part))

    for module in sorted(graph.modules):
        if module.split(".")[0] in packages and module not in index:
            visit(module)
    return found


def test_no_import_cycles():
    """No module imports itself round a circle, not even through a function-local import."""
    import grimp

    packages = ("models", "controllers", "ui", "cli")
    sys.path.insert(0, str(ROOT))
    try:
        graph = grimp.build_graph(*packages, exclude_type_checking_imports=True, cache_dir=None)
    finally:
        sys.path.remove(str(ROOT))
    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    assert _cycles(graph, packages) == []
