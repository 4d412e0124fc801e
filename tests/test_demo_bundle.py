"""The demo shop's React variant ships as a built bundle (the package never needs Node): it
must be the build of the sources next to it, and be part of the package."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from importlib.resources import files
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _build_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "build_react_shop", ROOT / "scripts/build_react_shop.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("build_react_shop", module)
    spec.loader.exec_module(module)
    return module


build = _build_script()


def test_the_committed_bundle_is_built_from_the_sources_as_they_are() -> None:
    recorded = build.recorded_digest()
    assert recorded is not None, f"{build.BUNDLE} has no sources-sha256 banner"
    assert recorded == build.sources_digest(), (
        "the React bundle is older than its sources (frontend/react-shop): run `make demo-bundle`"
        " and commit preflight/demo_shop/static/react/shop.js"
    )


def test_any_change_to_a_source_or_the_lock_file_changes_the_digest(tmp_path: Path) -> None:
    copy = tmp_path / "react-shop"
    shutil.copytree(build.SOURCES, copy, ignore=shutil.ignore_patterns("node_modules"))
    before = build.sources_digest(copy)
    assert before == build.sources_digest(build.SOURCES)
    for name in ("src/main.jsx", "package-lock.json", "package.json"):
        path = copy / name
        original = path.read_bytes()
        path.write_bytes(original + b"\n")
        assert build.sources_digest(copy) != before, f"a change to {name} went unseen"
        path.write_bytes(original)
    (copy / "src" / "extra.js").write_text("export {};\n")
    assert build.sources_digest(copy) != before, "a new source file went unseen"


def test_line_endings_of_a_checkout_do_not_make_the_bundle_stale(tmp_path: Path) -> None:
    copy = tmp_path / "react-shop"
    shutil.copytree(build.SOURCES, copy, ignore=shutil.ignore_patterns("node_modules"))
    main = copy / "src" / "main.jsx"
    main.write_bytes(main.read_bytes().replace(b"\n", b"\r\n"))
    assert build.sources_digest(copy) == build.sources_digest(build.SOURCES)


def test_a_bundle_without_its_banner_reads_as_unbuilt(tmp_path: Path) -> None:
    bundle = tmp_path / "shop.js"
    bundle.write_text("console.log(1);\n")
    assert build.recorded_digest(bundle) is None
    assert build.recorded_digest(tmp_path / "missing.js") is None


def test_the_bundle_is_package_data_and_node_modules_are_not_committed() -> None:
    shipped = files("preflight") / "demo_shop" / "static" / "react" / "shop.js"
    assert shipped.is_file()
    # pyproject's package-data globs: what a wheel carries.
    import tomllib

    globs = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"][
        "package-data"
    ]["preflight"]
    relative = Path("demo_shop/static/react/shop.js")
    assert any(relative.match(glob) for glob in globs), globs
    ignored = (ROOT / ".gitignore").read_text().split()
    assert "node_modules/" in ignored


@pytest.mark.parametrize("package", ["react", "react-dom", "react-router"])
def test_the_bundle_is_react_and_its_router(package: str) -> None:
    lock = (build.SOURCES / "package-lock.json").read_text()
    assert f'"node_modules/{package}"' in lock
    text = build.BUNDLE.read_text()
    marker = {"react": "@license React", "react-dom": "react-dom", "react-router": "react-router"}
    assert marker[package] in text
