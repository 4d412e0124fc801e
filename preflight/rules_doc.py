"""The rules model, told in words: docs/rules.md's reference, and a commented rules file.

Both are generated from the models of `preflight.rules` (each key's description, kind of value
and example), so the documentation cannot drift from what the loader accepts: tests/test_docs.py
fails when docs/rules.md's reference differs from `reference()`. Regenerate it with
`python -m preflight.rules_doc --write docs/rules.md`.
"""

from __future__ import annotations

import json
import re
import sys
import textwrap
import tomllib
import types
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel
from pydantic.fields import FieldInfo

from preflight.rules import SUBTABLES, TABLES, Rules, Texts, _read, load_rules

BEGIN = "<!-- rules-reference:begin (generated from preflight/rules.py: do not edit here) -->"
END = "<!-- rules-reference:end -->"
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def keys() -> Iterator[tuple[str, str, FieldInfo]]:
    """Every documented key of a rules file, as (table, key, field); "" is the top level."""
    for name, info in Rules.model_fields.items():
        if info.exclude or name in TABLES:
            continue
        yield "", name, info
    for table, model in TABLES.items():
        for name, info in model.model_fields.items():
            yield table, name, info
            if (table, name) in SUBTABLES:  # `[[shop.checklist]]`: each item's keys
                many = get_origin(info.annotation) is list
                for sub, sub_info in SUBTABLES[table, name].model_fields.items():
                    yield table, f"{name}{'[]' if many else ''}.{sub}", sub_info


def _extra(info: FieldInfo, what: str) -> Any:
    extra = info.json_schema_extra
    return extra.get(what) if isinstance(extra, dict) else None


def type_name(annotation: Any) -> str:
    """The TOML type a key takes, in words."""
    origin, args = get_origin(annotation), get_args(annotation)
    if origin in (Union, types.UnionType) and type(None) in args:
        rest = [a for a in args if a is not type(None)]
        return type_name(rest[0]) + " (optional)"
    if annotation is Texts:
        return "table of strings (fr, en)"
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return "table"
    if origin is list:
        return f"list of {type_name(args[0])}s"
    if origin is dict:
        return f"table of {type_name(args[1])}s"
    if origin is Literal:
        return "string"
    return {str: "string", int: "integer", bool: "boolean", float: "number"}.get(
        annotation, getattr(annotation, "__name__", str(annotation))
    )


def toml_value(value: Any) -> str:
    """`value` written as TOML (the subset rules files use)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        # A JSON string is a valid TOML basic string (same escapes, no `\/` emitted).
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    if isinstance(value, Mapping):
        items = (
            f"{k if _BARE_KEY.match(str(k)) else toml_value(str(k))} = {toml_value(v)}"
            for k, v in value.items()
        )
        return "{ " + ", ".join(items) + " }" if value else "{}"
    raise TypeError(f"no TOML for {type(value).__name__}")


def _default(info: FieldInfo) -> str:
    if info.is_required():
        return "required"
    default = info.get_default(call_default_factory=True)
    if default is None:
        return "not set"
    if isinstance(default, BaseModel):
        return "—"
    if isinstance(default, list) and default and isinstance(default[0], BaseModel):
        return f"the seed's {len(default)} items"
    return f"`{toml_value(default)}`"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def reference() -> str:
    """docs/rules.md's reference: one table per TOML table, one row per key."""
    out = [BEGIN]
    current = None
    for table, name, info in keys():
        if table != current:
            current = table
            model = TABLES.get(table, Rules)
            title = f"`[{table}]`" if table else "Top level"
            doc = (model.__doc__ or "").strip().replace("\n", " ")
            doc = re.sub(r"\s+", " ", doc)
            out += ["", f"### {title}", "", doc, ""] if doc else ["", f"### {title}", ""]
            out.append("| key | type | default | kind of value | what it means | example |")
            out.append("|---|---|---|---|---|---|")
        dotted = f"{table}.{name}" if table else name
        row = [
            f"`{dotted}`",
            type_name(info.annotation),
            _default(info),
            str(_extra(info, "kind") or ""),
            info.description or "",
            f"`{toml_value(_extra(info, 'example'))}`",
        ]
        out.append("| " + " | ".join(_cell(cell) for cell in row) + " |")
    out += ["", END]
    return "\n".join(out)


def annotated(source: str | Path, variables: Mapping[str, str] | None = None) -> str:
    """The rules file `source` (a builtin name or a path) written with every key and a comment
    saying what it means: a file to start from. Values are as written (placeholders kept);
    keys the file does not set show their default, or are commented out when not set."""
    values = {"BASE_URL": "http://127.0.0.1:8000", **(variables or {})}
    loaded = load_rules(source, variables=values)  # a bad file stops here, with its message
    text, label = _read(source)
    raw = tomllib.loads(text)
    out = [
        f"# Rules {loaded.name!r}, from {label}, every key with what it means (docs/rules.md).",
        "# URL globs match the whole address: `*` any run of characters, `?` one; a bare",
        "# origin or host means every page under it, a path that path on any site.",
    ]
    out += [f"# note: {note}" for note in loaded.notes]
    out.append("")
    out += _about(Rules.model_fields["name"])
    out.append(f"name = {toml_value(raw.get('name', loaded.name))}")
    out += ["", *_about(Rules.model_fields["vars"])]
    if raw.get("vars"):
        out.append("[vars]")
        out += [f"{_key(k)} = {toml_value(str(v))}" for k, v in raw["vars"].items()]
    else:
        out += ["# [vars]", '# PORT = "8000"']
    for table in TABLES:
        model = TABLES[table]
        given = raw.get(table, {}) if isinstance(raw.get(table), dict) else {}
        out += ["", *(f"# {line}" for line in _doc_lines(model))]
        out.append(f"[{table}]")
        inner: list[str] = []  # `[table.key]` tables: after the table's own keys
        for name, info in model.model_fields.items():
            value = given[name] if name in given else getattr(getattr(loaded, table), name)
            if (table, name) in SUBTABLES and get_origin(info.annotation) is not list:
                inner += ["", *_about(info)]
                inner += _table(f"{table}.{name}", SUBTABLES[table, name], value)
                continue
            if (table, name) in SUBTABLES and value:
                out += _about(info)
                out += _items(f"{table}.{name}", SUBTABLES[table, name], value)
                continue
            out += _about(info)
            if value is None:
                out.append(f"# {name} = {toml_value(_extra(info, 'example'))}")
            else:
                out.append(f"{name} = {toml_value(value)}")
        out += inner
    return "\n".join(out) + "\n"


def _table(dotted: str, model: type[BaseModel], value: Any) -> list[str]:
    """`[dotted]`, every key told: as given, or commented out with examples when not set."""
    if value is None:
        out = [f"# [{dotted}]"]
        for name, info in model.model_fields.items():
            out += _about(info)
            out.append(f"# {name} = {toml_value(_extra(info, 'example'))}")
        return out
    values = value.model_dump() if isinstance(value, BaseModel) else dict(value)
    out = [f"[{dotted}]"]
    for name, info in model.model_fields.items():
        out += _about(info)
        given = values.get(name, info.get_default())
        if given is None:
            out.append(f"# {name} = {toml_value(_extra(info, 'example'))}")
        else:
            out.append(f"{name} = {toml_value(given)}")
    return out


def _items(dotted: str, model: type[BaseModel], items: list[Any]) -> list[str]:
    """`[[dotted]]` tables, one per item (a dict as written, or a model), every key told."""
    out: list[str] = []
    for item in items:
        values = item.model_dump() if isinstance(item, BaseModel) else dict(item)
        out.append(f"[[{dotted}]]")
        for name, info in model.model_fields.items():
            out += _about(info)
            value = values.get(name, info.get_default())
            out.append(f"{name} = {toml_value(value)}")
    return out


def _about(info: FieldInfo) -> list[str]:
    about = f"{_extra(info, 'kind')}: {info.description}."
    return textwrap.wrap(about, 96, initial_indent="# ", subsequent_indent="#   ")


def _doc_lines(model: type[BaseModel]) -> list[str]:
    doc = re.sub(r"\s+", " ", (model.__doc__ or "").strip())
    return [doc] if doc else []


def _key(name: str) -> str:
    return name if _BARE_KEY.match(name) else toml_value(name)


def write_reference(path: Path) -> bool:
    """Put `reference()` between the markers of the page at `path`; True when it changed."""
    text = path.read_text(encoding="utf-8")
    start, end = text.index(BEGIN), text.index(END) + len(END)
    new = text[:start] + reference() + text[end:]
    if new != text:
        path.write_text(new, encoding="utf-8")
    return new != text


if __name__ == "__main__":  # python -m preflight.rules_doc [--write docs/rules.md]
    if sys.argv[1:2] == ["--write"]:
        page = Path(sys.argv[2] if len(sys.argv) > 2 else "docs/rules.md")
        changed = write_reference(page)
        print(f"{page} updated" if changed else f"{page} up to date")
    else:
        print(reference())
