// preflight's in-page probe, injected on every document with `add_init_script`.
//
// It reports what only the page can see — how this document or history entry was reached, and
// clicks on customer-service / « order later » controls — to the watcher through an exposed
// binding, and keeps the same messages in a small queue the watcher can also read with
// `evaluate` (over WebDriver BiDi a back/forward-cache restore gives Playwright no event, so the
// watcher cannot count on the binding alone: it drains the queue when it settles).
//
// Back, forward and reload are told apart by a stamp of our own kept in `history.state` (merged
// into the site's state, never replacing it): a new entry gets a fresh, increasing stamp; an
// entry shown again is compared with the one shown before it. The comparison is made here when
// this origin's sessionStorage knows the current stamp, and again by the watcher (which knows it
// across origins); timing type, `navigation.activation` and `pageshow.persisted` cross-check it.
//
// It never reads input values and logs no keystroke. The guard (guard.js) is separate.
(() => {
  "use strict";
  const CONFIG = /*__PREFLIGHT_CONFIG__*/ {};
  // Only web pages: on the initial about:blank a replaceState at document creation crashes
  // Firefox ESR 153's content process (measured), and there is nothing to watch there.
  if (window.top !== window || window.__preflight || !/^https?:$/.test(location.protocol)) return;
  const KEY = "__pf";
  const STORE = "__preflight_probe";
  const QUEUE_MAX = 300;
  const H = History.prototype;
  const origPush = H.pushState;
  const origReplace = H.replaceState;
  const nav = "navigation" in window ? window.navigation : null;

  const doc = Math.random().toString(36).slice(2, 10) + Date.now().toString(36);
  let n = 0;
  const queue = [];
  let lastStamp = 0;

  function globRegex(glob) {
    let out = "";
    for (const c of glob) {
      out += c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/]/g, "\\$&");
    }
    return new RegExp("^" + out + "$");
  }
  const toRegexes = (globs) => (globs || []).map(globRegex);
  const csUrls = toRegexes(CONFIG.cs_urls);
  const confirmationUrls = toRegexes(CONFIG.confirmation);
  const matchesAny = (url, regexes) => regexes.some((r) => r.test(url));

  // When the page last did something the watcher waits for (a message, a request ending), and
  // how many of its own requests are still out: the watcher's settle() returns as soon as the
  // page is loaded, has nothing out and has been idle a moment, instead of polling for quiet.
  // A request out for longer than OUT_MAX_MS (a long poll, a stream) no longer counts as busy.
  const OUT_MAX_MS = 1500;
  let lastActivity = Date.now();
  const out = new Set();
  const started = () => {
    const token = { t: Date.now() };
    out.add(token);
    lastActivity = token.t;
    return () => {
      out.delete(token);
      lastActivity = Date.now();
    };
  };
  const requestsOut = () => {
    const now = Date.now();
    for (const token of out) if (now - token.t < OUT_MAX_MS) return true;
    return false;
  };

  function send(type, data) {
    lastActivity = Date.now();
    const msg = Object.assign({ id: doc + ":" + ++n, doc, n, type, t: Date.now(), url: location.href }, data);
    queue.push(msg);
    if (queue.length > QUEUE_MAX) queue.shift();
    deliver(msg);
    return msg;
  }
  function deliver(msg) {
    const binding = window[CONFIG.binding];
    if (typeof binding !== "function") return;
    try {
      const p = binding(msg);
      if (p && typeof p.catch === "function") p.catch(() => {});
    } catch (e) {
      // The watcher will read the queue instead.
    }
  }

  // --- per-tab bookkeeping (per origin: sessionStorage is) --------------------------------
  function readStore() {
    try {
      return JSON.parse(sessionStorage.getItem(STORE) || "{}");
    } catch (e) {
      return {};
    }
  }
  function writeStore(cur) {
    try {
      const s = readStore();
      s.cur = cur;
      s.max = Math.max(s.max || 0, cur);
      sessionStorage.setItem(STORE, JSON.stringify(s));
    } catch (e) {
      // Storage disabled: the watcher still compares stamps itself.
    }
  }
  function newStamp() {
    // Time-based, so that stamps grow across origins of the same tab too; a new document
    // never comes within the same millisecond as the previous one's last entry.
    lastStamp = Math.max(Date.now() * 1000, lastStamp + 1);
    return lastStamp;
  }
  function stampOf(state) {
    return state && typeof state === "object" && typeof state[KEY] === "number" ? state[KEY] : null;
  }
  function merged(state, stamp) {
    if (state === null || state === undefined) return { [KEY]: stamp };
    if (typeof state === "object" && !Array.isArray(state)) return Object.assign({}, state, { [KEY]: stamp });
    return state; // a primitive or array state cannot carry our stamp: leave it as the site set it
  }
  function classify(stamp) {
    const s = readStore();
    if (stamp === null || typeof s.cur !== "number") return null;
    if (stamp === s.cur) return "reload";
    return stamp < s.cur ? "back" : "forward";
  }
  function ensureStamp() {
    const existing = stampOf(history.state);
    if (existing !== null) return { stamp: existing, fresh: false };
    const stamp = newStamp();
    try {
      origReplace.call(history, merged(history.state, stamp), "");
    } catch (e) {
      return { stamp: null, fresh: true };
    }
    return { stamp: stampOf(history.state), fresh: true };
  }

  // --- how this document was reached ----------------------------------------------------------
  const timing = (() => {
    try {
      const e = performance.getEntriesByType("navigation")[0];
      return e ? e.type : null;
    } catch (e) {
      return null;
    }
  })();
  const entryIndex = () => (nav && nav.currentEntry ? nav.currentEntry.index : null);
  let cur = null;
  // Firefox restores `history.state` only after init scripts ran (it reads null before, and a
  // replaceState then is lost): a microtask runs after that and still before the page's scripts.
  queueMicrotask(() => {
    const activation = nav && nav.activation ? nav.activation.navigationType : null;
    const first = ensureStamp();
    cur = first.stamp;
    send("doc", {
      stamp: cur,
      fresh: first.fresh,
      probe: first.fresh ? "new" : classify(first.stamp),
      timing,
      activation,
      index: entryIndex(),
      length: history.length,
    });
    if (cur !== null) writeStore(cur);
  });

  // A later showing of an entry in this document: a bfcache restore, or a same-document move.
  function observe(trigger, extra) {
    const before = cur;
    let { stamp, fresh } = ensureStamp();
    if (!fresh && stamp === before && trigger !== "pageshow") return;
    const probe = fresh ? "new" : classify(stamp);
    cur = stamp;
    send(trigger, Object.assign({ stamp, fresh, probe, index: entryIndex(), length: history.length }, extra));
    if (stamp !== null) writeStore(stamp);
    checkConfirmation();
  }

  // A restored document never runs init scripts again; pageshow.persisted is how it knows.
  window.addEventListener("pageshow", (e) => {
    if (e.persisted) observe("pageshow", { persisted: true });
  }, true);
  window.addEventListener("popstate", (e) => observe("popstate", {}), true);
  window.addEventListener("hashchange", () => observe("hashchange", {}), true);

  H.pushState = function pushState(state, title, url) {
    const stamp = newStamp();
    const result = origPush.call(this, merged(state, stamp), title, url);
    if (this === history) {
      cur = stampOf(history.state);
      send("push", { stamp: cur, fresh: true, probe: "new", index: entryIndex(), length: history.length });
      if (cur !== null) writeStore(cur);
      checkConfirmation();
    }
    return result;
  };
  H.replaceState = function replaceState(state, title, url) {
    if (this !== history) return origReplace.call(this, state, title, url);
    const before = location.href;
    const keep = stampOf(history.state) ?? newStamp();
    const result = origReplace.call(this, merged(state, keep), title, url);
    cur = stampOf(history.state);
    if (location.href !== before) {
      send("replace", { stamp: cur, fresh: false, probe: "same", index: entryIndex(), length: history.length });
      checkConfirmation();
    }
    return result;
  };

  if (nav) {
    // The Navigation API says, while still on the page, what kind of move is starting (not for
    // a cross-origin traversal, which fires no `navigate`): corroboration, not the verdict.
    nav.addEventListener("navigate", (e) => {
      let dir = null;
      if (e.navigationType === "traverse" && nav.currentEntry && e.destination) {
        const from = nav.currentEntry.index;
        const to = e.destination.index;
        dir = to < from ? "back" : to > from ? "forward" : null;
      }
      send("navigate", {
        navigationType: e.navigationType,
        userInitiated: !!e.userInitiated,
        sameDocument: !!(e.destination && e.destination.sameDocument),
        hashChange: !!e.hashChange,
        direction: dir,
      });
    }, true);
  }

  // --- clicks: customer service, « order later » ------------------------------------------------
  const norm = (s) => (s || "").replace(/\s+/g, " ").trim().toLowerCase();
  const csTexts = (CONFIG.cs_texts || []).map(norm).filter(Boolean);
  const laterTexts = (CONFIG.order_later || []).map(norm).filter(Boolean);
  const INTERACTIVE = "a,button,[role=button],[role=link],input[type=button],input[type=submit],summary,label";
  const SHORT = 80;

  function textMatches(text, wanted) {
    const t = norm(text);
    if (!t || t.length > SHORT) return false;
    return wanted.some((w) => {
      const i = t.indexOf(w);
      if (i < 0) return false;
      const before = i === 0 ? "" : t[i - 1];
      const after = t[i + w.length] || "";
      const word = /[\p{L}\p{N}]/u;
      return !word.test(before) && !word.test(after);
    });
  }
  function labelOf(el) {
    const t = (el.innerText || el.value || el.getAttribute("aria-label") || "").replace(/\s+/g, " ").trim();
    return t.slice(0, 60);
  }
  // The clicked element and its ancestors up to the nearest interactive one (a long text far
  // up, like the whole footer, says nothing about what was clicked).
  function path(target) {
    const out = [];
    let el = target instanceof Element ? target : target && target.parentElement;
    while (el && el !== document.body && el !== document.documentElement && out.length < 8) {
      out.push(el);
      if (el.matches(INTERACTIVE)) break;
      el = el.parentElement;
    }
    const last = out[out.length - 1];
    if (last && last.matches(INTERACTIVE)) return out;
    // No control clicked (a margin, a heading): a container holding links says nothing about
    // which one was meant, so only elements without controls inside them count.
    return out.filter((node) => !node.querySelector(INTERACTIVE));
  }
  function customerService(target) {
    for (const el of path(target)) {
      for (const sel of CONFIG.cs_selectors || []) {
        try {
          if (el.matches(sel)) return { how: "selector", match: sel, el };
        } catch (e) {
          // An invalid selector in the rules is reported by the watcher, not here.
        }
      }
      const href = el.tagName === "A" ? el.href || el.getAttribute("href") || "" : "";
      if (href && href.toLowerCase().startsWith("tel:")) return { how: "tel", match: "tel:", el };
      if (href && matchesAny(href, csUrls)) return { how: "url", match: href, el };
      if (textMatches(el.innerText || el.value || el.getAttribute("aria-label"), csTexts)) {
        return { how: "text", match: labelOf(el), el };
      }
    }
    return null;
  }
  function orderLater(target) {
    return path(target).find((el) => textMatches(el.innerText || el.value, laterTexts)) || null;
  }

  // --- the page's own requests (fetch, XMLHttpRequest): counted, never read ------------------
  // `call` wrapped so that it counts as busy until the promise it returns settles, and a task
  // more: what the page does with the answer (a pushState) comes first.
  function counted(call) {
    return function (...args) {
      const ended = started();
      let pending;
      try {
        pending = call.apply(this, args);
      } catch (e) {
        ended();
        throw e;
      }
      pending.then(() => setTimeout(ended, 0), () => setTimeout(ended, 0));
      return pending;
    };
  }
  if (typeof window.fetch === "function") {
    window.fetch = counted(window.fetch);
    // Reading the answer is part of it: a shop moves on once the body is parsed.
    for (const name of ["json", "text", "arrayBuffer", "blob", "formData"]) {
      const read = Response.prototype[name];
      if (typeof read === "function") Response.prototype[name] = counted(read);
    }
  }
  const origSend = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function send(...args) {
    const ended = started();
    this.addEventListener("loadend", () => setTimeout(ended, 0), { once: true });
    try {
      return origSend.apply(this, args);
    } catch (e) {
      ended();
      throw e;
    }
  };

  const P = {
    doc,
    send,
    since(last) {
      return {
        doc,
        n,
        readyState: document.readyState,
        url: location.href,
        msgs: queue.filter((m) => m.doc === doc && m.n > last),
        busy: scheduled || requestsOut(),
        idle_ms: Date.now() - lastActivity,
      };
    },
    customerService,
    labelOf,
  };
  Object.defineProperty(window, "__preflight", { value: P, enumerable: false });

  window.addEventListener("click", (e) => {
    if (!e.isTrusted && !CONFIG.untrusted_clicks) return;
    const cs = customerService(e.target);
    if (cs) {
      const allowed = window.__preflightGuard ? window.__preflightGuard.confirmCustomerService(e, cs) : true;
      send("cs_click", { how: cs.how, match: cs.match.slice(0, 120), label: labelOf(cs.el), allowed });
      return;
    }
    const later = orderLater(e.target);
    if (later) send("order_later", { label: labelOf(later) });
  }, true);

  // --- page content the verdict needs: eligibility error, confirmation details ----------------
  let eligibilityShown = false;
  let confirmationSent = null;
  function textOf(sel) {
    if (!sel) return null;
    try {
      const el = document.querySelector(sel);
      return el ? (el.innerText || el.textContent || "").replace(/\s+/g, " ").trim().slice(0, 80) : null;
    } catch (e) {
      return null;
    }
  }
  function checkEligibility() {
    const shown = (CONFIG.eligibility_error || []).some((sel) => {
      try {
        const el = document.querySelector(sel);
        return !!el && (el.offsetParent !== null || el.getClientRects().length > 0);
      } catch (e) {
        return false;
      }
    });
    if (shown && !eligibilityShown) send("eligibility_error", {});
    eligibilityShown = shown;
  }
  function checkConfirmation() {
    if (!matchesAny(location.href, confirmationUrls)) return;
    const number = textOf(CONFIG.order_number);
    const key = location.href + "|" + number;
    if (confirmationSent === key) return;
    if (CONFIG.order_number && !number) return; // not rendered yet: the observer calls again
    confirmationSent = key;
    send("confirmation", { number, order_type: textOf(CONFIG.order_type), date: textOf(CONFIG.order_date) });
  }
  let scheduled = false;
  function onMutation() {
    if (scheduled) return;
    scheduled = true;
    // The next task: one check for a batch of mutations, cheap enough for animated pages.
    setTimeout(() => {
      scheduled = false;
      checkEligibility();
      checkConfirmation();
    }, 0);
  }
  function startObserving() {
    checkEligibility();
    checkConfirmation();
    new MutationObserver(onMutation).observe(document.documentElement, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["hidden", "style", "class"],
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", startObserving, { once: true });
  } else {
    startObserving();
  }
  // A confirmation page whose order number never appears still counts, without the details.
  window.addEventListener("load", () => {
    setTimeout(() => {
      if (matchesAny(location.href, confirmationUrls) && confirmationSent === null) {
        confirmationSent = location.href;
        send("confirmation", { number: null, order_type: textOf(CONFIG.order_type), date: textOf(CONFIG.order_date) });
      }
    }, 3000);
  });
})();
