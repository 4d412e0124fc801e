// The demo SFR site, React mode (`/react/…`), built as real React shops are: React 19 with
// controlled components (text inputs, a textarea, a <select>, a checkbox, a radio group),
// client-side validation, and react-router owning `history` (its {usr, key, idx} object in
// history.state; our {step, t} is the router's `location.state`). Same server, element ids,
// texts and data-testids as the Preact app (../../preflight/demo_shop/static/app.js): every
// step's data is fetched with its one-time token, and fetching it is the showing the server
// counts, so a reload or a Back/Forward (a POP) fetches a spent token and ends the ACN session.
//
// React keeps a private value tracker on each input: a value assigned from script updates the
// tracker silently and React drops the `input` event that follows. A driver that does that
// (Playwright's fill() over WebDriver BiDi) leaves the state empty, and this shop answers as a
// real one does: "Veuillez saisir votre nom", no navigation.
import { createContext, useContext, useEffect, useRef, useState } from "react";
import { flushSync } from "react-dom";
import { createRoot } from "react-dom/client";
import { RouterProvider, createBrowserRouter, useLocation, useNavigate } from "react-router";

const JSON_HEADERS = { "Content-Type": "application/json" };
const EXPIRED = { step: "expired", title: "Lien expiré ou invalide" };
const MSG_ADDRESS_EMPTY = "Veuillez saisir une adresse";
const MSG_NAME_EMPTY = "Veuillez saisir votre nom";
const MSG_TITLE_EMPTY = "Veuillez choisir une civilité";
const MSG_TERMS = "Veuillez accepter les conditions de l'offre";
const INSTRUCTIONS_MAX = 200;
// The third origin serving the assistance widget and the payment form (the shell says which).
const WIDGETS = document.getElementById("app").dataset.widgets;
const CONTACTS = { telephone: "par téléphone", email: "par e-mail" };

const stepUrl = (step, t) => `/react/${step}?t=${encodeURIComponent(t)}`;

// What a location shows: the landing (by ACN id, or its token once known), or a step by the
// token in its URL.
function wanted(location) {
  const state = location.state && typeof location.state === "object" ? location.state : {};
  const params = new URLSearchParams(location.search);
  const landing = location.pathname.match(/^\/react\/offre\/([^/]+)/);
  if (landing) {
    const t = state.step === "offre" && state.t ? state.t : params.get("acn");
    return { step: "offre", offer: decodeURIComponent(landing[1]), t };
  }
  const step = location.pathname.replace(/^\/react\//, "").replace(/\/+$/, "");
  return { step, t: params.get("t") || state.t || "" };
}

async function fetchStep(target) {
  const response =
    target.step === "offre"
      ? await fetch("/api/entree", {
          method: "POST",
          headers: JSON_HEADERS,
          body: JSON.stringify({ offer: target.offer, acn: target.t || null, mode: "react" }),
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

// What the customer chose on one step and a later one shows (kept in the app, as shops keep a
// cart's choices; the server never holds them).
const Choices = createContext({ choices: {}, setChoices: () => {} });

function Shop() {
  const location = useLocation();
  const navigate = useNavigate();
  const [data, setData] = useState(null);
  const [choices, setChoices] = useState({});
  // What is on screen: the location it was fetched for and its token.
  const shown = useRef({ at: null, t: null });
  const generation = useRef(0);
  const at = location.pathname + location.search;

  const display = (next, where) => {
    shown.current = { at: where, t: next.t || null };
    embedAssistance(next);
    setData(next);
  };

  useEffect(() => {
    // The same entry again: a fragment link (« Voir les conditions ») or our own replace of
    // this entry's state once its token is known. Nothing new to show.
    if (at === shown.current.at) return;
    const mine = ++generation.current;
    (async () => {
      const next = await fetchStep(wanted(location));
      if (mine !== generation.current) return; // a newer navigation won
      display(next, at);
      if (next.t) navigate(at, { replace: true, state: { step: next.step, t: next.t } });
    })();
  }, [location.key]); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    // Restored from the back/forward cache: no request was made, so report the showing.
    const onPageShow = (event) => {
      if (event.persisted && shown.current.t) {
        const body = new URLSearchParams({ t: shown.current.t, persisted: "1" });
        navigator.sendBeacon("/sfr/api/vu", body);
      }
    };
    addEventListener("pageshow", onPageShow);
    return () => removeEventListener("pageshow", onPageShow);
  }, []);

  useEffect(() => {
    if (data && data.title) document.title = `${data.title} — SFR`;
  }, [data]);

  const go = (step, t) => navigate(stepUrl(step, t), { state: { step, t } });

  // A form's answer: the next step, or this step again with its errors and a new token,
  // shown in place.
  const answered = (result) => {
    if (result.ok) return go(result.next.step, result.next.t);
    const again = result.data;
    if (!again.t) return display(again, at);
    const url = stepUrl(again.step, again.t);
    display(again, url);
    navigate(url, { replace: true, state: { step: again.step, t: again.t } });
  };

  if (!data) return <p className="loading">Chargement…</p>;
  const Step = STEPS[data.step] || Expired;
  return (
    <Choices.Provider value={{ choices, setChoices }}>
      {/* Keyed by token: each shown token starts from what the server says it shows. */}
      <Step key={data.t || data.step} data={data} go={go} answered={answered} />
    </Choices.Provider>
  );
}

function StepLink({ id, step, t, go, children }) {
  const follow = (event) => {
    event.preventDefault();
    go(step, t);
  };
  return (
    <a className="button" id={id} href={stepUrl(step, t)} onClick={follow}>
      {children}
    </a>
  );
}

function FieldError({ errors, name }) {
  const message = errors && errors[name];
  return message ? (
    <p className="field-error" id={`${name}-error`}>
      {message}
    </p>
  ) : null;
}

// A controlled text input: its value lives in the component's state.
function Field({ id, label, value, set, type = "text", autoComplete = "off", errors }) {
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        name={id}
        type={type}
        autoComplete={autoComplete}
        value={value}
        onChange={(event) => set(event.target.value)}
      />
      <FieldError errors={errors} name={id} />
    </>
  );
}

// A field read only when its edit is committed: the native `change` (as a jQuery plugin or a
// checkout theme binds it on a React page), not React's per-keystroke onChange. Uncontrolled;
// its value reaches the state at `change`, rendered at once (flushSync) so that the click that
// committed it (by leaving the field) submits it.
function ChangeField({ id, label, value, set, type = "text", autoComplete = "off", errors }) {
  const input = useRef(null);
  useEffect(() => {
    const field = input.current;
    const commit = () => flushSync(() => set(field.value));
    field.addEventListener("change", commit);
    return () => field.removeEventListener("change", commit);
  }, [set]);
  return (
    <>
      <label htmlFor={id}>{label}</label>
      <input ref={input} id={id} name={id} type={type} autoComplete={autoComplete} defaultValue={value} />
      <FieldError errors={errors} name={id} />
    </>
  );
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

// Client-side errors first (nothing is sent while one shows), then the server's.
function useErrors(view) {
  const [mine, setMine] = useState(null);
  return [mine || view.field_errors || {}, setMine];
}

function Offre({ data, go }) {
  return (
    <>
      <h1>{data.offer.title}</h1>
      <p className="offer-type" data-testid="offer-type">
        {data.offer.type}
      </p>
      <p className="price" data-testid="offer-price">
        {data.offer.price}
      </p>
      <p>
        <StepLink id="tester-eligibilite" step="eligibilite" t={data.next} go={go}>
          Tester mon éligibilité
        </StepLink>
      </p>
    </>
  );
}

function Eligibilite({ data, go, answered }) {
  const view = data.view || {};
  const [adresse, setAdresse] = useState((view.values && view.values.adresse) || "");
  const [errors, setErrors] = useErrors(view);
  const [submit, busy] = useSubmit("eligibilite", data, answered);
  if (view.result) {
    return (
      <>
        <h1>Test d'éligibilité</h1>
        <p className="offer-type" data-testid="offer-type">
          {data.offer.title}
        </p>
        <p id="resultat" className="success">
          {view.result}
        </p>
        <p>
          <StepLink id="continuer" step="coordonnees" t={data.next} go={go}>
            Continuer
          </StepLink>
        </p>
      </>
    );
  }
  const onSubmit = (event) => {
    event.preventDefault();
    if (!adresse.trim()) return setErrors({ adresse: MSG_ADDRESS_EMPTY });
    setErrors(null);
    submit({ adresse });
  };
  return (
    <>
      <h1>Test d'éligibilité</h1>
      <p className="offer-type" data-testid="offer-type">
        {data.offer.title}
      </p>
      {view.eligibility_error && (
        <p className="error" data-testid="eligibility-error" role="alert">
          {view.eligibility_error}
        </p>
      )}
      <form onSubmit={onSubmit} noValidate>
        <Field
          id="adresse"
          label="Adresse"
          value={adresse}
          set={setAdresse}
          errors={errors}
          autoComplete="street-address"
        />
        <button type="submit" id="tester" disabled={busy}>
          Tester l'éligibilité
        </button>
      </form>
    </>
  );
}

function Coordonnees({ data, answered }) {
  const view = data.view || {};
  const values = view.values || {};
  const { choices, setChoices } = useContext(Choices);
  const [civilite, setCivilite] = useState(choices.civilite || "");
  const [nom, setNom] = useState(values.nom || "");
  const [telephone, setTelephone] = useState(values.telephone || "");
  const [email, setEmail] = useState(values.email || "");
  const [contact, setContact] = useState(choices.contact || "telephone");
  const [instructions, setInstructions] = useState(choices.instructions || "");
  const [cgv, setCgv] = useState(choices.cgv || false);
  const [errors, setErrors] = useErrors(view);
  const [submit, busy] = useSubmit("coordonnees", data, answered);
  const onSubmit = (event) => {
    event.preventDefault();
    const refused = {};
    if (!civilite) refused.civilite = MSG_TITLE_EMPTY;
    if (!nom.trim()) refused.nom = MSG_NAME_EMPTY;
    if (!cgv) refused.cgv = MSG_TERMS;
    if (Object.keys(refused).length) return setErrors(refused);
    setErrors(null);
    setChoices({ civilite, contact, instructions, cgv });
    submit({ nom, telephone, email });
  };
  return (
    <>
      <h1>Vos coordonnées</h1>
      <form onSubmit={onSubmit} noValidate>
        <label htmlFor="civilite">Civilité</label>
        <select
          id="civilite"
          name="civilite"
          value={civilite}
          onChange={(event) => setCivilite(event.target.value)}
        >
          <option value="">Choisissez…</option>
          <option value="mme">Madame</option>
          <option value="m">Monsieur</option>
        </select>
        <FieldError errors={errors} name="civilite" />
        <Field id="nom" label="Nom" value={nom} set={setNom} errors={errors} autoComplete="name" />
        <Field
          id="telephone"
          label="Téléphone (joignable en journée)"
          type="tel"
          value={telephone}
          set={setTelephone}
          errors={errors}
          autoComplete="tel"
        />
        <ChangeField
          id="email"
          label="E-mail"
          type="email"
          value={email}
          set={setEmail}
          errors={errors}
          autoComplete="email"
        />
        <fieldset>
          <legend>Être contacté</legend>
          {Object.entries(CONTACTS).map(([key, text]) => (
            <label key={key} htmlFor={`contact-${key}`}>
              <input
                type="radio"
                id={`contact-${key}`}
                name="contact"
                value={key}
                checked={contact === key}
                onChange={(event) => setContact(event.target.value)}
              />
              {text}
            </label>
          ))}
        </fieldset>
        <label htmlFor="instructions">Instructions pour le technicien (facultatif)</label>
        <textarea
          id="instructions"
          name="instructions"
          maxLength={INSTRUCTIONS_MAX}
          value={instructions}
          onChange={(event) => setInstructions(event.target.value)}
        />
        <p className="hint" id="instructions-count">
          {instructions.length} / {INSTRUCTIONS_MAX}
        </p>
        <label htmlFor="cgv">
          <input
            type="checkbox"
            id="cgv"
            name="cgv"
            checked={cgv}
            onChange={(event) => setCgv(event.target.checked)}
          />
          J'accepte les conditions de l'offre
        </label>
        <FieldError errors={errors} name="cgv" />
        <button type="submit" id="valider" disabled={busy}>
          Valider mes coordonnées
        </button>
      </form>
    </>
  );
}

// The customer's details echoed back, as a real summary and confirmation do (issue #25).
function Customer({ customer }) {
  const { nom, email, adresse } = customer || {};
  return (
    <>
      {nom && (
        <p data-testid="customer-echo">
          Bonjour {nom} ({email})
        </p>
      )}
      {adresse && <p data-testid="customer-echo">Adresse d'installation : {adresse}</p>}
    </>
  );
}

function Recapitulatif({ data, answered }) {
  const { choices } = useContext(Choices);
  const [submit, busy] = useSubmit("recapitulatif", data, answered);
  return (
    <>
      <h1>Récapitulatif</h1>
      <p data-testid="offer-type">
        {data.offer.title} — {data.offer.price}
      </p>
      <Customer customer={data.customer} />
      {choices.contact && (
        <p data-testid="contact-choice">Contact {CONTACTS[choices.contact]}</p>
      )}
      <button
        type="button"
        id="commander-plus-tard"
        disabled={busy}
        onClick={() => submit({ action: "plus-tard" })}
      >
        Commander plus tard
      </button>
      <button
        type="button"
        id="payer-maintenant"
        disabled={busy}
        onClick={() => submit({ action: "payer" })}
      >
        Payer maintenant
      </button>
      <p className="hint">
        « Commander plus tard » : le panier est envoyé au client par e-mail ; il le règle depuis
        son ordinateur.
      </p>
    </>
  );
}

// The bank details are typed in the payment provider's frame (a third origin), never in the
// app, as real payment providers do: the frame posts back a one-time reference, which the app
// submits with the step's token.
function PaymentFrame({ session, onPaid }) {
  useEffect(() => {
    const onMessage = (event) => {
      const message = event.data;
      if (event.origin !== WIDGETS || !message || message.type !== "sfr-paiement") return;
      if (typeof message.ref === "string") onPaid(message.ref);
    };
    addEventListener("message", onMessage);
    return () => removeEventListener("message", onMessage);
  }, [session]); // eslint-disable-line react-hooks/exhaustive-deps
  return (
    <iframe
      id="paiement"
      name="paiement"
      className="payment-frame"
      title="Paiement sécurisé"
      src={`${WIDGETS}/widget/paiement?s=${encodeURIComponent(session || "")}`}
    />
  );
}

function Paiement({ data, answered }) {
  const [submit] = useSubmit("paiement", data, answered);
  return (
    <>
      <h1>Paiement</h1>
      <PaymentFrame session={data.order.session} onPaid={(ref) => submit({ paiement: ref })} />
    </>
  );
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

function Confirmation({ data }) {
  return (
    <>
      <h1>{data.title}</h1>
      {data.order.status === "saved_for_later" && (
        <p className="success">Le panier a été envoyé au client par e-mail</p>
      )}
      <dl className="order">
        <dt>Numéro de commande</dt>
        <dd data-testid="order-number">{data.order.number}</dd>
        <dt>Type</dt>
        <dd data-testid="order-type">{data.offer.type}</dd>
        <dt>Date</dt>
        <dd data-testid="order-date">{data.date}</dd>
      </dl>
      <Customer customer={data.customer} />
    </>
  );
}

function Expired() {
  return (
    <>
      <h1>Lien expiré ou invalide</h1>
      <p>
        Cette étape de commande n'existe pas ou plus. Reprenez la commande depuis le lien de votre
        conseiller.
      </p>
    </>
  );
}

const STEPS = {
  offre: Offre,
  eligibilite: Eligibilite,
  coordonnees: Coordonnees,
  recapitulatif: Recapitulatif,
  paiement: Paiement,
  confirmation: Confirmation,
};

const router = createBrowserRouter([{ path: "/react/*", element: <Shop /> }]);

createRoot(document.getElementById("app")).render(<RouterProvider router={router} />);
