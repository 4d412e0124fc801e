"""Site-specific knowledge, as data: what a rules file (TOML) may say, and its one loader.

Everything that depends on the merchant's site — where an order must start, which pages are the
merchant's, where login state lives, what a customer-service element looks like, which fields
hold bank details — lives in a rules file, so a change on the site is a rules change, not a code
change. Two files ship: `default` (ACN × SFR) and `demo` (the local demo shop).

Strings may hold `${NAME}` placeholders, filled from the file's own `[vars]` table, then from
`PREFLIGHT_NAME` environment variables, then from `variables=` given to `load_rules` (last wins).
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Iterable, Mapping
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from preflight.errors import RulesError

BUILTIN = {"default": "default_rules.toml", "demo": "demo_shop/demo_rules.toml"}
Family = Literal["chrome", "chromium", "firefox", "edge", "safari", "opera", "other"]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class BrowserRules(_Model):
    allowed: list[Family] = ["chrome", "firefox"]
    min_major: dict[str, int] = {"chrome": 120, "firefox": 128}
    # Firefox ESR majors still supported by Mozilla: the user agent has no ESR marker, so a
    # current ESR must not be flagged as outdated (browser-update/browser-update#561).
    firefox_esr_majors: list[int] = [115, 128, 140, 153]


class OrderRules(_Model):
    entry: list[str] = Field(min_length=1, description="URL globs where an order must start")
    merchant: list[str] = Field(min_length=1, description="URL globs of the merchant's order site")
    # Query parameter or cookie that carries the affiliate session on the merchant's side.
    session_param: str | None = None
    session_cookie: str | None = None
    payment: list[str] = []
    order_later: list[str] = Field(default=[], description="texts of the « order later » control")
    eligibility_error: list[str] = Field(default=[], description="selectors of the error")
    confirmation: list[str] = []
    order_number: str | None = None
    order_type: str | None = None
    order_date: str | None = None


class MerchantSessionRules(_Model):
    domains: list[str] = Field(min_length=1)
    account_url: str
    login_cookies: list[str] = []
    logged_in: str | None = Field(None, description="selector present only when logged in")
    logged_out: str | None = Field(None, description="selector present only when logged out")


class CustomerServiceRules(_Model):
    selectors: list[str] = []
    texts: list[str] = []
    urls: list[str] = []


class PrivacyRules(_Model):
    # Bank details: never recorded, masked in every screenshot.
    sensitive: list[str] = []
    # Name, address, phone, email: only in the support bundle.
    personal: list[str] = []
    address: str | None = None
    phone: str | None = None


class Rules(_Model):
    name: str = "rules"
    vars: dict[str, str] = {}
    browser: BrowserRules = BrowserRules()
    order: OrderRules
    merchant_session: MerchantSessionRules
    customer_service: CustomerServiceRules = CustomerServiceRules()
    privacy: PrivacyRules = PrivacyRules()
    source: str = Field("", exclude=True)

    @field_validator("vars", mode="before")
    @classmethod
    def _vars_as_strings(cls, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {str(k): str(v) for k, v in value.items()}
        return value

    def is_entry(self, url: str) -> bool:
        return url_matches(url, self.order.entry)

    def is_merchant(self, url: str) -> bool:
        return url_matches(url, self.order.merchant)

    def is_customer_service_url(self, url: str) -> bool:
        return url_matches(url, self.customer_service.urls)


def url_matches(url: str, globs: Iterable[str]) -> bool:
    """True when `url` matches one glob; `*` matches any run of characters, `?` one."""
    return any(_glob_regex(glob).fullmatch(url) for glob in globs)


@lru_cache(maxsize=512)
def _glob_regex(glob: str) -> re.Pattern[str]:
    parts = (".*" if c == "*" else "." if c == "?" else re.escape(c) for c in glob)
    return re.compile("".join(parts))


_PLACEHOLDER = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


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
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise RulesError(
            first["msg"].rstrip("."),
            file=label,
            line=_key_line(text, first["loc"]),
            where=f"key {where}",
            expected=_expected(first),
        ) from None
    return rules.model_copy(update={"source": label})


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
                    expected=f"one of {sorted(variables) or 'no [vars]'}",
                )
            return variables[name]

        return _PLACEHOLDER.sub(fill, value)
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
    pattern = re.compile(rf"^\s*\"?{re.escape(names[-1])}\"?\s*=|^\s*\[{re.escape(names[-1])}\]")
    for number, line in enumerate(text.splitlines(), start=1):
        if pattern.search(line):
            return number
    return None


def _expected(error: Any) -> str:
    kind = str(error["type"])
    expected: dict[str, str] = {
        "missing": "this key to be present",
        "extra_forbidden": "only known keys (check the spelling)",
        "literal_error": str(error.get("ctx", {}).get("expected", "one of the allowed values")),
        "string_type": "a string",
        "int_type": "an integer",
        "int_parsing": "an integer",
        "list_type": "a list",
        "dict_type": "a table",
        "too_short": "at least one value",
    }
    return expected.get(kind, kind.replace("_", " "))
