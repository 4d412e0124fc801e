"""The gettext catalogues: complete, consistent, used, and a new language is one `.po` away."""

from __future__ import annotations

import ast
import functools
import json
import os
import re
import shutil
import string
import subprocess
import sys
import time
from datetime import UTC, datetime
from importlib import resources
from pathlib import Path

import jinja2
import jinja2.ext
import pytest
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po

from preflight import i18n
from preflight.order import render as order_render
from preflight.report import ReportWriter
from preflight.report import html as report_html
from preflight.rules import load_rules
from preflight.watch.events import Outcome

PACKAGE = Path(str(resources.files("preflight")))
LOCALE = PACKAGE / "locale"
LANGS = ("fr", "en")
# The names code calls to say a message: the API and the modules' own shorthands for it.
API = {"say", "known", "t", "_", "gettext"}
KEY = r"[a-z_]+(\.[a-z0-9_]+)+"
CHROME = (
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36"
)


def catalog(path: Path) -> Catalog:
    with path.open("rb") as file:
        return read_po(file)


def messages(lang: str) -> dict[str, tuple[str, str | None]]:
    """msgid → (msgstr, msgctxt), the header left out."""
    found = catalog(LOCALE / lang / "LC_MESSAGES" / "preflight.po")
    return {str(m.id): (str(m.string), m.context) for m in found if m.id}


def fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


# --- the catalogues ----------------------------------------------------------------------------


def test_french_and_english_have_the_same_keys_and_none_is_empty() -> None:
    fr, en = messages("fr"), messages("en")
    assert fr.keys() == en.keys()
    assert len(fr) > 200
    empty = [(lang, key) for lang in LANGS for key, (text, _) in messages(lang).items() if not text]
    assert not empty


def test_placeholders_are_the_same_in_every_language() -> None:
    fr, en = messages("fr"), messages("en")
    differ = {key: (fields(fr[key][0]), fields(en[key][0])) for key in fr}
    assert not {key: pair for key, pair in differ.items() if pair[0] != pair[1]}


def test_every_entry_tells_the_translator_where_it_shows_and_what_it_is() -> None:
    for lang in LANGS:
        bare = [key for key, (_, context) in messages(lang).items() if not context]
        assert not bare, lang
        vague = [key for key, (_, ctx) in messages(lang).items() if ": " not in (ctx or "")]
        assert not vague, lang  # "where: what"


def test_the_template_lists_exactly_the_keys_with_the_english_text_and_no_translation() -> None:
    pot = catalog(LOCALE / "preflight.pot")
    entries = {str(m.id): m for m in pot if m.id}
    en = messages("en")
    assert entries.keys() == en.keys()
    for key, message in entries.items():
        assert message.string == "", key
        assert message.context == en[key][1], key
        # Babel wraps long comments: compared word for word.
        assert " ".join(message.auto_comments).split() == f"English: {en[key][0]}".split(), key


def test_babel_finds_nothing_wrong_in_the_catalogues() -> None:
    for lang in LANGS:
        problems = [
            (m.id, errors)
            for m, errors in catalog(LOCALE / lang / "LC_MESSAGES" / "preflight.po").check()
        ]
        assert not problems, lang


# --- the code uses exactly the catalogues' keys --------------------------------------------------


@functools.cache
def _keys_in_code() -> tuple[set[str], set[str], set[str]]:
    """(keys named by API calls, every string constant, f-string prefixes of keys)."""
    called: set[str] = set()
    constants: set[str] = set()
    prefixes: set[str] = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                constants.add(node.value)
            elif isinstance(node, ast.JoinedStr) and node.values:
                first = node.values[0]
                text = first.value if isinstance(first, ast.Constant) else None
                if isinstance(text, str) and re.fullmatch(r"[a-z_]+\.[a-z_.]*\.", text):
                    prefixes.add(text)
            if isinstance(node, ast.Call) and node.args:
                func = node.func
                name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
                arg = node.args[0]
                key = arg.value if isinstance(arg, ast.Constant) else None
                if name in API and isinstance(key, str) and re.fullmatch(KEY, key):
                    called.add(key)
    return called, constants, prefixes


@functools.cache
def _keys_in_templates() -> set[str]:
    found: set[str] = set()
    for env, folder in (
        (report_html._ENV, PACKAGE / "report" / "templates"),
        (order_render._ENV, PACKAGE / "order" / "templates"),
    ):
        for template in folder.glob("*.html"):
            source = template.read_text(encoding="utf-8")
            for _, _, message in jinja2.ext.extract_from_ast(env.parse(source)):
                assert isinstance(message, str), (template, message)
                found.add(message)
    return found


def test_every_key_the_code_and_templates_name_is_in_the_catalogues() -> None:
    called, _, prefixes = _keys_in_code()
    known = messages("en").keys()
    in_templates = _keys_in_templates()
    assert len(in_templates) > 40
    missing = (called | in_templates) - known
    assert not missing
    assert not [p for p in prefixes if not any(key.startswith(p) for key in known)]


def test_every_key_of_the_catalogues_is_used() -> None:
    called, constants, prefixes = _keys_in_code()
    used = called | constants | _keys_in_templates()
    unused = [
        key
        for key in messages("en")
        if key not in used and not any(key.startswith(prefix) for prefix in prefixes)
    ]
    assert not unused


def test_templates_that_hold_words_go_through_gettext() -> None:
    for folder in (PACKAGE / "report" / "templates", PACKAGE / "order" / "templates"):
        for template in folder.glob("*.html"):
            source = template.read_text(encoding="utf-8")
            assert not re.search(r"\{\{\s*[ts]\(", source), template  # the old helpers


# --- the API --------------------------------------------------------------------------------------


def test_say_fills_placeholders() -> None:
    assert i18n.say("report.title", "fr") == "Rapport de commande"
    assert i18n.say("check.version.pass", "en", version="131") == "Version 131: up to date."
    assert i18n.say("check.version.pass", "fr", version="131") == "Version 131 : à jour."


def _german(tmp_path: Path) -> Path:
    """The shipped catalogues, plus a German one with a few entries."""
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE, copy)
    german = copy / "de" / "LC_MESSAGES"
    german.mkdir(parents=True)
    (german / "preflight.po").write_text(
        '# A stub translation.\nmsgid ""\nmsgstr ""\n"Language: de\\n"\n'
        '"Content-Type: text/plain; charset=utf-8\\n"\n\n'
        'msgctxt "report.html: heading"\nmsgid "report.title"\nmsgstr "Bestellbericht"\n\n'
        'msgctxt "browser check (version): result line"\nmsgid "check.version.pass"\n'
        'msgstr "Version {version}: aktuell."\n\n'
        'msgctxt "terminal, preflight check: verdict line"\nmsgid "cli.check.ready"\n'
        'msgstr "Bereit: Klicken Sie auf den {affiliate}-Link."\n\n'
        'msgctxt "report.html: heading"\nmsgid "report.timeline"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgctxt "report.html: label"\nmsgid "report.details"\nmsgstr "Einzelheiten?"\n',
        encoding="utf-8",
    )
    return copy


def test_a_new_language_is_one_po_file_in_the_locale_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert "de" not in i18n.available_langs()
    monkeypatch.setenv(i18n.LOCALE_DIR_ENV, str(_german(tmp_path)))
    assert i18n.available_langs() == ("de", "en", "fr")
    assert i18n.say("check.version.pass", "de", version="131") == "Version 131: aktuell."
    # Missing, empty or fuzzy: said in English.
    for key in ("report.verdict.none", "report.timeline", "report.details"):
        assert i18n.say(key, "de") == i18n.say(key, "en"), key
    writer = ReportWriter(tmp_path / "r", load_rules("demo"), lang="de")
    page = writer.finish(Outcome(verdict="attributed", entry_seen=True)).read_text("utf-8")
    assert '<html lang="de">' in page
    assert "<h1>Bestellbericht — " in page
    assert "Order attributed to your ACN session." in page  # untranslated: English


def test_preflight_check_speaks_a_language_added_by_preflight_locale_dir(tmp_path: Path) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "preflight", "check", "--user-agent", CHROME, "--lang", "de", "-y"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, i18n.LOCALE_DIR_ENV: str(_german(tmp_path)), "COLUMNS": "200"},
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert "Version 131.0.0.0: aktuell." in done.stdout
    assert "Bereit: Klicken Sie auf den ACN-Link." in done.stdout


@pytest.mark.parametrize("command", [["check", "--user-agent", CHROME, "-y"], ["setup"]])
def test_an_unknown_lang_is_one_line_naming_the_languages_and_exit_2(command: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "preflight", *command, "--lang", "xx"],
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2, done
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in done.stderr, done.stderr
    assert "'xx'" in lines[0] and "en, fr" in lines[0]
    assert not done.stdout


def test_jinja_gettext_is_bound_to_each_render() -> None:
    env = jinja2.Environment(extensions=["jinja2.ext.i18n"], autoescape=True)
    template = env.from_string('{{ _("report.title") }}|{{ _("report.verdict.attributed") }}')
    fr = template.render(**i18n.translations("fr", affiliate="<ACN>"))
    en = template.render(**i18n.translations("en", affiliate="X"))
    assert fr == "Rapport de commande|Commande attribuée à votre session &lt;ACN&gt;."
    assert en == "Order report|Order attributed to your X session."


def test_long_dates_come_from_the_catalogues() -> None:
    day = datetime(2026, 3, 3, tzinfo=UTC).date()
    assert report_html.long_date(day, "fr") == "mardi 3 mars 2026"
    assert report_html.long_date(day, "en") == "Tuesday 3 March 2026"


# --- a catalogue is data (issue #25, item 11) ------------------------------------------------

HOSTILE_ENTRIES = {
    # Attribute and index access: would print the environment through `str.format`.
    "check.version.pass": "{version.__reduce__.__func__.__globals__[os].environ[HOME]}",
    # A name the call does not give: a KeyError, a traceback, exit 1.
    "order.panel.step": "Étape : {nope}",
    # A format spec: 50 million spaces, hundreds of MB.
    "cli.check.ready": "Prêt : {affiliate:>50000000}",
}


def _hostile(tmp_path: Path, entries: dict[str, str]) -> Path:
    copy = tmp_path / "locale"
    shutil.copytree(LOCALE, copy)
    po = copy / "fr" / "LC_MESSAGES" / "preflight.po"
    text = po.read_text(encoding="utf-8")
    for key, value in entries.items():
        quoted = json.dumps(value, ensure_ascii=False).replace("\\", "\\\\")
        text = re.sub(rf'(msgid "{re.escape(key)}"\nmsgstr )"[^\n]*"', rf"\g<1>{quoted}", text)
    po.write_text(text, encoding="utf-8")
    return copy


def test_a_translation_with_format_tricks_is_said_in_english_with_a_log_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("HOME", "/home/canary-home")
    monkeypatch.setenv(i18n.LOCALE_DIR_ENV, str(_hostile(tmp_path, HOSTILE_ENTRIES)))
    assert i18n.catalogue("fr")["order.panel.step"] == "Étape : {nope}"  # the entry is read

    started = time.monotonic()
    said = {
        "check.version.pass": i18n.say("check.version.pass", "fr", version="131"),
        "order.panel.step": i18n.say("order.panel.step", "fr", step="Éligibilité"),
        "cli.check.ready": i18n.say("cli.check.ready", "fr", affiliate="ACN"),
    }
    assert time.monotonic() - started < 1.0

    assert said["check.version.pass"] == "Version 131: up to date."
    assert said["order.panel.step"] == i18n.say("order.panel.step", "en", step="Éligibilité")
    assert said["cli.check.ready"].startswith("Ready") and len(said["cli.check.ready"]) < 200
    assert not any("canary-home" in text for text in said.values())
    logged = [r.getMessage() for r in caplog.records if "catalogue entry" in r.getMessage()]
    assert len(logged) == 3, logged
    assert not any("__globals__" in line or ">50000000" in line for line in logged), logged


@pytest.mark.parametrize(
    ("text", "values", "expected"),
    [
        ("{a} and {b}", {"a": 1, "b": "x"}, "1 and x"),
        ("{{literal}} {a}", {"a": "v"}, "{literal} v"),
        ("a value with braces: {a}", {"a": "{b.__class__}"}, "a value with braces: {b.__class__}"),
    ],
)
def test_fill_takes_plain_names_as_str_format_does(
    text: str, values: dict[str, object], expected: str
) -> None:
    assert i18n.fill(text, values) == expected == text.format(**values)


@pytest.mark.parametrize(
    "text", ["{a.b}", "{a[0]}", "{a!r}", "{a:>9}", "{0}", "{}", "{a", "a}", "{nope}", "{ a }"]
)
def test_fill_refuses_anything_but_a_given_plain_name(text: str) -> None:
    with pytest.raises(i18n.BadEntry):
        i18n.fill(text, {"a": "x"})
