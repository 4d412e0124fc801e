// preflight's guard, injected after the probe when guard mode is on (`preflight order`).
//
// It stops, where the browser lets a page do so, the actions that would end the ACN session:
// a leave-page prompt (`beforeunload`) for reload/back/forward on the merchant's pages, a
// confirmation before a customer-service click, and the reload/back keyboard shortcuts. It adds
// one banner, in a closed shadow root under <html>, and changes nothing else in the page.
//
// It runs in every frame. In a frame (a chat widget from another origin) it asks before a
// customer-service click and catches the shortcuts, whatever the frame's own address: a frame
// cannot read the address of the page around it, and a customer-service widget in the order's
// page ends the session as the page's own buttons do. A frame's own navigations are the
// frame's: no leave-page prompt there, no banner. What it calls is captured before any page
// script runs (a page replacing `window.confirm` must not answer the guard's question).
(() => {
  "use strict";
  const CONFIG = /*__PREFLIGHT_CONFIG__*/ {};
  const probe = window.__preflight;
  if (!probe || window.__preflightGuardOn) return;
  Object.defineProperty(window, "__preflightGuardOn", { value: true, enumerable: false });
  const TOP = window.top === window;
  const ask = window.confirm;
  const apply = Reflect.apply;
  const sReplace = String.prototype.replace;
  const reTest = RegExp.prototype.test;
  const aSome = Array.prototype.some;
  const closest = Element.prototype.closest;
  const getAttribute = Element.prototype.getAttribute;
  const listen = EventTarget.prototype.addEventListener;
  const now = Date.now;
  const prevent = Event.prototype.preventDefault;
  const stopAll = Event.prototype.stopImmediatePropagation;
  const on = (target, type, fn, options) => apply(listen, target, [type, fn, options]);
  // The banner's and the confirmation's words, in the order's language (Python's catalogues).
  const T = CONFIG.texts;
  const merchant = (CONFIG.merchant || []).map((glob) => {
    let out = "";
    for (const c of glob) out += c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/]/g, "\\$&");
    return new RegExp("^" + out + "$");
  });
  const onMerchant = () => !TOP || apply(aSome, merchant, [(r) => apply(reTest, r, [location.href])]);
  // The probe's way to report, given once to the first script that registers as the guard:
  // this one, which runs before any page script (issue #25: the probe no longer sends for
  // whoever asks).
  let reporter = null;
  const report = (data) => {
    if (reporter !== null) reporter(data);
  };

  // --- banner ---------------------------------------------------------------------------------
  function banner() {
    if (!TOP || !onMerchant() || !document.documentElement) return;
    if (window.__preflightPanelOn) return; // preflight's live panel says it, and more
    const host = document.createElement("preflight-guard");
    // The host lets clicks through: the banner must never stand in the customer's way.
    host.style.cssText = "all:initial;position:fixed;z-index:2147483647;left:0;right:0;bottom:0;pointer-events:none";
    const root = host.attachShadow({ mode: "closed" });
    const bar = document.createElement("div");
    bar.setAttribute("role", "status");
    bar.textContent = "🛡 " + T.banner;
    bar.style.cssText = "font:13px/1.4 system-ui,sans-serif;background:#0b5;color:#fff;padding:4px 10px;opacity:.92";
    root.appendChild(bar);
    document.documentElement.appendChild(host);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", banner, { once: true });
  else banner();

  // --- leave-page prompt ----------------------------------------------------------------------
  // `beforeunload` fires for a link or a form as well as for reload/back: a navigation the page
  // itself starts just after a click or a submit is the order going on, and is let through.
  let allowUntil = 0;
  const allow = () => {
    allowUntil = now() + 1500;
  };
  const NAVIGATING = "a[href],button,input[type=submit],input[type=image],[role=link],[role=button]";
  on(window, "click", (e) => {
    const el = e.target instanceof Element ? apply(closest, e.target, [NAVIGATING]) : null;
    if (!el) return;
    if (el.tagName === "A") {
      const href = apply(getAttribute, el, ["href"]) || "";
      if (href.startsWith("#") || /^(tel|mailto|javascript):/i.test(href) || el.target === "_blank") return;
    }
    allow();
  }, true);
  on(window, "submit", allow, true);
  const origSubmit = HTMLFormElement.prototype.submit;
  HTMLFormElement.prototype.submit = function submit() {
    allow();
    return origSubmit.call(this);
  };
  on(window, "beforeunload", (e) => {
    if (!TOP || !onMerchant() || now() < allowUntil) return;
    e.preventDefault();
    e.returnValue = "";
    report({ action: "beforeunload" });
  });

  // A single-page shop's Back/Forward loads nothing, so no leave-page prompt can stop it; the
  // Navigation API lets the page cancel a same-document traversal (where it says so).
  if (TOP && "navigation" in window) {
    on(window.navigation, "navigate", (e) => {
      if (!onMerchant() || e.navigationType !== "traverse" || !e.cancelable) return;
      if (!(e.destination && e.destination.sameDocument)) return;
      e.preventDefault();
      report({ action: "traverse" });
    });
  }

  // --- keyboard shortcuts for reload and back -------------------------------------------------
  function editable(el) {
    if (!(el instanceof Element)) return false;
    if (el.isContentEditable) return true;
    if (el.tagName === "TEXTAREA" || el.tagName === "SELECT") return true;
    if (el.tagName !== "INPUT") return false;
    return !/^(button|submit|reset|checkbox|radio|file|image|color|range)$/i.test(el.type || "text");
  }
  on(window, "keydown", (e) => {
    if (!onMerchant()) return;
    const k = e.key;
    let what = null;
    if (k === "F5") what = "F5";
    else if ((e.ctrlKey || e.metaKey) && (k === "r" || k === "R")) what = "Ctrl+R";
    else if (e.altKey && (k === "ArrowLeft" || k === "ArrowRight")) what = "Alt+" + k.slice(5);
    else if (k === "BrowserBack" || k === "BrowserForward" || k === "BrowserRefresh") what = k;
    else if (k === "Backspace" && !editable(e.target) && !editable(document.activeElement)) what = "Backspace";
    if (!what) return;
    e.preventDefault();
    report({ action: "key", key: what });
  }, true);

  // --- customer service: called by the probe's click listener (capture phase, before the page)
  function confirmCustomerService(e, cs) {
    if (!onMerchant()) return true;
    const label = cs.el ? probe.labelOf(cs.el) || cs.match : cs.match;
    const ok = apply(ask, window, [apply(sReplace, T.confirm, ["{label}", label])]);
    if (!ok) {
      apply(prevent, e, []);
      apply(stopAll, e, []);
    }
    report({ action: "customer_service", answer: ok ? "ok" : "cancel" });
    return ok;
  }
  reporter = probe.guard(confirmCustomerService);
})();
