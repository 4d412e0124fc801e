"""The seller's commands' help, and Click's and Typer's own words, in the seller's language.

The language is `--lang`'s when the command line gives one, else the locale's
(`preflight.i18n.default_lang`: LC_ALL, LC_MESSAGES, LANG) — read from the environment, never
with `setlocale`, which fails where the locale is not generated.

Help texts: the seller's commands (`_SELLER`) take their help and their options' from the
catalogues (`cli.help.cmd.<command>`, `cli.help.<command>.<option>`, else the shared
`cli.help.opt.<option>`); the English in the code is what Typer shows when a key is missing.
QA's commands keep their English help.

Framework words: Typer 0.29 says « Options », « Error », « [default: …] »… through
`gettext.gettext` bound at import (`from gettext import gettext as _`), its panel titles
computed from it at import; its vendored Click (`typer._click`) writes « Usage: » and the
`--help` option's help as plain literals. Reaching them without `setlocale` means replacing
Typer's module name `_` and constants, the formatter class of Typer's Click contexts, and each
command's help option's text: done here only, and tests/test_cli_words.py fails when a name it
replaces is gone (Typer 0.29).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Sequence
from typing import Any

from preflight.i18n import Lang, available_langs, catalogue, default_lang

_SELLER = ("check", "order", "setup", "serve-demo")

# Click's and Typer's English (their gettext message ids) → our key.
FRAMEWORK: dict[str, str] = {
    "Usage:": "cli.framework.usage",
    "Options": "cli.framework.options",
    "Commands": "cli.framework.commands",
    "Arguments": "cli.framework.arguments",
    "Error": "cli.framework.error",
    "Show this message and exit.": "cli.framework.help",
    "[default: {}]": "cli.framework.default",
    "[required]": "cli.framework.required",
    "Try [blue]'{command_path} {help_option}'[/] for help.": "cli.framework.try_help",
    "Try '{command} {option}' for help.": "cli.framework.try_help_plain",
    "Error: {message}": "cli.framework.error_message",
    "Missing command.": "cli.framework.missing_command",
    "Aborted!": "cli.framework.aborted",
    "Aborted.": "cli.framework.aborted",
}
# The modules whose `_` is gettext's, and Typer's constants computed from it at import.
PATCHED_MODULES = ("typer.core", "typer.rich_utils")
TYPER_CONSTANTS = (
    "DEFAULT_STRING",
    "REQUIRED_LONG_STRING",
    "ARGUMENTS_PANEL_TITLE",
    "OPTIONS_PANEL_TITLE",
    "COMMANDS_PANEL_TITLE",
    "ERRORS_PANEL_TITLE",
    "ABORTED_TEXT",
    "RICH_HELP",
)


class _Formatter:
    """Marks the formatter class made by `_formatter`."""


def _formatter(base: type[Any]) -> type[Any]:
    class Formatter(base, _Formatter):  # type: ignore[misc]
        def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
            if prefix is None:
                prefix = framework_text("Usage:") + " "
            super().write_usage(prog, args, prefix)

    return Formatter


_english: dict[str, str] = {}  # Typer's constants as Typer computed them
_current: list[Lang] = ["en"]


def framework_text(message: str) -> str:
    """Click's or Typer's `message` in the current language (unchanged when we have none)."""
    key = FRAMEWORK.get(message)
    if key is None:
        return message
    return catalogue(_current[0]).get(key) or message


def current_lang() -> Lang:
    """The language of the command line being run (`use_language`'s)."""
    return _current[0]


def lang_of(argv: Sequence[str]) -> Lang:
    """The language of a command line: its `--lang` when one is valid, else the locale's."""
    args = list(argv)
    for index, arg in enumerate(args):
        value = None
        if arg == "--lang" and index + 1 < len(args):
            value = args[index + 1]
        elif arg.startswith("--lang="):
            value = arg.partition("=")[2]
        if value is not None and value in available_langs():
            return value
    return default_lang()


def use_language(lang: Lang) -> None:
    """Click's and Typer's words in `lang` from now on (the CLI calls it before each run)."""
    _current[0] = lang
    rich_utils = importlib.import_module("typer.rich_utils")
    if not _english:
        _english.update({name: getattr(rich_utils, name) for name in TYPER_CONSTANTS})
    for name in PATCHED_MODULES:
        module = importlib.import_module(name)
        if getattr(module, "_", None) is not framework_text:
            module._ = framework_text  # type: ignore[attr-defined]
    core = importlib.import_module("typer._click.core")
    if not issubclass(core.Context.formatter_class, _Formatter):
        core.Context.formatter_class = _formatter(core.Context.formatter_class)
    for name, english in _english.items():
        # Typer computed them with gettext's identity: each is its own message id.
        setattr(rich_utils, name, framework_text(english))


def error_line(error: Exception, lang: Lang) -> str:
    """A `PreflightError` as one line after « preflight: »: in French, what went wrong in
    words by its kind, then the error's own detail (a path, a value) for the help desk."""
    if lang == "en":
        return str(error)
    for kind in type(error).__mro__:
        key = f"cli.error.{kind.__name__.lower()}"
        if key in catalogue("en"):
            return f"{catalogue(lang).get(key) or catalogue('en')[key]} ({error})"
    return str(error)


def localise(group: Any, lang: Lang) -> None:
    """The seller's commands' help (and the root's) from `lang`'s catalogue, where it has it.
    `group`: the root command as `typer.main.get_command` builds it."""
    words = catalogue(lang)
    _apply(group, "cli.help.cmd.preflight", words.get)
    _help_option(group, lang)
    for name in _SELLER:
        command = group.commands.get(name)
        if command is None:
            continue
        _apply(command, f"cli.help.cmd.{name}", words.get)
        _help_option(command, lang)
        for param in command.params:
            if param.name:
                text = words.get(f"cli.help.{name}.{param.name}") or words.get(
                    f"cli.help.opt.{param.name}"
                )
                if text:
                    param.help = text


def _help_option(command: Any, lang: Lang) -> None:
    core = importlib.import_module("typer._click.core")
    option = command.get_help_option(core.Context(command))
    if option is not None:
        option.help = framework_text("Show this message and exit.")


def _apply(command: Any, key: str, get: Callable[[str], str | None]) -> None:
    text = get(key)
    if text:
        command.help = text
        command.short_help = None
