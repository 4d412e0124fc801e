"""The seller's commands speak French with a French locale — Typer's own words too — and English
otherwise; QA's English stays where QA uses it (`--lang en`)."""

from __future__ import annotations

import importlib

import pytest
from inprocess import preflight

from preflight.cli import _words

FR = {"LANG": "fr_FR.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
EN = {"LANG": "en_US.UTF-8", "LC_ALL": "", "LC_MESSAGES": ""}
SELLER = ("check", "order", "setup", "serve-demo")


@pytest.mark.parametrize("command", SELLER)
def test_a_seller_commands_help_is_french_with_a_french_locale(command: str) -> None:
    out = preflight(command, "--help", env=FR).stdout
    assert "Utilisation : preflight" in out and "Afficher cette aide et quitter." in out
    for english in ("Usage:", "Show this message", "Example:", "[default:"):
        assert english not in out, english


@pytest.mark.parametrize("command", SELLER)
def test_a_seller_commands_help_is_english_otherwise(command: str) -> None:
    out = preflight(command, "--help", env=EN).stdout
    assert "Usage: preflight" in out and "Show this message and exit." in out
    assert "Utilisation" not in out


def test_lang_on_the_command_line_wins_over_the_locale() -> None:
    assert "Usage: preflight" in preflight("check", "--help", "--lang", "en", env=FR).stdout
    assert "Utilisation" in preflight("check", "--help", "--lang", "fr", env=EN).stdout


def test_an_error_line_is_french_and_keeps_its_detail_for_the_help_desk() -> None:
    result = preflight("check", "--rules", "pas-de-regles.toml", env=FR)
    assert result.returncode == 2
    line = result.stderr.strip()
    assert line.startswith("preflight: Un fichier ne peut pas être lu (")
    assert "pas-de-regles.toml" in line
    english = preflight("check", "--rules", "pas-de-regles.toml", "--lang", "en", env=FR).stderr
    assert english.startswith("preflight: pas-de-regles.toml") and "Un fichier" not in english


def test_a_usage_error_panel_is_french() -> None:
    result = preflight("check", "--nope", env=FR)
    assert result.returncode == 2
    assert "Utilisation :" in result.stderr and "Erreur" in result.stderr


def test_the_typer_names_the_translation_replaces_still_exist() -> None:
    # Typer 0.29: if one goes, the seller's help falls back to English silently.
    rich_utils = importlib.import_module("typer.rich_utils")
    for name in _words.TYPER_CONSTANTS:
        assert hasattr(rich_utils, name), name
    for module in _words.PATCHED_MODULES:
        assert hasattr(importlib.import_module(module), "_"), module
    core = importlib.import_module("typer._click.core")
    assert hasattr(core.Context, "formatter_class")
    assert hasattr(core.Context.formatter_class, "write_usage")
    assert hasattr(core.Command, "get_help_option")
    english = {"Usage:", "Options", "Error", "Show this message and exit."}
    assert english <= _words.FRAMEWORK.keys()
