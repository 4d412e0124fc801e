"""Repeats, interleaving and summaries: every figure is a median, a min and a max."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from typing import Any

from pydantic import BaseModel


class Summary(BaseModel):
    median: float
    min: float
    max: float
    n: int

    @classmethod
    def of(cls, values: Sequence[float]) -> Summary:
        if not values:
            raise ValueError("no sample to summarise")
        return cls(
            median=statistics.median(values), min=min(values), max=max(values), n=len(values)
        )


def percentile(values: Sequence[float], q: float) -> float:
    """The `q`-th percentile (0-100), linear between the nearest ranks."""
    ordered = sorted(values)
    if not ordered:
        raise ValueError("no sample")
    rank = (len(ordered) - 1) * q / 100
    low = int(rank)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (rank - low)


class Figure(BaseModel):
    """One line of the table: a figure on one browser."""

    id: str
    browser: str
    title: str
    unit: str
    value: Summary | None = None
    target: str | None = None
    met: bool | None = None
    repeats: int = 0
    note: str = ""
    detail: dict[str, Any] = {}


class Paired(BaseModel):
    """A/B measured in interleaved pairs: both sides and the per-pair ratio A÷B."""

    a: Summary
    b: Summary
    ratio: Summary


def interleaved(
    a: Callable[[], float],
    b: Callable[[], float],
    repeats: int,
    *,
    warmup: bool = True,
    budget_s: float | None = None,
    min_pairs: int = 2,
) -> Paired:
    """Run A and B alternately (A B A B …) up to `repeats` times each; each callable returns the
    seconds (or bytes…) it measured. A warm-up pair is run first and dropped: the first launch
    of a browser reads its files from disk, later ones from the page cache. With `budget_s`,
    no new pair starts once the budget is spent (after `min_pairs`): `n` says how many ran."""
    started = time.perf_counter()
    if warmup:
        a()
        b()
    xs: list[float] = []
    ys: list[float] = []
    for _ in range(repeats):
        spent = time.perf_counter() - started
        if budget_s is not None and len(xs) >= min_pairs and spent > budget_s:
            break
        xs.append(a())
        ys.append(b())
    return Paired(
        a=Summary.of(xs),
        b=Summary.of(ys),
        ratio=Summary.of([x / y for x, y in zip(xs, ys, strict=True)]),
    )


def timed(action: Callable[[], object]) -> float:
    """Wall-clock seconds `action` took."""
    started = time.perf_counter()
    action()
    return time.perf_counter() - started
