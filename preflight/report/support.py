"""R7's support bundle: what the EI help desk needs when the eligibility test fails.

The seed: « Si l'adresse de votre client ne passe pas le test d'éligibilité, vérifiez l'adresse
et, si le message apparaît encore […], adressez-vous au Service d'assistance aux EI en
fournissant l'adresse de service et le numéro de téléphone ainsi qu'une capture d'écran du
message d'erreur. » This module reads those from the page and writes the message, in French
(the help desk's language) whatever the report's language. It is the one place where the
customer's address and phone are written down, inside the report's `support/` folder.
"""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from pydantic import BaseModel

from preflight._playwright import playwright_error

if TYPE_CHECKING:
    from playwright.sync_api import Page

FOLDER = "support"
MESSAGE_FILE = "demande-assistance.txt"
DATA_FILE = "support.json"
TO_COMPLETE = "……………… (à compléter)"
# The help desk needs the error once or twice; a page that shows and hides it in a loop made
# one bundle each — a screenshot and the address and phone read again (issue #25).
MAX_ATTEMPTS = 5


class Attempt(BaseModel):
    """One failed eligibility test."""

    number: int
    at: datetime
    url: str
    address: str | None
    phone: str | None
    error_text: str | None
    screenshot: str | None
    no_screenshot_reason: str | None = None


class SupportBundle(BaseModel):
    attempts: list[Attempt] = []


def read_field(page: Page, selector: str | None, timeout_ms: float) -> str | None:
    """The value typed in the field `selector`, or None when it cannot be read."""
    if not selector:
        return None
    try:
        value = page.locator(selector).first.input_value(timeout=timeout_ms)
    except playwright_error():  # the page may be gone: the seller then types it in the message
        return None
    return value.strip() or None


def read_error(page: Page, selectors: list[str], timeout_ms: float) -> str | None:
    """The text of the eligibility error as the page shows it."""
    for selector in selectors:
        try:
            locator = page.locator(selector).first
            if locator.count():
                text = " ".join(locator.inner_text(timeout=timeout_ms).split())
                if text:
                    return text
        except playwright_error():  # no text is no reason to lose the rest of the bundle
            continue
    return None


def _when(at: datetime) -> str:
    local = at.astimezone()
    return f"{local:%d/%m/%Y} à {local:%H:%M:%S}"


def message(bundle: SupportBundle, merchant: str = "SFR", affiliate: str = "ACN") -> str:
    """The French message for the EI help desk, ready to send, from every attempt so far; the
    shop named as the rules name it (`[shop]`)."""
    last = bundle.attempts[-1]
    pictures = [a.screenshot for a in bundle.attempts if a.screenshot]
    lines = [
        f"Le test d'éligibilité {merchant} échoue pour l'adresse de mon client, alors que la "
        f"zone me",
        f"semble admissible au service {merchant}. Voici les éléments demandés :",
        "",
        f"Adresse de service : {last.address or TO_COMPLETE}",
        f"Téléphone joignable en journée : {last.phone or TO_COMPLETE}",
        f"Nom du client : {TO_COMPLETE}",
        f"Date et heure du test : {_when(last.at)}",
        f"Message d'erreur affiché : {_quoted(last.error_text)}",
        f"Page : {last.url or 'inconnue'}",
        "Capture(s) d'écran du message d'erreur : "
        + (", ".join(pictures) if pictures else "aucune n'a pu être prise — à joindre"),
    ]
    if len(bundle.attempts) > 1:
        lines += ["", f"Le test a échoué {len(bundle.attempts)} fois :"]
        for attempt in bundle.attempts:
            lines.append(
                f"  {attempt.number}. {_when(attempt.at)} — adresse : "
                f"{attempt.address or 'non relevée'} — message : {_quoted(attempt.error_text)}"
            )
    todo = [
        "- Vérifiez l'adresse avec votre client et refaites le test d'éligibilité.",
        "- Si le message apparaît encore et que vous êtes certain que la zone est admissible au",
        f"  service {merchant}, envoyez ce message au Service d'assistance aux EI avec la ou les",
        "  captures d'écran de ce dossier en pièce jointe.",
    ]
    subject = f"Test d'éligibilité {merchant} en échec — demande d'assistance"
    return _letter(todo, subject, lines, affiliate)


INCIDENT_FILES = {
    "lost": "demande-assistance-session-perdue.txt",
    "payment": "demande-assistance-paiement.txt",
}


def incident_message(
    kind: str,
    *,
    at: datetime,
    url: str,
    what: str,
    pictures: list[str],
    merchant: str = "SFR",
    affiliate: str = "ACN",
) -> str:
    """The French message for the EI help desk when the session was lost (`lost`) or the
    customer paid on the spot (`payment`): what happened, when, where, which screenshots of the
    report show it; the customer's name, address and phone are for the seller to complete."""
    if kind == "lost":
        todo = [
            "- N'envoyez ce message que si la commande a déjà été passée. Sinon, abandonnez ce",
            f"  panier et recommencez depuis le lien {affiliate}.",
            "- Envoyez-le AVANT que le client ne reçoive l'e-mail de confirmation. Après, c'est",
            f"  le client qui contacte {merchant} (lien de l'e-mail de confirmation, ou le 1023",
            "  pour SFR).",
        ]
        subject = f"Commande {merchant} : session {affiliate} interrompue — demande d'assistance"
        body = [
            f"La session {affiliate} de la commande de mon client a été interrompue pendant la",
            f"commande ({what or 'voir les captures'}). Je vous demande de rattacher la commande à",
            "mon Numéro d'entreprise. Voici les éléments demandés :",
        ]
    else:
        todo = [
            "- N'envoyez ce message que si le paiement a été rejeté.",
            "- La prochaine fois, utilisez « Commander plus tard » : le client paie depuis son",
            "  propre ordinateur.",
        ]
        subject = f"Commande {merchant} : paiement rejeté — demande d'assistance"
        body = [
            f"Le paiement de la commande {merchant} de mon client a été rejeté. Voici les éléments",
            "demandés :",
        ]
    todo.append("- Joignez les captures d'écran indiquées ci-dessous (dossier du rapport).")
    shots = ", ".join(f"../{p}" for p in pictures) if pictures else "aucune — à joindre"
    details = [
        "",
        f"Nom du client : {TO_COMPLETE}",
        f"Adresse de service : {TO_COMPLETE}",
        f"Téléphone fixe : {TO_COMPLETE}",
        f"Date et heure : {_when(at)}",
        f"Page : {url or 'inconnue'}",
        f"Capture(s) d'écran : {shots}",
    ]
    return _letter(todo, subject, body + details, affiliate)


def _letter(todo: list[str], subject: str, body: list[str], affiliate: str) -> str:
    """A message for the EI help desk: what to do before sending it, then the letter itself,
    signed with the seller's business number still to complete."""
    lines = [
        "À FAIRE AVANT D'ENVOYER (à supprimer du message) :",
        *todo,
        "",
        "------------------------------------------------------------------------",
        f"Objet : {subject}",
        "",
        "Bonjour,",
        "",
        *body,
        "",
        f"Mon Numéro d'entreprise {affiliate} : {TO_COMPLETE}",
        "",
        "Cordialement,",
        "",
    ]
    return "\n".join(lines)


def _quoted(text: str | None) -> str:
    return f"« {text} »" if text else "non relevé (voir la capture d'écran)"
