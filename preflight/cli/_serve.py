"""`preflight serve-demo`: the local demo shop, until Ctrl+C."""

from __future__ import annotations

import signal
import threading
from enum import StrEnum
from typing import Annotated

import typer

from preflight.cli._app import app, console
from preflight.cli._words import current_lang
from preflight.i18n import say


class ShopMode(StrEnum):
    mpa = "mpa"
    spa = "spa"
    react = "react"


@app.command("serve-demo")
def serve_demo(
    port: int = typer.Option(
        8765, "--port", min=0, max=65535, help="Port on 127.0.0.1 and localhost; 0 = any free."
    ),
    mode: Annotated[
        ShopMode,
        typer.Option(
            "--mode",
            help="Where the ACN links lead: mpa (multi-page SFR site), spa (single-page Preact"
            " app) or react (single-page React app).",
        ),
    ] = ShopMode.mpa,
) -> None:
    """Serve the demo shop: the ACN boutique on 127.0.0.1, the SFR order site on localhost.

    Example: preflight serve-demo --port 8765 --mode spa
    """
    from preflight.demo_shop import DemoShop  # the web stack: only for this command

    shop = DemoShop(port=port, mode=mode.value).start()  # a port in use raises UsageError
    lang = current_lang()  # serve-demo has no --lang: the locale's
    console.print(say("cli.serve.title", lang, mode=mode.value), highlight=False)
    for key, url in (
        ("cli.serve.boutique", f"{shop.acn_url}/acn/boutique"),
        ("cli.serve.link", shop.link(offer="fibre")),
        ("cli.serve.account", f"{shop.sfr_url}/sfr/mon-espace-client/"),
        ("cli.serve.truth", f"{shop.sfr_url}/__truth/orders"),
    ):
        # Never wrapped: a URL cut in two cannot be copied (the console is 80 wide in a pipe).
        console.print(f"  {say(key, lang):<22} {url}", highlight=False, soft_wrap=True)
    if threading.current_thread() is threading.main_thread():
        # A service manager's stop (SIGTERM) ends it as cleanly as Ctrl+C does.
        signal.signal(signal.SIGTERM, _interrupt)
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        console.print(say("cli.serve.stopping", lang))
    finally:
        shop.stop()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt
