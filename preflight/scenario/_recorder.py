"""`preflight record`: a headed browser whose user actions become a scenario.

A small script of our own (init script + binding) reports trusted clicks, field values as
they are typed, selects, checkboxes and Enter/Tab/Escape; the watcher (attached as during an
order) reports Back, Forward and Refresh — which no page script can see as user actions — and
gives the verdict written as `expect` (with `completed: true` when the confirmation or « Commander
plus tard » was reached). A value typed in a sensitive field (the rules' `privacy.sensitive`,
passwords, card fields) never leaves the page: the script sends only "a secret was typed here"
and the scenario gets a `${SECRET_n}` placeholder. Each step is named from what its target reads
(`_naming`: « click Continuer », « fill Code postal »); a click on a checkbox's or a radio's label
is its one `check` step.

The back/forward cache stays off (Playwright's default): the replay runs with it off too, so
a recording replays the way it was made.

Steps are kept in the order the person did them: each message carries the time of its action
(for a field, its last edit), and a step is placed by that time — a report may come from
another frame, after a later action's. A value is reported while it is typed (once typing
pauses, and at `beforeunload`/`popstate`), never only on blur or at `pagehide`: a Back or a
Refresh right after typing gives neither a `change` nor a `pagehide` message the host receives
(see `_SCRIPT`), and the value must be written before the move. The
file is rewritten (atomically) after every step, so Ctrl+C, a crash or a closed terminal keep
what was recorded.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from loguru import logger

from preflight._playwright import playwright_error
from preflight.browsers import choose, launch, spec_for
from preflight.errors import BrowserError, UsageError
from preflight.rules import Rules, load_rules
from preflight.scenario import _model as steps
from preflight.scenario._model import Expect, Scenario, Step
from preflight.scenario._naming import recorded_name, unique
from preflight.scenario._writer import dump, write_scenario_file
from preflight.watch import Watcher
from preflight.watch.events import Event, Outcome

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Page, Playwright

BINDING = "__preflightRecord"
_KEYS = ("Enter", "Tab", "Escape")
# A field's value is reported once typing has paused this long (and at once before the page
# goes or its history moves): one message per pause, not per key (see `_SCRIPT`).
_QUIET_MS = 250

# Runs in every document. Selectors, most robust first: a test id, a stable id, role + name,
# a name attribute, visible text, then a CSS path from the nearest element with an id.
_SCRIPT = r"""
(() => {
  if (window.__preflightRecorder) return;
  window.__preflightRecorder = true;
  const SENSITIVE = %(sensitive)s;
  // A frame says its own name (the <iframe>'s name attribute): over WebDriver BiDi, Playwright's
  // Frame.name may still be empty when the first action of a new frame arrives.
  const frameName = () => { try { return self === top ? "" : String(window.name).slice(0, 100); }
    catch (e) { return ""; } };
  const send = (msg) => {
    try { return window.%(binding)s(Object.assign(msg, { frame: frameName() })); }
    catch (e) { return null; }
  };
  const esc = (s) => s.replace(/\\/g, "\\\\").replace(/"/g, '\\"');
  const text = (el) => (el.innerText || el.textContent || "").replace(/\s+/g, " ").trim();
  const stableId = (id) => id && /^[A-Za-z][\w-]*$/.test(id) && !/\d{4,}/.test(id);
  const unique = (sel) => {
    try { return document.querySelectorAll(sel).length === 1; } catch (e) { return false; }
  };
  const BUTTONS = ["button", "submit", "reset", "image"];
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
  // What a person reads on the target, for the step's name: its accessible name, a field's
  // label (never its value), a button's caption. Text inside form controls is left out (a
  // <select>'s options, a wrapped field's value); the host bounds, redacts and names.
  const FIELDS = ["INPUT", "SELECT", "TEXTAREA"];
  function ownText(node) {
    let out = "";
    for (const child of node.childNodes) {
      if (child.nodeType === 3) out += child.data;
      else if (child.nodeType === 1 && !FIELDS.includes(child.tagName) &&
               child.tagName !== "SCRIPT" && child.tagName !== "STYLE") out += " " + ownText(child);
      if (out.length > 400) break;
    }
    return out;
  }
  const clean = (s) => String(s || "").replace(/\s+/g, " ").trim().slice(0, 200);
  function labelOf(el) {
    try {
      const ids = el.getAttribute("aria-labelledby");
      if (ids) {
        const t = clean(ids.split(/\s+/).map((id) => {
          const n = document.getElementById(id); return n ? ownText(n) : "";
        }).join(" "));
        if (t) return t;
      }
      const aria = clean(el.getAttribute("aria-label"));
      if (aria) return aria;
      const attr = (name) => clean(el.getAttribute(name));
      if (el instanceof HTMLInputElement && BUTTONS.includes(el.type))
        return clean(el.value) || attr("title") || attr("alt");  // a button's caption
      if (FIELDS.includes(el.tagName)) {
        for (const l of el.labels || []) { const t = clean(ownText(l)); if (t) return t; }
        return attr("placeholder") || attr("title") || attr("name");
      }
      const t = clean(ownText(el));
      if (t) return t;
      const img = el.querySelector("img[alt]");
      return (img && clean(img.getAttribute("alt"))) || attr("title");
    } catch (e) { return ""; }
  }
  function sensitive(el) {
    if ((el.type || "").toLowerCase() === "password") return true;
    if ((el.getAttribute("autocomplete") || "").startsWith("cc-")) return true;
    return SENSITIVE.some((s) => { try { return el.matches(s); } catch (e) { return false; } });
  }
  const INTERACTIVE = "a[href],button,input,select,textarea,label,summary,[role=button]," +
    "[role=link],[role=tab],[role=menuitem],[role=checkbox],[onclick]";
  const committed = new WeakMap();
  // When each field was last edited: a field's step takes that time, not the time it is
  // reported (see `commitDirty`), so that steps are written in the order they were done.
  const edited = new WeakMap();
  const now = () => performance.timeOrigin + performance.now();
  // A value is reported as it is typed, not when the field loses focus: a Back or a Refresh
  // right after typing fires no `change` and no blur, and a message sent at `pagehide` is lost
  // (Playwright drops a binding call whose document is going: seen on Chromium and Firefox).
  // So an edited field is marked (`dirty`) and reported once typing pauses (debounced: the
  // latest value wins), before the next click, key press, select or checkbox, at
  // `beforeunload` (a Back or Refresh to another document: the document still lives, and the
  // message arrives — measured on both engines), at `popstate` (a single-page shop's
  // Back/Forward: before the watcher's own report of it) and when the recording ends. One
  // message per key would do too, but costs a binding round trip per key (1.6 s more for 29
  // characters typed by Playwright on Firefox). The host keeps one field's reports in a row as
  // one `fill` step.
  const dirty = new Set();
  let quiet = 0;
  document.addEventListener("input", (e) => {
    if (e.target instanceof HTMLInputElement || e.target instanceof HTMLTextAreaElement) {
      edited.set(e.target, now());
      dirty.delete(e.target);
      dirty.add(e.target);
      clearTimeout(quiet);
      quiet = setTimeout(() => commitDirty(null), %(quiet_ms)d);
    }
  }, true);
  function commitDirty(except) {
    const fields = [...dirty];
    dirty.clear();
    for (const el of fields) if (el !== except && el.isConnected) commit(el);
  }
  function commit(el) {
    if (!(el instanceof HTMLInputElement || el instanceof HTMLTextAreaElement)) return;
    const t = (el.type || "text").toLowerCase();
    if (["checkbox", "radio", "button", "submit", "reset", "file", "hidden"].includes(t)) return;
    if (committed.get(el) === el.value) return;
    committed.set(el, el.value);
    const at = edited.get(el) || now();
    const msg = { type: "fill", selector: selector(el), label: labelOf(el), at: at };
    if (sensitive(el)) msg.secret = true; else msg.value = el.value;
    send(msg);
  }
  function flush() {
    const active = document.activeElement;
    if (active) commit(active);
    commitDirty(null);
  }
  Object.defineProperty(window, "%(binding)sFlush", { value: flush });
  window.addEventListener("beforeunload", flush, true);
  window.addEventListener("popstate", flush, true);
  window.addEventListener("pagehide", flush, true);
  document.addEventListener("click", (e) => {
    if (!e.isTrusted) return;
    const at = now();
    const el = e.target instanceof Element ? (e.target.closest(INTERACTIVE) || e.target) : null;
    if (!el) return;
    // Fields, selects and checkboxes are recorded by `change`, not by the click into them.
    if (el instanceof HTMLInputElement && !BUTTONS.includes(el.type)) return;
    if (el instanceof HTMLSelectElement || el instanceof HTMLOptionElement) return;
    if (el instanceof HTMLTextAreaElement) return;
    // A label's click goes on to its control: a checkbox or radio is recorded by its `change`
    // (one `check` step), a field by what is typed in it — the label's click is no step.
    if (el instanceof HTMLLabelElement && el.control && el.control !== el &&
        !(el.control instanceof HTMLInputElement && BUTTONS.includes(el.control.type)) &&
        !(el.control instanceof HTMLButtonElement)) return;
    const active = document.activeElement;
    if (active && active !== el) commit(active);
    commitDirty(el);
    send({ type: "click", selector: selector(el), label: labelOf(el), at: at });
  }, true);
  document.addEventListener("change", (e) => {
    const el = e.target;
    const at = now();
    if (el instanceof HTMLSelectElement) {
      // Untrusted too: Playwright's select_option (how a test drives the recorder) fires
      // untrusted events. A page that sets a select from script and says so gets a step that
      // sets the same value. Successive choices in one select (a keyboard walk through its
      // options) become one step, the last value (see `_Collector`).
      const active = document.activeElement;
      if (active && active !== el) commit(active);
      commitDirty(el);
      send({ type: "select", selector: selector(el), value: el.value, label: labelOf(el),
             at: at });
      return;
    }
    if (!e.isTrusted) return;
    if (el instanceof HTMLInputElement && ["checkbox", "radio"].includes(el.type)) {
      commitDirty(el);
      send({ type: "check", selector: selector(el), checked: el.checked, label: labelOf(el),
             at: at });
    } else {
      commit(el);
    }
  }, true);
  document.addEventListener("keydown", (e) => {
    if (!e.isTrusted || !%(keys)s.includes(e.key)) return;
    const at = now();
    const el = e.target instanceof Element ? e.target : null;
    commitDirty(el);
    if (el) commit(el);  // the value first: Enter may submit before `change` fires
    const inField = el && el !== document.body && el !== document.documentElement;
    send({ type: "press", key: e.key, selector: inField ? selector(el) : null,
           label: inField ? labelOf(el) : "", at: at });
  }, true);
})();
"""


Ended = Literal["closed", "hook", "timeout", "interrupted"]


@dataclass
class Recording:
    """What a recording session produced; `ended` says what ended it (the window closed, the
    `page_hook` returned, `timeout_s`, or Ctrl+C)."""

    scenario: Scenario
    secrets: list[str] = field(default_factory=list)
    path: Path | None = None
    ended: Ended = "closed"


class RecordingInterrupted(KeyboardInterrupt):
    """Ctrl+C (or SIGTERM) ended a recording; what was recorded is in `recording` and, when
    there was an `out`, written there. A `KeyboardInterrupt`, so a caller that does not care
    stops as on any Ctrl+C."""

    def __init__(self, recording: Recording) -> None:
        super().__init__("recording interrupted")
        self.recording = recording


class _Collector:
    def __init__(self, start_url: str, on_change: Callable[[], None] | None = None) -> None:
        self.steps: list[Step] = [steps.Goto.model_validate({"url": start_url})]
        # When each step was done (the page's clock, ms); None for a step that nothing may be
        # put before (the start, a Back/Forward/Refresh seen by the watcher).
        self.times: list[float | None] = [None]
        # What the target of each step reads (its label, caption…), for its name.
        self.targets: list[str | None] = [None]
        self.secrets: list[str] = []
        self.on_change = on_change

    def named_steps(self) -> list[Step]:
        """The steps, each named from its target (see `_naming`); no typed value in a name."""
        secret = self._placeholders()
        typed = [s.value for s in self.steps if isinstance(s, steps.Fill) and s.value not in secret]
        pairs = zip(self.steps, self.targets, strict=True)
        names = unique([recorded_name(step, target, typed) for step, target in pairs])
        return [
            s.model_copy(update={"name": n}) if n and not s.name else s
            for s, n in zip(self.steps, names, strict=True)
        ]

    def _placeholders(self) -> set[str]:
        return {"${" + name + "}" for name in self.secrets}

    def on_message(self, source: dict[str, Any], msg: Any) -> None:
        if not isinstance(msg, dict):
            return
        try:
            step = self._step(msg)
            frame = _frame_selector(source.get("frame"), msg.get("frame"))
            if step is not None and frame is not None and "frame" in type(step).model_fields:
                # Done in a frame (a chat widget, a payment form): the step says which.
                step = type(step).model_validate({**step.model_dump(), "frame": frame})
            at = msg.get("at")
            at = float(at) if isinstance(at, int | float) and not isinstance(at, bool) else None
        # a malformed message from the page: never the recording's end
        except (ValueError, playwright_error()) as error:
            logger.debug("recorder message {} ignored: {}", msg.get("type"), error)
            return
        if step is not None:
            target = msg.get("label")
            target = target[:200] if isinstance(target, str) else None
            secret = kind_is_secret(msg)
            self._add(step, at if at is not None else time.time() * 1000, target, secret=secret)

    def _add(
        self, step: Step, at: float | None, target: str | None = None, *, secret: bool = False
    ) -> None:
        index = len(self.steps)
        if at is not None:
            # Before the steps done later (a field reported at the next action, maybe from
            # another frame), never before a barrier.
            while index > 1 and (later := self.times[index - 1]) is not None and later > at:
                index -= 1
        previous = self.steps[index - 1]
        if (
            isinstance(step, steps.Fill | steps.Select)
            and type(previous) is type(step)
            and previous.selector == step.selector
            and getattr(previous, "frame", None) == getattr(step, "frame", None)
        ):
            # The same field reported again as it is typed, or one select walked through its
            # options: what the control ends with is the step.
            if (
                secret
                and isinstance(previous, steps.Fill)
                and previous.value in self._placeholders()
            ):
                step = step.model_copy(update={"value": previous.value})  # one secret, one name
            index -= 1
            del self.steps[index]
            del self.times[index]
            del self.targets[index]
        if secret and isinstance(step, steps.Fill) and step.value not in self._placeholders():
            name = f"SECRET_{len(self.secrets) + 1}"
            self.secrets.append(name)
            step = step.model_copy(update={"value": "${" + name + "}"})
        self.steps.insert(index, step)
        self.times.insert(index, at)
        self.targets.insert(index, target)
        if self.on_change is not None:
            self.on_change()

    def _step(self, msg: dict[str, Any]) -> Step | None:
        kind, selector = msg.get("type"), str(msg.get("selector") or "")
        if kind == "click":
            return steps.Click.model_validate({"selector": selector})
        if kind == "fill":
            # A secret's placeholder is given in `_add` (a field reported again keeps its own).
            value = "" if kind_is_secret(msg) else str(msg.get("value", ""))
            return steps.Fill.model_validate({"selector": selector, "value": value})
        if kind == "select":
            return steps.Select.model_validate(
                {"selector": selector, "value": str(msg.get("value"))}
            )
        if kind == "check":
            return steps.Check.model_validate(
                {"selector": selector, "checked": bool(msg.get("checked"))}
            )
        if kind == "press" and msg.get("key") in _KEYS:
            return steps.Press.model_validate({"key": msg["key"], "selector": selector or None})
        return None

    def on_event(self, event: Event) -> None:
        if event.kind == "navigation" and event.nav in ("back", "forward", "reload"):
            step = {"back": steps.Back, "forward": steps.Forward, "reload": steps.Reload}[event.nav]
            self._add(step.model_validate({}), None)


def kind_is_secret(msg: dict[str, Any]) -> bool:
    """A `fill` message of a sensitive field: the page sent no value, only that one was typed."""
    return msg.get("type") == "fill" and bool(msg.get("secret"))


def _frame_selector(frame: Any, said: Any = None) -> str | None:
    """A selector for the <iframe> element of `frame` (None for a page's main frame) — what a
    scenario's `frame:` names. From `Frame.name` (the iframe's name, else its id), which needs
    no round trip (asking the browser from inside a binding callback hangs the sync API), else
    from the name the frame's document `said` it has (`window.name`): over BiDi `Frame.name`
    can still be empty at a new frame's first action."""
    if frame is None or frame.parent_frame is None:
        return None
    name = str(frame.name or "") or (said if isinstance(said, str) else "")
    if name and re.fullmatch(r"[A-Za-z][\w-]*", name):
        return f'iframe[name="{name}"], iframe#{name}'
    return "iframe"


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
    out: str | os.PathLike[str] | None,
    *,
    rules: Rules | str | os.PathLike[str] = "default",
    browser: str = "auto",
    name: str | None = None,
    base_url: str | None = None,
    headless: bool = False,
    page_hook: Callable[[Page], None] | None = None,
    timeout_s: float | None = None,
    playwright: Playwright | None = None,
) -> Recording:
    """Open `url` in a headed browser, record until the browser (or its last page) closes,
    and write the scenario to `out` (when given), rewriting it after every step.

    `rules` is a `Rules`, a rules file, or a builtin's name (`default`, `demo`), loaded as
    `preflight record --rules` does (with `BASE_URL` = `base_url`, else the URL's origin).
    `out` is checked before the browser starts. `page_hook(page)` runs once the first page
    has loaded — a test driving the page as a person would; with a hook, the recording ends
    when it returns. `timeout_s` ends a recording left open. `playwright` reuses a running
    Playwright (the sync API cannot be started twice in one thread, e.g. under
    pytest-playwright). Ctrl+C raises `RecordingInterrupted` once what was recorded is written.
    """
    from playwright.sync_api import sync_playwright

    if not url.startswith(("http://", "https://")):
        raise UsageError(f"{url!r}: expected an http:// or https:// URL")
    path = _output_path(out)
    if not isinstance(rules, Rules):
        origin = "{0.scheme}://{0.netloc}".format(urlsplit(url))
        source = rules if isinstance(rules, str) else Path(os.fspath(rules))
        rules = load_rules(source, variables={"BASE_URL": (base_url or origin).rstrip("/")})
    if not headless:
        check_display()
    started = datetime.now(UTC)
    state: dict[str, Any] = {"watcher": None}

    def scenario(outcome: Outcome | None) -> Scenario:
        expect = Expect(verdict="attributed", violations=[])
        if outcome is not None:
            expect = Expect(
                verdict=outcome.verdict,
                violations=[v.kind for v in outcome.violations],
                warnings=[w.kind for w in outcome.warnings] or None,
                # The confirmation (a page or a state) or « Commander plus tard » was reached:
                # the replay must reach it too, so a confirmation pattern that stops matching fails.
                completed=True if outcome.completed else None,
            )
        return Scenario.model_validate(
            {
                "name": name or "recording-" + started.strftime("%Y%m%d-%H%M%S"),
                "description": f"Recorded with preflight record from {_relative(url, base_url)}",
                "steps": collector.named_steps(),
                "expect": expect,
            }
        )

    def save(ended: Ended | None) -> Scenario:
        watcher = state["watcher"]
        outcome = None
        # The watcher's own error is raised by its poll() in the loop; the steps still count.
        with contextlib.suppress(Exception):  # any: the recording is written whatever failed
            outcome = watcher.outcome() if watcher is not None else None
        recorded = scenario(outcome)
        if path is not None:
            _write(path, recorded, collector.secrets, ended, len(collector.steps))
        return recorded

    def progress() -> None:
        save(None)

    collector = _Collector(_relative(url, base_url), on_change=progress)
    ended: Ended = "hook" if page_hook is not None else "closed"
    try:
        with contextlib.ExitStack() as stack:
            if playwright is None:
                playwright = stack.enter_context(sync_playwright())
            watcher = Watcher(rules, on_event=collector.on_event)
            state["watcher"] = watcher
            spec = spec_for(choose(browser), frame_input=page_hook is not None)
            try:
                launched = launch(playwright, spec, headless=headless)
            except BrowserError as error:
                if headless:
                    raise
                where = os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
                raise BrowserError(
                    f"{error} — a headed browser needs a working display (DISPLAY={where}); "
                    "without one: xvfb-run -a preflight record URL -o FILE"
                ) from None
            context: BrowserContext = launched.new_context(no_viewport=not headless)  # type: ignore[union-attr]
            try:
                context.expose_binding(BINDING, collector.on_message)
                script = _SCRIPT % {
                    "binding": BINDING,
                    "sensitive": json.dumps(list(rules.privacy.sensitive)),
                    "keys": json.dumps(list(_KEYS)),
                    "quiet_ms": _QUIET_MS,
                }
                context.add_init_script(script)
                watcher.attach(context)
                page = context.new_page()
                try:
                    page.goto(url, wait_until="load", timeout=60_000)
                except playwright_error() as error:
                    raise BrowserError(f"cannot open {url}: {str(error).splitlines()[0]}") from None
                save(None)
                watcher.settle()
                if page_hook is not None:
                    page_hook(page)
                else:
                    ended = _wait_until_closed(context, watcher, timeout_s)
                _flush(context)
                watcher.settle()
            finally:
                watcher.detach()
                try:
                    launched.close()
                except playwright_error() as error:  # the user closed it already
                    logger.debug("closing the recorder's browser: {}", error)
    except KeyboardInterrupt:
        recording = Recording(save("interrupted"), collector.secrets, path, "interrupted")
        raise RecordingInterrupted(recording) from None
    return Recording(save(ended), collector.secrets, path, ended)


def _output_path(out: str | os.PathLike[str] | None) -> Path | None:
    """`out` as a Path, checked before anything is recorded: a recording that cannot be
    written is a recording lost."""
    if out is None:
        return None
    try:
        path = Path(os.fspath(out))
    except TypeError:
        raise UsageError(f"out {out!r}: expected a file path (str or os.PathLike)") from None
    if not str(path) or path.is_dir():
        raise UsageError(f"-o {path}: is a folder — expected the scenario file to write")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise UsageError(f"-o {path}: its folder cannot be created ({error.strerror})") from None
    if not os.access(path.parent, os.W_OK | os.X_OK) or (
        path.exists() and not os.access(path, os.W_OK)
    ):
        raise UsageError(f"-o {path}: cannot be written (permission denied)")
    return path


def check_display() -> None:
    """A headed browser on Linux needs an X or Wayland display: say so before launching, as
    the browser itself only dies ("Target page, context or browser has been closed")."""
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        raise BrowserError(
            "the recorder opens a browser window, and there is no display (DISPLAY is not "
            "set): run it under a virtual display, e.g. xvfb-run -a preflight record URL -o "
            "FILE, or from a desktop session"
        )


def _write(path: Path, scenario: Scenario, secrets: list[str], ended: Ended | None, n: int) -> None:
    """Write the scenario atomically (a temporary file renamed over `path`): an interrupt
    during a write leaves the previous version, never half a file."""
    header = [f"Recorded by preflight record on {datetime.now(UTC):%Y-%m-%d %H:%M} UTC."]
    if ended is None:
        header.append("Recording in progress: expect is the verdict reached so far.")
    elif ended == "interrupted":
        header.append(
            f"Recording interrupted (Ctrl+C) with {count(n, 'step')} recorded, all kept here; "
            "expect is the verdict reached until then."
        )
    elif ended == "timeout":
        header.append("Recording ended by its --timeout.")
    if secrets:
        header.append(
            "Values typed in sensitive fields are not written: replay with "
            + " ".join(f"--var {s}=…" for s in secrets)
        )
    write_scenario_file(path, dump([scenario], header=header))


def count(n: int, noun: str) -> str:
    """`1 step`, `2 steps`: English plurals of the recorder's nouns."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _flush(context: BrowserContext) -> None:
    """Fields still being edited when the recording ends are steps too: ask every frame to
    report them (best effort: a page may be gone)."""
    for page in context.pages:
        for frame in page.frames:
            with contextlib.suppress(playwright_error()):
                frame.evaluate(f"() => window.{BINDING}Flush && window.{BINDING}Flush()")


def _wait_until_closed(context: BrowserContext, watcher: Watcher, timeout_s: float | None) -> Ended:
    deadline = None if timeout_s is None else time.monotonic() + timeout_s
    while True:
        pages = [page for page in context.pages if not page.is_closed()]
        if not pages:
            return "closed"
        if deadline is not None and time.monotonic() >= deadline:
            return "timeout"
        try:
            watcher.poll()
            # Waiting inside a Playwright call lets the sync API dispatch bindings and events.
            pages[0].wait_for_timeout(100)
        except playwright_error() as error:  # the page or the browser closed under us: done
            logger.debug("recorder: {}", error)
            if all(page.is_closed() for page in context.pages):
                return "closed"
