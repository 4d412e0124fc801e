"""What an order learns of the customer's typed values (`preflight.order.typed`), on the reads a
page hands back: no browser needed (the order's privacy test runs the real thing)."""

from __future__ import annotations

import json

from preflight.order.typed import MAX_VALUE_CHARS, MAX_VALUES, TypedValues
from preflight.rules import load_rules


def read(*pairs: tuple[str, str]) -> str:
    return json.dumps([list(pair) for pair in pairs])


def test_a_value_read_while_typed_is_kept_whole_and_junk_is_ignored() -> None:
    typed = TypedValues(load_rules("demo"))
    assert "#nom" in typed.selectors and "#iban" in typed.selectors
    typed.learn(read(("#nom 0", "Cami"), ("#email 0", "camille@ex")))
    typed.learn(read(("#nom 0", "Camille  Martin"), ("#email 0", "camille@example.fr")))
    # Another field holding the name keeps it: only a field's own beginnings go.
    typed.learn(read(("#instructions 0", "Camille Martin, 2e étage")))
    typed.learn(read(("#nom 0", "Camille Martinn"), ("#nom 0", "Camille Martin")))  # a typo
    for junk in ("not json", '{"#nom 0": "Dupont"}', '[["#nom 0", 1], null, "Dupont"]', 42):
        typed.learn(junk)
    typed.learn(read(("#adresse 0", "x" * (MAX_VALUE_CHARS + 1))))
    assert sorted(typed.values) == sorted(
        ["camille@example.fr", "Camille Martin, 2e étage", "Camille Martinn", "Camille Martin"]
    )


def test_a_page_that_floods_the_binding_keeps_only_the_latest_values() -> None:
    typed = TypedValues(load_rules("demo"))
    for n in range(3 * MAX_VALUES):
        typed.learn(read((f"#nom {n}", f"valeur {n:04d}")))
    assert len(typed.values) == MAX_VALUES
    assert typed.values[-1] == f"valeur {3 * MAX_VALUES - 1:04d}"
