"""What may leave the process: URLs and messages without the customer's data, masked screenshots.

The watcher never records typed values, but a GET form puts whatever was typed into the URL
(`?nom=Dupont&iban=FR76…`), a single-page shop into its fragment (`#email=…&tel=…`), and step
failure messages quote `location.href`. So every URL and message that leaves the process — JSON,
JUnit, logs, the terminal, reports, violations — goes through one function, `redact()`:

* query and query-shaped fragment values become `***`, except a few named parameters (the ACN
  session marker, the step token, the shop mode) that cannot hold what a customer typed;
* a parameter name is kept only when it looks like a field name (`nom`, `iban`); anything else —
  a bare word (`?jean.dupont@example.fr`), a name with `@`, digits or spaces — is typed data;
* a fragment is kept when it is a route (`#/coordonnees`) or an anchor-like name, else hidden;
* a path segment (in the path or a route) holding an e-mail address, seven digits or more (phone,
  card, IBAN) or white space is hidden; a password in the URL's user-info is dropped;
* in free text, e-mail addresses, IBANs, card numbers (Luhn) and French phone numbers are hidden;
* values the caller knows may be the customer's (`known`: what a scenario types, selects or
  expects, every `--var` value but a site's address) are hidden wherever they appear, in every
  spelling (raw, URL-, form- and double-encoded, JSON- and HTML-escaped, base64 at any alignment
  inside a longer base64 text, standard or URL-safe).

Every check looks at the decoded text (percent-, plus-, HTML- and JSON-decoded, repeatedly), so an
encoding cannot smuggle a value past it.
"""

from __future__ import annotations

import base64
import contextlib
import html
import json
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING
from urllib.parse import quote, quote_plus, unquote_plus, urlsplit, urlunsplit

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

    from preflight.rules import Rules
    from preflight.watch.events import Event

HIDDEN = "***"
# `acn`: the ACN session marker of the demo shop; `t`: its one-time step token; `mode`: its
# multi-page or single-page switch. None of them can hold what a customer typed.
ALWAYS_ALLOWED = frozenset({"t", "acn", "mode"})
# Shorter known values are only hidden where they are values (a query value, always hidden):
# in free text, "12" or "rue" would eat unrelated words.
MIN_KNOWN_IN_TEXT = 4


def allowed_params(rules: Rules | None) -> frozenset[str]:
    """The query parameters whose values a report keeps: the fixed few plus the rules' marker."""
    extra = {rules.order.session_param} if rules and rules.order.session_param else set()
    return ALWAYS_ALLOWED | extra


# JavaScript's encodeURIComponent and encodeURI leave these unescaped; Python's quote does not.
_URI_COMPONENT_SAFE = "!'()*~"
_URI_SAFE = _URI_COMPONENT_SAFE + ";,/?:@&=+$#"
# A base64 run shorter than this is left alone: it would match unrelated text.
MIN_BASE64 = 6


def spellings(value: str) -> set[str]:
    """The ways `value` is written in URLs, JSON, HTML, form bodies and base64."""
    forms = {
        value,
        json.dumps(value)[1:-1],
        json.dumps(value, ensure_ascii=False)[1:-1],
        quote(value, safe=""),
        quote(value),
        quote(value, safe=_URI_COMPONENT_SAFE),
        quote(value, safe=_URI_SAFE),
        quote_plus(value),
        quote(quote(value, safe=""), safe=""),
        html.escape(value),
        html.escape(value, quote=False),
        value.replace(" ", ""),
    }
    forms |= {form.lower() for form in forms if "%" in form}
    forms |= base64_spellings(value)
    return {form for form in forms if form}


def base64_spellings(value: str) -> set[str]:
    """`value` in base64 as a page writes it — `btoa(value)` (Latin-1 bytes), UTF-8 bytes,
    `btoa(encodeURIComponent(value))` — standard and URL-safe, padded or not, alone or inside a
    longer base64 text (`btoa("iban=" + value)`): each of the three byte alignments gives its
    own characters, and only those every decoding shares are kept (the middle of the run).
    Hiding that middle leaves too few bits at either end to read the value back."""
    raw: set[bytes] = {value.encode(), quote(value, safe=_URI_COMPONENT_SAFE).encode()}
    with contextlib.suppress(UnicodeEncodeError):  # btoa() refuses it too
        raw.add(value.encode("latin-1"))
    forms = set()
    for data in raw:
        for offset in range(3):
            encoded = base64.b64encode(bytes(offset) + data).decode()
            # Characters holding bits of the prefix (the first) or of what follows (the last).
            core = encoded[(8 * offset + 5) // 6 : (8 * (offset + len(data))) // 6]
            if len(core) >= MIN_BASE64:
                forms |= {core, core.replace("+", "-").replace("/", "_")}
    return forms


_JSON_ESCAPE = re.compile(r"\\u([0-9a-fA-F]{4})|\\x([0-9a-fA-F]{2})")


def decoded(text: str) -> str:
    """`text` with percent-, plus-, HTML- and JSON-escapes undone (up to three layers)."""
    for _ in range(3):
        plain = unquote_plus(html.unescape(text))
        plain = _JSON_ESCAPE.sub(lambda m: chr(int(m.group(1) or m.group(2), 16)), plain)
        if plain == text:
            break
        text = plain
    return text


_FIELD_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_\-\[\]]{0,39}")
# Every quantifier is bounded: an unbounded run before a required `@` or `://` made each start
# position rescan the rest, quadratic in a long token (20 000 letters took 30 s).
_EMAIL = re.compile(r"[^\s@/?#&=<>\"']{1,64}@[^\s@/?#&=<>\"']{1,255}\.[A-Za-z]{2,24}")
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30}\b")
_CARD = re.compile(r"(?<![\d])\d(?:[ -]?\d){12,18}(?![\d])")
_PHONE = re.compile(r"(?<![\w+])(?:\+33 ?|0033 ?|0)[1-9](?:[ .-]?\d{2}){4}(?!\d)")


def _is_field_name(name: str) -> bool:
    plain = decoded(name)
    return bool(_FIELD_NAME.fullmatch(plain)) and sum(c.isdigit() for c in plain) <= 3


def _holds_data(segment: str, known: tuple[str, ...]) -> bool:
    """Whether a path segment, fragment or name may be typed data (by shape, or known)."""
    plain = decoded(segment)
    if "@" in plain or any(c.isspace() for c in plain) or sum(c.isdigit() for c in plain) >= 7:
        return True
    return any(value in plain for value in known if len(value) >= MIN_KNOWN_IN_TEXT)


def redact_url(url: str, allowed: Iterable[str] = ALWAYS_ALLOWED, known: Iterable[str] = ()) -> str:
    """`url` without what may be typed data; see the module docstring. Same as `redact()`."""
    return redact(url, allowed, known)


def _redact_one_url(url: str, keep: frozenset[str], known: tuple[str, ...]) -> str:
    try:
        parts = urlsplit(url)
    except ValueError:
        return HIDDEN  # not parseable: keeping it could keep anything
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, host = netloc.rpartition("@")
        user = userinfo.split(":", 1)[0]
        netloc = f"{HIDDEN if user else ''}@{host}" if userinfo else host
    path = _redact_path(parts.path, known)
    query = _redact_pairs(parts.query, keep)
    return urlunsplit(
        (parts.scheme, netloc, path, query, _redact_fragment(parts.fragment, keep, known))
    )


def _redact_path(path: str, known: tuple[str, ...]) -> str:
    if not path:
        return path
    return "/".join(HIDDEN if _holds_data(seg, known) else seg for seg in path.split("/"))


def _redact_fragment(fragment: str, keep: frozenset[str], known: tuple[str, ...]) -> str:
    if not fragment:
        return fragment
    route, mark, rest = fragment.partition("?")
    if route.startswith(("/", "!/")):
        return _redact_path(route, known) + (f"?{_redact_pairs(rest, keep)}" if mark else "")
    if mark or "=" in fragment or "&" in fragment:
        return _redact_pairs(fragment.replace("?", "&"), keep)
    # An anchor (`#paiement`) stays, and so does a short number (`#3`: an anchor, or the event
    # number of preflight's own event lines); a bare word that may be a typed value does not.
    number = fragment.isdigit() and len(fragment) < 7 and fragment not in known
    anchor = _is_field_name(fragment) or number
    return fragment if anchor and not _holds_data(fragment, known) else HIDDEN


def _redact_pairs(query: str, keep: frozenset[str]) -> str:
    if not query:
        return query
    pairs = []
    for pair in query.split("&"):
        name, equals, _value = pair.partition("=")
        if not pair or decoded(name) in keep:
            pairs.append(pair)
        elif not equals:
            # A bare word (`?jean.dupont@example.fr`) may itself be the typed value.
            pairs.append(HIDDEN)
        else:
            pairs.append(f"{name if _is_field_name(name) else HIDDEN}={HIDDEN}")
    return "&".join(pairs)


_URL_IN_TEXT = re.compile(
    r"(?<![A-Za-z0-9+.-])[A-Za-z][A-Za-z0-9+.-]{0,31}://[^\s\"'<>]+"  # an absolute URL
    # a path, a query or a fragment alone: its mark followed by what it marks, not by
    # punctuation (`'session_param'?)` is a question, `#27,` an issue number)
    r"|(?:^|(?<=[\s\"'(\[=]))[/?#](?=[\w%~.-])[^\s\"'<>]*"
)
# Punctuation that ends a sentence after a URL, not part of it (`(see http://x/?a=b).`); a
# closing bracket only when the URL opened none.
_TRAILING = re.compile(r"[.,;:!?'\")\]]+$")


def _redact_url_in_text(found: str, keep: frozenset[str], known: tuple[str, ...]) -> str:
    """One URL found in free text, redacted; the sentence's punctuation after it kept as is:
    redaction replaces values, never the words and marks around them (issue #27)."""
    tail = _TRAILING.search(found)
    end = tail.start() if tail else len(found)
    for bracket, opener in ((")", "("), ("]", "[")):
        while (
            end < len(found)
            and bracket in found[end:]
            and found[:end].count(opener) > found[:end].count(bracket)
        ):
            end = found.index(bracket, end) + 1  # `(…)` inside the URL: its own
    url, rest = found[:end], found[end:]
    return (_redact_one_url(url, keep, known) if url else "") + rest


def _luhn(digits: str) -> bool:
    total = 0
    for i, char in enumerate(reversed(digits)):
        n = int(char) * (2 if i % 2 else 1)
        total += n - 9 if n > 9 else n
    return total % 10 == 0


def _card(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return HIDDEN if _luhn(digits) else match.group(0)


def redact(text: str, allowed: Iterable[str] = ALWAYS_ALLOWED, known: Iterable[str] = ()) -> str:
    """`text` (a URL or a message quoting URLs) without what may be the customer's data.

    The one redaction of preflight: every URL and message that leaves the process goes through
    it (reports, events, violations, `--json`, JUnit, the terminal, logs). `allowed` names the
    query parameters whose values stay; `known` are values known to be typed data.
    """
    if not text:
        return text
    keep = frozenset(allowed)
    values = tuple(sorted({v for v in known if v}, key=len, reverse=True))
    for value in values:
        for form in sorted(spellings(value), key=len, reverse=True):
            if len(form) >= MIN_KNOWN_IN_TEXT:
                text = text.replace(form, HIDDEN)
    text = _URL_IN_TEXT.sub(lambda m: _redact_url_in_text(m.group(0), keep, values), text)
    # Bare values in free text (and in what the URL pass kept): shapes of the customer's data.
    text = _EMAIL.sub(HIDDEN, text)
    text = _IBAN.sub(HIDDEN, text)
    text = _CARD.sub(_card, text)
    text = _PHONE.sub(HIDDEN, text)
    if "%" in text or "&" in text or "\\" in text:
        # An encoded value the passes above could not see: check the decoded text too.
        plain = decoded(text)
        if plain != text and _leaks(plain, values):
            return HIDDEN
    return text


def _leaks(plain: str, values: tuple[str, ...]) -> bool:
    if _EMAIL.search(plain) or _IBAN.search(plain) or _PHONE.search(plain):
        return True
    if any(_luhn(re.sub(r"\D", "", m.group(0))) for m in _CARD.finditer(plain)):
        return True
    return any(value in plain for value in values if len(value) >= MIN_KNOWN_IN_TEXT)


def redact_text(
    text: str, allowed: Iterable[str] = ALWAYS_ALLOWED, known: Iterable[str] = ()
) -> str:
    """`text` with every URL in it redacted (messages may quote the page they happened on)."""
    return redact(text, allowed, known)


def redact_event(event: Event, allowed: Iterable[str] = ALWAYS_ALLOWED) -> Event:
    """A copy of `event` whose URL, and every URL in its detail values, is redacted."""
    keep = frozenset(allowed)
    detail = {key: redact(value, keep) for key, value in event.detail.items()}
    url = redact(event.url, keep)
    if url == event.url and detail == event.detail:
        return event
    return event.model_copy(update={"url": url, "detail": detail})


def mask_locators(page: Page, selectors: Iterable[str]) -> list[Locator]:
    """One locator per selector in every frame of `page` (payment fields often live in iframes)."""
    wanted = list(dict.fromkeys(selectors))
    return [frame.locator(selector) for frame in page.frames for selector in wanted]


# Bounds on the text masks of one screenshot: values, and locators over all frames.
MAX_MASKED_VALUES = 40
MAX_TEXT_MASKS = 200


def maskable_values(known: Iterable[str]) -> list[str]:
    """The known values a screenshot masks wherever the page shows them: long enough not to
    hide unrelated words (as in `redact`), longest first, at most MAX_MASKED_VALUES."""
    wanted = {" ".join(v.split()) for v in known if len(v.strip()) >= MIN_KNOWN_IN_TEXT}
    return sorted(wanted, key=lambda v: (-len(v), v))[:MAX_MASKED_VALUES]


def text_masks(page: Page, known: Iterable[str]) -> list[Locator]:
    """The elements of every frame of `page` whose text holds a known customer value (a
    summary's « Bonjour <name> »), as Playwright's text locator finds them: the smallest
    element holding it, case and white space aside. At most MAX_TEXT_MASKS locators."""
    values = maskable_values(known)
    masks = [frame.get_by_text(value) for frame in page.frames for value in values]
    return masks[:MAX_TEXT_MASKS]


def may_be_customer_data(value: str) -> bool:
    """Whether a `--var` value may be the customer's, so hidden everywhere: every value but a
    site's address (`https://shop.example/base`, no query, fragment or password: what
    `--var MERCHANT=…` gives) and a port number (five digits or fewer). Hiding those would
    hide every URL of a trace, not a customer."""
    text = value.strip()
    if not text or (text.isdigit() and len(text) <= 5):
        return False
    try:
        parts = urlsplit(text)
    except ValueError:
        return True
    site = parts.scheme in ("http", "https") and bool(parts.hostname)
    return not (
        site
        and "@" not in parts.netloc
        and not parts.query
        and not parts.fragment
        and not _holds_data(parts.path, ())
        and " " not in text
    )


def screenshot_masks(rules: Rules, *, for_support: bool = False) -> list[str]:
    """Selectors to mask: bank details always, personal fields too.

    In the support bundle's screenshot the fields the help desk asks for — the service address
    and the daytime phone (`rules.privacy.address` / `.phone`) — stay visible; every other
    personal field (name, email…) is still masked: the help desk gets what it needs, no more.
    """
    visible = {rules.privacy.address, rules.privacy.phone} if for_support else set()
    personal = [selector for selector in rules.privacy.personal if selector not in visible]
    return list(rules.privacy.sensitive) + personal
