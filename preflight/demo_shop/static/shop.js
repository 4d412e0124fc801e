// The demo SFR site's own script, kept minimal on purpose: the watcher must work on pages it
// does not control. It never touches history.state.
(() => {
  "use strict";

  // Every showing of a step page is reported, persisted or not: a page restored from the
  // back/forward cache or the HTTP cache makes no request, so only the page can tell.
  // A load also says whether the document came from the HTTP cache (Navigation Timing: a
  // history move or a reload, no bytes transferred), so the shop never has to guess from how
  // many beacons it heard: the first load's own beacon is lost when the page is left before
  // its `pageshow`. A plain navigation is never a showing again, whatever its size (a page a
  // test fulfils through a route transfers nothing on Firefox).
  addEventListener("pageshow", (event) => {
    const token = document.body && document.body.dataset.token;
    if (!token) return;
    const body = new URLSearchParams({ t: token, persisted: event.persisted ? "1" : "0" });
    const [load] = performance.getEntriesByType("navigation");
    if (!event.persisted && load) {
      const again = load.type === "back_forward" || load.type === "reload";
      body.set("cached", again && load.transferSize === 0 ? "1" : "0");
    }
    navigator.sendBeacon("/sfr/api/vu", body);
  });

  // The payment frame's answer: a one-time reference, sent with this page's step token. Only
  // from the frame's own origin, as a real shop checks its payment provider's messages.
  addEventListener("message", (event) => {
    const frame = document.getElementById("paiement");
    const form = document.getElementById("paiement-retour");
    if (!frame || !form || event.origin !== frame.dataset.origin) return;
    const data = event.data;
    if (!data || data.type !== "sfr-paiement" || typeof data.ref !== "string") return;
    form.elements.paiement.value = data.ref;
    form.submit();
  });

  // Fields bound to `change` (the commit of an edit, on blur), not to `input`: the value is
  // copied where the form sends it only then.
  document.addEventListener("change", (event) => {
    const field = event.target instanceof HTMLInputElement ? event.target : null;
    const target = field && document.getElementById(field.dataset.copyOnChange || "");
    if (target) target.value = field.value;
  });

  // Customer service, delegated so it also works on pages whose header is re-rendered.
  document.addEventListener("click", (event) => {
    const target = event.target instanceof Element ? event.target : null;
    const control = target && target.closest("#etre-rappele, #chat, #appel-1023");
    if (!control) return;
    if (control.id === "etre-rappele") {
      fetch("/sfr/assistance/rappel", { method: "POST", credentials: "same-origin" }).then(() => {
        const message = document.getElementById("rappel-message");
        if (message) {
          message.textContent = "Un conseiller vous rappellera";
          message.hidden = false;
        }
      });
    } else if (control.id === "chat") {
      window.open("/sfr/assistance/chat", "sfr-chat", "popup,width=380,height=560");
    } else {
      // The call itself leaves the browser (tel:); the shop still learns of it.
      navigator.sendBeacon("/sfr/assistance/appel");
    }
  });
})();
