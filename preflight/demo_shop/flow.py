"""The SFR order flow itself: the offers, the steps, and what each step's form accepts.

Both modes (multi-page and single-page) submit through `submit()`, so they validate alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

PARIS = ZoneInfo("Europe/Paris")

STEPS = ("offre", "eligibilite", "coordonnees", "recapitulatif", "paiement", "confirmation")
FORM_STEPS = ("eligibilite", "coordonnees", "recapitulatif", "paiement")
Step = Literal["offre", "eligibilite", "coordonnees", "recapitulatif", "paiement", "confirmation"]


@dataclass(frozen=True)
class Offer:
    key: str
    type: str  # « Fibre », « ADSL », « Mobile »: the order type the EI reports to ACN
    title: str
    price: str
    eligible: str  # the eligibility result, in correct French


OFFERS: dict[str, Offer] = {
    "fibre": Offer("fibre", "Fibre", "Box Fibre SFR", "30,99 € / mois", "Éligible à la Fibre"),
    "adsl": Offer("adsl", "ADSL", "Box ADSL SFR", "25,99 € / mois", "Éligible à l'ADSL"),
    "mobile": Offer(
        "mobile", "Mobile", "Forfait Mobile SFR", "15,99 € / mois", "Éligible au Mobile"
    ),
}

# The boutique's link texts, one per offer.
ORDER_LINK_TEXTS = {
    "fibre": "Commander la Fibre",
    "adsl": "Commander l'ADSL (Box)",
    "mobile": "Commander le Mobile",
}

MSG_ADDRESS_EMPTY = "Veuillez saisir une adresse"
MSG_NOT_ELIGIBLE = "Votre adresse n'est pas éligible à cette offre."
MSG_NAME_EMPTY = "Veuillez saisir votre nom"
MSG_PHONE = "Numéro de téléphone invalide"
MSG_EMAIL = "Adresse e-mail invalide"
# Set by the shop itself (never taken from the form) once the payment form's own server vouched
# for the payment reference the page submitted: the bank details never reach the shop.
PAID_BY_PROVIDER = "paiement_valide"
MSG_IBAN = "IBAN invalide"
MSG_CARD = "Numéro de carte invalide"

_PHONE = re.compile(r"(?:0[1-9]|\+33[1-9])\d{8}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
_FR_IBAN = re.compile(r"FR\d{2}[0-9A-Z]{23}")
_NOT_ELIGIBLE = re.compile(r"zone\s+blanche|\b99999\b", re.IGNORECASE)


def is_eligible(address: str) -> bool:
    """« zone blanche » (any case) and the postcode 99999 are not covered."""
    return _NOT_ELIGIBLE.search(address) is None


def is_french_phone(phone: str) -> bool:
    """0X XX XX XX XX or +33 X XX XX XX XX; spaces and dots allowed."""
    return _PHONE.fullmatch(re.sub(r"[ .]", "", phone.strip())) is not None


def is_iban(iban: str) -> bool:
    """A French IBAN: FRkk + 23 characters, whose ISO 13616 check (mod 97) holds."""
    compact = re.sub(r"\s", "", iban).upper()
    if _FR_IBAN.fullmatch(compact) is None:
        return False
    rearranged = compact[4:] + compact[:4]
    digits = "".join(str(int(c, 36)) for c in rearranged)
    return int(digits) % 97 == 1


def is_card_number(card: str) -> bool:
    """Optional field: empty, or 12 to 19 digits passing Luhn's check."""
    compact = re.sub(r"[ -]", "", card)
    if not compact:
        return True
    if not compact.isdigit() or not 12 <= len(compact) <= 19:
        return False
    total = 0
    for i, c in enumerate(reversed(compact)):
        d = int(c) * (2 if i % 2 else 1)
        total += d - 9 if d > 9 else d
    return total % 10 == 0


def today_paris() -> str:
    return datetime.now(PARIS).strftime("%d/%m/%Y")


_MONTHS = (
    "janvier", "février", "mars", "avril", "mai", "juin",
    "juillet", "août", "septembre", "octobre", "novembre", "décembre",
)  # fmt: skip
_WEEKDAYS = ("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche")


def date_in_words(day: str) -> str:
    """« 07/12/2026 » as a French page writes it in a sentence: « lundi 7 décembre 2026 »."""
    when = datetime.strptime(day, "%d/%m/%Y")
    return f"{_WEEKDAYS[when.weekday()]} {when.day} {_MONTHS[when.month - 1]} {when.year}"


@dataclass(frozen=True)
class Outcome:
    """Where a submission leads: the next page's step and what it shows."""

    step: str
    view: dict[str, Any] = field(default_factory=dict)
    event: str | None = None
    status: Literal["saved_for_later", "paid"] | None = None
    ok: bool = True
    # Payment returns through a redirect, as a payment provider's return URL does.
    via_redirect: bool = False
    # What the step learnt of the customer, that the summary and confirmation echo (as real
    # shops do: « Bonjour <name> », the service address): `nom`, `email`, `adresse`.
    customer: dict[str, str] = field(default_factory=dict)


def submit(step: str, offer: Offer, form: Mapping[str, str]) -> Outcome:
    """Validate one step's form. Errors lead back to the same step (a new token), with the
    message and the typed values; they never end the ACN session."""
    if step == "eligibilite":
        address = form.get("adresse", "").strip()
        if not address:
            return _error(step, {"adresse": MSG_ADDRESS_EMPTY}, {"adresse": ""})
        if not is_eligible(address):
            return Outcome(
                step,
                {"eligibility_error": MSG_NOT_ELIGIBLE, "values": {"adresse": address}},
                event="not_eligible",
                ok=False,
            )
        return Outcome(
            step, {"result": offer.eligible}, event="eligible", customer={"adresse": address}
        )
    if step == "coordonnees":
        values = {k: form.get(k, "").strip() for k in ("nom", "telephone", "email")}
        if "email_saisi" in form:
            # The multi-page form sends the address its `change` handler copied (a browser
            # that never fires `change` sends it empty); a bare POST sends `email` only.
            values["email"] = form.get("email_saisi", "").strip()
        errors = {}
        if not values["nom"]:
            errors["nom"] = MSG_NAME_EMPTY
        if not is_french_phone(values["telephone"]):
            errors["telephone"] = MSG_PHONE
        if not _EMAIL.fullmatch(values["email"]):
            errors["email"] = MSG_EMAIL
        if errors:
            return _error(step, errors, values)
        echoed = {"nom": values["nom"], "email": values["email"]}
        return Outcome("recapitulatif", event="details_given", customer=echoed)
    if step == "recapitulatif":
        if form.get("action") == "plus-tard":
            return Outcome("confirmation", event="saved_for_later", status="saved_for_later")
        return Outcome("paiement", event="payment_chosen")
    if step == "paiement":
        if form.get(PAID_BY_PROVIDER) == "1":
            return Outcome("confirmation", event="paid", status="paid", via_redirect=True)
        # Bank details are checked, never kept: the error page re-displays nothing typed.
        errors = {}
        if not is_iban(form.get("iban", "")):
            errors["iban"] = MSG_IBAN
        if not is_card_number(form.get("carte", "")):
            errors["carte"] = MSG_CARD
        if errors:
            return _error(step, errors, {})
        return Outcome("confirmation", event="paid", status="paid", via_redirect=True)
    raise ValueError(f"no form on step {step!r}")


def _error(step: str, errors: dict[str, str], values: dict[str, str]) -> Outcome:
    return Outcome(
        step, {"field_errors": errors, "values": values}, event="validation_error", ok=False
    )
