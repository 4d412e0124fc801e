// The demo SFR site, single-page mode, built as real shops are: a component framework (Preact,
// hooks, htm) with controlled inputs and client-side routing. Every step's data is fetched with
// its one-time token, and fetching it is what the server counts as showing it: a reload fetches
// the URL's token again, a Back/Forward (popstate) fetches the entry's token again.
//
// history.state holds {step, t}. Others may keep their own keys there (preflight's watcher
// does): the app reads and merges, and never assumes it owns the whole object.
import { h, render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import htm from "htm";

const html = htm.bind(h);
const JSON_HEADERS = { "Content-Type": "application/json" };
const EXPIRED = { step: "expired", title: "Lien expiré ou invalide" };

const WIDGETS = document.getElementById("app").dataset.widgets;
const stepUrl = (step, t) => `/app/${step}?t=${encodeURIComponent(t)}`;
const here = () => location.pathname + location.search;

function ownState() {
  const state = history.state;
  return state && typeof state === "object" ? state : {};
}

// Update this entry's {step, t}, keeping every other key already in history.state.
function mergeState(step, t, url) {
  history.replaceState({ ...ownState(), step, t }, "", url);
}

// What the current history entry shows: the landing (by ACN id, or its token once known), or
// a step by the token in its URL.
function wanted() {
  const url = new URL(location.href);
  const landing = url.pathname.match(/^\/app\/offre\/([^/]+)/);
  const state = ownState();
  if (landing) {
    const t = state.step === "offre" && state.t ? state.t : url.searchParams.get("acn");
    return { step: "offre", offer: decodeURIComponent(landing[1]), t };
  }
  const step = url.pathname.replace(/^\/app\//, "").replace(/\/+$/, "");
  return { step, t: url.searchParams.get("t") || state.t || "" };
}

async function fetchStep(target) {
  const response =
    target.step === "offre"
      ? await fetch("/api/entree", {
          method: "POST",
          headers: JSON_HEADERS,
          body: JSON.stringify({ offer: target.offer, acn: target.t || null }),
        })
      : await fetch(`/api/etape/${encodeURIComponent(target.step)}?t=${encodeURIComponent(target.t)}`);
  return response.ok ? response.json() : EXPIRED;
}

async function post(step, body) {
  const response = await fetch(`/api/etape/${step}`, {
    method: "POST",
    headers: JSON_HEADERS,
    body: JSON.stringify(body),
  });
  return response.ok ? response.json() : { ok: false, data: EXPIRED };
}

function App() {
  const [data, setData] = useState(null);
  const shown = useRef({ at: null, t: null });
  const generation = useRef(0);

  const display = (next) => {
    shown.current = { at: here(), t: next.t || null };
    embedAssistance(next);
    setData(next);
  };

  const load = async () => {
    const mine = ++generation.current;
    const next = await fetchStep(wanted());
    if (mine !== generation.current) return; // a newer navigation won
    if (next.t) mergeState(next.step, next.t);
    display(next);
  };

  // A new entry: its state starts as ours alone (the current entry's keys belong to it).
  const go = (step, t) => {
    history.pushState({ step, t }, "", stepUrl(step, t));
    load();
  };

  // The order saved, shown where « Commander plus tard » was clicked (`?confirmation=state`):
  // the cart emptied and a message, no address of its own — as some stores do. Fetching the
  // confirmation's data is its showing; the entry keeps the summary's token.
  const savedInPlace = async (t) => {
    const mine = ++generation.current;
    const next = await fetchStep({ step: "confirmation", t });
    if (mine !== generation.current) return;
    display({ ...next, shown_in_place: true });
  };

  // A form's answer: the next step, or this step again with its errors and a new token,
  // shown in place.
  const answered = (result) => {
    const saved = result.ok && result.next.step === "confirmation" && data.step === "recapitulatif";
    if (saved && data.in_place) return savedInPlace(result.next.t);
    if (result.ok) return go(result.next.step, result.next.t);
    const again = result.data;
    if (again.t) mergeState(again.step, again.t, stepUrl(again.step, again.t));
    display(again);
  };

  useEffect(() => {
    load();
    // A fragment link (« Voir les conditions ») also fires popstate: same step, nothing to do.
    const onPopState = () => {
      if (here() !== shown.current.at) load();
    };
    // Restored from the back/forward cache: no request was made, so report the showing.
    const onPageShow = (event) => {
      if (event.persisted && shown.current.t) {
        const body = new URLSearchParams({ t: shown.current.t, persisted: "1" });
        navigator.sendBeacon("/sfr/api/vu", body);
      }
    };
    addEventListener("popstate", onPopState);
    addEventListener("pageshow", onPageShow);
    return () => {
      removeEventListener("popstate", onPopState);
      removeEventListener("pageshow", onPageShow);
    };
  }, []);

  useEffect(() => {
    if (data && data.title) document.title = `${data.title} — SFR`;
  }, [data]);

  if (!data) return html`<p class="loading">Chargement…</p>`;
  const Step = STEPS[data.step] || Expired;
  // Keyed by token: each shown token starts from what the server says it shows.
  return html`<${Step} key=${data.t || data.step} data=${data} go=${go} answered=${answered} />`;
}

// The assistance widget (third origin) learns the order's session from its URL, as real chat
// widgets do; it is loaded once per order, outside the app's own tree.
function embedAssistance(data) {
  const frame = document.getElementById("assistance");
  const session = data.order && data.order.session;
  if (!frame || !session || frame.dataset.session === session) return;
  frame.dataset.session = session;
  frame.hidden = false;
  frame.src = `${WIDGETS}/widget/assistance?s=${encodeURIComponent(session)}`;
}

function StepLink({ id, step, t, go, children }) {
  const follow = (event) => {
    event.preventDefault();
    go(step, t);
  };
  return html`<a class="button" id=${id} href=${stepUrl(step, t)} onClick=${follow}>${children}</a>`;
}

function FieldError({ view, name }) {
  const message = view.field_errors && view.field_errors[name];
  return message ? html`<p class="field-error" id=${`${name}-error`}>${message}</p>` : null;
}

// A controlled input: its value lives in the component's state, updated at each keystroke
// (`input`), or only when the edit is committed (`lazy`: `change`, as Vue's v-model.lazy).
function Field({ id, label, value, set, type = "text", autocomplete = "off", view, lazy = false }) {
  const update = (event) => set(event.currentTarget.value);
  return html`
    <label for=${id}>${label}</label>
    <input id=${id} name=${id} type=${type} autocomplete=${autocomplete} value=${value}
      onInput=${lazy ? undefined : update} onChange=${lazy ? update : undefined} />
    <${FieldError} view=${view} name=${id} />`;
}

function useSubmit(step, data, answered) {
  const [busy, setBusy] = useState(false);
  const submit = async (fields) => {
    if (busy) return;
    setBusy(true);
    try {
      answered(await post(step, { t: data.t, ...fields }));
    } finally {
      setBusy(false);
    }
  };
  return [submit, busy];
}

function Offre({ data, go }) {
  return html`
    <h1>${data.offer.title}</h1>
    <p class="offer-type" data-testid="offer-type">${data.offer.type}</p>
    <p class="price" data-testid="offer-price">${data.offer.price}</p>
    <p><${StepLink} id="tester-eligibilite" step="eligibilite" t=${data.next} go=${go}>Tester mon éligibilité<//></p>`;
}

function Eligibilite({ data, go, answered }) {
  const view = data.view || {};
  const [adresse, setAdresse] = useState((view.values && view.values.adresse) || "");
  const [submit, busy] = useSubmit("eligibilite", data, answered);
  if (view.result) {
    return html`
      <h1>Test d'éligibilité</h1>
      <p class="offer-type" data-testid="offer-type">${data.offer.title}</p>
      <p id="resultat" class="success">${view.result}</p>
      <p><${StepLink} id="continuer" step="coordonnees" t=${data.next} go=${go}>Continuer<//></p>`;
  }
  const onSubmit = (event) => {
    event.preventDefault();
    submit({ adresse });
  };
  return html`
    <h1>Test d'éligibilité</h1>
    <p class="offer-type" data-testid="offer-type">${data.offer.title}</p>
    ${view.eligibility_error &&
    html`<p class="error" data-testid="eligibility-error" role="alert">${view.eligibility_error}</p>`}
    <form onSubmit=${onSubmit} novalidate>
      <${Field} id="adresse" label="Adresse" value=${adresse} set=${setAdresse} view=${view}
        autocomplete="street-address" />
      <button type="submit" id="tester" disabled=${busy}>Tester l'éligibilité</button>
    </form>`;
}

function Coordonnees({ data, answered }) {
  const view = data.view || {};
  const values = view.values || {};
  const [nom, setNom] = useState(values.nom || "");
  const [telephone, setTelephone] = useState(values.telephone || "");
  const [email, setEmail] = useState(values.email || "");
  const [submit, busy] = useSubmit("coordonnees", data, answered);
  const onSubmit = (event) => {
    event.preventDefault();
    submit({ nom, telephone, email });
  };
  return html`
    <h1>Vos coordonnées</h1>
    <form onSubmit=${onSubmit} novalidate>
      <${Field} id="nom" label="Nom" value=${nom} set=${setNom} view=${view} autocomplete="name" />
      <${Field} id="telephone" label="Téléphone (joignable en journée)" type="tel"
        value=${telephone} set=${setTelephone} view=${view} autocomplete="tel" />
      <${Field} id="email" label="E-mail" type="email" value=${email} set=${setEmail}
        view=${view} autocomplete="email" lazy=${true} />
      <button type="submit" id="valider" disabled=${busy}>Valider mes coordonnées</button>
    </form>`;
}

// The customer's details echoed back, as a real summary and confirmation do (issue #25).
function Customer({ customer }) {
  const { nom, email, adresse } = customer || {};
  return html`
    ${nom && html`<p data-testid="customer-echo">Bonjour ${nom} (${email})</p>`}
    ${adresse && html`<p data-testid="customer-echo">Adresse d'installation : ${adresse}</p>`}`;
}

function Recapitulatif({ data, answered }) {
  const [submit, busy] = useSubmit("recapitulatif", data, answered);
  return html`
    <h1>Récapitulatif</h1>
    <p data-testid="offer-type">${data.offer.title} — ${data.offer.price}</p>
    <${Customer} customer=${data.customer} />
    <button type="button" id="commander-plus-tard" disabled=${busy}
      onClick=${() => submit({ action: "plus-tard" })}>Commander plus tard</button>
    <button type="button" id="payer-maintenant" disabled=${busy}
      onClick=${() => submit({ action: "payer" })}>Payer maintenant</button>
    <p class="hint">« Commander plus tard » : le panier est envoyé au client par e-mail ; il le règle depuis son ordinateur.</p>`;
}

// The bank details are typed in the payment provider's frame (third origin), never in the app:
// the frame posts back a one-time reference, which the app submits with the step's token.
function Paiement({ data, answered }) {
  const [submit] = useSubmit("paiement", data, answered);
  useEffect(() => {
    const onMessage = (event) => {
      const message = event.data;
      if (event.origin !== WIDGETS || !message || message.type !== "sfr-paiement") return;
      if (typeof message.ref === "string") submit({ paiement: message.ref });
    };
    addEventListener("message", onMessage);
    return () => removeEventListener("message", onMessage);
  }, [data.t]);
  const src = `${WIDGETS}/widget/paiement?s=${encodeURIComponent(data.order.session || "")}`;
  return html`
    <h1>Paiement</h1>
    <iframe id="paiement" name="paiement" class="payment-frame" title="Paiement sécurisé" src=${src}></iframe>`;
}

function Confirmation({ data }) {
  const details = html`
    <dl class="order">
      <dt>Numéro de commande</dt><dd data-testid="order-number">${data.order.number}</dd>
      <dt>Type</dt><dd data-testid="order-type">${data.offer.type}</dd>
      <dt>Date</dt><dd data-testid="order-date">${data.date}</dd>
    </dl>
    <${Customer} customer=${data.customer} />`;
  if (data.shown_in_place) {
    return html`
      <h1>Récapitulatif</h1>
      <p class="cart-empty">Votre panier est vide.</p>
      <p class="success" role="status" data-testid="order-saved">Commande enregistrée : le panier a été envoyé au client par e-mail.</p>
      ${details}`;
  }
  return html`
    <h1>${data.title}</h1>
    ${data.order.status === "saved_for_later" &&
    html`<p class="success">Le panier a été envoyé au client par e-mail</p>`}
    ${details}`;
}

function Expired() {
  return html`
    <h1>Lien expiré ou invalide</h1>
    <p>Cette étape de commande n'existe pas ou plus. Reprenez la commande depuis le lien de votre conseiller.</p>`;
}

const STEPS = {
  offre: Offre,
  eligibilite: Eligibilite,
  coordonnees: Coordonnees,
  recapitulatif: Recapitulatif,
  paiement: Paiement,
  confirmation: Confirmation,
};

render(html`<${App} />`, document.getElementById("app"));
