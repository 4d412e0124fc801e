"""What a run of scenarios needs before its first browser: the browsers asked for, the shop
and rules (the demo shop's when no base URL is given), a reachable base URL, placeholders and
`goto`s checked. `preflight replay` and `preflight matrix` then run on the pytest plugin
(`_pytest_run`): no process pool of their own.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from loguru import logger

from preflight.browsers import choose, discover
from preflight.errors import BrowserError, UsageError
from preflight.i18n import Lang
from preflight.rules import Rules, load_rules
from preflight.scenario._gotos import check_gotos
from preflight.scenario._loader import fill_placeholders
from preflight.scenario._model import Scenario

ENGINES = ("chromium", "firefox")


@dataclass(frozen=True)
class RunSettings:
    """What a matrix cell's replay needs (`preflight.matrix.replay_cell`), from the plugin's
    fixtures and options."""

    rules: Rules
    base_url: str
    variables: dict[str, str]
    report: Path | None = None
    artifacts: Path | None = None
    bfcache: bool = False
    step_timeout_s: float = 10.0
    allow_local_files: bool = False  # `goto` to file: and browser pages (issue 13)
    lang: Lang = "fr"  # of the reports written (`--report`)


def asked_browsers(raw: str) -> list[str]:
    """`chromium, firefox` → the names as written (`auto` stays `auto`), none looked for."""
    return [name.strip() for name in raw.split(",") if name.strip()]


def browser_names(raw: str) -> list[str]:
    """`chromium,firefox` → the names; `auto` → every engine installed here."""
    names = asked_browsers(raw)
    if names == ["auto"]:
        found = {b.engine for b in discover() if b.drivable}
        names = [engine for engine in ENGINES if engine in found]
        if not names:
            raise BrowserError("no Chromium or Firefox found — run `preflight browsers`")
        return names
    for name in names:
        choose(name)  # a clear error now, not in a worker later
    if not names:
        raise UsageError("--browser: expected a list like chromium,firefox")
    return names


def rules_default(base_url: str | None) -> str:
    """The builtin rules of a run that names none: the demo shop's when it is the demo shop."""
    return "demo" if base_url is None else "default"


@contextmanager
def demo_or_given(
    base_url: str | None,
    rules_source: str | None,
    variables: Mapping[str, str],
) -> Iterator[tuple[str, Rules, dict[str, str]]]:
    """The base URL, rules and variables of a run: the demo shop's when no base URL is given."""
    values = dict(variables)
    if base_url is None:
        from preflight.demo_shop import DemoShop

        with DemoShop(port=0) as shop:
            # BASE_URL is the base URL, in the rules as in the scenarios (as under pytest).
            values = {"BASE_URL": shop.acn_url, "MERCHANT": shop.sfr_url, **values}
            values = {"DEMO_PORT": str(shop.port), **values}
            rules = load_rules(rules_source or rules_default(base_url), variables=values)
            yield shop.acn_url, rules, values
        return
    values = {"BASE_URL": base_url.rstrip("/"), **values}
    rules = load_rules(rules_source or rules_default(base_url), variables=values)
    yield base_url, rules, {**rules.vars, **values}


def ensure_reachable(base_url: str, timeout_s: float = 10.0) -> None:
    """Refuse a base URL whose host does not resolve or whose port refuses connections.

    For the CLI, before any browser starts: a mistyped host or port is one message, not every
    scenario failed on its first step. Only the connection is tried: an HTTP error page is a
    shop that answers, and a host that is merely slow is left to the scenarios' time limits.
    """
    where = f"--base-url {base_url}"
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"{where}: not a web address — expected http(s)://host[:port]/…")
    try:
        port = parts.port
    except ValueError:
        raise UsageError(f"{where}: bad port — expected a number from 1 to 65535") from None
    host = parts.hostname
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        socket.create_connection((host, port), timeout=timeout_s).close()
    except socket.gaierror as error:
        raise UsageError(
            f"{where}: unknown host {host} ({error.strerror}) — expected a host this machine finds"
        ) from None
    except TimeoutError:
        logger.warning(
            "{}:{} did not answer within {:.0f} s; replaying anyway", host, port, timeout_s
        )
    except OSError as error:
        raise UsageError(
            f"{where}: cannot be reached ({error.strerror or error}) — "
            f"expected a shop answering on {host}:{port}"
        ) from None


def check_placeholders(
    scenarios: Sequence[Scenario],
    base_url: str,
    variables: Mapping[str, str],
    *,
    allow_local_files: bool = False,
) -> None:
    """Unknown placeholders, and a `goto` to a local file or a browser page, are bad input:
    refused before launching anything."""
    for scenario in scenarios:
        filled = fill_placeholders(scenario, {"BASE_URL": base_url, **variables})
        # A base URL that is no web address is the run's fault, not the scenario's: said by
        # ensure_reachable (CLI), and refused again by replay_scenario whoever calls it.
        if urlsplit(base_url).scheme in ("http", "https"):
            check_gotos(filled, base_url, allow_local_files=allow_local_files)
