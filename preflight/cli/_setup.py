"""`preflight setup`: which browser the orders will use; Playwright's only when there is none."""

from __future__ import annotations

from typing import Annotated

import typer

from preflight.browsers import InstalledBrowser
from preflight.cli._app import app, console, err_console
from preflight.errors import BrowserInstallFailed
from preflight.i18n import Catalogue, Lang, default_lang, say
from preflight.install import ensure_browser

_T: Catalogue = {
    "chosen": {
        "fr": "Navigateur utilisé pour les commandes : {name}.",
        "en": "Browser used for the orders: {name}.",
    },
    "others": {"fr": "Autres navigateurs utilisables :", "en": "Other browsers that can be used:"},
    "default": {
        "fr": "Navigateur par défaut de cet ordinateur : {family}.",
        "en": "This computer's default browser: {family}.",
    },
    "nothing": {
        "fr": "Rien à installer : ce navigateur est déjà là.",
        "en": "Nothing to install: this browser is already here.",
    },
    "installing": {
        "fr": "Ni Chrome ni Firefox n'est installé : téléchargement du navigateur de Playwright "
        "({engines}, environ 170 Mo ; quelques minutes)…",
        "en": "Neither Chrome nor Firefox is installed: downloading Playwright's browser "
        "({engines}, about 170 MB; a few minutes)…",
    },
    "installed": {
        "fr": "Navigateur de Playwright installé ({engines}).",
        "en": "Playwright's browser installed ({engines}).",
    },
    "failed": {
        "fr": "Échec : le navigateur n'a pas pu être téléchargé ({cause}). Vérifiez la connexion "
        "à Internet et relancez « preflight setup », ou installez Google Chrome "
        "(https://www.google.com/chrome/) ou Mozilla Firefox (https://www.mozilla.org/firefox/) "
        "puis relancez « preflight setup ».",
        "en": "Failed: the browser could not be downloaded ({cause}). Check the Internet "
        "connection and run `preflight setup` again, or install Google Chrome "
        "(https://www.google.com/chrome/) or Mozilla Firefox (https://www.mozilla.org/firefox/) "
        "then run `preflight setup` again.",
    },
    "next": {
        "fr": "Étape suivante, avant chaque commande : preflight check",
        "en": "Next step, before each order: preflight check",
    },
    "playwright": {"fr": "navigateur de Playwright", "en": "Playwright's browser"},
}

_NAMES = {
    "chrome": "Google Chrome",
    "chromium": "Chromium",
    "firefox": "Mozilla Firefox",
    "edge": "Microsoft Edge",
    "safari": "Safari",
}


def _name(browser: InstalledBrowser, lang: Lang) -> str:
    name = _NAMES[browser.family] + (" ESR" if browser.esr else "")
    if browser.version:
        name += f" {browser.version}"
    where = say(_T, "playwright", lang) if browser.driver == "playwright-bundled" else ""
    where = where or browser.executable or ""
    return f"{name} ({where})" if where else name


@app.command()
def setup(
    lang: Annotated[
        Lang | None, typer.Option(help="Language of the messages (default: from the locale).")
    ] = None,
) -> None:
    """Say which installed Chrome or Firefox the orders will use; download Playwright's own
    Chromium only when neither is installed. Exit 0 a browser is ready, 1 the download failed,
    2 other errors.

    Example: preflight setup --lang en
    """
    chosen_lang: Lang = lang or default_lang()

    def tell_install(engines: tuple[str, ...]) -> None:
        console.print(
            say(_T, "installing", chosen_lang, engines=", ".join(engines)), soft_wrap=True
        )

    try:
        ready = ensure_browser(on_install=tell_install)
    except BrowserInstallFailed as error:
        err_console.print(
            say(_T, "failed", chosen_lang, cause=error.cause), style="bold red", soft_wrap=True
        )
        raise typer.Exit(1) from None
    if ready.installed:
        engines = ", ".join(ready.installed)
        console.print(say(_T, "installed", chosen_lang, engines=engines), style="green")
    console.print(
        say(_T, "chosen", chosen_lang, name=_name(ready.browser, chosen_lang)), soft_wrap=True
    )
    if ready.others:
        console.print(say(_T, "others", chosen_lang))
        for other in ready.others:
            console.print(f"  • {_name(other, chosen_lang)}", soft_wrap=True)
    if ready.default != "unknown":
        family = _NAMES.get(ready.default, ready.default)
        console.print(say(_T, "default", chosen_lang, family=family))
    if not ready.installed:
        console.print(say(_T, "nothing", chosen_lang), style="green")
    console.print(say(_T, "next", chosen_lang), style="bold")
