"""report.html: the order's story for the seller, in plain words, in one self-contained file.

Screenshots are embedded as `data:` URIs rather than linked: the seller can send or move the
one file (to the help desk, to a colleague) and it still shows everything. They are the masked
screenshots only; the support bundle's picture, which shows the customer's address, is linked
(`support/…`), never embedded, so personal data stays inside `support/`.

Everything that comes from a page (URLs, titles, step names) is untrusted: Jinja2 autoescapes
it, URLs are shown as text and never as links (a click would reach SFR outside the ACN
session), and a Content-Security-Policy forbids scripts and remote loads.

The sentences the seller reads are public, for the end page to say exactly what the report
says: `verdict_headline`, `violation_text`, `warning_text`, `attribution_lines`, `long_date`;
each takes `t`, the report's `MESSAGES` said in one language with the report's shop names.
"""

from __future__ import annotations

import base64
import contextlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from urllib.parse import urlsplit

import jinja2

from preflight.i18n import Catalogue, Lang, say
from preflight.report.dates import order_kind
from preflight.report.models import Report, ScreenshotRecord
from preflight.watch.events import Event, Violation, Warning

_WEEKDAYS = {
    "fr": ["lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"],
    "en": ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"],
}
_MONTHS = {
    "fr": [
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
        "octobre", "novembre", "décembre",
    ],
    "en": [
        "January", "February", "March", "April", "May", "June", "July", "August", "September",
        "October", "November", "December",
    ],
}  # fmt: skip

MESSAGES: Catalogue = {
    "title": {"fr": "Rapport de commande", "en": "Order report"},
    "verdict.attributed": {
        "fr": "Commande attribuée à votre session {affiliate}.",
        "en": "Order attributed to your {affiliate} session.",
    },
    "verdict.attributed.more": {
        "fr": "Rien n'a interrompu la session {affiliate} pendant la commande.",
        "en": "Nothing ended the {affiliate} session during the order.",
    },
    "verdict.at_risk": {"fr": "Commande à risque : {reason}", "en": "Order at risk: {reason}"},
    "verdict.lost": {"fr": "Commande perdue : {reason}", "en": "Order lost: {reason}"},
    "verdict.lost.more": {
        "fr": "Votre session {affiliate} a expiré : la commande sera passée directement auprès de "
        "{merchant} et ne sera pas comptabilisée pour votre rémunération.",
        "en": "Your {affiliate} session expired: the order goes to {merchant} directly and will "
        "not count towards your pay.",
    },
    "reason.no_entry": {
        "fr": "la page d'entrée {affiliate} n'a jamais été vue (aucune adresse ne correspond à "
        "order.entry) : rien ne prouve que la commande est partie du lien {affiliate}",
        "en": "the {affiliate} entry page was never seen (no address matched order.entry): nothing "
        "proves the order started from the {affiliate} link",
    },
    "reason.no_merchant": {
        "fr": "aucune page du site marchand n'a été vue pendant la session {affiliate} (aucune "
        "adresse ne correspond à order.merchant) : rien de la commande n'a été surveillé",
        "en": "no merchant page was seen inside the {affiliate} session (no address matched "
        "order.merchant): nothing of the order was watched",
    },
    "coverage": {
        "fr": "Règles qui n'ont rien reconnu pendant cette commande",
        "en": "Rules that matched nothing during this order",
    },
    "coverage.text": {
        "fr": "Un motif qui ne reconnaît aucune page ne surveille rien : vérifiez-le avec "
        "« preflight rules check ».",
        "en": "A pattern that matches no page watches nothing: check it with "
        "« preflight rules check ».",
    },
    "verdict.none": {
        "fr": "Verdict inconnu : la surveillance s'est arrêtée avant la fin de la commande.",
        "en": "No verdict: the watch stopped before the order ended.",
    },
    "incomplete": {
        "fr": "Rapport incomplet : la surveillance s'est arrêtée avant la fin normale "
        "(navigateur fermé, programme interrompu ou erreur). Les événements ci-dessous sont "
        "tous ceux vus jusque-là.",
        "en": "Incomplete report: the watch stopped before its normal end (browser closed, "
        "program interrupted or an error). The events below are all those seen until then.",
    },
    "more_points": {"fr": "(et {n} autre(s) point(s) ci-dessous)", "en": "(and {n} more below)"},
    "violations": {
        "fr": "Ce qui a mis fin à la session {affiliate}",
        "en": "What ended the {affiliate} session",
    },
    "warnings": {"fr": "Points de vigilance", "en": "Points to watch"},
    # A violation in one sentence: what, at which step of the scenario, on which page, when.
    "at.step_action": {"fr": "à l'étape {n} ({action})", "en": "at step {n} ({action})"},
    "at.step_named": {"fr": "à l'étape « {name} »", "en": "at step « {name} »"},
    "on.page_titled": {
        "fr": "sur la page « {title} » ({url})",
        "en": "on the page « {title} » ({url})",
    },
    "on.page": {"fr": "sur la page {url}", "en": "on the page {url}"},
    "at.time": {"fr": "à {time}", "en": "at {time}"},
    "step": {"fr": "étape {n} ({action})", "en": "step {n} ({action})"},
    "step_named": {"fr": "étape « {name} »", "en": "step « {name} »"},
    "violation.back": {"fr": "Retour arrière du navigateur", "en": "Browser Back"},
    "violation.forward": {"fr": "Bouton Avancer du navigateur", "en": "Browser Forward"},
    "violation.reload": {"fr": "Actualisation de la page", "en": "Page refresh"},
    "violation.customer_service": {
        "fr": "Clic sur un bouton du service client",
        "en": "Click on a customer-service button",
    },
    "violation.left_session": {
        "fr": "Site {merchant} atteint hors de la session {affiliate}",
        "en": "{merchant} site reached outside the {affiliate} session",
    },
    "warning.payment_without_order_later": {
        "fr": "paiement atteint sans passer par {order_later} (le client doit saisir "
        "ses coordonnées bancaires et finaliser la commande sur son propre ordinateur)",
        "en": "payment reached without {order_later} (the customer should type "
        "their bank details and finish the order on their own computer)",
    },
    "warning.second_merchant_tab": {
        "fr": "un second onglet {merchant} a été ouvert pendant la commande",
        "en": "a second {merchant} tab was opened during the order",
    },
    "warning.eligibility_error": {
        "fr": "le test d'éligibilité a échoué",
        "en": "the eligibility test failed",
    },
    "order": {"fr": "Votre commande", "en": "Your order"},
    "order.number": {"fr": "Numéro de commande", "en": "Order number"},
    "order.type": {"fr": "Type", "en": "Type"},
    "order.date": {"fr": "Date de la commande", "en": "Order date"},
    "unknown": {"fr": "non lu sur la page", "en": "not read from the page"},
    "validation.date": {
        "fr": "Validation par {merchant} attendue au plus tard le {date} ({days} jours ouvrés "
        "après la commande, hors week-ends et jours fériés). L'envoi n'est effectué qu'après "
        "cette validation.",
        "en": "{merchant} should validate the order by {date} ({days} French business days after "
        "the order, weekends and public holidays excluded). Shipping happens only after "
        "validation.",
    },
    "validation.no_date": {
        "fr": "Les commandes {kind} sont validées par {merchant} dans les {days} jours ouvrables "
        "après la commande ; la date de commande n'a pas pu être lue, la date exacte n'est donc "
        "pas calculée.",
        "en": "{kind} orders are validated by {merchant} within {days} business days of the order; "
        "the order date could not be read, so no exact date is computed.",
    },
    "validation.mobile": {
        "fr": "Le délai de validation des commandes mobiles n'est pas précisé. Si votre client "
        "veut d'autres cartes SIM, ne commencez la commande suivante qu'une fois la première "
        "carte SIM activée.",
        "en": "No validation delay is given for mobile orders. If your customer wants more SIM "
        "cards, start the next order only once the first SIM card is activated.",
    },
    "validation.unknown_type": {
        "fr": "Type de commande non reconnu : délai de validation non calculé ({delays}).",
        "en": "Order type not recognised: no validation date computed ({delays}).",
    },
    "validation.delay": {
        "fr": "{kind} : {days} jours ouvrables",
        "en": "{kind}: {days} business days",
    },
    "reminder.title": {
        "fr": "À faire maintenant : attribuer la commande à votre Numéro d'entreprise",
        "en": "To do now: attribute the order to your business number",
    },
    "reminder.text": {
        "fr": "Remplissez le formulaire « Confirmation {merchant} » (bouton de confirmation "
        "{merchant} de la Boutique en ligne {affiliate}, ou lien de l'e-mail de confirmation "
        "envoyé au client par {affiliate}) avec le numéro de commande, le type et la date de la "
        "commande :",
        "en": "Fill in the « Confirmation {merchant} » form ({merchant} confirmation button of "
        "the {affiliate} online shop, or the link in the confirmation e-mail {affiliate} sent the "
        "customer) with the order number, type and date:",
    },
    "support.title": {
        "fr": "Test d'éligibilité en échec : dossier pour le Service d'assistance aux EI",
        "en": "Eligibility test failed: bundle for the EI help desk",
    },
    "support.text": {
        "fr": "Vérifiez l'adresse avec votre client. Si le message apparaît encore et que vous "
        "êtes certain que la zone est admissible, envoyez au Service d'assistance aux EI le "
        "message préparé, avec la capture d'écran de l'erreur, tous deux dans le dossier "
        "« support » de ce rapport :",
        "en": "Check the address with your customer. If the message still appears and you are "
        "sure the area is eligible, send the EI help desk the prepared message with the error's "
        "screenshot, both in this report's « support » folder:",
    },
    "timeline": {"fr": "Déroulement de la commande", "en": "How the order went"},
    "col.time": {"fr": "Heure", "en": "Time"},
    "col.what": {"fr": "Ce qui s'est passé", "en": "What happened"},
    "col.page": {"fr": "Page", "en": "Page"},
    "col.screenshot": {"fr": "Capture d'écran", "en": "Screenshot"},
    "no_events": {"fr": "Aucun événement enregistré.", "en": "No event recorded."},
    "no_screenshot": {"fr": "pas de capture : {reason}", "en": "no screenshot: {reason}"},
    "masked_note": {
        "fr": "Les champs bancaires et personnels sont masqués (en rose) sur les captures.",
        "en": "Bank and personal fields are masked (pink) in the screenshots.",
    },
    "details": {"fr": "Détails techniques", "en": "Technical details"},
    "browser": {"fr": "Navigateur", "en": "Browser"},
    "rules": {"fr": "Règles", "en": "Rules"},
    "started": {"fr": "Début", "en": "Started"},
    "ended": {"fr": "Fin", "en": "Ended"},
    "events": {"fr": "Événements", "en": "Events"},
    "files": {
        "fr": "Fichiers : events.jsonl (journal), report.json (résumé), screenshots/ (captures).",
        "en": "Files: events.jsonl (log), report.json (summary), screenshots/ (pictures).",
    },
    "event.navigation.navigate": {"fr": "Ouverture d'une page", "en": "A page opened"},
    "event.navigation.back": {"fr": "Retour arrière du navigateur", "en": "Browser Back"},
    "event.navigation.forward": {"fr": "Bouton Avancer du navigateur", "en": "Browser Forward"},
    "event.navigation.reload": {"fr": "Actualisation de la page", "en": "Page refresh"},
    "event.navigation.spa_push": {"fr": "Passage à une autre étape", "en": "Moved to a step"},
    "event.navigation.spa_replace": {
        "fr": "Adresse de la page mise à jour",
        "en": "Page address updated",
    },
    "event.navigation.spa_traverse": {
        "fr": "Déplacement dans l'historique de la page",
        "en": "Moved in the page's history",
    },
    "event.navigation.fragment": {
        "fr": "Lien vers une autre partie de la page",
        "en": "Link to another part of the page",
    },
    "event.navigation": {"fr": "Changement de page", "en": "Page change"},
    "event.customer_service": {
        "fr": "Clic sur un bouton du service client",
        "en": "Click on a customer-service button",
    },
    "event.new_tab": {"fr": "Nouvel onglet ouvert", "en": "New tab opened"},
    "event.page_closed": {"fr": "Onglet fermé", "en": "Tab closed"},
    "event.acn_entry": {
        "fr": "Entrée par le lien {affiliate} : la session {affiliate} commence",
        "en": "Entered through the {affiliate} link: the {affiliate} session starts",
    },
    "event.merchant_reached": {
        "fr": "Arrivée sur le site {merchant}",
        "en": "{merchant} site reached",
    },
    "event.left_session": {
        "fr": "Site {merchant} atteint hors de la session {affiliate}",
        "en": "{merchant} site reached outside the {affiliate} session",
    },
    "event.payment_reached": {"fr": "Page de paiement atteinte", "en": "Payment page reached"},
    "event.order_later": {
        "fr": "{order_later} utilisé",
        "en": "{order_later} used",
    },
    "event.eligibility_error": {
        "fr": "Le test d'éligibilité a échoué",
        "en": "The eligibility test failed",
    },
    "event.confirmation": {"fr": "Commande confirmée", "en": "Order confirmed"},
    "event.guard": {"fr": "Protection : {what}", "en": "Guard: {what}"},
    "event.note": {"fr": "Note : {what}", "en": "Note: {what}"},
}

# `t(key, **values)`: a message of MESSAGES in the report's language.
_T = Callable[..., str]

_ENV = jinja2.Environment(
    loader=jinja2.PackageLoader("preflight.report", "templates"),
    # Always on: URLs, titles and step names come from web pages.
    autoescape=True,
    undefined=jinja2.StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
)


@dataclass
class Row:
    time: str
    text: str
    page: str
    url: str
    css: str
    pictures: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    step: str = ""


def render(report: Report, events: list[Event], folder: Path, lang: Lang) -> str:
    """The HTML page for `report`, whose events are `events` and files are in `folder`."""

    names = report.rules.names(lang)

    def t(key: str, **values: object) -> str:
        return say(MESSAGES, key, lang, **names, **values)

    by_seq = {event.seq: event for event in events}
    violations = [violation_text(v, by_seq, t) for v in report.violations]
    warnings = [warning_text(w, t) for w in report.warnings]
    return _ENV.get_template("report.html").render(
        lang=lang,
        t=t,
        report=report,
        verdict_class=report.verdict or "unknown",
        headline=verdict_headline(report, violations, warnings, t),
        more=t("verdict.lost.more")
        if report.verdict == "lost"
        else t("verdict.attributed.more")
        if report.verdict == "attributed"
        else "",
        violations=violations,
        warnings=warnings,
        order=attribution_lines(report, lang, t),
        rows=_rows(report, events, folder, t),
        started=_stamp(report.started_at),
        ended=_stamp(report.ended_at) if report.ended_at else "—",
    )


def verdict_headline(report: Report, violations: list[str], warnings: list[str], t: _T) -> str:
    """The verdict in one sentence, with its first reason (a violation, a warning, or why)."""
    if report.verdict == "attributed":
        return t("verdict.attributed")
    if report.verdict == "lost" and violations:
        extra = f" {t('more_points', n=len(violations) - 1)}" if len(violations) > 1 else ""
        return t("verdict.lost", reason=violations[0]) + "." + extra
    if report.verdict == "at_risk" and warnings:
        extra = f" {t('more_points', n=len(warnings) - 1)}" if len(warnings) > 1 else ""
        return t("verdict.at_risk", reason=warnings[0]) + "." + extra
    if report.verdict in ("lost", "at_risk"):
        key = f"reason.{report.reason_kind}"
        if key in MESSAGES:
            return t(f"verdict.{report.verdict}", reason=t(key)) + "."
        if not report.entry_seen:  # a report written before reasons were kept
            return t(f"verdict.{report.verdict}", reason=t("reason.no_entry")) + "."
        return t(f"verdict.{report.verdict}", reason=report.reason or "?")
    return t("verdict.none")


def violation_text(violation: Violation, by_seq: dict[int, Event], t: _T) -> str:
    """A violation in words, with its step, page and time when known (« Actualisation… »)."""
    event = by_seq.get(violation.event_seq)
    key = f"violation.{violation.kind}"
    parts = [t(key) if key in MESSAGES else violation.message or violation.kind]
    step = violation.step or (event.step if event else None)
    if step:
        parts.append(_step_text(step, t, "at."))
    title = event.detail.get("title") if event else None
    url = _short_url(violation.url or (event.url if event else ""))
    if title and url:
        parts.append(t("on.page_titled", title=title, url=url))
    elif title or url:
        parts.append(t("on.page", url=title or url))
    return " ".join(parts) + ", " + t("at.time", time=_time(violation.at))


# How the replayer labels an unnamed step: its number and its action (`6 click`).
_NUMBERED_STEP = re.compile(r"(\d+) ([a-z_]+)")


def _step_text(step: str, t: _T, prefix: str = "") -> str:
    """A scenario step in words: « (à l')étape 6 (click) », or « étape « payer » » by its name."""
    numbered = _NUMBERED_STEP.fullmatch(step)
    if numbered:
        return t(f"{prefix}step_action" if prefix else "step", n=numbered[1], action=numbered[2])
    return t(f"{prefix}step_named" if prefix else "step_named", name=step)


def warning_text(warning: Warning, t: _T) -> str:
    """A warning in words (« paiement sans Commander plus tard… »)."""
    key = f"warning.{warning.kind}"
    return t(key) if key in MESSAGES else warning.message or warning.kind


def attribution_lines(report: Report, lang: Lang, t: _T) -> dict[str, object] | None:
    """The number, type, date and validation sentence for SFR's form; None: no order seen."""
    order = report.order
    if order is None or not (order.number or order.type or order.date):
        return None
    kind = order_kind(order.type)
    delays = report.rules.validation_business_days
    if order.expected_validation_date and order.validation_business_days:
        validation = t(
            "validation.date",
            date=long_date(order.expected_validation_date, lang),
            days=order.validation_business_days,
        )
    elif kind is not None and kind in delays:
        validation = t("validation.no_date", kind=_KIND_LABELS.get(kind, kind), days=delays[kind])
    elif kind == "mobile":
        validation = t("validation.mobile")
    elif delays:
        told = ", ".join(
            t("validation.delay", kind=_KIND_LABELS.get(k, k), days=days)
            for k, days in delays.items()
        )
        validation = t("validation.unknown_type", delays=told)
    else:  # the rules give no delays: nothing to say about validation
        validation = ""
    return {
        "number": order.number or t("unknown"),
        "type": order.type or t("unknown"),
        "date": order.date or t("unknown"),
        "validation": validation,
    }


_KIND_LABELS = {"fibre": "Fibre", "adsl": "ADSL"}


def _rows(report: Report, events: list[Event], folder: Path, t: _T) -> list[Row]:
    flagged = {v.event_seq: "violation" for v in report.violations}
    flagged.update({w.event_seq: "warning" for w in report.warnings if w.event_seq not in flagged})
    shots: dict[int, list[ScreenshotRecord]] = {}
    for record in report.screenshots:
        shots.setdefault(record.event_seq, []).append(record)
    rows = []
    for event in events:
        row = Row(
            time=_time(event.at),
            text=_event_text(event, t),
            page=_page_label(event) or "",
            url=event.url,
            step=_step_text(event.step, t) if event.step else "",
            css=flagged.get(event.seq, "ok" if event.kind in _GOOD else "info"),
        )
        for record in shots.get(event.seq, []):
            picture = _data_uri(folder, record.path) if record.path else None
            if picture:
                row.pictures.append(picture)
            else:
                row.missing.append(t("no_screenshot", reason=record.reason or "?"))
        rows.append(row)
    return rows


_GOOD = {"acn_entry", "order_later", "confirmation"}


def _event_text(event: Event, t: _T) -> str:
    if event.kind == "navigation":
        key = f"event.navigation.{event.nav}"
        # Kinds added to the vocabulary later still get a sentence, a generic one.
        return t(key if key in MESSAGES else "event.navigation")
    if event.kind in ("guard", "note"):
        what = event.detail.get("message") or event.detail.get("action") or ""
        return t(f"event.{event.kind}", what=what).rstrip(" :")
    key = f"event.{event.kind}"
    return t(key) if key in MESSAGES else event.kind


def _page_label(event: Event) -> str | None:
    """The page, as a person recognises it: its title, else its host and path (never the step:
    a step is not a page)."""
    return event.detail.get("title") or _short_url(event.url) or None


def _short_url(url: str) -> str:
    """Host and path: what a person recognises, without the query noise."""
    with contextlib.suppress(ValueError):
        parts = urlsplit(url)
        if parts.netloc:
            return parts.netloc + parts.path
    return url


def _data_uri(folder: Path, relative: str) -> str | None:
    path = folder / relative
    try:
        data = path.read_bytes()
    except OSError:
        return None
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


def _time(at: datetime) -> str:
    return at.astimezone().strftime("%H:%M:%S")


def _stamp(at: datetime) -> str:
    return at.astimezone().strftime("%d/%m/%Y %H:%M:%S")


def long_date(day: date, lang: Lang) -> str:
    """« mardi 3 mars 2026 », « Tuesday 3 March 2026 »."""
    weekday = _WEEKDAYS[lang][day.weekday()]
    month = _MONTHS[lang][day.month - 1]
    return f"{weekday} {day.day} {month} {day.year}"
