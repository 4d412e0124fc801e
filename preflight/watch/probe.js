// preflight's in-page probe, injected on every document with `add_init_script`.
//
// It reports what only the page can see — how this document or history entry was reached, and
// clicks on customer-service / « order later » controls — to the watcher as console messages
// of its own (`deliver`: no answer per message, where a binding's costs a protocol call), and
// keeps the same messages in a small queue the watcher can also read with `evaluate` (over
// WebDriver BiDi a back/forward-cache restore gives Playwright no event, so the watcher cannot
// count on the console alone: it drains the queue when it settles).
//
// Back, forward and reload are told apart by a stamp of our own kept in `history.state` (merged
// into the site's state, never replacing it): a new entry gets a fresh, increasing stamp; an
// entry shown again is compared with the one shown before it. The comparison is made here when
// this origin's sessionStorage knows the current stamp, and again by the watcher (which knows it
// across origins); timing type, `navigation.activation` and `pageshow.persisted` cross-check it.
//
// It runs in every frame. In a frame (a chat widget, a payment form from another origin) it
// only reports clicks: how a frame's own document was reached is not the order's, and it leaves
// the frame's history alone; the watcher ignores a frame's other messages anyway.
//
// A page's own script runs after this one and may redefine any built-in (old libraries replace
// `Array.prototype.filter`; a hostile page anything): what the probe calls is captured here,
// before that, and called through `call` (Reflect.apply), never looked up again on the page's
// objects (issue #13). The watcher validates every message it gets all the same.
//
// A page's script can write to the console itself, from any frame (issue #25): every message is
// signed with this document's key, derived from the watch's secret written in this script's
// text (see _keys.py); the secret and the key stay in this closure, the queue the page can read
// (`since`) holds no key, and its answer is signed for the watcher's nonce. Nothing here sends
// for the page: `send` is not exposed, and only the guard's own script (registered first, and
// only when the guard is on) gets a way to report — its answers, nothing else.
//
// It never reads input values and logs no keystroke. The guard (guard.js) is separate.
(() => {
  "use strict";
  const CONFIG = /*__PREFLIGHT_CONFIG__*/ {};
  /*__PREFLIGHT_HMAC__*/
  // Only web pages: on the initial about:blank a replaceState at document creation crashes
  // Firefox ESR 153's content process (measured), and there is nothing to watch there.
  if (window.__preflight || !/^https?:$/.test(location.protocol)) return;
  // Firefox's error page (network lost) keeps the failed URL as its location: its document
  // (`about:neterror?…`) is the browser's, not the shop's, and its entry must stay unstamped so
  // that its Reload is told from a Refresh (issue #23). Chromium's is chrome-error: (above).
  if (!/^https?:/.test(document.documentURI)) return;
  const TOP = window.top === window;
  // --- the built-ins the probe uses, as they are before any page script ----------------------
  const apply = Reflect.apply;
  const call = (fn, self, ...args) => apply(fn, self, args);
  const A = Array.prototype;
  const S = String.prototype;
  const aFilter = A.filter, aMap = A.map, aSome = A.some, aFind = A.find, aPush = A.push, aShift = A.shift;
  const sReplace = S.replace, sTrim = S.trim, sLower = S.toLowerCase, sSlice = S.slice;
  const sStarts = S.startsWith, sIndexOf = S.indexOf;
  const reTest = RegExp.prototype.test, reExec = RegExp.prototype.exec;
  const NewRegExp = RegExp;
  const assign = Object.assign, defineProperty = Object.defineProperty;
  const jsonParse = JSON.parse, jsonStringify = JSON.stringify;
  const now = Date.now, mathMax = Math.max, random = Math.random;
  const numToString = Number.prototype.toString;
  const elMatches = Element.prototype.matches;
  const elQuery = Element.prototype.querySelector;
  const docQuery = Document.prototype.querySelector;
  const elAttr = Element.prototype.getAttribute;
  const elRects = Element.prototype.getClientRects;
  const listen = EventTarget.prototype.addEventListener;
  const getter = (proto, name) => {
    const d = Object.getOwnPropertyDescriptor(proto, name);
    return d && d.get ? (self) => call(d.get, self) : (self) => self[name];
  };
  const readyStateOf = getter(Document.prototype, "readyState");
  const bodyOf = getter(Document.prototype, "body");
  const innerTextOf = getter(HTMLElement.prototype, "innerText");
  const parentOf = getter(Node.prototype, "parentElement");
  const tagOf = getter(Element.prototype, "tagName");
  const storage = (() => {
    try {
      return window.sessionStorage;
    } catch (e) {
      return null;
    }
  })();
  const getItem = Storage.prototype.getItem, setItem = Storage.prototype.setItem;
  const later = window.setTimeout;
  const defer = (fn, ms) => call(later, window, fn, ms || 0);
  const NewPromise = Promise;
  const visibilityOf = getter(Document.prototype, "visibilityState");
  // The rules' session cookie as this document sees it (`since`): seen here, the watcher need
  // not ask the browser for its cookies (one protocol call a settle; issue #27). Not seen proves
  // nothing (an HttpOnly cookie, another domain's): the watcher asks then, as before.
  const cookieDesc = Object.getOwnPropertyDescriptor(Document.prototype, "cookie");
  const cookieOf = cookieDesc && cookieDesc.get ? cookieDesc.get : null;
  const sSplit = S.split;
  function sessionCookieSeen() {
    const name = CONFIG.session_cookie;
    if (!name || !cookieOf) return null;
    try {
      const all = call(sSplit, String(call(cookieOf, document)), ";");
      for (let i = 0; i < all.length; i++) {
        const pair = call(sTrim, all[i]);
        if (call(sStarts, pair, name + "=")) return true;
      }
    } catch (e) {
      // A sandboxed document (no cookies for it): nothing seen.
    }
    return null;
  }
  const microtask = window.queueMicrotask;
  const Observer = window.MutationObserver;
  const observe = Observer.prototype.observe;
  const entriesByType = Performance.prototype.getEntriesByType;
  const on = (target, type, fn, options) => call(listen, target, type, fn, options);
  const norm0 = (s) => call(sLower, call(sTrim, call(sReplace, s || "", /\s+/g, " ")));
  const STAMP = "__pf";
  const STORE = "__preflight_probe";
  const QUEUE_MAX = 300;
  const H = History.prototype;
  const isArray = Array.isArray;
  const origPush = H.pushState;
  const origReplace = H.replaceState;
  const nav = "navigation" in window ? window.navigation : null;

  const doc = call(sSlice, call(numToString, random(), 36), 2, 10) + call(numToString, now(), 36);
  // This document's key: the secret itself is dropped once it has served.
  const KEY = hmacHex(CONFIG.secret || "", doc);
  CONFIG.secret = "";
  let n = 0;
  const queue = [];
  let lastStamp = 0;

  // A glob as its `*`-separated segments (literal characters and `?`, one character), found
  // left to right: linear in the URL's length, where a regex of `.*` per star backtracks for
  // minutes on a long URL (issue 13). Greedy leftmost is exact: every segment has a fixed
  // length. Plain loops and indexing only: the page may have redefined String.prototype.
  function globRegex(glob) {
    const parts = [];
    let part = "";
    for (let i = 0; i < glob.length; i++) {
      if (glob[i] === "*") {
        parts[parts.length] = part;
        part = "";
      } else {
        part += glob[i];
      }
    }
    parts[parts.length] = part;
    const at = (url, pos, seg) => {
      for (let k = 0; k < seg.length; k++) {
        if (seg[k] !== "?" && url[pos + k] !== seg[k]) return false;
      }
      return true;
    };
    const test = (url) => {
      if (typeof url !== "string") return false;
      const first = parts[0];
      if (parts.length === 1) return url.length === first.length && at(url, 0, first);
      const last = parts[parts.length - 1];
      const end = url.length - last.length;
      if (end < first.length || !at(url, 0, first) || !at(url, end, last)) return false;
      let pos = first.length;
      for (let i = 1; i < parts.length - 1; i++) {
        const seg = parts[i];
        let found = -1;
        for (let p = pos; p + seg.length <= end; p++) {
          if (at(url, p, seg)) {
            found = p;
            break;
          }
        }
        if (found < 0) return false;
        pos = found + seg.length;
      }
      return true;
    };
    return { test };
  }
  const toRegexes = (globs) => (globs || []).map(globRegex);
  const csUrls = toRegexes(CONFIG.cs_urls);
  const confirmationUrls = toRegexes(CONFIG.confirmation);
  const matchesAny = (url, matchers) => {
    for (let i = 0; i < matchers.length; i++) if (matchers[i].test(url)) return true;
    return false;
  };

  // When the page last did something the watcher waits for (a message, a request ending), and
  // how many of its own requests are still out: the watcher's settle() returns as soon as the
  // page is loaded, has nothing out and has been idle a moment, instead of polling for quiet.
  // A request out for longer than OUT_MAX_MS (a long poll, a stream) no longer counts as busy.
  const OUT_MAX_MS = 1500;
  let lastActivity = now();
  // A plain object without prototype, read with for-in: no Set or iterator a page can replace.
  const out = Object.create(null);
  let outSeq = 0;
  const started = () => {
    const id = ++outSeq;
    out[id] = now();
    lastActivity = out[id];
    return () => {
      delete out[id];
      lastActivity = now();
    };
  };
  const requestsOut = () => {
    const t = now();
    for (const id in out) if (t - out[id] < OUT_MAX_MS) return true;
    return false;
  };

  function send(type, data) {
    lastActivity = now();
    const msg = assign({ id: doc + ":" + ++n, doc, n, type, t: now(), url: location.href }, data);
    call(aPush, queue, msg);
    if (queue.length > QUEUE_MAX) call(aShift, queue);
    deliver(msg);
    return msg;
  }
  // What a page's script can make happen thousands of times a second — its own history moves
  // (pushState, replaceState, location.hash), the guard's answers, an eligibility error shown
  // and hidden again — is sent at most RATE_MAX times a second per document (issue #25:
  // 100,000 pushState calls were a backlog of 80 minutes); past that, the latest message of
  // each type is kept and sent once the second is over: a flood costs one message a second.
  const RATE_MAX = 20, RATE_MS = 1000;
  let rateStart = 0, rateCount = 0, heldTimer = null;
  const held = { __proto__: null };
  function limited(type, data) {
    const t = now();
    if (t - rateStart >= RATE_MS) {
      rateStart = t;
      rateCount = 0;
    }
    if (rateCount < RATE_MAX) {
      rateCount++;
      return send(type, data);
    }
    held[type] = data;
    if (heldTimer === null) heldTimer = defer(sendHeld, RATE_MS - (t - rateStart));
    return null;
  }
  function sendHeld() {
    heldTimer = null;
    for (const type in held) {
      const data = held[type];
      delete held[type];
      limited(type, data);
    }
  }
  // The watcher reading the queue (`since`) takes what the limit still holds, at once: a page
  // left within the second after a flood took its last word with it (an eligibility error
  // shown during a flood, then the next step: no event, no support bundle — 2 runs in 6 on
  // Chromium). The page can call `since` too (`window.__preflight`): at most one flush every
  // FLUSH_MS, so a loop of calls cannot undo the limit (a type costs 5 messages a second more).
  const FLUSH_MS = 200;
  let flushedAt = -FLUSH_MS;
  function flushHeld() {
    const t = now();
    if (t - flushedAt < FLUSH_MS) return;
    flushedAt = t;
    for (const type in held) {
      const data = held[type];
      delete held[type];
      send(type, data);
    }
  }

  // The channel to the watcher: `console.debug`, as it is before any page script, with the
  // watch's mark in front. A console message is an event Playwright hands on and nothing more,
  // where a binding's call waits for Python's return value, which Playwright then carries back
  // into the page: a protocol call per message, and up to 40 ms each on Firefox (issue #27).
  // It comes when it happens, as the binding's did, even from a document going away (a page
  // the seller closes keeps its last messages). The message is signed, never the key itself
  // sent: a console line may end up in a trace (where the scenario's values are scrubbed).
  const consoleDebug = console.debug;
  const theConsole = console;
  function deliver(msg) {
    try {
      // JSON text, written with the JSON captured above: Playwright's own serialisation of an
      // object runs on the page's built-ins, which the page may have replaced (measured: a page
      // redefining Array.prototype.push made every message arrive without its type). `top`
      // says whether a frame sent it (the watcher takes only clicks from frames).
      const body = jsonStringify(assign({}, msg, { top: TOP }));
      const signed = jsonStringify({ body, mac: hmacHex(KEY, "msg\n" + body) });
      call(consoleDebug, theConsole, CONFIG.channel + signed);
    } catch (e) {
      // The watcher will read the queue instead.
    }
  }

  // --- per-tab bookkeeping (per origin: sessionStorage is) --------------------------------
  function readStore() {
    try {
      const s = jsonParse(call(getItem, storage, STORE) || "{}");
      return s && typeof s === "object" ? s : {};
    } catch (e) {
      return {};
    }
  }
  function writeStore(cur) {
    try {
      const s = readStore();
      s.cur = cur;
      s.max = mathMax(typeof s.max === "number" ? s.max : 0, cur);
      call(setItem, storage, STORE, jsonStringify({ cur: s.cur, max: s.max }));
    } catch (e) {
      // Storage disabled: the watcher still compares stamps itself.
    }
  }
  function newStamp() {
    // Time-based, so that stamps grow across origins of the same tab too; a new document
    // never comes within the same millisecond as the previous one's last entry.
    lastStamp = mathMax(now() * 1000, lastStamp + 1);
    return lastStamp;
  }
  function stampOf(state) {
    return state && typeof state === "object" && typeof state[STAMP] === "number" ? state[STAMP] : null;
  }
  function merged(state, stamp) {
    if (state === null || state === undefined) return { [STAMP]: stamp };
    if (typeof state === "object" && !isArray(state)) return assign({}, state, { [STAMP]: stamp });
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
      call(origReplace, history, merged(history.state, stamp), "");
    } catch (e) {
      return { stamp: null, fresh: true };
    }
    return { stamp: stampOf(history.state), fresh: true };
  }

  // --- how this document was reached ----------------------------------------------------------
  const timing = (() => {
    try {
      const e = call(entriesByType, performance, "navigation")[0];
      return e ? e.type : null;
    } catch (e) {
      return null;
    }
  })();
  const entryIndex = () => (nav && nav.currentEntry ? nav.currentEntry.index : null);
  let cur = null;
  // Firefox restores `history.state` only after init scripts ran (it reads null before, and a
  // replaceState then is lost): a microtask runs after that and still before the page's scripts.
  if (TOP) call(microtask, window, () => {
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
  function shownAgain(trigger, extra) {
    const before = cur;
    let { stamp, fresh } = ensureStamp();
    if (!fresh && stamp === before && trigger !== "pageshow") return;
    const probe = fresh ? "new" : classify(stamp);
    cur = stamp;
    const data = assign({ stamp, fresh, probe, index: entryIndex(), length: history.length }, extra);
    // A hash the page moves in a loop (hashchange and popstate both fire) is a flood too; a
    // Back, Forward or Reload needs the person (a user activation) and is sent at once.
    const moved = probe === "back" || probe === "forward" || probe === "reload";
    if (!moved && (trigger === "hashchange" || trigger === "popstate")) limited(trigger, data);
    else send(trigger, data);
    if (stamp !== null) writeStore(stamp);
    checkConfirmation();
  }

  // A restored document never runs init scripts again; pageshow.persisted is how it knows.
  // A frame's own history is the frame's: left alone, its moves are not the order's.
  if (TOP) {
  on(window, "pageshow", (e) => {
    if (e.persisted) shownAgain("pageshow", { persisted: true });
  }, true);
  on(window, "popstate", (e) => shownAgain("popstate", {}), true);
  on(window, "hashchange", () => shownAgain("hashchange", {}), true);

  H.pushState = function pushState(state, title, url) {
    const stamp = newStamp();
    const result = call(origPush, this, merged(state, stamp), title, url);
    if (this === history) {
      cur = stampOf(history.state);
      limited("push", { stamp: cur, fresh: true, probe: "new", index: entryIndex(), length: history.length });
      if (cur !== null) writeStore(cur);
      checkConfirmation();
    }
    return result;
  };
  H.replaceState = function replaceState(state, title, url) {
    if (this !== history) return call(origReplace, this, state, title, url);
    const before = location.href;
    const keep = stampOf(history.state) ?? newStamp();
    const result = call(origReplace, this, merged(state, keep), title, url);
    cur = stampOf(history.state);
    if (location.href !== before) {
      limited("replace", { stamp: cur, fresh: false, probe: "same", index: entryIndex(), length: history.length });
      checkConfirmation();
    }
    return result;
  };

  if (nav) {
    // The Navigation API says, while still on the page, what kind of move is starting (not for
    // a cross-origin traversal, which fires no `navigate`): corroboration, not the verdict.
    // Only a traversal or a reload: the watcher corroborates those alone with it (`_probe.py`),
    // and each message has a cost (each was a protocol call through a binding; issue #27) — a
    // `push` at each link clicked and the `replace` of this probe's own stamp were sent for
    // nothing, and that `replace` overwrote the hint the page left said.
    on(nav, "navigate", (e) => {
      if (e.navigationType !== "traverse" && e.navigationType !== "reload") return;
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
  } // TOP

  // --- clicks: customer service, « order later » ------------------------------------------------
  const norm = (s) => norm0(typeof s === "string" ? s : "");
  const csTexts = call(aFilter, call(aMap, CONFIG.cs_texts || [], norm), Boolean);
  const laterTexts = call(aFilter, call(aMap, CONFIG.order_later || [], norm), Boolean);
  const WORD = /[\p{L}\p{N}]/u;
  const INTERACTIVE = "a,button,[role=button],[role=link],input[type=button],input[type=submit],summary,label";
  const SHORT = 80;

  function textMatches(text, wanted) {
    const t = norm(text);
    if (!t || t.length > SHORT) return false;
    return call(aSome, wanted, (w) => {
      const i = call(sIndexOf, t, w);
      if (i < 0) return false;
      const before = i === 0 ? "" : t[i - 1];
      const after = t[i + w.length] || "";
      return !call(reTest, WORD, before) && !call(reTest, WORD, after);
    });
  }
  function labelOf(el) {
    const raw = innerTextOf(el) || (typeof el.value === "string" ? el.value : "") || call(elAttr, el, "aria-label") || "";
    return call(sSlice, call(sTrim, call(sReplace, typeof raw === "string" ? raw : "", /\s+/g, " ")), 0, 60);
  }
  // The clicked element and its ancestors up to the nearest interactive one (a long text far
  // up, like the whole footer, says nothing about what was clicked).
  function path(target) {
    const out = [];
    let el = target instanceof Element ? target : target && parentOf(target);
    while (el && el !== document.body && el !== document.documentElement && out.length < 8) {
      out[out.length] = el;
      if (call(elMatches, el, INTERACTIVE)) break;
      el = parentOf(el);
    }
    const last = out[out.length - 1];
    if (last && call(elMatches, last, INTERACTIVE)) return out;
    // No control clicked (a margin, a heading): a container holding links says nothing about
    // which one was meant, so only elements without controls inside them count.
    return call(aFilter, out, (node) => !call(elQuery, node, INTERACTIVE));
  }
  function customerService(target) {
    const els = path(target);
    const selectors = CONFIG.cs_selectors || [];
    for (let i = 0; i < els.length; i++) {
      const el = els[i];
      for (let j = 0; j < selectors.length; j++) {
        try {
          if (call(elMatches, el, selectors[j])) return { how: "selector", match: selectors[j], el };
        } catch (e) {
          // An invalid selector in the rules is reported by the watcher, not here.
        }
      }
      const tag = tagOf(el);
      const href = tag === "A" ? call(elAttr, el, "href") && String(el.href || call(elAttr, el, "href")) : "";
      if (href && call(sStarts, call(sLower, href), "tel:")) return { how: "tel", match: "tel:", el };
      if (href && matchesAny(href, csUrls)) return { how: "url", match: href, el };
      if (textMatches(innerTextOf(el) || el.value || call(elAttr, el, "aria-label"), csTexts)) {
        return { how: "text", match: labelOf(el), el };
      }
    }
    return null;
  }
  function orderLater(target) {
    return call(aFind, path(target), (el) => textMatches(innerTextOf(el) || el.value, laterTexts)) || null;
  }
  // The control whose click places the order when the confirmation is a state of the page
  // (the rules' order.confirmation_state): by CSS selector or by its text.
  const submitSelectors = CONFIG.submit_selectors || [];
  const submitTexts = call(aFilter, call(aMap, CONFIG.submit_texts || [], norm), Boolean);
  function isSubmit(el) {
    for (let j = 0; j < submitSelectors.length; j++) {
      try {
        if (call(elMatches, el, submitSelectors[j])) return true;
      } catch (e) {
        // Not CSS: the rules loader refuses those.
      }
    }
    return textMatches(innerTextOf(el) || el.value, submitTexts);
  }
  function submitOf(target) {
    if (!submitSelectors.length && !submitTexts.length) return null;
    return call(aFind, path(target), isSubmit) || null;
  }

  // --- the page's own requests (fetch, XMLHttpRequest): counted, never read ------------------
  // `call` wrapped so that it counts as busy until the promise it returns settles, and a task
  // more: what the page does with the answer (a pushState) comes first.
  const promiseThen = Promise.prototype.then;
  function counted(original) {
    return function (...args) {
      const ended = started();
      let pending;
      try {
        pending = apply(original, this, args);
      } catch (e) {
        ended();
        throw e;
      }
      try {
        call(promiseThen, pending, () => defer(ended), () => defer(ended));
      } catch (e) {
        ended(); // not a promise (a page's own fetch replacement): nothing to wait for
      }
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
    on(this, "loadend", () => defer(ended), { once: true });
    try {
      return apply(origSend, this, args);
    } catch (e) {
      ended();
      throw e;
    }
  };

  // settle()'s one question (instead of a poll loop): `since`'s answer once the page is quiet —
  // loaded, no request of its own out, no check scheduled, idle `idleMs` — and at least `minMs`
  // after the question (a re-check's pause), or after `maxMs` whatever the page does. A hidden
  // page answers at once (its timers may be throttled to a second), and so does a page being
  // left or put in the back/forward cache (`pagehide`: its timers stop there) — as busy: the
  // document that replaces it is the one to ask next (a Back answered « quiet » by the page it
  // left let the next step act on a page still loading, seen on Firefox).
  const QUIET_STEP_MS = 10;
  let leaving = false;
  const quietNow = (idleMs) =>
    readyStateOf(document) === "complete" && !scheduled && !requestsOut() && now() - lastActivity >= idleMs;
  function quiet(last, nonce, idleMs, minMs, maxMs) {
    const start = now();
    leaving = false;
    return new NewPromise((resolve) => {
      const check = () => {
        const waited = now() - start;
        if (leaving || visibilityOf(document) === "hidden" || waited >= maxMs
            || (waited >= minMs && quietNow(idleMs))) {
          resolve(P.since(last, nonce, leaving));
        } else {
          defer(check, QUIET_STEP_MS);
        }
      };
      check();
    });
  }
  on(window, "pagehide", () => { leaving = true; }, true);

  const P = {
    doc,
    quiet,
    since(last, nonce, away) {
      flushHeld();
      const msgs = [];
      for (let i = 0; i < queue.length; i++) {
        if (queue[i].doc === doc && queue[i].n > last) msgs[msgs.length] = queue[i];
      }
      // JSON text, for the reason given in deliver(); signed for the watcher's nonce.
      const body = jsonStringify({
        doc,
        n,
        readyState: readyStateOf(document),
        url: location.href,
        msgs,
        busy: scheduled || requestsOut() || away === true,
        idle_ms: now() - lastActivity,
        cookie: sessionCookieSeen(),
      });
      return jsonStringify({ body, mac: hmacHex(KEY, String(nonce) + "\n" + body) });
    },
    customerService,
    labelOf,
    // The guard (guard.js, the next init script) registers its question here, once, and gets
    // its way to report its answers: a page calling it afterwards (or when the guard is off)
    // cannot answer in its place, nor send anything.
    guard(hook) {
      if (!CONFIG.guard || guardHook !== null || typeof hook !== "function") return null;
      guardHook = hook;
      return (data) => {
        limited("guard", data);
      };
    },
  };
  let guardHook = null;
  Object.freeze(P);
  defineProperty(window, "__preflight", { value: P, enumerable: false });

  on(window, "click", (e) => {
    // Only what the person did: a script's click() or dispatchEvent() is not the customer's.
    if (!e.isTrusted) return;
    const cs = customerService(e.target);
    if (cs) {
      let allowed = true;
      if (guardHook !== null) {
        try {
          allowed = guardHook(e, cs) !== false;
        } catch (error) {
          allowed = true; // the question could not be asked: the click went through
        }
      }
      send("cs_click", { how: cs.how, match: call(sSlice, cs.match, 0, 120), label: labelOf(cs.el), allowed });
      return;
    }
    // « Order later » is the order's: a frame (a widget, an ad) never says it.
    const later = TOP ? orderLater(e.target) : null;
    if (later) send("order_later", { label: labelOf(later) });
    // Said before the page's own handlers run (this listener captures first): whether the
    // confirmation state already shows — then this click cannot be what placed the order.
    const submit = TOP ? submitOf(e.target) : null;
    if (submit) send("submit", { shown_before: stateShown() });
  }, true);

  // --- page content the verdict needs: eligibility error, confirmation details ----------------
  let eligibilityShown = false;
  let confirmationSent = null;
  // A value read from the page is the page's text, nothing more: one line, no markup
  // characters, no controls, at most VALUE_MAX characters.
  const VALUE_MAX = 80;
  const clean = (text) =>
    call(sSlice, call(sTrim, call(sReplace, call(sReplace, text, /[<>\u0000-\u001f\u007f]/g, " "), /\s+/g, " ")), 0, VALUE_MAX);
  function textOf(sel) {
    if (!sel) return null;
    try {
      const el = call(docQuery, document, sel);
      const text = el ? innerTextOf(el) || el.textContent || "" : null;
      return text === null ? null : clean(text) || null;
    } catch (e) {
      return null;
    }
  }
  // The confirmation's number, type and date by what the page says, where no selector finds
  // them (the rules' `order_*_text`): compiled now, before the page's scripts run. Only the
  // matched values leave the page, never its text (it may hold the customer's name).
  const TEXT_MAX = 20000;
  const compile = (patterns) => {
    const out = [];
    for (let i = 0; i < (patterns || []).length; i++) {
      try {
        out[out.length] = new NewRegExp(patterns[i], "i");
      } catch (e) {
        // A pattern this engine cannot read is skipped (the rules loader checks them too).
      }
    }
    return out;
  };
  const textPatterns = {
    number: compile(CONFIG.order_number_text),
    order_type: compile(CONFIG.order_type_text),
    date: compile(CONFIG.order_date_text),
  };
  const numberWanted = !!CONFIG.order_number || textPatterns.number.length > 0;
  // A confirmation that is a state of the page shows when every condition the rules give holds
  // (a visible element, a text); a selector that is not CSS is Playwright's alone to tell.
  const stateTexts = compile(CONFIG.state_text);
  function stateShown() {
    let told = false;
    if (CONFIG.state_selector) {
      try {
        const el = call(docQuery, document, CONFIG.state_selector);
        if (!el || !(el.offsetParent !== null || call(elRects, el).length > 0)) return false;
        told = true;
      } catch (e) {
        // Not CSS (`text=…`): the watcher's own read decides.
      }
    }
    if (stateTexts.length) {
      const text = pageText();
      if (!call(aSome, stateTexts, (re) => call(reTest, re, text))) return false;
      told = true;
    }
    return told;
  }
  function pageText() {
    try {
      const body = bodyOf(document);
      const text = body ? innerTextOf(body) || "" : "";
      return call(sReplace, call(sSlice, text, 0, TEXT_MAX), /\s+/g, " ");
    } catch (e) {
      return "";
    }
  }
  function readByText(text, patterns) {
    for (let i = 0; i < patterns.length; i++) {
      const found = call(reExec, patterns[i], text);
      if (found && typeof found[1] === "string") {
        const value = clean(found[1]);
        if (value) return value;
      }
    }
    return null;
  }
  // Each detail by its selector, else by the text patterns; the page's text is read once.
  // Also says whether the number came from the text.
  // The whole text is read at most every TEXT_EVERY_MS: a busy page's renders do not each pay
  // for a layout of the whole body.
  const TEXT_EVERY_MS = 250;
  let textReadAt = 0;
  let recheckPending = false;
  function recheckSoon() {
    if (recheckPending) return;
    recheckPending = true;
    defer(() => {
      recheckPending = false;
      checkConfirmation();
    }, TEXT_EVERY_MS);
  }
  function readOrder(force) {
    let text = null;
    let numberByText = false;
    const read = (sel, patterns, isNumber) => {
      const bySelector = textOf(sel);
      if (bySelector || !patterns.length) return bySelector;
      if (text === null) {
        // Only the number waits: once it is there, its type and date are read with it.
        if (isNumber && !force && now() - textReadAt < TEXT_EVERY_MS) {
          recheckSoon();
          return null;
        }
        textReadAt = now();
        text = pageText();
      }
      const value = readByText(text, patterns);
      if (isNumber && value) numberByText = true;
      return value;
    };
    const number = read(CONFIG.order_number, textPatterns.number, true);
    if (numberWanted && !number && !force) return { order: { number }, numberByText };
    const order = {
      number,
      order_type: read(CONFIG.order_type, textPatterns.order_type, false),
      date: read(CONFIG.order_date, textPatterns.date, false),
    };
    return { order, numberByText };
  }
  let readFromTextOn = null; // the page whose number its text gave: read once, not per render
  let fallbackFor = null;
  const sentFor = (href) => confirmationSent !== null && call(sStarts, confirmationSent, href + "|");
  function checkEligibility() {
    const shown = call(aSome, CONFIG.eligibility_error || [], (sel) => {
      try {
        const el = call(docQuery, document, sel);
        return !!el && (el.offsetParent !== null || call(elRects, el).length > 0);
      } catch (e) {
        return false;
      }
    });
    if (shown && !eligibilityShown) limited("eligibility_error", {});
    eligibilityShown = shown;
  }
  function checkConfirmation() {
    const href = location.href;
    if (!matchesAny(href, confirmationUrls) || readFromTextOn === href) return;
    const { order, numberByText } = readOrder(false);
    const key = href + "|" + order.number;
    if (confirmationSent === key) return;
    if (numberWanted && !order.number) {
      // Not rendered yet: the observer calls again. A page that never shows it still counts,
      // without the number, a moment later.
      if (fallbackFor !== href) {
        fallbackFor = href;
        defer(() => {
          if (location.href === href && !sentFor(href)) {
            confirmationSent = href + "|null";
            send("confirmation", readOrder(true).order);
          }
        }, 3000);
      }
      return;
    }
    confirmationSent = key;
    if (numberByText) readFromTextOn = href;
    send("confirmation", order);
  }
  let scheduled = false;
  function onMutation() {
    if (scheduled) return;
    scheduled = true;
    // The next task: one check for a batch of mutations, cheap enough for animated pages.
    defer(() => {
      scheduled = false;
      checkEligibility();
      checkConfirmation();
    });
  }
  function startObserving() {
    checkEligibility();
    checkConfirmation();
    call(observe, new Observer(onMutation), document.documentElement, {
      childList: true,
      subtree: true,
      attributes: true,
      attributeFilter: ["hidden", "style", "class"],
    });
  }
  // The order's pages are the top frame's: a frame's text is not the eligibility result.
  if (!TOP) return;
  if (readyStateOf(document) === "loading") {
    on(document, "DOMContentLoaded", startObserving, { once: true });
  } else {
    startObserving();
  }
})();
