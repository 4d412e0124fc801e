// preflight's live panel, injected in every page of the watched order (top frames only).
//
// A small panel in a closed shadow root under <html>, bottom left (shops put their chat
// buttons on the right): the step reached, whether the ACN session is intact or lost (and
// what ended it), the warnings. Its lines come from
// preflight through a binding (asked on load and every POLL_MS) and are set as text. The host
// lets every click through (pointer-events: none) but the fold button's; folded, the panel is
// one short line. It stores nothing in the page (no storage, no cookie): the fold state lives
// in preflight. What it calls is captured before any page script runs.
(() => {
  "use strict";
  const CONFIG = /*__PREFLIGHT_PANEL__*/ {};
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
    host.style.cssText =
      "all:initial;position:fixed;z-index:2147483647;left:8px;bottom:8px;pointer-events:none;max-width:340px";
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
    apply(appendChild, document.documentElement, [host]);
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
      p = ask(data);
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
