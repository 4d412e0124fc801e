"""Bad input never ends in a traceback: generated and mutated files, odd encodings, huge and
deeply nested documents, strange user agents — each ends in one `PreflightError` that names
the file, the place and what was expected, and the CLI turns it into exit code 2.

The bulk runs in-process under Hypothesis; a sample of the nastiest cases runs through the real
`preflight` command in a subprocess. Case counts are in docs/reliability.md
(`pytest --hypothesis-show-statistics tests/test_fuzz_inputs.py` prints them).
"""

from __future__ import annotations

import codecs
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from inprocess import RanBytes, preflight_bytes

from preflight.check import check_user_agent
from preflight.errors import InputError, PreflightError, UsageError
from preflight.rules import load_rules
from preflight.scenario import STEP_TYPES, Scenario, load_file, loads

# Hypothesis budgets: a few thousand cases in all, well under a minute on one core; the same
# cases every run in `make test` (conftest's "fixed" profile). `make fuzz` sets
# PREFLIGHT_FUZZ_SCALE to draw N times as many fresh cases, to look for what the fixed ones
# miss: a failure found there is pinned below with @example once fixed.
SCALE = max(int(os.environ.get("PREFLIGHT_FUZZ_SCALE", "1") or 1), 1)
FAST = settings(
    max_examples=400 * SCALE,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
# The same 4,000 cases every `make test` took 28 s to prove again what their first run proved;
# 1,000 keep a regression's odds, and `make fuzz` still draws 4,000 fresh ones per scale (#22).
SLOW = settings(FAST, max_examples=1000 if SCALE == 1 else 4000 * SCALE)

RULES_SOURCE = (
    Path(__file__).parents[1] / "preflight" / "demo_shop" / "demo_rules.toml"
).read_text(encoding="utf-8")

VALID_SCENARIO = """\
name: refresh-during-eligibility
description: the EI refreshes the page while the eligibility test runs
vars: {ADRESSE: "12 rue de la Paix 75002 Paris"}
steps:
  - goto: /acn/boutique
  - click: "text=Commander la Fibre"
  - fill: {selector: "#adresse", value: "${ADRESSE}"}
  - select: {selector: "#pays", value: "FR"}
  - press: {selector: "#adresse", key: "Enter"}
  - wait_for: "#resultat"
  - check: {selector: "#cgv", checked: true}
  - back
  - forward
  - reload
  - expect_url: "**/eligibilite*"
  - expect_text: {text: "Éligible", selector: "main"}
  - screenshot: etape.png
expect:
  verdict: lost
  violations: [reload]
"""

# --- the contract every error must honour --------------------------------------------------


def assert_clear(error: PreflightError, label: str) -> None:
    """One line, naming the file; for a bad file, also the place and what was expected."""
    message = str(error)
    assert message.strip(), "empty message"
    assert "\n" not in message.strip(), f"not one line: {message!r}"
    assert "Traceback" not in message
    assert label in message, f"the file is not named: {message!r}"
    if isinstance(error, InputError):
        assert error.file == label
        assert error.line or error.where, f"no place: {message!r}"
        assert error.expected, f"nothing expected: {message!r}"


def load_scenario_text(text: str, label: str = "fuzz.yaml") -> list[Scenario] | None:
    try:
        scenarios = loads(text, file=label)
    except PreflightError as error:
        assert_clear(error, label)
        return None
    assert scenarios and all(isinstance(s, Scenario) for s in scenarios)
    return scenarios


# --- strategies ------------------------------------------------------------------------------

WORDS = st.sampled_from(
    [
        *STEP_TYPES,
        "name",
        "description",
        "steps",
        "expect",
        "vars",
        "verdict",
        "violations",
        "warnings",
        "selector",
        "value",
        "url",
        "key",
        "text",
        "label",
        "checked",
        "button",
        "attributed",
        "at_risk",
        "lost",
        "reload",
        "gotoo",
        "",
        "${X}",
        "${UNDEFINED}",
    ]
)
SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
    | WORDS
)
KEYS = WORDS | st.text(max_size=12)
VALUES = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)
STEP = (
    WORDS
    | st.dictionaries(WORDS, VALUES, min_size=1, max_size=3)
    | st.builds(lambda action, arg: {action: arg}, st.sampled_from(list(STEP_TYPES)), VALUES)
)
SCENARIO_SHAPED = st.fixed_dictionaries(
    {},
    optional={
        "name": st.text(max_size=20) | SCALARS,
        "description": SCALARS,
        "vars": VALUES,
        "steps": st.lists(STEP, max_size=6) | SCALARS,
        "expect": st.fixed_dictionaries(
            {},
            optional={
                "verdict": WORDS | SCALARS,
                "violations": st.lists(WORDS, max_size=3) | SCALARS,
                "warnings": st.lists(WORDS, max_size=3) | SCALARS,
            },
        )
        | VALUES,
        "extra": VALUES,
    },
)
# Fragments a hand-edited YAML file gets wrong: indentation, quotes, flow brackets, tags,
# anchors, tabs, NULs, merge keys.
YAML_JUNK = st.sampled_from(
    [
        "\t",
        "  ",
        ":",
        "- ",
        '"',
        "'",
        "[",
        "]",
        "{",
        "}",
        "&a ",
        "*a",
        "!!str ",
        "!!python/object:os.system ",
        "!custom ",
        "<<: ",
        "%YAML 1.1\n",
        "---\n",
        "...\n",
        "\x00",
        "\ufeff",
        "\u2028",
        "#",
        "\n",
        "|\n",
        ">-\n",
        "? ",
        "!!binary ",
        "!!set ",
        "!!value ",
        "2001-12-14",
        ".nan",
        "0x1F",
        "~",
    ]
) | st.text(max_size=8)


@st.composite
def mutated(draw: st.DrawFn, source: str, junk: st.SearchStrategy[str]) -> str:
    """`source` with a few edits: characters cut or inserted, lines dropped, swapped, doubled,
    the file cut short."""
    text = source
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["insert", "delete", "drop", "swap", "dup", "truncate"]))
        lines = text.splitlines(keepends=True)
        if op == "insert":
            at = draw(st.integers(0, len(text)))
            text = text[:at] + draw(junk) + text[at:]
        elif op == "delete" and text:
            at = draw(st.integers(0, len(text) - 1))
            text = text[:at] + text[at + draw(st.integers(1, 10)) :]
        elif op == "drop" and lines:
            del lines[draw(st.integers(0, len(lines) - 1))]
            text = "".join(lines)
        elif op == "swap" and len(lines) > 1:
            i = draw(st.integers(0, len(lines) - 2))
            lines[i], lines[i + 1] = lines[i + 1], lines[i]
            text = "".join(lines)
        elif op == "dup" and lines:
            i = draw(st.integers(0, len(lines) - 1))
            lines.insert(i, lines[i])
            text = "".join(lines)
        elif op == "truncate":
            text = text[: draw(st.integers(0, len(text)))]
    return text


def _dump(value: Any) -> str:
    return yaml.safe_dump(value, allow_unicode=True, sort_keys=False)


# --- the scenario loader --------------------------------------------------------------------


@FAST
@given(st.text(max_size=400))
def test_any_text_loads_or_fails_with_one_clear_scenario_error(text: str) -> None:
    load_scenario_text(text)


@FAST
@given(VALUES | st.lists(SCENARIO_SHAPED, max_size=3) | SCENARIO_SHAPED)
def test_any_yaml_value_of_any_shape_loads_or_fails_clearly(value: Any) -> None:
    load_scenario_text(_dump(value))


@FAST
@given(mutated(VALID_SCENARIO, YAML_JUNK))
# Found by CI (stop 10): `!!binary` made bytes, which pydantic refused with no "expected".
@example(VALID_SCENARIO.replace("name: ", "name: !!binary ", 1))
@example(VALID_SCENARIO.replace('value: "FR"', "value: !!binary RlI=", 1))
def test_a_mutated_scenario_file_loads_or_fails_clearly(text: str) -> None:
    load_scenario_text(text)


@pytest.mark.slow
@SLOW
@given(mutated(VALID_SCENARIO, YAML_JUNK) | SCENARIO_SHAPED.map(_dump))
def test_many_more_mutated_scenario_files_load_or_fail_clearly(text: str) -> None:
    load_scenario_text(text)


ENCODINGS = ["utf-8-sig", "utf-16", "utf-16-le", "utf-32", "latin-1", "cp1252", "mac-roman"]


@FAST
@given(
    st.sampled_from(ENCODINGS),
    mutated(VALID_SCENARIO, YAML_JUNK) | st.just(VALID_SCENARIO),
    st.binary(max_size=16),
    st.booleans(),
)
def test_odd_encodings_and_stray_bytes_read_or_fail_with_the_file_named(
    tmp_path_factory: pytest.TempPathFactory,
    encoding: str,
    text: str,
    stray: bytes,
    prepend: bool,
) -> None:
    raw = text.encode(encoding, errors="replace")
    raw = stray + raw if prepend else raw + stray
    path = _scratch(tmp_path_factory, "odd.yaml")
    path.write_bytes(raw)
    try:
        scenarios = load_file(path)
    except PreflightError as error:
        assert_clear(error, str(path))
        return
    assert scenarios


def test_a_utf8_bom_is_accepted_as_editors_on_windows_write_it(tmp_path: Path) -> None:
    path = tmp_path / "bom.yaml"
    path.write_bytes(codecs.BOM_UTF8 + VALID_SCENARIO.encode())
    assert [s.name for s in load_file(path)] == ["refresh-during-eligibility"]


def test_utf16_names_the_file_and_asks_for_utf8(tmp_path: Path) -> None:
    path = tmp_path / "utf16.yaml"
    path.write_bytes(VALID_SCENARIO.encode("utf-16"))
    with pytest.raises(InputError) as caught:
        load_file(path)
    assert_clear(caught.value, str(path))
    assert "UTF-8" in str(caught.value)


def _nested(depth: int) -> str:
    return "name: deep\nsteps: " + "[" * depth + "]" * depth + "\nexpect: {verdict: lost}\n"


PATHOLOGICAL: dict[str, Callable[[], str]] = {
    "nested 50 deep": lambda: _nested(50),
    "nested 5000 deep": lambda: _nested(5000),
    "mapping nested 3000 deep": lambda: "name: " + "{a: " * 3000 + "1" + "}" * 3000,
    "recursive alias": lambda: "&a [*a]\n",
    "recursive mapping alias": lambda: "name: x\nsteps: &s [*s]\nexpect: {verdict: lost}\n",
    "billion laughs": lambda: (
        "name: x\nsteps: [back]\nexpect: {verdict: lost}\nvars:\n"
        + "\n".join(
            f"  l{i}: &l{i} [" + ", ".join([f"*l{i - 1}" if i else "lol"] * 10) + "]"
            for i in range(9)
        )
        + "\n"
    ),
    "unknown tag": lambda: "name: x\nsteps: [!custom back]\nexpect: {verdict: lost}\n",
    "value tag": lambda: "name: x\nsteps: [!!value back]\nexpect: {verdict: lost}\n",
    "merge key": lambda: "name: x\n<<: {a: 1}\nsteps: [back]\nexpect: {verdict: lost}\n",
    "python object tag": lambda: "!!python/object/apply:os.system [echo hi]\n",
    "bad binary": lambda: "name: !!binary '%%%'\nsteps: [back]\nexpect: {verdict: lost}\n",
    "bad timestamp": lambda: "name: !!timestamp 'yesterday'\nsteps: [back]\n",
    "NUL byte": lambda: "name: a\x00\nsteps: [back]\nexpect: {verdict: lost}\n",
    "huge: 20 000 steps, a typo at the end": lambda: (
        "name: long\nsteps:\n" + "  - back\n" * 20_000 + "  - bakc\nexpect: {verdict: lost}\n"
    ),
    "huge: 2 MB of one scalar": lambda: "name: " + "x" * 2_000_000 + "\n",
    "huge: 20 000 keys": lambda: "".join(f"k{i}: {i}\n" for i in range(20_000)),
    "many documents": lambda: "---\nname: a\nsteps: [back]\nexpect: {verdict: lost}\n" * 500,
    "only comments": lambda: "# nothing here\n" * 10,
    "empty": lambda: "",
    "lone surrogate-free control chars": lambda: "name: \x1b[31mred\nsteps: [back]\n",
}


@pytest.mark.parametrize("case", list(PATHOLOGICAL), ids=list(PATHOLOGICAL))
def test_pathological_yaml_fails_clearly_without_recursion_errors_or_hangs(case: str) -> None:
    text = PATHOLOGICAL[case]()
    scenarios = load_scenario_text(text)
    if case.startswith(("nested 5000", "recursive", "billion", "huge", "mapping nested")):
        assert scenarios is None, f"{case} should be refused"


def test_a_typo_at_the_end_of_a_huge_file_is_found_at_its_line() -> None:
    with pytest.raises(PreflightError) as caught:
        loads(PATHOLOGICAL["huge: 20 000 steps, a typo at the end"](), file="long.yaml")
    assert isinstance(caught.value, InputError)
    assert caught.value.line == 20_003
    assert "bakc" in str(caught.value) and "back" in str(caught.value)


# --- the rules loader -----------------------------------------------------------------------

TOML_JUNK = st.sampled_from(
    [
        "=",
        '"',
        "'",
        "[",
        "]",
        "[[",
        "]]",
        "{",
        "}",
        ",",
        "\n",
        "#",
        "\t",
        "\x00",
        "\ufeff",
        "1979-05-27T07:32:00Z",
        "inf",
        "nan",
        "0o777",
        "true",
        "${NOPE}",
        '"""',
        "'''",
        "[order]\n",
        "[vars]\n",
        "vars = 3\n",
        "entry = []\n",
        'allowed = ["netscape"]\n',
        'min_major = { chrome = "new" }\n',
        "unknown_key = 1\n",
        "[[order]]\n",
    ]
) | st.text(max_size=8)
TOML_VALUES = st.sampled_from(
    [
        '"text"',
        "1",
        "-1",
        "3.5",
        "true",
        "[]",
        "[1, 2]",
        '["a", 1]',
        "{}",
        "{ a = 1 }",
        "1979-05-27",
        '"${DEMO_PORT}"',
        '"${MISSING}"',
        '""',
        "[[1], [2]]",
    ]
)


@st.composite
def retyped_rules(draw: st.DrawFn) -> str:
    """The demo rules with one value of one key replaced by a value of another type."""
    lines = RULES_SOURCE.splitlines()
    keyed = [i for i, line in enumerate(lines) if " = " in line and not line.startswith("#")]
    i = draw(st.sampled_from(keyed))
    key = lines[i].split(" = ", 1)[0]
    lines[i] = f"{key} = {draw(TOML_VALUES)}"
    return "\n".join(lines) + "\n"


def _scratch(factory: pytest.TempPathFactory, name: str) -> Path:
    # One folder per test process (xdist workers each get their own base temp).
    base = factory.getbasetemp() / "fuzz"
    base.mkdir(exist_ok=True)
    return base / name


def _load_rules_text(factory: pytest.TempPathFactory, text: str | bytes) -> None:
    path = _scratch(factory, "rules.toml")
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        rules = load_rules(path)
    except PreflightError as error:
        assert_clear(error, str(path))
        return
    assert rules.order.entry and rules.merchant_session.domains


@FAST
@given(mutated(RULES_SOURCE, TOML_JUNK))
def test_a_mutated_rules_file_loads_or_fails_clearly(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    _load_rules_text(tmp_path_factory, text)


@FAST
@given(retyped_rules())
def test_a_value_of_the_wrong_type_in_the_rules_fails_at_its_key(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    _load_rules_text(tmp_path_factory, text)


@FAST
@given(st.binary(max_size=300) | st.text(max_size=300).map(str.encode))
def test_any_bytes_as_a_rules_file_load_or_fail_clearly(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    _load_rules_text(tmp_path_factory, raw)


@pytest.mark.slow
@SLOW
@given(mutated(RULES_SOURCE, TOML_JUNK) | retyped_rules())
def test_many_more_mutated_rules_files_load_or_fail_clearly(
    tmp_path_factory: pytest.TempPathFactory, text: str
) -> None:
    _load_rules_text(tmp_path_factory, text)


RULES_PATHOLOGICAL: dict[str, Callable[[], bytes]] = {
    "utf-8 BOM": lambda: codecs.BOM_UTF8 + RULES_SOURCE.encode(),
    "utf-16": lambda: RULES_SOURCE.encode("utf-16"),
    "latin-1 accents": lambda: ("# règles\n" + RULES_SOURCE).encode("latin-1"),
    "array nested 5000 deep": lambda: b"x = " + b"[" * 5000 + b"]" * 5000 + b"\n",
    "inline table nested 3000 deep": lambda: b"x = " + b"{a = " * 3000 + b"1" + b"}" * 3000,
    "huge: 2 MB string": lambda: b'name = "' + b"x" * 2_000_000 + b'"\n',
    "huge: 50 000 vars": lambda: b"[vars]\n" + b"".join(b"V%d = 'x'\n" % i for i in range(50_000)),
    "empty": lambda: b"",
    "NUL": lambda: b'name = "a\x00"\n',
}
# What must load: a BOM is how Windows' Notepad saves UTF-8.
RULES_MUST_LOAD = {"utf-8 BOM"}


@pytest.mark.parametrize("case", list(RULES_PATHOLOGICAL), ids=list(RULES_PATHOLOGICAL))
def test_pathological_rules_files_fail_clearly_without_recursion_errors(
    tmp_path: Path, case: str
) -> None:
    path = tmp_path / "rules.toml"
    path.write_bytes(RULES_PATHOLOGICAL[case]())
    if case in RULES_MUST_LOAD:
        assert load_rules(path).name == "demo"
        return
    with pytest.raises(PreflightError) as caught:
        load_rules(path)
    assert_clear(caught.value, str(path))


def test_a_folder_or_an_unreadable_path_as_rules_is_a_clear_error(tmp_path: Path) -> None:
    for path in (tmp_path, tmp_path / "missing" / "rules.toml", Path("/proc/self/mem")):
        with pytest.raises(PreflightError) as caught:
            load_rules(path)
        assert str(path) in str(caught.value)
        assert "\n" not in str(caught.value)


# --- the user-agent check -------------------------------------------------------------------

REAL_UAS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/131.0.0.0 Safari/537.36",
    "Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/17.4.1 Safari/605.1.15",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) CriOS/124.0.6367.88 Mobile/15E148 Safari/604.1",
]
UA_JUNK = (
    st.text(max_size=10)
    | st.sampled_from(["(", ")", ";", "/", "\x00", "\udcff", "\ud800", "Chrome/", "Firefox/"])
    | st.sampled_from(["Chrome/99999999999999999999999", "Firefox/-1", "Version/1e309"])
)


def _check_ua(user_agent: str) -> None:
    rules = load_rules("demo")
    try:
        results = check_user_agent(user_agent, rules, "fr")
    except UsageError as error:
        assert "--user-agent" in str(error) and "\n" not in str(error)
        return
    assert [r.id for r in results][:2] == ["browser_family", "browser_version"]
    assert all(r.status in {"pass", "warn", "fail"} and r.message for r in results)


@FAST
@given(st.text(max_size=300))
def test_any_user_agent_text_gives_results_or_a_usage_error(user_agent: str) -> None:
    _check_ua(user_agent)


@FAST
@given(st.sampled_from(REAL_UAS).flatmap(lambda ua: mutated(ua, UA_JUNK)))
def test_a_mutated_real_user_agent_gives_results_or_a_usage_error(user_agent: str) -> None:
    _check_ua(user_agent)


def test_a_huge_user_agent_is_checked_without_hanging() -> None:
    _check_ua("Mozilla/5.0 " * 20_000)
    _check_ua("Mozilla/5.0 (" + "(" * 50_000)


# --- through the real command ----------------------------------------------------------------


def preflight(*args: str, cwd: Path | None = None) -> RanBytes:
    """The command in-process (tests/inprocess.py): the same exit code and lines as its process,
    and an exception escaping it fails the test. The non-UTF-8 command line below needs a real
    process, as bytes reach only a process's argv."""
    return preflight_bytes(*args, cwd=cwd)


def preflight_process(*args: str) -> subprocess.CompletedProcess[bytes]:
    """The command as a process of its own."""
    return subprocess.run(
        [sys.executable, "-m", "preflight", *args],
        capture_output=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "300"},
    )


def assert_exit_2_one_line(result: RanBytes, *names: str) -> str:
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, (result.returncode, stderr[-2000:])
    assert "Traceback" not in stderr, stderr[-2000:]
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, stderr
    for name in names:
        assert name in lines[0], lines[0]
    return lines[0]


CLI_RULES_CASES = ["array nested 5000 deep", "utf-16", "NUL", "empty", "huge: 2 MB string"]


@pytest.mark.parametrize("case", CLI_RULES_CASES)
def test_a_bad_rules_file_through_the_cli_exits_2_in_one_line(tmp_path: Path, case: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_bytes(RULES_PATHOLOGICAL[case]())
    result = preflight("check", "--rules", str(path), "--user-agent", REAL_UAS[0], "--json")
    assert_exit_2_one_line(result, str(path))


def test_mutated_rules_through_the_cli_exit_2_naming_file_and_key(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(RULES_SOURCE.replace('session_param = "acn"', "session_param = 3"))
    result = preflight("check", "--rules", str(path), "--user-agent", REAL_UAS[0], "--json")
    line = assert_exit_2_one_line(result, str(path), "session_param")
    assert "expected" in line


def test_a_non_utf8_user_agent_on_the_command_line_is_checked_without_a_traceback() -> None:
    # A terminal in Latin-1 passes bytes Python decodes with surrogate escapes.
    result = subprocess.run(
        [
            sys.executable.encode(),
            b"-m",
            b"preflight",
            b"check",
            b"--rules",
            b"demo",
            b"--json",
            b"--user-agent",
            b"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0 \xe9\xff",
        ],
        capture_output=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert b"Traceback" not in result.stderr, result.stderr.decode(errors="replace")
    assert result.returncode in (0, 1), result.stderr.decode(errors="replace")


def test_an_empty_user_agent_exits_2_in_one_line() -> None:
    assert_exit_2_one_line(preflight("check", "--user-agent", "  ", "--json"), "--user-agent")


def test_a_port_in_use_exits_2_naming_the_port() -> None:
    import socket

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = preflight("serve-demo", "--port", port)
    assert_exit_2_one_line(result, port)


@pytest.mark.parametrize(
    "args",
    [
        ["check", "--browser", "netscape"],
        ["check", "--executable", "/nonexistent/chrome"],
        ["check", "--executable", "/etc/hostname", "--browser", "chrome"],
        ["check", "--rules", "/nonexistent/rules.toml", "--user-agent", "x"],
        ["check", "--profile", "/nonexistent/profile", "--browser", "firefox"],
        ["serve-demo", "--port", "99999"],
        ["serve-demo", "--mode", "flash"],
        ["check", "--lang", "klingon"],
    ],
    ids=lambda args: " ".join(args),
)
def test_bad_command_line_values_exit_2_without_a_traceback(args: list[str]) -> None:
    # An executable that exists gets as far as a browser launch, which needs a process of its
    # own: Playwright's sync API cannot start inside the test session's.
    launches = "/etc/hostname" in args
    result = preflight_process(*args) if launches else preflight(*args)
    stderr = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2, (result.returncode, stderr[-2000:])
    assert "Traceback" not in stderr
    assert stderr.strip(), "no message"


# --- the Chrome DevTools Recorder importer -------------------------------------------------------

CHROME_TYPES = st.sampled_from(
    [
        "navigate",
        "click",
        "doubleClick",
        "change",
        "keyDown",
        "keyUp",
        "waitForElement",
        "setViewport",
        "hover",
        "scroll",
        "waitForExpression",
        "close",
        "customStep",
        "bogus",
        "",
    ]
)
SELECTOR_TEXT = st.sampled_from(
    [
        "#id",
        'aria/Tester[role="button"]',
        "text/Commander",
        "xpath///div[1]",
        "pierce/#x",
        "[data-testid=x]",
        "",
        " ",
        "#iban",
        "#carte",
        "input[type=password]",
    ]
) | st.text(max_size=15)
CHROME_STEP = st.fixed_dictionaries(
    {"type": CHROME_TYPES | SCALARS},
    optional={
        "selectors": st.lists(st.lists(SELECTOR_TEXT, max_size=3) | SELECTOR_TEXT, max_size=3)
        | SCALARS,
        "url": st.sampled_from(
            [
                "http://127.0.0.1:8765/acn/boutique",
                "",
                "not a url",
                "http://localhost:8765/sfr/offre?t=1",
            ]
        )
        | SCALARS,
        "value": st.text(max_size=20) | SCALARS,
        "key": st.sampled_from(["Enter", "Tab", ""]) | SCALARS,
        "button": st.sampled_from(["primary", "secondary", "auxiliary", "middle"]) | SCALARS,
        "target": st.sampled_from(["main", "other"]) | SCALARS,
        "frame": st.lists(st.integers(0, 3), max_size=2) | SCALARS,
        "count": st.integers(-1, 3) | SCALARS,
        "visible": st.booleans() | SCALARS,
        "assertedEvents": st.lists(
            st.fixed_dictionaries({"type": st.just("navigation")}, optional={"url": SCALARS}),
            max_size=2,
        )
        | SCALARS,
    },
)
RECORDING = st.fixed_dictionaries(
    {},
    optional={
        "title": st.text(max_size=30) | SCALARS,
        "steps": st.lists(CHROME_STEP, max_size=8) | SCALARS,
        "timeout": SCALARS,
    },
)


def import_chrome_data(data: Any, label: str = "flow.json") -> None:
    from preflight.scenario._chrome import import_recording

    try:
        imported = import_recording(
            data, file=label, base_url="http://127.0.0.1:8765", sensitive=["#iban"]
        )
    except PreflightError as error:
        assert_clear(error, label)
        return
    assert imported.scenario.steps
    # Whatever was typed in a bank field never reaches the scenario.
    for step in data.get("steps", []) if isinstance(data, dict) else []:
        value = step.get("value") if isinstance(step, dict) else None
        if isinstance(value, str) and len(value) > 3 and "#iban" in str(step.get("selectors")):
            assert value not in repr(imported.scenario.model_dump())


@FAST
@given(RECORDING)
def test_any_recording_shaped_json_imports_or_fails_clearly(data: dict[str, Any]) -> None:
    import_chrome_data(data)


def read_recording_bytes(factory: pytest.TempPathFactory, raw: bytes) -> None:
    from preflight.scenario._chrome import read_recording

    path = _scratch(factory, "flow.json")
    path.write_bytes(raw)
    try:
        data = read_recording(path)
    except PreflightError as error:
        assert_clear(error, str(path))
        return
    import_chrome_data(data, str(path))


@FAST
@given(
    mutated(
        '{"title": "Commande", "steps": [{"type": "navigate", "url": '
        '"http://127.0.0.1:8765/acn/boutique"}, {"type": "click", "selectors": [["#go"]]}, '
        '{"type": "change", "selectors": [["#iban"]], "value": "FR7630006000011234567890189"}]}',
        st.sampled_from(['"', "{", "}", "[", "]", ",", ":", "\\", "\x00", "null", "1e999"])
        | st.text(max_size=6),
    ).map(str.encode)
    | st.binary(max_size=200)
)
def test_a_mutated_recording_file_imports_or_fails_clearly(
    tmp_path_factory: pytest.TempPathFactory, raw: bytes
) -> None:
    read_recording_bytes(tmp_path_factory, raw)


RECORDING_PATHOLOGICAL: dict[str, Callable[[], bytes]] = {
    "nested 100 000 deep": lambda: b"[" * 100_000 + b"]" * 100_000,
    "steps nested deep": lambda: b'{"title": "x", "steps": ' + b"[" * 50_000 + b"]" * 50_000 + b"}",
    "utf-8 BOM": lambda: (
        codecs.BOM_UTF8 + b'{"title": "x", "steps": [{"type": "navigate", '
        b'"url": "http://127.0.0.1:8765/acn/boutique"}]}'
    ),
    "utf-16": lambda: '{"title": "x", "steps": []}'.encode("utf-16"),
    "latin-1": lambda: '{"title": "é", "steps": []}'.encode("latin-1"),
    "a list, not an object": lambda: b"[1, 2]",
    "NaN title": lambda: b'{"title": NaN, "steps": [{"type": "navigate", "url": "http://x/"}]}',
    "huge: 50 000 steps": lambda: (
        b'{"title": "x", "steps": ['
        + b",".join([b'{"type": "hover", "selectors": [["#x"]]}'] * 50_000)
        + b"]}"
    ),
    "empty": lambda: b"",
}


@pytest.mark.parametrize("case", list(RECORDING_PATHOLOGICAL), ids=list(RECORDING_PATHOLOGICAL))
def test_pathological_recordings_fail_clearly_without_recursion_errors(
    tmp_path_factory: pytest.TempPathFactory, case: str
) -> None:
    read_recording_bytes(tmp_path_factory, RECORDING_PATHOLOGICAL[case]())


@pytest.mark.parametrize("case", ["nested 100 000 deep", "utf-16", "a list, not an object"])
def test_a_bad_recording_through_the_cli_exits_2_in_one_line(tmp_path: Path, case: str) -> None:
    path = tmp_path / "flow.json"
    path.write_bytes(RECORDING_PATHOLOGICAL[case]())
    result = preflight("import-recording", str(path), "-o", str(tmp_path / "out.yaml"))
    assert_exit_2_one_line(result, str(path))


@pytest.mark.parametrize("selector", ["", " ", "aria/", "text/", "xpath/", "pierce/"])
def test_a_recorded_click_whose_selectors_are_all_empty_names_the_step(selector: str) -> None:
    from preflight.scenario._chrome import import_recording

    data = {
        "title": "x",
        "steps": [
            {"type": "navigate", "url": "http://127.0.0.1:8765/acn/boutique"},
            {"type": "click", "selectors": [[selector]]},
        ],
    }
    with pytest.raises(InputError) as caught:
        import_recording(data, file="flow.json")
    assert_clear(caught.value, "flow.json")
    assert caught.value.where == "step 2 (click)"
