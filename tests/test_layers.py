"""The import graph runs one way: a lower layer never imports a layer above it (issue 15).
Checked twice: by the import statements in the source (lazy imports inside functions too; an
import under `if TYPE_CHECKING:` is for the type checker only and does not count), and by what
a fresh interpreter has loaded after importing the package."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "preflight"

# package -> the layers above it, which it must not import
ABOVE = {
    "globs": ("privacy", "cli", "report", "order", "check", "watch", "scenario", "matrix"),
    "privacy": ("cli", "report", "order", "check", "watch", "scenario", "matrix"),
    "check": ("cli", "report", "order", "watch", "scenario", "matrix"),
    "watch": ("cli", "report", "order", "scenario", "matrix"),
    "report": ("cli", "order", "scenario", "matrix"),
    "order": ("cli",),
}
# Known arrows still to remove, each named so that a new one fails: none left (issue 15).
KNOWN: dict[str, list[str]] = {}


def _imported(folder: Path) -> dict[str, set[str]]:
    """Every `preflight.…` module named by an import statement, per source file."""
    found: dict[str, set[str]] = {}
    # a layer is a package, or a module of its own (`privacy.py`)
    files = (
        [folder.with_suffix(".py")] if folder.with_suffix(".py").is_file() else folder.rglob("*.py")
    )
    for file in sorted(files):
        names: set[str] = set()
        tree = ast.parse(file.read_text(encoding="utf-8"))
        typing_only = {
            id(inner)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and ast.unparse(node.test) == "TYPE_CHECKING"
            for inner in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            if isinstance(node, ast.Import):
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names.add(node.module)
                # `from preflight import report` names the layer in the alias
                if node.module == "preflight":
                    names.update(f"preflight.{alias.name}" for alias in node.names)
        found[str(file.relative_to(PACKAGE.parent))] = names
    return found


def _upward(names: set[str], above: tuple[str, ...]) -> list[str]:
    return sorted(
        n
        for n in names
        if any(n == f"preflight.{a}" or n.startswith(f"preflight.{a}.") for a in above)
    )


@pytest.mark.parametrize("package", sorted(ABOVE))
def test_no_import_statement_reaches_a_layer_above(package: str) -> None:
    upward = {
        file: bad
        for file, names in _imported(PACKAGE / package).items()
        if (bad := _upward(names, ABOVE[package])) and bad != KNOWN.get(file)
    }
    assert not upward, f"preflight.{package} imports from above it: {upward}"


@pytest.mark.parametrize("package", sorted(ABOVE))
def test_importing_a_layer_loads_nothing_above_it(package: str) -> None:
    code = f"import sys, preflight.{package}; print(' '.join(sys.modules))"
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    loaded = _upward(set(run.stdout.split()), ABOVE[package])
    assert not loaded, f"import preflight.{package} loaded the layers above it: {loaded}"


def test_the_url_globs_import_nothing_of_preflight() -> None:
    # Below every layer, the rules included (which `preflight/__init__.py` itself loads, so the
    # fresh-interpreter check above cannot tell): the rules and the watcher build on it.
    [(file, names)] = _imported(PACKAGE / "globs").items()
    assert not [n for n in names if n == "preflight" or n.startswith("preflight.")], (file, names)


def test_playwright_errors_are_caught_by_name_without_importing_playwright() -> None:
    # The library catches Playwright's `Error` only (issue #26), named when an exception is
    # matched: importing the watcher, the replayer or the report still loads no Playwright.
    code = (
        "import sys, preflight.watch, preflight.scenario, preflight.report, preflight._playwright"
        " as p; assert 'playwright.sync_api' not in sys.modules, 'loaded';"
        " import playwright.sync_api as api;"
        " assert p.playwright_error() is api.Error;"
        " assert issubclass(api.TimeoutError, p.playwright_error())"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- public APIs of dependencies only (issue #26) ------------------------------------------------

# What only `preflight/_private.py` may touch: Playwright's impl objects and connection, pytest's
# `Module._getobj`, and Python's frames (which the SIGINT handler walked to find Playwright's).
_PRIVATE_NAMES = frozenset(
    {"_impl_obj", "_connection", "_sync", "_api_zone", "_is_tracing", "_getobj", "f_code",
     "f_back", "_getframe"}
)  # fmt: skip


def _private_uses(file: Path) -> list[str]:
    """Each use, as `LINE: what`, in the order of the lines."""
    found: list[str] = []
    for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
        modules: list[str] = []
        if isinstance(node, ast.Import):
            modules = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        for module in modules:
            if module.split(".")[0] == "_pytest" or module.startswith("playwright._impl"):
                found.append(f"{getattr(node, 'lineno', 0)}: import {module}")
        name = None
        if isinstance(node, ast.Attribute):
            name = node.attr
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            name = node.name  # an override (`def _getobj`)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            name = node.value  # getattr(obj, "_impl_obj")
        if name in _PRIVATE_NAMES:
            found.append(f"{getattr(node, 'lineno', 0)}: {name}")
    return sorted(found, key=lambda use: int(use.split(":")[0]))


def test_only_the_private_module_uses_private_apis_of_dependencies() -> None:
    used = {}
    for file in sorted(PACKAGE.rglob("*.py")):
        where = str(file.relative_to(PACKAGE.parent))
        if where == "preflight/_private.py":
            continue
        found = _private_uses(file)
        if found:
            used[where] = found
    assert not used, f"private APIs of Playwright or pytest outside preflight/_private.py: {used}"


def test_the_check_of_private_apis_sees_each_kind_of_use(tmp_path: Path) -> None:
    source = tmp_path / "uses.py"
    source.write_text(
        "from _pytest.mark import expression\n"
        "import playwright._impl._connection\n"
        "x = page._impl_obj\n"
        "y = getattr(tracing, '_is_tracing')\n"
        "def _getobj(self): return frame.f_back\n"
    )
    found = _private_uses(source)
    assert [use.split(": ")[1] for use in found] == [
        "import _pytest.mark",
        "import _pytest.mark.expression",
        "import playwright._impl._connection",
        "_impl_obj",
        "_is_tracing",
        "_getobj",
        "f_back",
    ], found
