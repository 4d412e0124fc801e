// preflight's live panel, injected in every page of the watched order (top frames only).
//
// A small panel in a closed shadow root under <html>, bottom left (shops put their chat
// buttons on the right): the step reached, whether the ACN session is intact or lost (and
// what ended it), the warnings. Its lines come from
// preflight through a binding (asked on load and every POLL_MS) and are set as text. The host
// lets every click through (pointer-events: none) but the fold button's; folded, the panel is
// one short line. It stores nothing in the page (no storage, no cookie): the fold state lives
// in preflight. What it calls is captured before any page script runs.
//
// The page cannot silence it (issue #25): removed, it is put back at once (a MutationObserver
// on the document, from this closure), and its style too; each request is signed with this
// document's key (see preflight/watch/_keys.py): preflight answers nothing else, so neither
// the page nor a frame can fold it or read it.
(() => {
  "use strict";
  const CONFIG = /*__PREFLIGHT_PANEL__*/ {};
  /*__PREFLIGHT_HMAC__*/
  if (window.top !== window || window.__preflightPanelOn) return;
  if (location.origin === CONFIG.own_origin) return;
  Object.defineProperty(window, "__preflightPanelOn", { value: true, enumerable: false });
  const ask = window[CONFIG.binding];
  if (typeof ask !== "function") return;
  const apply = Reflect.apply;
  const createElement = Document.prototype.createElement;
  const appendChild = Node.prototype.appendChild;
  const replaceChildren = Element.prototype.replaceChildren;
  const attachShadow = Element.prototype.attachShadow;
  const setAttribute = Element.prototype.setAttribute;
  const listen = EventTarget.prototype.addEventListener;
  const textSetter = Object.getOwnPropertyDescriptor(Node.prototype, "textContent").set;
  const setTimer = window.setTimeout;
  const isArray = Array.isArray;
  const getAttribute = Element.prototype.getAttribute;
  const connected = Object.getOwnPropertyDescriptor(Node.prototype, "isConnected").get;
  const parentOf = Object.getOwnPropertyDescriptor(Node.prototype, "parentNode").get;
  const rootOf = Object.getOwnPropertyDescriptor(Document.prototype, "documentElement").get;
  const Observer = window.MutationObserver;
  const observe = Observer.prototype.observe;
  const now = Date.now;
  const random = Math.random;
  const numToString = Number.prototype.toString;
  const doc = apply(numToString, random(), [36]) + apply(numToString, now(), [36]);
  const KEY = hmacHex(CONFIG.secret || "", doc);
  CONFIG.secret = "";
  // Inline and !important: a page's stylesheet cannot hide it (an author's !important loses
  // to an inline one).
  const STYLE = "all:initial!important;position:fixed!important;z-index:2147483647!important;" +
    "left:8px!important;bottom:8px!important;pointer-events:none!important;" +
    "max-width:340px!important;display:block!important;visibility:visible!important;" +
    "opacity:1!important;transform:none!important;clip-path:none!important";
  const make = (tag, text) => {
    const el = apply(createElement, document, [tag]);
    if (text !== undefined) apply(textSetter, el, [String(text)]);
    return el;
  };
  const attr = (el, name, value) => apply(setAttribute, el, [name, value]);

  let host = null;
  let box = null;
  let state = null;
  function build() {
    if (host || !document.documentElement) return;
    host = make("preflight-panel");
    // Fixed, above everything, and transparent to clicks: only the fold button takes them.
    attr(host, "style", STYLE);
    const root = apply(attachShadow, host, [{ mode: "closed" }]);
    const style = make("style",
      ".p{font:13px/1.4 system-ui,sans-serif;color:#fff;background:#0a5;border-radius:8px;padding:6px 10px;opacity:.94;box-shadow:0 1px 4px #0005}" +
      ".p.lost{background:#c22}.p.waiting{background:#456}.p.offline{background:#b60}" +
      ".h{display:flex;gap:8px;align-items:center;font-weight:600}" +
      "button{pointer-events:auto;font:12px system-ui,sans-serif;border:0;border-radius:4px;background:#fff3;color:#fff;padding:0 6px;cursor:pointer;margin-left:auto}" +
      ".w{background:#fd3;color:#222;border-radius:4px;padding:2px 6px;margin-top:4px}" +
      ".folded .l,.folded .w{display:none}");
    box = make("div");
    attr(box, "role", "status");
    attr(box, "part", "panel");
    apply(appendChild, root, [style]);
    apply(appendChild, root, [box]);
    apply(appendChild, apply(rootOf, document, []), [host]);
    keep();
  }
  // Put back what the page took away: the element (removed, or the whole <html> replaced) and
  // its style. A page that keeps removing it only makes this run once per removal; past
  // KEEP_MAX in a second, it is put back on a timer instead of at once (no tug of war that
  // freezes the customer's page).
  const KEEP_MAX = 50;
  let kept = 0;
  let keptSince = 0;
  let keptLater = false;
  let watched = null;
  function restore() {
    if (!host) return;
    const root = apply(rootOf, document, []);
    if (!root) return;
    if (!apply(connected, host, []) || apply(parentOf, host, []) !== root) {
      apply(appendChild, root, [host]);
    }
    if (apply(getAttribute, host, ["style"]) !== STYLE) attr(host, "style", STYLE);
    if (watched !== root) {
      watched = root;
      apply(observe, observer, [root, { childList: true }]);
    }
  }
  function onChange() {
    const t = now();
    if (t - keptSince > 1000) {
      keptSince = t;
      kept = 0;
    }
    if (++kept <= KEEP_MAX) restore();
    else if (!keptLater) {
      keptLater = true;
      apply(setTimer, window, [() => { keptLater = false; restore(); }, 200]);
    }
  }
  const observer = new Observer(onChange);
  function keep() {
    apply(observe, observer, [document, { childList: true }]);
    apply(observe, observer, [host, { attributes: true, attributeFilter: ["style"] }]);
    restore();
  }
  function draw() {
    if (!state) return;
    build();
    if (!box) return;
    const folded = state.folded === true;
    const kind = state.state;
    const shown = kind === "lost" || kind === "waiting" || kind === "offline" ? kind : "intact";
    box.className = "p " + shown + (folded ? " folded" : "");
    const head = make("div");
    head.className = "h";
    apply(appendChild, head, [make("span", "🛡 " + state.headline)]);
    const fold = make("button", folded ? "▴ " + CONFIG.unfold : "▾ " + CONFIG.fold);
    attr(fold, "type", "button");
    apply(listen, fold, ["click", (e) => {
      e.stopPropagation();
      send({ folded: !folded });
    }]);
    apply(appendChild, head, [fold]);
    const parts = [head];
    for (const line of isArray(state.lines) ? state.lines : []) {
      const el = make("div", line);
      el.className = "l";
      parts.push(el);
    }
    for (const line of isArray(state.warnings) ? state.warnings : []) {
      const el = make("div", "⚠ " + line);
      el.className = "w";
      parts.push(el);
    }
    apply(replaceChildren, box, parts);
    attr(host, "data-folded", folded ? "true" : "false");
    // The state and headline on the host too (no customer data): what a test, or an
    // accessibility tool, can read without opening the closed root.
    attr(host, "data-state", String(state.state));
    attr(host, "data-headline", String(state.headline));
    const all = [];
    for (const line of isArray(state.lines) ? state.lines : []) all.push(String(line));
    for (const line of isArray(state.warnings) ? state.warnings : []) all.push(String(line));
    attr(host, "data-detail", all.join(" | "));
  }
  function send(data) {
    let p;
    try {
      p = ask({ doc, sig: KEY, folded: data ? data.folded : null });
    } catch (e) {
      return;
    }
    if (p && typeof p.then === "function") {
      p.then((answer) => {
        if (answer && typeof answer === "object") {
          state = answer;
          draw();
        }
      }, () => {});
    }
  }
  function tick() {
    send(null);
    apply(setTimer, window, [tick, CONFIG.poll_ms]);
  }
  if (document.readyState === "loading") apply(listen, document, ["DOMContentLoaded", tick, { once: true }]);
  else tick();
})();
