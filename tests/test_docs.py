"""The docs say what the code does: docs that drift fail the build (sqlite-utils' habit).

README.md is the front page; the rest lives in docs/*.md. Each check reads the page that holds
what it checks: the commands and the Python API in docs/commands.md, the rules reference in
docs/rules.md, the bench table in docs/performance.md; every page's links and anchors resolve.
"""

from __future__ import annotations

import json
import re
import unicodedata
from pathlib import Path

from typer.main import get_command

from preflight.cli import app

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
DOCS = ROOT / "docs"
COMMANDS = DOCS / "commands.md"
RULES = DOCS / "rules.md"
PERFORMANCE = DOCS / "performance.md"
README_MAX_LINES = 300


def read(page: Path) -> str:
    return page.read_text(encoding="utf-8")


def pages() -> list[Path]:
    return [README, *sorted(DOCS.glob("*.md"))]


def section(text: str, heading: str) -> str:
    """The text under the `## heading` of a page, up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(heading)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"no '## {heading}' section"
    return match.group(1)


def test_every_cli_command_has_a_section_in_the_command_reference() -> None:
    text = read(COMMANDS)
    commands = sorted(get_command(app).commands)  # type: ignore[attr-defined]
    assert commands, "the CLI registers no command"
    missing = [c for c in commands if not re.search(rf"^## `preflight {c}\b", text, re.M)]
    assert not missing, f"docs/commands.md has no '## `preflight <command>`' section for: {missing}"


def test_readme_gives_the_two_commands_ci_runs() -> None:
    text = read(README)
    assert "make demo" in text and "make test" in text
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "make test" in ci


def test_readme_is_a_front_page_of_at_most_300_lines() -> None:
    lines = read(README).count("\n")
    assert lines <= README_MAX_LINES, (
        f"README.md has {lines} lines (at most {README_MAX_LINES}): move the detail to docs/"
    )


def test_the_module_map_names_every_module_and_package_of_preflight() -> None:
    # docs/architecture.md is where a newcomer finds a module: one left out is one they miss.
    block = read(DOCS / "architecture.md").split("```")[1]
    package = ROOT / "preflight"
    parts = {
        f"{p.name}/" if p.is_dir() else p.name
        for p in package.iterdir()
        if (p.suffix == ".py" or (p / "__init__.py").is_file()) and not p.name.startswith("__")
    }
    missing = {part for part in parts if not re.search(rf"(?<![\w/.]){re.escape(part)}", block)}
    assert missing == set()


def test_the_rules_reference_is_the_one_the_rules_model_generates() -> None:
    from preflight.rules_doc import BEGIN, END, reference

    text = read(RULES)
    assert BEGIN in text and END in text, "docs/rules.md has no generated Rules reference"
    block = text[text.index(BEGIN) : text.index(END) + len(END)]
    assert block == reference(), (
        "docs/rules.md's reference differs from the rules model: run "
        "`python -m preflight.rules_doc --write docs/rules.md`"
    )


def test_every_rules_key_has_a_row_with_its_kind_and_example() -> None:
    from preflight.rules_doc import keys

    text = read(RULES)
    missing = []
    for table, name, info in keys():
        dotted = f"{table}.{name}" if table else name
        row = next((line for line in text.splitlines() if line.startswith(f"| `{dotted}` |")), "")
        extra = info.json_schema_extra if isinstance(info.json_schema_extra, dict) else {}
        if not row or not info.description or not extra.get("kind") or "example" not in extra:
            missing.append(dotted)
    assert not missing, f"rules keys without a documented row in docs/rules.md: {missing}"


def test_every_public_name_of_the_package_is_documented_in_the_python_api_section() -> None:
    import preflight

    api = section(read(COMMANDS), "Python API")
    public = [name for name in preflight.__all__ if not name.startswith("_")]
    missing = [name for name in public if f"`{name}`" not in api and f"`{name}(" not in api]
    assert not missing, f"docs/commands.md's Python API section does not document: {missing}"


def test_every_event_kind_and_navigation_kind_is_in_the_python_api_section() -> None:
    from typing import get_args

    from preflight.watch.events import EventKind, NavKind

    api = section(read(COMMANDS), "Python API")
    missing = [k for k in (*get_args(EventKind), *get_args(NavKind)) if f"`{k}`" not in api]
    assert not missing, f"docs/commands.md's Python API does not name these event kinds: {missing}"


def test_the_bench_table_is_the_one_bench_results_json_gives() -> None:
    from bench._report import BEGIN, END, markdown
    from bench._stats import Figure

    document = json.loads((ROOT / "bench" / "results.json").read_text(encoding="utf-8"))
    table = markdown([Figure.model_validate(f) for f in document["figures"]])
    text = read(PERFORMANCE)
    assert BEGIN in text and END in text, "docs/performance.md has no generated bench table"
    block = text[text.index(BEGIN) + len(BEGIN) : text.index(END)].strip("\n")
    assert block == table, (
        "docs/performance.md's bench table differs from bench/results.json: paste the output "
        "of `python -m bench --markdown` between its markers"
    )


# --- links and anchors ---------------------------------------------------------------------------

_FENCE = re.compile(r"^```.*?^```", re.M | re.S)
_CODE = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"\[[^\]\n]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6} (.+?)\s*$", re.M)


def prose(text: str) -> str:
    """The text without code blocks and code spans, where `[x](y)` is not a link."""
    return _CODE.sub("", _FENCE.sub("", text))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation and symbols dropped (but `-` and
    `_`), each space a hyphen (github-slugger)."""
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", heading).lower()
    kept = (c for c in text if c in "-_ " or not unicodedata.category(c).startswith(("P", "S")))
    return "".join(kept).replace(" ", "-")


def anchors(page: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for heading in _HEADING.findall(_FENCE.sub("", read(page))):
        base = slug(heading)
        n = seen.get(base, 0)
        seen[base] = n + 1
        out.add(base if n == 0 else f"{base}-{n}")
    return out


def broken_links(page: Path) -> list[str]:
    broken = []
    for target in _LINK.findall(prose(read(page))):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):  # https:, mailto:: not ours to check
            continue
        path, _, anchor = target.partition("#")
        linked = (page.parent / path).resolve() if path else page
        if not linked.exists():
            broken.append(f"{target} (no such file)")
        elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
            broken.append(f"{target} (no such heading)")
    return broken


def test_slugs_are_githubs() -> None:
    assert slug("`preflight matrix`: the flow matrix") == "preflight-matrix-the-flow-matrix"
    assert slug("« Mes commandes »") == "-mes-commandes-"
    assert slug("Avant chaque commande : le contrôle") == "avant-chaque-commande--le-contrôle"
    assert slug("`[shop]`") == "shop"


def test_every_relative_link_and_anchor_of_the_docs_resolves() -> None:
    broken = {page.name: links for page in pages() if (links := broken_links(page))}
    assert not broken, f"links that lead nowhere: {broken}"


def test_the_link_check_finds_a_missing_page_and_a_missing_heading(tmp_path: Path) -> None:
    page = tmp_path / "page.md"
    page.write_text(
        "# Page\n\n## Here\n\n[ok](#here) [gone](#there) [no](nope.md) [web](https://x.test)\n"
        "`[code](nope.md)`\n",
        encoding="utf-8",
    )
    assert broken_links(page) == ["#there (no such heading)", "nope.md (no such file)"]


def test_every_docs_page_is_linked_from_the_readme() -> None:
    linked = {
        (ROOT / target.partition("#")[0]).resolve() for target in _LINK.findall(prose(read(README)))
    }
    missing = [p.name for p in sorted(DOCS.glob("*.md")) if p.resolve() not in linked]
    assert not missing, f"docs pages the README does not link to: {missing}"
