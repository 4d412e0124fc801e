"""The seller's manual checklist (`shop.checklist`): the EI's answers, one result per item."""

from __future__ import annotations

import re
from collections.abc import Sequence

from pydantic import BaseModel

from preflight.check._model import CheckResult, Status
from preflight.i18n import Lang, say
from preflight.rules import SEED_CHECKLIST, ChecklistItem


class ManualAnswers(BaseModel):
    """The EI's answers to the rules' checklist (`shop.checklist`), by item id: yes or no, and
    an item missing was not asked.

    The customer's phone number itself is never kept: only whether a valid one was given.
    """

    answers: dict[str, bool] = {}


# --- Manual items ----------------------------------------------------------------------------

# French numbers a person answers during the day: 01–05 (landlines), 06–07 (mobiles), 09
# (VoIP boxes); 08 numbers are services, not people. National (0X…) or international (+33 / 0033).
_FRENCH_PHONE = re.compile(r"^(?:0|\+33|0033)(?:\(0\))?([1-79])(\d{8})$")


def is_french_phone(text: str) -> bool:
    """True for a French phone number a person can answer, written the usual ways."""
    compact = re.sub(r"[\s.\-/]", "", text.strip())
    return bool(_FRENCH_PHONE.match(compact))


def manual_checks(
    answers: ManualAnswers | None, lang: Lang, checklist: Sequence[ChecklistItem] = SEED_CHECKLIST
) -> list[CheckResult]:
    """One result per checklist item: pass when the EI confirmed it, warn otherwise."""
    given = (answers or ManualAnswers()).answers
    results = []
    for item in checklist:
        value = given.get(item.id)
        status: Status = "pass" if value else "warn"
        message = (item.done if value else item.todo)(lang)
        if value is None:
            message += say("check.manual.not_asked", lang)
        results.append(CheckResult(id=item.id, status=status, message=message))
    return results
