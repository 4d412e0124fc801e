"""What a clean run shows at each step boundary: the page's URL, whether the ACN session is
running there, and the customer-service elements the rules match on it (found in the page and
its frames by the probe's own matcher, `window.__preflight.customerService`, so that the
matrix clicks exactly what the watcher counts as customer service)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from loguru import logger

from preflight._playwright import playwright_error
from preflight.globs import url_matches
from preflight.matrix._model import Boundary, CsElement
from preflight.privacy import allowed_params, redact
from preflight.rules import Rules
from preflight.watch.events import Event

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext, Frame, Page

# A CSS path unique in its document: `#id` when the id is unique, else tag:nth-of-type steps
# up to the nearest ancestor with a unique id (or the root).
_CSS_PATH = """function cssPath(el) {
    const unique = (s) => { try { return document.querySelectorAll(s).length === 1; }
                            catch (e) { return false; } };
    const parts = [];
    let node = el;
    while (node && node.nodeType === 1) {
        if (node.id && unique("#" + CSS.escape(node.id))) {
            parts.unshift("#" + CSS.escape(node.id));
            break;
        }
        let part = node.localName;
        const parent = node.parentElement;
        if (parent) {
            const same = Array.from(parent.children).filter((c) => c.localName === node.localName);
            if (same.length > 1) part += ":nth-of-type(" + (same.indexOf(node) + 1) + ")";
        }
        parts.unshift(part);
        node = parent;
    }
    return parts.join(" > ");
}"""

# Every visible control (and every element a customer-service selector names) that the probe
# calls customer service, once each.
_FIND = (
    """(selectors) => {
    """
    + _CSS_PATH
    + """
    const P = window.__preflight;
    if (!P || typeof P.customerService !== "function") return null;
    const INTERACTIVE = "a,button,[role=button],[role=link],input[type=button],"
        + "input[type=submit],summary";
    const candidates = Array.from(document.querySelectorAll(INTERACTIVE));
    for (const s of selectors) {
        try { candidates.push(...document.querySelectorAll(s)); } catch (e) { /* not CSS */ }
    }
    const seen = new Set();
    const out = [];
    for (const el of candidates) {
        const visible = el.checkVisibility ? el.checkVisibility()
            : !!(el.offsetWidth || el.offsetHeight || el.getClientRects().length);
        if (!visible) continue;
        const found = P.customerService(el);
        if (!found || seen.has(found.el)) continue;
        seen.add(found.el);
        out.push({selector: cssPath(found.el), how: found.how, label: P.labelOf(found.el)});
    }
    return out;
}"""
)
_FRAME_PATH = "(el) => { " + _CSS_PATH + " return cssPath(el); }"


class Observer:
    """Follows a clean run (its events) and describes the page at each step boundary."""

    def __init__(self, rules: Rules) -> None:
        self.rules = rules
        self.entry_seen = False
        self.lost = False
        # The order placed: a confirmation page, or a state of the page (no address of its own).
        self.confirmed = False

    def on_event(self, event: Event) -> None:
        if event.kind == "acn_entry":
            self.entry_seen = True
            self.confirmed = False
        if event.kind == "confirmation":
            self.confirmed = True
        ends = event.kind in ("customer_service", "left_session") or event.nav in ("back", "reload")
        if ends and not self.confirmed:  # after the order is placed, nothing ends the session
            self.lost = True

    def boundary(
        self, context: BrowserContext, step: int, title: str, *, elements: bool = True
    ) -> Boundary:
        page = context.pages[0] if context.pages else None
        href = _evaluate(page, "location.href") if page is not None else None
        url = href if isinstance(href, str) else ""
        shown = redact(url, allowed_params(self.rules)) if url else ""
        base = {"step": step, "title": title, "url": shown}
        why = self._why_not(url)
        if why:
            return Boundary(**base, why_not=why)
        assert page is not None
        found = find_elements(page, self.rules) if elements else []
        return Boundary(**base, applies=True, elements=found)

    def _why_not(self, url: str) -> str:
        if not url:
            return "no page shown"
        if not self.entry_seen:
            return "before the ACN entry"
        if self.lost:
            return "the session has already ended"
        if self.confirmed or url_matches(url, self.rules.order.confirmation):
            return "the order is placed"
        if not self.rules.is_merchant(url):
            return "not a merchant page"
        return ""


def find_elements(page: Page, rules: Rules) -> list[CsElement]:
    """The customer-service elements shown in `page` and in its frames (one level deep)."""
    selectors = list(rules.customer_service.selectors)
    found: list[CsElement] = []
    for frame in page.frames:
        frame_selector: str | None = None
        if frame.parent_frame is not None:
            if frame.parent_frame != page.main_frame:
                continue  # a frame in a frame: a click step names one frame only
            frame_selector = _frame_selector(frame)
            if frame_selector is None:
                continue
        rows = _evaluate(frame, _FIND, selectors)
        for row in rows if isinstance(rows, list) else []:
            if not isinstance(row, dict) or not isinstance(row.get("selector"), str):
                continue
            found.append(
                CsElement(
                    selector=row["selector"],
                    frame=frame_selector,
                    how=str(row.get("how", ""))[:20],
                    label=redact(str(row.get("label", "")))[:60],
                )
            )
    return found


def _frame_selector(frame: Frame) -> str | None:
    try:
        handle = frame.frame_element()
        path = handle.evaluate(_FRAME_PATH)
    except playwright_error() as error:  # the frame is going away: nothing in it to click
        logger.debug("matrix: frame selector: {}", error)
        return None
    return path if isinstance(path, str) and path else None


def _evaluate(target: Any, script: str, arg: Any = None) -> Any:
    # One-shot evaluates keep working on a page restored from the back/forward cache over
    # WebDriver BiDi, where Playwright's waits hang (RESEARCH.md); a navigation in between is
    # asked once more.
    for _ in range(3):
        try:
            return target.evaluate(script, arg)
        except playwright_error() as error:
            logger.debug("matrix: evaluate: {}", error)
    return None


def click_element(context: BrowserContext, element: CsElement) -> None:
    """A trusted click on `element`, as a scenario's `click` step does it. A `tel:` link too:
    the replay's context cancels its hand-over to a phone app (`NO_EXTERNAL_APPS` in
    scenario/_replay.py), which over WebDriver BiDi would hold every later action."""
    page = context.pages[0]
    scope: Any = page.frame_locator(element.frame) if element.frame else page
    scope.locator(element.selector).first.click()
