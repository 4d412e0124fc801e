"""`preflight setup`: which browser the orders will use; Playwright's only when there is none."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from preflight import launcher as launchers
from preflight.browsers import BROWSER_NAMES, InstalledBrowser
from preflight.cli._app import LangOption, app, console, err_console
from preflight.cli._check import confirm as _confirm
from preflight.errors import BrowserInstallFailed
from preflight.i18n import Lang, checked_lang, say
from preflight.install import ensure_browser

_NAMES = BROWSER_NAMES


def _name(browser: InstalledBrowser, lang: Lang) -> str:
    name = _NAMES[browser.family] + (" ESR" if browser.esr else "")
    if browser.version:
        name += f" {browser.version}"
    where = say("cli.setup.playwright", lang) if browser.driver == "playwright-bundled" else ""
    where = where or browser.executable or ""
    return f"{name} ({where})" if where else name


@app.command()
def setup(
    lang: LangOption = None,
    launcher: Annotated[
        bool,
        typer.Option("--launcher", help="Create the « Préflight ACN » launcher without asking."),
    ] = False,
    remove: Annotated[
        bool, typer.Option("--remove", help="Remove the « Préflight ACN » launcher.")
    ] = False,
) -> None:
    """Say which installed Chrome or Firefox the orders will use; download Playwright's own
    Chromium only when neither is installed; offer the « Préflight ACN » launcher on the desktop
    and in the applications menu. Exit 0 a browser is ready, 1 the download failed, 2 other
    errors.

    Example: preflight setup --launcher
    """
    chosen_lang = checked_lang(lang)
    if remove:
        for path in launchers.remove():
            console.print(say("cli.setup.launcher.removed", chosen_lang, path=str(path)))
        return

    def tell_install(engines: tuple[str, ...]) -> None:
        console.print(
            say("cli.setup.installing", chosen_lang, engines=", ".join(engines)), soft_wrap=True
        )

    try:
        ready = ensure_browser(on_install=tell_install)
    except BrowserInstallFailed as error:
        err_console.print(
            say("cli.setup.failed", chosen_lang, cause=error.cause),
            style="bold red",
            soft_wrap=True,
        )
        raise typer.Exit(1) from None
    if ready.installed:
        engines = ", ".join(ready.installed)
        console.print(say("cli.setup.installed", chosen_lang, engines=engines), style="green")
    console.print(
        say("cli.setup.chosen", chosen_lang, name=_name(ready.browser, chosen_lang)), soft_wrap=True
    )
    if ready.others:
        console.print(say("cli.setup.others", chosen_lang))
        for other in ready.others:
            console.print(f"  • {_name(other, chosen_lang)}", soft_wrap=True)
    if ready.default != "unknown":
        family = _NAMES.get(ready.default, ready.default)
        console.print(say("cli.setup.default", chosen_lang, family=family))
    if not ready.installed:
        console.print(say("cli.setup.nothing", chosen_lang), style="green")
    if launcher or (
        sys.stdin.isatty() and _confirm(say("cli.setup.launcher.ask", chosen_lang), chosen_lang)
    ):
        for path in launchers.install():
            console.print(
                say("cli.setup.launcher.made", chosen_lang, path=str(path)), soft_wrap=True
            )
        console.print(say("cli.setup.launcher.next", chosen_lang), style="bold")
    else:
        console.print(say("cli.setup.next", chosen_lang), style="bold")
