"""The SFR order site, single-page mode (`/app/…`): one shell, a Preact app, JSON steps."""

from __future__ import annotations

from starlette.routing import BaseRoute


def routes() -> list[BaseRoute]:
    return []
