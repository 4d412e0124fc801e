"""The live panel: what the seller sees of the watch during the order, in the order's tabs.

An init script (`panel.js`) draws a small foldable panel in a closed shadow root under <html>
and asks preflight for its lines through a binding of its own, when its page loads and every
`POLL_MS`: so a Refresh that ends the session shows « Session ACN perdue » within a second,
whoever drives the browser. The lines are worded here, in Python, from the watcher's state
(the page's script sets them as text). Nothing of the customer's is in them: the step is the
page's name from the rules (`order.steps`, else its last path segment), as the report names it.

The page cannot silence it (issue #25): the script keeps its element in the page (re-attached
within a task when removed, its style put back when changed), and the binding answers only the
panel's own script in a top document — each request signed with its document's key (the
watcher's scheme, `preflight.watch.Keys`): a page's or a frame's call neither folds it nor
reads it.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from loguru import logger

from preflight.i18n import Lang, say
from preflight.watch import Keys, Watcher, with_hmac

BINDING = "__preflightPanel"
# How long the panel says what the guard stopped.
_BLOCKED_SHOWN = timedelta(seconds=20)
# The guard's shortcuts (guard.js), by the move they would have made.
_KEY_MOVES = {
    "F5": "reload",
    "Ctrl+R": "reload",
    "BrowserRefresh": "reload",
    "Alt+Left": "back",
    "Backspace": "back",
    "BrowserBack": "back",
    "Alt+Right": "forward",
    "BrowserForward": "forward",
}
POLL_MS = 300
_MARK = "/*__PREFLIGHT_PANEL__*/ {}"


@lru_cache(maxsize=1)
def _source() -> str:
    source = resources.files("preflight.order").joinpath("panel.js").read_text(encoding="utf-8")
    return with_hmac(source)


def panel_script(lang: Lang, *, own_origin: str, secret: str = "") -> str:
    config = {
        "binding": BINDING,
        "secret": secret,  # see preflight.watch.Keys
        "poll_ms": POLL_MS,
        "own_origin": own_origin,  # the seller's pages draw no panel
        "fold": say("order.panel.fold", lang),
        "unfold": say("order.panel.unfold", lang),
        "title": say("order.panel.title", lang),
    }
    text = json.dumps(config, ensure_ascii=False).replace("</", "<\\/")
    return _source().replace(_MARK, text, 1)


class Panel:
    """The panel's state, read by its binding; `folded` is kept here, not in the page."""

    def __init__(
        self,
        watcher: Watcher,
        lang: Lang,
        folder: Callable[[], Path | None],
        *,
        engine: str = "chromium",
    ) -> None:
        self.watcher = watcher
        self.lang: Lang = lang
        self.folder = folder
        # The browser's leave-page prompt names its buttons its own way.
        self.engine = "firefox" if engine == "firefox" else "chromium"
        self.folded = False
        self.keys = Keys()  # what the panel's script signs its requests with

    def lines(self) -> dict[str, Any]:
        lang, w = self.lang, self.watcher

        names = w.rules.names(lang)  # the shop's, as the report names them

        def t(key: str, **values: object) -> str:
            return say(key, lang, **names, **values)

        violations = w.violations
        state = "lost" if violations else "intact" if w.entry_seen else "waiting"
        # The network lost on a page of the order: said at once, with what keeps the order.
        offline = not violations and w.entry_seen and not w.confirmed and w.load_failed
        if offline:
            state = "offline"
        lines: list[str] = []
        if w.step:
            lines.append(t("order.panel.step", step=w.step))
        if offline:
            lines.append(t("order.panel.offline_advice"))
        elif violations:
            lines.append(
                t("order.panel.ended_by", what=t(f"report.violation.{violations[0].kind}"))
            )
        elif w.confirmed:
            lines.append(t("order.panel.confirmed"))
        else:
            lines.append(t("order.panel.rules"))
        if w.guard and not violations:
            blocked = self._blocked()
            if blocked:
                lines.append(t(f"order.panel.guard.{blocked}"))
            # Said before the browser's own prompt: once it is up, the page cannot speak.
            lines.append(t(f"order.panel.guard.prompt.{self.engine}"))
        warnings: list[str] = []
        for warning in w.warnings:
            if warning.kind == "eligibility_error":
                folder = self.folder()
                saved = folder is not None and (folder / "support").is_dir()
                text = (
                    t("order.panel.support_saved")
                    if saved
                    else t("report.warning.eligibility_error")
                )
            else:
                text = t(f"report.warning.{warning.kind}")
            if text not in warnings:
                warnings.append(text[:1].upper() + text[1:])
        return {
            "state": state,
            "headline": t(f"order.panel.{state}"),
            "lines": lines,
            "warnings": warnings,
            "folded": self.folded,
        }

    def _blocked(self) -> str | None:
        """What the guard last stopped, if it was lately (a key or a Back/Forward it cancelled,
        a customer-service contact the seller cancelled): said in the page, where it happened."""
        now = datetime.now(UTC)
        for event in reversed(self.watcher.recent):
            if now - event.at > _BLOCKED_SHOWN:
                return None
            if event.kind != "guard":
                continue
            action, key = event.detail.get("action"), event.detail.get("key", "")
            if action == "key":
                return _KEY_MOVES.get(key)
            if action == "traverse":
                return "traverse"
            if action == "customer_service" and event.detail.get("answer") == "cancel":
                return "customer_service"
        return None

    def on_binding(self, source: dict[str, Any], raw: Any) -> dict[str, Any] | None:
        # The page and its frames may call this binding too: only the panel's own script, in
        # the top document, is answered.
        frame = source.get("frame")
        top = frame is None or frame.parent_frame is None
        doc = raw.get("doc") if isinstance(raw, dict) else None
        if not top or not isinstance(doc, str) or not self.keys.signed(doc, raw.get("sig")):
            logger.debug("dropped a panel request: not from preflight's panel script")
            return None
        if isinstance(raw.get("folded"), bool):
            self.folded = raw["folded"]
        return self.lines()
