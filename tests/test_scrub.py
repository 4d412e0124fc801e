"""What a run knows may be the customer's, and how it is scrubbed from every file in every
spelling (issue #25): values never typed (a `goto` URL, a `select`, an `expect_text`, every
`--var`), base64 at any alignment, and the bounds of the screenshot's text masks. Logic on
real files; the browser side runs in tests/test_privacy.py's flows."""

from __future__ import annotations

import base64
import contextlib
import json
import re
import zipfile
from pathlib import Path
from urllib.parse import quote

from preflight.privacy import (
    MAX_MASKED_VALUES,
    maskable_values,
    may_be_customer_data,
    redact,
)
from preflight.scenario import load_file
from preflight.scenario._loader import fill_placeholders
from preflight.scenario._results import known_values
from preflight.scenario._trace import scrub_trace

IBAN = "FR3230006000019876543210189"
NAME = "Zorglub Canarynom"
EMAIL = "canary.mail@example.fr"
ACCENTED = "Zoé Canarynom-Hélène"

_BASE64_RUN = re.compile(rb"[A-Za-z0-9+/_-]{6,}={0,2}")


def decodable(data: bytes, value: str) -> bool:
    """Whether `value` can be read back from any base64 run of `data`, whatever its alphabet,
    padding or alignment, as UTF-8, Latin-1 or URL-encoded bytes. Independent of the scrubber:
    it decodes, it does not look for the forms the scrubber knows."""
    wanted = {value.encode(), quote(value, safe="!'()*~").encode()}
    with contextlib.suppress(UnicodeEncodeError):
        wanted.add(value.encode("latin-1"))
    for match in _BASE64_RUN.finditer(data):
        run = match.group(0).rstrip(b"=").replace(b"-", b"+").replace(b"_", b"/")
        for start in range(4):
            part = run[start:]
            part = part[: len(part) - (len(part) % 4 == 1)]  # one char alone holds no byte
            plain = base64.b64decode(part + b"=" * (-len(part) % 4))
            if any(form in plain for form in wanted):
                return True
    return False


def btoa(text: str) -> str:
    return base64.b64encode(text.encode("latin-1")).decode()


def test_base64_spellings_are_scrubbed_from_a_trace_at_every_alignment(tmp_path: Path) -> None:
    # What Playwright's trace records when a page runs `location.hash = 'b64=' + btoa(iban)`,
    # and the other ways a page writes a value in base64 (inside a longer text: each of the
    # three byte alignments; URL-safe; without padding; `btoa(encodeURIComponent(name))`).
    spelled = [
        btoa(IBAN),
        btoa("x" + IBAN),
        btoa("iban=" + IBAN + "&z=1"),
        btoa("ab" + IBAN).replace("+", "-").replace("/", "_").rstrip("="),
        btoa(quote(NAME, safe="!'()*~")),
        btoa("n=" + ACCENTED),  # btoa: Latin-1 bytes
        base64.urlsafe_b64encode(("{'email':'" + EMAIL + "'}").encode()).decode().rstrip("="),
        base64.b64encode(("nom=" + ACCENTED).encode()).decode(),  # UTF-8 bytes
    ]
    lines = [
        json.dumps({"type": "frame-snapshot", "url": f"http://localhost:1/sfr/x#b64={form}"})
        for form in spelled
    ]
    trace = tmp_path / "trace.zip"
    with zipfile.ZipFile(trace, "w") as archive:
        archive.writestr("trace.trace", "\n".join(lines) + "\n")
        archive.writestr("trace.network", json.dumps({"url": f"http://x/?q={btoa(IBAN)}"}))
    before = trace.read_bytes()
    for value in (IBAN, NAME, EMAIL, ACCENTED):
        assert any(decodable(zipfile.ZipFile(trace).read(n), value) for n in ("trace.trace",))

    assert scrub_trace(trace, {IBAN, NAME, EMAIL, ACCENTED})

    assert trace.read_bytes() != before
    with zipfile.ZipFile(trace) as archive:
        for name in archive.namelist():
            data = archive.read(name)
            for value in (IBAN, NAME, EMAIL, ACCENTED):
                assert not decodable(data, value), f"{value} can be read back from {name}"
        # Still a trace: one JSON object a line.
        for line in archive.read("trace.trace").splitlines():
            assert json.loads(line)["type"] == "frame-snapshot"


def test_a_message_quoting_a_base64_value_is_redacted() -> None:
    # Not in a URL's query (hidden by its shape): in a path, and in the words of a message.
    encoded = btoa("x" + IBAN)
    message = f"expect_text: {encoded} not found (URL http://localhost:1/sfr/{encoded}/x)"
    clean = redact(message, known={IBAN})
    assert not decodable(clean.encode(), IBAN), clean
    assert clean.startswith("expect_text: ") and "***" in clean
    assert " not found (URL http://localhost:1/sfr/" in clean and clean.endswith("/x)")


def test_the_known_values_are_every_variable_and_every_typed_value_but_site_addresses(
    tmp_path: Path,
) -> None:
    # Values that reach the page without being typed: a goto's query and fragment, a select's
    # label, an expected text (the attack of issue #25, item 4); all known before any step.
    (tmp_path / "s.yaml").write_text(
        "name: untyped\nvars: {REF: Canaryref-0042}\nsteps:\n"
        '  - goto: "${MERCHANT}/sfr/offre?email=${EMAIL}#iban=${IBAN}"\n'
        '  - select: {selector: "#titulaire", label: "${NAME}"}\n'
        '  - select: {selector: "#civilite", label: "Madame"}\n'
        '  - expect_text: "Bonjour ${NAME}"\n'
        '  - expect_text: "Récapitulatif"\n'
        '  - fill: {selector: "#ville", value: "Canaryville"}\n'
        "expect: {verdict: attributed}\n"
    )
    [scenario] = load_file(tmp_path / "s.yaml")
    variables = {"BASE_URL": "http://127.0.0.1:4123", "MERCHANT": "http://localhost:4123"}
    variables |= {"DEMO_PORT": "4123", "EMAIL": EMAIL, "IBAN": IBAN, "NAME": NAME}
    known = known_values(fill_placeholders(scenario, variables), variables)
    assert known == {EMAIL, IBAN, NAME, "Canaryref-0042", "Canaryville"}
    # A site's address stays readable: hiding it would hide every URL of a trace.
    assert not may_be_customer_data("https://www.sfr.fr/boutique")
    assert may_be_customer_data("https://www.sfr.fr/?email=" + EMAIL)
    assert may_be_customer_data("https://jean:secret@www.sfr.fr/")
    assert may_be_customer_data("75002 Paris") and not may_be_customer_data("8000")


def test_the_text_masks_are_bounded_and_skip_what_would_mask_unrelated_words() -> None:
    values = maskable_values(
        ["737", " 12 ", NAME, f"  {EMAIL}\n"] + [f"v{n:04d}" for n in range(99)]
    )
    assert len(values) == MAX_MASKED_VALUES
    assert values[:2] == [EMAIL, NAME] and "737" not in values and "12" not in values
