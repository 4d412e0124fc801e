"""Build the demo shop's React variant (`make demo-bundle`): frontend/react-shop → one minified
ES module in the package, so that the installed package never needs Node.

The bundle's first line records a SHA-256 of its sources (src/, package.json, the lock file and
this script), and tests/test_demo_bundle.py fails when the sources no longer match it. A content
hash, not mtimes: a fresh git checkout gives every file an arbitrary mtime.
"""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ROOT / "frontend" / "react-shop"
BUNDLE = ROOT / "preflight" / "demo_shop" / "static" / "react" / "shop.js"
BANNER = "/*! preflight demo React shop; sources-sha256: {digest} */"


def source_files(sources: Path = SOURCES) -> list[Path]:
    files = [sources / "package.json", sources / "package-lock.json"]
    files += [p for p in (sources / "src").rglob("*") if p.is_file()]
    return sorted(files, key=lambda p: p.relative_to(sources).as_posix())


def sources_digest(sources: Path = SOURCES) -> str:
    """One hash over every source's path and content, and this script's (line endings
    normalised: a checkout on Windows may turn LF into CRLF without changing the bundle)."""
    digest = hashlib.sha256()
    for name, path in [
        *((p.relative_to(sources).as_posix(), p) for p in source_files(sources)),
        ("build_react_shop.py", Path(__file__).resolve()),
    ]:
        digest.update(name.encode() + b"\0")
        digest.update(path.read_bytes().replace(b"\r\n", b"\n") + b"\0")
    return digest.hexdigest()


def recorded_digest(bundle: Path = BUNDLE) -> str | None:
    """The digest the committed bundle was built from, or None when it has no banner."""
    try:
        first = bundle.read_text(encoding="utf-8").partition("\n")[0]
    except OSError:
        return None
    prefix, _, rest = BANNER.partition("{digest}")
    if first.startswith(prefix) and first.endswith(rest):
        return first[len(prefix) : len(first) - len(rest)]
    return None


def main() -> int:
    esbuild = SOURCES / "node_modules" / ".bin" / "esbuild"
    if not esbuild.exists():
        print(f"{esbuild} not found: run `npm ci` in {SOURCES} first", file=sys.stderr)
        return 1
    BUNDLE.parent.mkdir(parents=True, exist_ok=True)
    command = [
        str(esbuild),
        str(SOURCES / "src" / "main.jsx"),
        "--bundle",
        "--minify",
        "--format=esm",
        "--target=es2022",
        "--jsx=automatic",
        "--define:process.env.NODE_ENV='production'".replace("'", '"'),
        # react-router 7 exports its development build to every bundler; its production
        # build (no dev warnings, smaller) is what a shop ships.
        "--alias:react-router=./node_modules/react-router/dist/production/index.mjs",
        "--legal-comments=eof",
        f"--banner:js={BANNER.format(digest=sources_digest())}",
        f"--outfile={BUNDLE}",
    ]
    return subprocess.run(command, cwd=SOURCES).returncode


if __name__ == "__main__":
    raise SystemExit(main())
