"""Write preflight/locale/preflight.pot from the English catalogue: every key, its context, and
the English text as a comment for translators (tests/test_i18n.py fails when they differ).

Usage: python scripts/update_pot.py   (after adding or changing a message in en/…/preflight.po)
"""

from __future__ import annotations

from importlib.metadata import version
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

LOCALE = Path(__file__).resolve().parents[1] / "preflight" / "locale"


def main() -> None:
    with (LOCALE / "en" / "LC_MESSAGES" / "preflight.po").open("rb") as file:
        english = read_po(file)
    pot = Catalog(
        domain="preflight",
        project="preflight",
        version=version("preflight"),
        copyright_holder="preflight",
        fuzzy=False,
    )
    for message in english:
        if message.id:
            pot.add(
                message.id,
                "",
                context=message.context,
                auto_comments=[f"English: {message.string}"],
            )
    with (LOCALE / "preflight.pot").open("wb") as file:
        write_po(file, pot, width=100, sort_output=True)


if __name__ == "__main__":
    main()
