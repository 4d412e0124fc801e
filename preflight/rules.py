"""Site-specific knowledge, as data: what a rules file (TOML) may say, and its one loader.

Everything that depends on the merchant's site — where an order must start, which pages are the
merchant's, where login state lives, what a customer-service element looks like, which fields
hold bank details — lives in a rules file, so a change on the site is a rules change, not a code
change. Two files ship: `default` (ACN × SFR) and `demo` (the local demo shop).

Strings may hold `${NAME}` placeholders, filled from the file's own `[vars]` table, then from
`PREFLIGHT_NAME` environment variables, then from `variables=` given to `load_rules` (last wins).
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any, Literal, get_args

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    PrivateAttr,
    ValidationError,
    field_validator,
    model_validator,
)

from preflight._validation import Vars, dotted, said
from preflight._validation import expected as validation_expected
from preflight.errors import RulesError
from preflight.families import Family
from preflight.globs import matches_no_address, normalise_glob, url_matches
from preflight.i18n import Lang, say, shop_names
from preflight.variables import PLACEHOLDER, placeholder_expected

BUILTIN = {"default": "default_rules.toml", "demo": "demo_shop/demo_rules.toml"}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# What kind of value a key takes, as docs/rules.md and `preflight rules show` say.
Kind = Literal[
    "URL glob",
    "URL",
    "Playwright selector",
    "visible text",
    "domain",
    "name",
    "browser family",
    "version table",
    "number",
    "text",
    "page name",
    "regular expression",
    "table",
]


def _key(default: Any, what: str, kind: Kind, example: Any, **kwargs: Any) -> Any:
    """A documented key: `what` it means, the `kind` of value, an `example` (docs/rules.md,
    `rules show`); a test fails when one key of the model is missing from docs/rules.md."""
    return Field(
        default, description=what, json_schema_extra={"kind": kind, "example": example}, **kwargs
    )


# Every key that takes URL globs, as (table, key): normalised at load time, counted by coverage.
URL_GLOB_KEYS: tuple[tuple[str, str], ...] = (
    ("order", "entry"),
    ("order", "merchant"),
    ("order", "payment"),
    ("order", "confirmation"),
    ("customer_service", "urls"),
)


def _globs(value: Any) -> Any:
    if not isinstance(value, list):
        return value
    read = [normalise_glob(v) if isinstance(v, str) else v for v in value]
    for glob in read:
        if isinstance(glob, str) and matches_no_address(glob):
            raise ValueError(
                f"{glob!r} matches no address: a URL glob matches the whole address, scheme "
                f"included — write '*://{glob}/*' for a host, '*{glob}*' for any address "
                f"holding it, or '/{glob}/' for a path"
            )
    return read


def _step_globs(value: Any) -> Any:
    """`order.steps`' keys are URL globs: read as the other globs are, each name plain text."""
    if not isinstance(value, Mapping):
        return value
    read: dict[Any, Any] = {}
    for glob, name in value.items():
        (normalised,) = _globs([glob])
        if isinstance(name, str):
            name = " ".join(name.split())
            if not name or len(name) > STEP_NAME_MAX or any(c in name for c in "<>"):
                raise ValueError(
                    f"{glob!r}: the page's name must be 1 to {STEP_NAME_MAX} characters of "
                    "plain text (no < or >)"
                )
        read[normalised] = name
    return read


STEP_NAME_MAX = 60
# What a page's visible text may be searched with: the probe runs these in the page (JavaScript
# `RegExp`, flag `i`) and Python checks them here, so only what both dialects read alike is
# allowed — no `(?P…)`, no inline flags, no `\A`/`\Z`.
PATTERN_MAX = 500
_NOT_JS = re.compile(r"\\[AZz]|\(\?P<|\(\?[aiLmsux-]+[):]|\(\?#|\(\?>|[*+?}]\+")


def _patterns(value: Any) -> Any:
    """Patterns whose first group is the value read (`order_number_text`…)."""
    return _checked_patterns(value, group=True)


def _checked_patterns(value: Any, *, group: bool) -> Any:
    if not isinstance(value, list):
        return value
    for pattern in value:
        if not isinstance(pattern, str):
            continue
        if not pattern or len(pattern) > PATTERN_MAX:
            raise ValueError(f"a pattern must be 1 to {PATTERN_MAX} characters")
        if _NOT_JS.search(pattern):
            # The pattern is not quoted: `(?P<…` reads as an address's query to the CLI's
            # redaction; the key and line say which one it is.
            raise ValueError(
                "a pattern uses syntax only Python reads (Python's named groups, inline flags, "
                "\\A or \\Z, atomic groups or possessive quantifiers): the page's JavaScript "
                "reads it too"
            )
        try:
            compiled = re.compile(pattern, re.IGNORECASE)
        except re.error as error:
            raise ValueError(f"{pattern!r} is not a regular expression ({error})") from None
        if group and compiled.groups < 1:
            raise ValueError(
                f"{pattern!r} has no group: its first group (…) is the value that is read"
            )
    if len(value) > 20:
        raise ValueError("at most 20 patterns")
    return value


class BrowserRules(_Model):
    """Which browsers may take the order (R1)."""

    allowed: list[Family] = _key(
        ["chrome", "firefox"],
        "browser families `preflight check` accepts; any other fails the check",
        "browser family",
        ["chrome", "firefox"],
    )
    min_major: dict[str, int] = _key(
        {"chrome": 120, "firefox": 128},
        "oldest major version per family; older ones are flagged as outdated (a warning)",
        "version table",
        {"chrome": 120, "firefox": 128},
    )
    # Firefox ESR majors still supported by Mozilla: the user agent has no ESR marker, so a
    # current ESR must not be flagged as outdated (browser-update/browser-update#561).
    firefox_esr_majors: list[int] = _key(
        [115, 128, 140, 153],
        "Firefox ESR majors still supported: never flagged as outdated (the user agent has no "
        "ESR marker)",
        "number",
        [128, 140],
    )


def _shown_patterns(value: Any) -> Any:
    """Patterns a page's text must match (no group needed: nothing is read from them)."""
    return _checked_patterns(value, group=False)


# A selector the page matches itself (the probe's `Element.matches`) must be CSS: Playwright's
# own engines (`text=`, `role=`, `xpath=`, `>>` chains, `:has-text()`…) are not the page's.
_NOT_CSS = re.compile(
    r"^\s*(?:[a-z][a-z0-9_-]*=|//|\.\.)|>>|:visible\b|:(?:has-text|text|text-is|"
    r"text-matches|nth-match|left-of|right-of|above|below|near)\(|\binternal:",
    re.IGNORECASE,
)
SUBMIT_TEXT_MAX = 80  # the probe's longest control text (probe.js `SHORT`): longer never matches


class ConfirmationState(_Model):
    """A confirmation that is a state of the page, not an address (a store that empties its
    cart and shows a message in place): believed only after a trusted click on its `submit`
    control, when Playwright itself then finds its `selector` and its `text` (issue #27)."""

    submit: list[str] = _key(
        [],
        "the control whose click places the order, by CSS selector (the page's probe matches "
        "the clicked element: Playwright-only selectors such as `text=` are refused); only a "
        "person's click counts (a page's script cannot click for the customer)",
        "Playwright selector",
        ["#place-order"],
    )
    submit_text: list[str] = _key(
        [],
        "as `submit`, by the control's visible text (as `order.order_later`)",
        "visible text",
        ["Valider ma commande"],
    )
    selector: str | None = _key(
        None,
        "what appears once the order is placed: an element that must be visible, found by "
        "Playwright after the click",
        "Playwright selector",
        "[data-testid=order-placed]",
    )
    text: list[str] = _key(
        [],
        "what the page says once the order is placed: one of these patterns must match its "
        "visible text (spaces made single, case ignored), read by Playwright after the click; "
        "with `selector` too, both must hold",
        "regular expression",
        [r"commande\s+(?:est\s+)?enregistr[ée]e"],
    )
    within: float = _key(
        10.0,
        "seconds after the click within which the state must appear; what appears later, or was "
        "already shown when the control was clicked, confirms nothing",
        "number",
        10,
        ge=0.5,
        le=60,
    )

    @field_validator("submit", mode="before")
    @classmethod
    def _css_only(cls, value: Any) -> Any:
        for selector in value if isinstance(value, list) else []:
            if isinstance(selector, str) and (not selector.strip() or _NOT_CSS.search(selector)):
                raise ValueError(
                    f"{selector!r} is not a CSS selector: the page matches the clicked control "
                    "with CSS — write a CSS selector (#id, .class, [attribute]), or give the "
                    "control's text in submit_text"
                )
        return value

    @field_validator("submit_text", mode="before")
    @classmethod
    def _short_texts(cls, value: Any) -> Any:
        for text in value if isinstance(value, list) else []:
            if isinstance(text, str) and not 0 < len(" ".join(text.split())) <= SUBMIT_TEXT_MAX:
                raise ValueError(
                    f"{text[:40]!r}: a control's text must be 1 to {SUBMIT_TEXT_MAX} characters "
                    "(a longer one is never matched)"
                )
        return value

    _text_patterns = field_validator("text", mode="before")(_shown_patterns)

    @model_validator(mode="after")
    def _complete(self) -> ConfirmationState:
        if not (self.submit or self.submit_text):
            raise ValueError(
                "a state confirmation needs submit or submit_text: the control whose click "
                "places the order (what appears without that click confirms nothing)"
            )
        if self.selector is None and not self.text:
            raise ValueError(
                "a state confirmation needs selector or text: what appears once the order is placed"
            )
        return self


class OrderRules(_Model):
    """Where the order starts, which pages are the merchant's, and its milestones (R4–R8, R11)."""

    entry: list[str] = _key(
        ...,
        "where an order must start: the ACN link's pages. A run that never loads one is "
        "at_risk (nothing proves the attribution)",
        "URL glob",
        ["https://www.myacn.eu/*"],
        min_length=1,
    )
    merchant: list[str] = _key(
        ...,
        "the merchant's order site: Back, Forward and Refresh are violations only on these "
        "pages, and an order is attributed only once one of them was seen inside the ACN "
        "session",
        "URL glob",
        ["https://*.sfr.fr/*"],
        min_length=1,
    )
    session_param: str | None = _key(
        None,
        "query parameter that carries the ACN session on the merchant's side (kept in the "
        "report's URLs; every other query value is masked)",
        "name",
        "acn",
    )
    session_cookie: str | None = _key(
        None,
        "cookie that carries the ACN session: its disappearance during the order ends it",
        "name",
        "sfr_acn",
    )
    payment: list[str] = _key(
        [],
        "the payment page: reaching it without « Commander plus tard » is a warning (R8)",
        "URL glob",
        ["https://*.sfr.fr/*paiement*"],
    )
    order_later: list[str] = _key(
        [],
        "the « order later » control, by its visible text (R8)",
        "visible text",
        ["Commander plus tard"],
    )
    eligibility_error: list[str] = _key(
        [],
        "the failed eligibility test's message: when shown, a support bundle is written (R7)",
        "Playwright selector",
        ["[data-testid=eligibility-error]"],
    )
    confirmation: list[str] = _key(
        [],
        "the confirmation page: the order is placed, the session's rules stop there (a "
        "confirmation without an address of its own: `confirmation_state`)",
        "URL glob",
        ["https://*.sfr.fr/*confirmation*"],
    )
    confirmation_state: ConfirmationState | None = _key(
        None,
        "a confirmation that is a state of the page, with or without `confirmation`: the order "
        "is placed when a person's click on its `submit` control is followed by its `selector` "
        "or `text` appearing (the keys below); number, type and date are then read as on a "
        "confirmation page",
        "table",
        {"submit": ["#place-order"], "selector": "[data-testid=order-placed]"},
    )
    order_number: str | None = _key(
        None,
        "on the confirmation page, the element holding the order number (R11)",
        "Playwright selector",
        "[data-testid=order-number]",
    )
    order_type: str | None = _key(
        None,
        "on the confirmation page, the element holding the offer (Fibre, ADSL, mobile)",
        "Playwright selector",
        "[data-testid=order-type]",
    )
    order_date: str | None = _key(
        None,
        "on the confirmation page, the element holding the order date",
        "Playwright selector",
        "[data-testid=order-date]",
    )
    order_number_text: list[str] = _key(
        [],
        "on the confirmation page, when `order_number` is not set or finds nothing: patterns "
        "tried in turn on the page's visible text (spaces made single, case ignored); the "
        "first group of the first match is the order number. Only what they match leaves the "
        "page",
        "regular expression",
        [r"commande\s*n°\s*:?\s*([A-Z0-9-]{4,40})"],
    )
    order_type_text: list[str] = _key(
        [],
        "as `order_number_text`, for the offer (« Fibre », « ADSL », « Box 5G », « Forfait "
        "mobile »: the validation date's kind is read from it)",
        "regular expression",
        [r"offre\s*:\s*(fibre|adsl|forfait mobile)"],
    )
    order_date_text: list[str] = _key(
        [],
        "as `order_number_text`, for the order date (« 7 décembre 2026 », « 07/12/2026 »)",
        "regular expression",
        [r"date\s*:\s*(\d{1,2}/\d{1,2}/\d{4})"],
    )
    steps: dict[str, str] = _key(
        {},
        "the order's pages by name: the first URL glob that matches the page shown names its "
        "step in the live panel, the terminal and the report (the seller's language: the "
        "shop's); a page none matches is named by its address's last path segment",
        "page name",
        {"*eligibilit*": "Test d'éligibilité", "*paiement*": "Paiement"},
    )

    _url_globs = field_validator("entry", "merchant", "payment", "confirmation", mode="before")(
        _globs
    )
    _text_patterns = field_validator(
        "order_number_text", "order_type_text", "order_date_text", mode="before"
    )(_patterns)
    _steps_read = field_validator("steps", mode="before")(_step_globs)


class MerchantSessionRules(_Model):
    """Where the merchant keeps login state, to find and close an open session (R3)."""

    domains: list[str] = _key(
        ...,
        "domains whose cookies and storage hold the merchant's login",
        "domain",
        ["sfr.fr"],
        min_length=1,
    )
    account_url: str = _key(
        ...,
        "the customer-account page `preflight check` opens to see whether someone is logged in",
        "URL",
        "https://www.sfr.fr/mon-espace-client/",
    )
    login_cookies: list[str] = _key(
        [], "cookies present only when logged in", "name", ["sfr_login"]
    )
    logged_in: str | None = _key(
        None,
        "on the account page, an element present only when logged in",
        "Playwright selector",
        "[data-testid=account-logged-in]",
    )
    logged_out: str | None = _key(
        None,
        "on the account page, an element present only when logged out",
        "Playwright selector",
        "[data-testid=account-logged-out]",
    )


class CustomerServiceRules(_Model):
    """What customer service looks like: a click on any of these during the order ends the
    session (R6)."""

    selectors: list[str] = _key(
        [], "customer-service buttons and links", "Playwright selector", ["#chat"]
    )
    texts: list[str] = _key(
        [],
        "visible texts of customer-service buttons and links (a clicked element whose text "
        "is one of these)",
        "visible text",
        ["Service client"],
    )
    urls: list[str] = _key(
        [],
        "customer-service pages and links (`tel:` links too): following a link to one, or "
        "loading one, during the order ends the session",
        "URL glob",
        ["*/assistance/*", "tel:*"],
    )

    _url_globs = field_validator("urls", mode="before")(_globs)


class PrivacyRules(_Model):
    """Fields whose values must never be recorded."""

    # Bank details: never recorded, masked in every screenshot.
    sensitive: list[str] = _key(
        [],
        "bank-detail fields: never recorded, masked in every screenshot, scrubbed from traces",
        "Playwright selector",
        ["input[autocomplete^=cc-]"],
    )
    # Name, address, phone, email: only in the support bundle.
    personal: list[str] = _key(
        [],
        "personal fields (name, address, phone, email): masked everywhere but the support bundle",
        "Playwright selector",
        ["input[type=email]"],
    )
    address: str | None = _key(
        None, "the address field the support bundle quotes (R7)", "Playwright selector", "#adresse"
    )
    phone: str | None = _key(
        None, "the phone field the support bundle quotes (R7)", "Playwright selector", "#telephone"
    )


class Texts(_Model):
    """A text in both of preflight's languages (a rules file gives both; English stands in for
    any other language). The seed's texts are catalogue messages, said in any language."""

    fr: str = Field(min_length=1)
    en: str = Field(min_length=1)
    _key: str | None = PrivateAttr(None)

    def __call__(self, lang: Lang) -> str:
        if self._key is not None:
            return say(self._key, lang)
        return self.fr if lang == "fr" else self.en


def _texts(key: str) -> Texts:
    """The seed's text `key` of the catalogues (`checklist.…`)."""
    texts = Texts(fr=say(key, "fr"), en=say(key, "en"))
    texts._key = key
    return texts


class ChecklistItem(_Model):
    """One item of the seller's manual checklist (`[[shop.checklist]]`)."""

    id: str = _key(
        ...,
        "the item's id in `preflight check`'s results (letters, digits, _)",
        "name",
        "offers_explained",
        pattern=r"^[a-z][a-z0-9_]*$",
    )
    question: Texts = _key(
        ...,
        "the question `preflight check` asks the seller, in French and English",
        "text",
        {"fr": "Avez-vous présenté les offres ?", "en": "Have you told about the offers?"},
    )
    done: Texts = _key(
        ...,
        "the check's message when the seller answered yes",
        "text",
        {"fr": "Offres présentées.", "en": "Offers told."},
    )
    todo: Texts = _key(
        ...,
        "the check's message when the answer was no or not asked (a warning)",
        "text",
        {"fr": "À faire : présenter les offres.", "en": "To do: tell about the offers."},
    )
    answer: Literal["yes_no", "french_phone"] = _key(
        "yes_no",
        "what answers the item: yes or no, or a French phone number, checked and never kept "
        "(only that a valid one was given)",
        "name",
        "french_phone",
    )


# The seed's manual items (« aide-mémoire »), asked before each SFR order.
SEED_CHECKLIST: tuple[ChecklistItem, ...] = (
    ChecklistItem(
        id="offers_explained",
        question=_texts("checklist.offers_explained.question"),
        done=_texts("checklist.offers_explained.done"),
        todo=_texts("checklist.offers_explained.todo"),
    ),
    ChecklistItem(
        id="installation_explained",
        question=_texts("checklist.installation_explained.question"),
        done=_texts("checklist.installation_explained.done"),
        todo=_texts("checklist.installation_explained.todo"),
    ),
    ChecklistItem(
        id="daytime_phone_given",
        question=_texts("checklist.daytime_phone_given.question"),
        done=_texts("checklist.daytime_phone_given.done"),
        todo=_texts("checklist.daytime_phone_given.todo"),
        answer="french_phone",
    ),
    ChecklistItem(
        id="customer_computer",
        question=_texts("checklist.customer_computer.question"),
        done=_texts("checklist.customer_computer.done"),
        todo=_texts("checklist.customer_computer.todo"),
    ),
)


class ShopRules(_Model):
    """Who the order is for, as the seller's messages and reports name them, and the seller's
    manual checklist. Without this table: the seed's (SFR, ACN, its four items)."""

    merchant_name: str = _key(
        "SFR",
        "the merchant's name, as messages and reports say it (« No SFR session »)",
        "text",
        "SFR",
        min_length=1,
    )
    affiliate_name: str = _key(
        "ACN",
        "the affiliate's name, whose session the order must stay in (« the ACN session »)",
        "text",
        "ACN",
        min_length=1,
    )
    validation_business_days: dict[Literal["fibre", "adsl"], int] = _key(
        {"fibre": 3, "adsl": 25},
        "business days the merchant takes to validate an order, by kind of order (`fibre`, "
        "`adsl`, read from the confirmation page's order type; R11); `{}`: the report gives no "
        "validation date",
        "number",
        {"fibre": 3, "adsl": 25},
    )
    # Last: written as `[[shop.checklist]]` blocks after the table's other keys.
    checklist: list[ChecklistItem] = _key(
        list(SEED_CHECKLIST),
        "the items `preflight check` asks the seller before the order, in this order "
        "(`[[shop.checklist]]` tables; `[]` for none)",
        "text",
        [],
    )

    @field_validator("checklist")
    @classmethod
    def _unique_ids(cls, items: list[ChecklistItem]) -> list[ChecklistItem]:
        ids = [item.id for item in items]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"checklist ids must be unique: {', '.join(twice)} given twice")
        return items


class Rules(_Model):
    """A rules file: top-level keys, then one table per concern."""

    name: str = _key(
        "rules", "the rules' name, shown in reports (default: the file's name)", "text", "acn-sfr"
    )
    vars: Vars = _key(
        {},
        "values for `${NAME}` placeholders in this file's strings; `PREFLIGHT_NAME` variables "
        "and `--var NAME=VALUE` override them, and `BASE_URL` is the run's base URL",
        "text",
        {"PORT": "8000"},
    )
    browser: BrowserRules = BrowserRules()
    order: OrderRules
    merchant_session: MerchantSessionRules
    customer_service: CustomerServiceRules = CustomerServiceRules()
    privacy: PrivacyRules = PrivacyRules()
    shop: ShopRules = ShopRules()
    source: str = Field("", exclude=True)
    # How patterns were read (a bare origin as everything under it…), for `preflight rules check`.
    notes: tuple[str, ...] = Field((), exclude=True)

    def names(self, lang: Lang) -> dict[str, str]:
        """`{merchant}`, `{affiliate}` and `{order_later}` for messages (`i18n.shop_names`)."""
        shop = self.shop
        return shop_names(shop.merchant_name, shop.affiliate_name, self.order.order_later, lang)

    def is_entry(self, url: str) -> bool:
        return url_matches(url, self.order.entry)

    def is_merchant(self, url: str) -> bool:
        return url_matches(url, self.order.merchant)

    def step_name(self, url: str) -> str | None:
        """The name `order.steps` gives the page at `url` (its first matching glob), or None."""
        for glob, name in self.order.steps.items():
            if url_matches(url, (glob,)):
                return name
        return None

    def is_customer_service_url(self, url: str) -> bool:
        return url_matches(url, self.customer_service.urls)

    def traps(self) -> list[str]:
        """What is valid but judges wrong: rules a QA engineer would not notice until every
        verdict is off (issue #27). `preflight rules check` says them as warnings."""
        order, service = self.order, self.customer_service
        found: list[str] = []
        if order.payment and not order.order_later:
            found.append(
                "order.payment is set but order.order_later is empty: every order that reaches "
                "payment is at_risk, a clean one too; give the « order later » control's text"
            )
        if not (service.selectors or service.texts or service.urls):
            found.append(
                "customer_service has no selectors, texts or urls: customer-service clicks are "
                "not detected at all"
            )
        for index, glob in enumerate(order.confirmation):
            # A confirmation is judged inside the session, on the merchant's site: a glob whose
            # own URL is not the merchant's is never reached there.
            sample = re.sub(r"\*+", "x", glob)
            if not self.is_merchant(sample):
                found.append(
                    f"order.confirmation[{index}] {glob!r} is not on the merchant's site "
                    "(order.merchant): the order can never be seen completed"
                )
        found.extend(self._state_traps())
        return found

    def _state_traps(self) -> list[str]:
        """A state confirmation whose every submit control is taken for customer service: a
        click on it is said as that (probe.js), never as the order's submit."""
        state = self.order.confirmation_state
        if state is None:
            return []
        service = self.customer_service
        service_texts = {" ".join(t.lower().split()) for t in service.texts}
        taken = [s for s in state.submit if s in service.selectors] + [
            t for t in state.submit_text if " ".join(t.lower().split()) in service_texts
        ]
        if not taken or len(taken) < len(state.submit) + len(state.submit_text):
            return []
        shown = ", ".join(repr(t) for t in taken)
        return [
            f"order.confirmation_state: its submit control ({shown}) is also customer service "
            "(customer_service.selectors or texts): its click is judged as customer service and "
            "the order can never be seen confirmed"
        ]

    def globs(self, table: str, key: str) -> list[str]:
        """The URL globs of `table.key` (one of `URL_GLOB_KEYS`)."""
        value: list[str] = getattr(getattr(self, table), key)
        return value


TABLES: dict[str, type[_Model]] = {
    "browser": BrowserRules,
    "order": OrderRules,
    "merchant_session": MerchantSessionRules,
    "customer_service": CustomerServiceRules,
    "privacy": PrivacyRules,
    "shop": ShopRules,
}
# Tables inside a table — a list of them (`[[shop.checklist]]`) or one (`[order.
# confirmation_state]`): their keys, for the docs and the error messages.
SUBTABLES: dict[tuple[str, str], type[_Model]] = {
    ("shop", "checklist"): ChecklistItem,
    ("order", "confirmation_state"): ConfirmationState,
}


def load_rules(
    source: str | Path = "default", *, variables: Mapping[str, str | int] | None = None
) -> Rules:
    """Load a rules file, or a builtin one by name (`default`, `demo`)."""
    text, label = _read(source)
    try:
        data = tomllib.loads(text)
    except RecursionError:
        # tomllib recurses once per level of nested arrays and inline tables.
        raise RulesError(
            "nested too deep", file=label, line=1, expected="a TOML rules file"
        ) from None
    except tomllib.TOMLDecodeError as error:
        line = _toml_error_line(error, text)
        raise RulesError(
            f"not valid TOML ({error})", file=label, line=line, expected="a TOML rules file"
        ) from None
    own_vars = data.get("vars", {})
    if not isinstance(own_vars, dict):
        raise RulesError("[vars] must be a table", file=label, where="vars", expected="a table")
    filled: dict[str, str] = {str(k): str(v) for k, v in own_vars.items()}
    prefix = "PREFLIGHT_"
    for name in list(filled):
        if prefix + name in os.environ:
            filled[name] = os.environ[prefix + name]
    filled.update({k: str(v) for k, v in (variables or {}).items()})
    data["vars"] = filled
    data = _substitute(data, filled, label, "")
    try:
        rules = Rules.model_validate({"name": Path(label).stem, **data})
    except ValidationError as error:
        # A mistyped key (`merchnt`) also leaves its table's required key missing: the typo is
        # the cause, so it is named first.
        errors = sorted(error.errors(), key=lambda e: e["type"] != "extra_forbidden")
        first = errors[0]
        where = dotted(first["loc"])
        what = said(first)
        # A validator's message says what is wrong; the key's kind says what it takes.
        about = _kind_of(first["loc"]) or "a value as docs/rules.md describes for this key"
        expected = validation_expected(first, mapping="a table", about=about)
        if first["type"] == "extra_forbidden":
            what, expected = _unknown_key(first["loc"])
        raise RulesError(
            what,
            file=label,
            line=_key_line(text, first["loc"]),
            where=f"key {where}",
            expected=expected,
        ) from None
    return rules.model_copy(update={"source": label, "notes": _glob_notes(data)})


def _unknown_key(loc: tuple[int | str, ...]) -> tuple[str, str]:
    """What an unknown key is, and the keys its table knows (the closest one first)."""
    *table, key = [str(part) for part in loc if isinstance(part, str)]
    model: type[BaseModel] = Rules
    for part in table:  # down the tables, through `[[shop.checklist]]`'s items
        model = _table_model(model.model_fields[part].annotation) or model
    known = [name for name, info in model.model_fields.items() if not info.exclude]
    close = difflib.get_close_matches(key, known, n=1)
    # No `[table]` in the text: the CLI's console would read it as markup.
    where = f"in table {'.'.join(table)}" if table else "at the top level"
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown key {key!r} {where}{hint}", f"one of {', '.join(known)}"


def _table_model(annotation: Any) -> type[BaseModel] | None:
    """The model of a key that is a table, or a list of tables; None for a plain value."""
    for candidate in (annotation, *getattr(annotation, "__args__", ())):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
    return None


def _glob_notes(data: Mapping[str, Any]) -> tuple[str, ...]:
    notes: list[str] = []
    for table, key in URL_GLOB_KEYS:
        values = data.get(table, {}).get(key, []) if isinstance(data.get(table), dict) else []
        for index, glob in enumerate(values if isinstance(values, list) else []):
            if isinstance(glob, str) and normalise_glob(glob) != glob:
                meaning = "this path on any site" if glob.startswith("/") else "every page under it"
                notes.append(
                    f"{table}.{key}[{index}]: {glob!r} is read as {normalise_glob(glob)!r} "
                    f"({meaning})"
                )
    return tuple(notes)


def _read(source: str | Path) -> tuple[str, str]:
    if isinstance(source, str) and source in BUILTIN:
        resource = resources.files("preflight").joinpath(BUILTIN[source])
        return resource.read_text(encoding="utf-8"), f"<builtin {source} rules>"
    path = Path(source)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise RulesError(
            "no such file", file=path, expected="a rules file (TOML) or one of: default, demo"
        ) from None
    except OSError as error:
        raise RulesError(f"cannot be read ({error.strerror})", file=path) from None
    try:
        # utf-8-sig: Windows' Notepad starts UTF-8 files with a byte-order mark.
        return raw.decode("utf-8-sig"), str(path)
    except UnicodeDecodeError as error:
        line = raw[: error.start].count(b"\n") + 1
        raise RulesError("not UTF-8 text", file=path, line=line, expected="UTF-8") from None


def _substitute(value: Any, variables: Mapping[str, str], label: str, where: str) -> Any:
    if isinstance(value, str):

        def fill(match: re.Match[str]) -> str:
            name = match.group(1)
            if name not in variables:
                raise RulesError(
                    f"unknown placeholder ${{{name}}}",
                    file=label,
                    where=f"key {where.lstrip('.')}",
                    expected=placeholder_expected(name, variables),
                )
            return variables[name]

        return PLACEHOLDER.sub(fill, value)
    if isinstance(value, dict):
        return {k: _substitute(v, variables, label, f"{where}.{k}") for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, variables, label, f"{where}[{i}]") for i, v in enumerate(value)]
    return value


def _toml_error_line(error: tomllib.TOMLDecodeError, text: str) -> int | None:
    match = re.search(r"line (\d+)", str(error))
    if match:
        return int(match.group(1))
    # "(at end of document)": the last line.
    return text.count("\n") + 1 if "end of document" in str(error) else None


def _key_line(text: str, loc: tuple[int | str, ...]) -> int | None:
    """The line of the last named key of `loc` in the file, as a best effort."""
    names = [part for part in loc if isinstance(part, str)]
    if not names:
        return None
    name = re.escape(names[-1])
    # `key = …`, `[key]`, or a table inside a table: `[order.key]`.
    pattern = re.compile(rf"^\s*\"?{name}\"?\s*=|^\s*\[(?:[\w\"-]+\.)*{name}\]")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line):
            return number
    return None


def _kind_of(loc: tuple[int | str, ...]) -> str | None:
    """The documented kind of value of the key at `loc` (« regular expression », « URL glob »…),
    as docs/rules.md names it; None for a place no documented key holds."""
    model: Any = Rules
    kind: str | None = None
    for part in loc:
        fields = getattr(model, "model_fields", None)
        if not isinstance(part, str) or fields is None or part not in fields:
            continue
        field = fields[part]
        extra = field.json_schema_extra if isinstance(field.json_schema_extra, dict) else {}
        kind = str(extra["kind"]) if "kind" in extra else kind
        model = field.annotation
        # `Table | None`: the table's own keys.
        model = next((a for a in get_args(model) if hasattr(a, "model_fields")), model)
    return f"a {kind}" if kind else None
