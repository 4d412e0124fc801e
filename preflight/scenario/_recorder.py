"""`preflight record`: a headed browser whose user actions become a scenario.

A small script of our own (init script + binding) reports trusted clicks, committed field
values, selects, checkboxes and Enter/Tab/Escape; the watcher (attached as during an order)
reports Back, Forward and Refresh — which no page script can see as user actions — and gives
the verdict written as `expect`. A value typed in a sensitive field (the rules'
`privacy.sensitive`, passwords, card fields) never leaves the page: the script sends only
"a secret was typed here" and the scenario gets a `${SECRET_n}` placeholder.

The back/forward cache stays off (Playwright's default): the replay runs with it off too, so
a recording replays the way it was made.
"""

from __future__ import annotations

import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from loguru import logger

from preflight.browsers import choose, launch, spec_for
from preflight.errors import BrowserError, UsageError
from preflight.rules import Rules
from preflight.scenario._model import (
    Back,
    Check,
    Click,
    Expect,
    Fill,
    Forward,
    Goto,
    Press,
    Reload,
    Scenario,
    Select,
    Step,
)
from preflight.scenario._writer import dump
from preflight.watch import Watcher
from preflight.watch.events import Event

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Playwright

BINDING = "__preflightRecord"
_KEYS = ("Enter", "Tab", "Escape")

# Runs in every document. Selectors, most robust first: a test id, a stable id, role + name,
# a name attribute, visible text, then a CSS path from the nearest element with an id.
_SCRIPT = r"""
(() => {
  if (window.__preflightRecorder) return;
  window.__preflightRecorder = true;
  const SENSITIVE = %(sensitive)s;
  const send = (msg) => { try { window.%(binding)s(msg); } catch (e) {} };
  const esc = (s) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
  const text = (el) => (el.innerText || el.textContent || "").replace(/\s+/g, " ").trim();
  const stableId = (id) => id && /^[A-Za-z][\w-]*$/.test(id) && !/\d{4,}/.test(id);
  const unique = (sel) => {
    try { return document.querySelectorAll(sel).length === 1; } catch (e) { return false; }
  };
  const ROLES = { A: "link", BUTTON: "button", SELECT: "combobox", TEXTAREA: "textbox" };
  function role(el) {
    if (el.getAttribute("role")) return el.getAttribute("role");
    if (el.tagName === "A" && el.hasAttribute("href")) return "link";
    if (el.tagName === "INPUT") {
      const t = (el.type || "text").toLowerCase();
      if (["button", "submit", "reset"].includes(t)) return "button";
      if (t === "checkbox" || t === "radio") return t;
      return "textbox";
    }
    return ROLES[el.tagName] || null;
  }
  function cssPath(el) {
    const parts = [];
    while (el && el.nodeType === 1 && el !== document.body) {
      if (stableId(el.id)) { parts.unshift("#" + CSS.escape(el.id)); break; }
      let i = 1, sib = el;
      while ((sib = sib.previousElementSibling)) if (sib.tagName === el.tagName) i++;
      parts.unshift(el.tagName.toLowerCase() + ":nth-of-type(" + i + ")");
      el = el.parentElement;
    }
    return parts.join(" > ");
  }
  function selector(el) {
    const tid = el.getAttribute("data-testid");
    const byTestId = '[data-testid="' + esc(tid || "") + '"]';
    if (tid && unique(byTestId)) return byTestId;
    if (stableId(el.id) && unique("#" + CSS.escape(el.id))) return "#" + CSS.escape(el.id);
    const r = role(el);
    const label = el.getAttribute("aria-label");
    const name = (label || (["link", "button"].includes(r) ? text(el) : "")).trim();
    if (r && name && name.length <= 60) return "role=" + r + '[name="' + esc(name) + '"]';
    const nm = el.getAttribute("name");
    if (nm && unique(el.tagName.toLowerCase() + '[name="' + esc(nm) + '"]'))
      return el.tagName.toLowerCase() + '[name="' + esc(nm) + '"]';
    const t = text(el);
    if (t && t.length <= 60 && !el.children.length) return 'text="' + esc(t) + '"';
    return cssPath(el);
  }
  function sensitive(el) {
    if ((el.type || "").toLowerCase() === "password") return true;
    if ((el.getAttribute("autocomplete") || "").startsWith("cc-")) return true;
    return SENSITIVE.some((s) => { try { return el.matches(s); } catch (e) { return false; } });
  }
  const INTERACTIVE = "a[href],button,input,select,textarea,label,summary,[role=button]," +
    "[role=link],[role=tab],[role=menuitem],[role=checkbox],[onclick]";
  const BUTTONS = ["button", "submit", "reset", "image"];
  const committed = new WeakMap();
  // Fields changed without keystrokes (browser autofill; Playwright's fill over BiDi) fire
  // `input` but no trusted `change`: they are committed, in typing order, before the next
  // click or key press.
  const dirty = new Set();
  document.addEventListener("input", (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) {
      dirty.delete(e.target);
      dirty.add(e.target);
    }
  }, true);
  function commitDirty(except) {
    for (const el of [...dirty]) if (el !== except && el.isConnected) commit(el);
    dirty.clear();
  }
  function commit(el) {
    if (!(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement)) return;
    const t = (el.type || "text").toLowerCase();
    if (["checkbox", "radio", "button", "submit", "reset", "file", "hidden"].includes(t)) return;
    if (committed.get(el) === el.value) return;
    committed.set(el, el.value);
    if (sensitive(el)) send({ type: "fill", selector: selector(el), secret: true });
    else send({ type: "fill", selector: selector(el), value: el.value });
  }
  document.addEventListener("click", (e) => {
    if (!e.isTrusted) return;
    const el = e.target instanceof Element ? (e.target.closest(INTERACTIVE) || e.target) : null;
    if (!el) return;
    // Fields, selects and checkboxes are recorded by `change`, not by the click into them.
    if (el instanceof HTMLInputElement && !BUTTONS.includes(el.type)) return;
    if (el instanceof HTMLSelectElement || el instanceof HTMLOptionElement) return;
    if (el instanceof HTMLTextAreaElement) return;
    const active = document.activeElement;
    if (active && active !== el) commit(active);
    commitDirty(el);
    send({ type: "click", selector: selector(el) });
  }, true);
  document.addEventListener("change", (e) => {
    if (!e.isTrusted) return;
    const el = e.target;
    if (el instanceof HTMLSelectElement) {
      send({ type: "select", selector: selector(el), value: el.value });
    } else if (el instanceof HTMLInputElement && ["checkbox", "radio"].includes(el.type)) {
      send({ type: "check", selector: selector(el), checked: el.checked });
    } else {
      commit(el);
    }
  }, true);
  document.addEventListener("keydown", (e) => {
    if (!e.isTrusted || !%(keys)s.includes(e.key)) return;
    const el = e.target instanceof Element ? e.target : null;
    commitDirty(el);
    if (el) commit(el);  // the value first: Enter may submit before `change` fires
    const inField = el && el !== document.body && el !== document.documentElement;
    send({ type: "press", key: e.key, selector: inField ? selector(el) : null });
  }, true);
})();
"""


@dataclass
class Recording:
    """What a recording session produced."""

    scenario: Scenario
    secrets: list[str] = field(default_factory=list)
    path: Path | None = None


class _Collector:
    def __init__(self, start_url: str) -> None:
        self.steps: list[Step] = [Goto.model_validate({"url": start_url})]
        self.secrets: list[str] = []

    def on_message(self, source: dict[str, Any], msg: Any) -> None:
        if not isinstance(msg, dict):
            return
        try:
            step = self._step(msg)
        except Exception as error:  # a malformed message from the page: never the recording's end
            logger.debug("recorder message {} ignored: {}", msg.get("type"), error)
            return
        if step is not None:
            self.steps.append(step)

    def _step(self, msg: dict[str, Any]) -> Step | None:
        kind, selector = msg.get("type"), str(msg.get("selector") or "")
        if kind == "click":
            return Click.model_validate({"selector": selector})
        if kind == "fill":
            if msg.get("secret"):
                name = f"SECRET_{len(self.secrets) + 1}"
                self.secrets.append(name)
                value = "${" + name + "}"
            else:
                value = str(msg.get("value", ""))
            previous = self.steps[-1]
            if isinstance(previous, Fill) and previous.selector == selector:
                self.steps.pop()  # the same field committed twice: keep the last value
            return Fill.model_validate({"selector": selector, "value": value})
        if kind == "select":
            return Select.model_validate({"selector": selector, "value": str(msg.get("value"))})
        if kind == "check":
            return Check.model_validate({"selector": selector, "checked": bool(msg.get("checked"))})
        if kind == "press" and msg.get("key") in _KEYS:
            return Press.model_validate({"key": msg["key"], "selector": selector or None})
        return None

    def on_event(self, event: Event) -> None:
        if event.kind == "navigation" and event.nav in ("back", "forward", "reload"):
            step = {"back": Back, "forward": Forward, "reload": Reload}[event.nav]
            self.steps.append(step.model_validate({}))


def _relative(url: str, base_url: str | None) -> str:
    base = base_url
    if base is None:
        parts = urlsplit(url)
        base = f"{parts.scheme}://{parts.netloc}"
    base = base.rstrip("/")
    if url == base or url.startswith(base + "/"):
        return url[len(base) :] or "/"
    return url


def record(
    url: str,
    out: Path | None,
    *,
    rules: Rules,
    browser: str = "auto",
    name: str | None = None,
    base_url: str | None = None,
    headless: bool = False,
    page_hook: Callable[[Page], None] | None = None,
    timeout_s: float | None = None,
    playwright: Playwright | None = None,
) -> Recording:
    """Open `url` in a headed browser, record until the browser (or its last page) closes,
    and write the scenario to `out` (when given).

    `page_hook(page)` runs once the first page has loaded — a test driving the page as a
    person would; with a hook, the recording ends when it returns. `timeout_s` ends a
    recording left open. `playwright` reuses a running Playwright (the sync API cannot be
    started twice in one thread, e.g. under pytest-playwright).
    """
    from playwright.sync_api import sync_playwright

    if not url.startswith(("http://", "https://")):
        raise UsageError(f"{url!r}: expected an http:// or https:// URL")
    collector = _Collector(_relative(url, base_url))
    watcher = Watcher(rules, on_event=collector.on_event)
    spec = spec_for(choose(browser))
    with contextlib.ExitStack() as stack:
        if playwright is None:
            playwright = stack.enter_context(sync_playwright())
        launched = launch(playwright, spec, headless=headless)
        context: BrowserContext = launched.new_context(no_viewport=not headless)  # type: ignore[union-attr]
        try:
            context.expose_binding(BINDING, collector.on_message)
            script = _SCRIPT % {
                "binding": BINDING,
                "sensitive": json.dumps(list(rules.privacy.sensitive)),
                "keys": json.dumps(list(_KEYS)),
            }
            context.add_init_script(script)
            watcher.attach(context)
            page = context.new_page()
            try:
                page.goto(url, wait_until="load", timeout=60_000)
            except Exception as error:
                raise BrowserError(f"cannot open {url}: {str(error).splitlines()[0]}") from None
            watcher.settle()
            if page_hook is not None:
                page_hook(page)
                watcher.settle()
            else:
                _wait_until_closed(context, watcher, timeout_s)
            outcome = watcher.outcome()
        finally:
            watcher.detach()
            try:
                launched.close()
            except Exception as error:  # the user closed it already
                logger.debug("closing the recorder's browser: {}", error)
    scenario = Scenario.model_validate(
        {
            "name": name or "recording-" + datetime.now(UTC).strftime("%Y%m%d-%H%M%S"),
            "description": f"Recorded with preflight record from {_relative(url, base_url)}",
            "steps": collector.steps,
            "expect": Expect(
                verdict=outcome.verdict,
                violations=[v.kind for v in outcome.violations],
                warnings=[w.kind for w in outcome.warnings] or None,
            ),
        }
    )
    recording = Recording(scenario=scenario, secrets=collector.secrets, path=out)
    if out is not None:
        header = [f"Recorded by preflight record on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC."]
        if collector.secrets:
            header.append(
                "Values typed in sensitive fields are not written: replay with "
                + " ".join(f"--var {s}=…" for s in collector.secrets)
            )
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text(dump([scenario], header=header), encoding="utf-8")
        except OSError as error:
            raise UsageError(f"-o {out}: cannot be written ({error.strerror})") from None
    return recording


def _wait_until_closed(context: BrowserContext, watcher: Watcher, timeout_s: float | None) -> None:
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while True:
        pages = [page for page in context.pages if not page.is_closed()]
        if not pages or (deadline is not None and time.monotonic() >= deadline):
            return
        try:
            watcher.poll()
            # Waiting inside a Playwright call lets the sync API dispatch bindings and events.
            pages[0].wait_for_timeout(100)
        except Exception as error:  # the page or the browser closed under us: done
            logger.debug("recorder: {}", error)
            if all(page.is_closed() for page in context.pages):
                return
