"""Figure 2, the watcher's overhead: the bench scenarios replayed by preflight's replayer (probe,
watcher, settling) ÷ the same steps in plain Playwright. And the remote-browser ratio: the same
replays on a browser of a Playwright server on loopback ÷ on a locally launched one."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bench._plain import drive
from bench._stats import Figure, Paired, interleaved, timed
from preflight.demo_shop import DemoShop
from preflight.scenario import Scenario
from preflight.scenario._replay import replay_scenario

if TYPE_CHECKING:
    from playwright.sync_api import Browser

TARGET = 1.10


class ReplayFailed(RuntimeError):
    """A bench scenario did not replay to its expectation: its time would mean nothing."""


def replay_all(browser: Browser, scenarios: list[Scenario], shop: DemoShop) -> None:
    rules = shop.rules()
    for scenario in scenarios:
        context = browser.new_context()
        try:
            result = replay_scenario(
                context,
                scenario,
                rules=rules,
                base_url=shop.acn_url,
                variables={"MERCHANT": shop.sfr_url},
                browser=browser.browser_type.name,
            )
        finally:
            context.close()
        if not result.passed:
            failure = result.failure.message if result.failure else "?"
            raise ReplayFailed(f"{scenario.name} on {browser.browser_type.name}: {failure}")


def drive_all(browser: Browser, scenarios: list[Scenario], shop: DemoShop) -> None:
    for scenario in scenarios:
        context = browser.new_context()
        try:
            drive(context, scenario, shop.acn_url)
        finally:
            context.close()


def watcher_overhead(
    browser: Browser,
    name: str,
    scenarios: list[Scenario],
    shop: DemoShop,
    repeats: int,
    budget_s: float | None = None,
) -> Figure:
    pair = interleaved(
        lambda: timed(lambda: replay_all(browser, scenarios, shop)),
        lambda: timed(lambda: drive_all(browser, scenarios, shop)),
        repeats,
        budget_s=budget_s,
        warmup=False,  # the latency figure ran on this browser and shop just before
    )
    return Figure(
        id="watcher_overhead",
        browser=name,
        title="replay with watcher ÷ plain Playwright",
        unit="×",
        value=pair.ratio,
        target=f"≤ {TARGET:.2f}×",
        met=pair.ratio.median <= TARGET,
        repeats=pair.ratio.n,
        note=f"{len(scenarios)} scenarios: {pair.a.median:.2f} s vs {pair.b.median:.2f} s",
        detail=_sides(pair, "watcher_s", "plain_s"),
    )


def remote_ratio(
    remote: Browser,
    local: Browser,
    name: str,
    scenarios: list[Scenario],
    shop: DemoShop,
    repeats: int,
    budget_s: float | None = None,
) -> Figure:
    # Warm the remote browser with one scenario; the local one is warm from the figures before.
    replay_all(remote, scenarios[:1], shop)
    pair = interleaved(
        lambda: timed(lambda: replay_all(remote, scenarios, shop)),
        lambda: timed(lambda: replay_all(local, scenarios, shop)),
        repeats,
        budget_s=budget_s,
        warmup=False,
    )
    return Figure(
        id="remote_ratio",
        browser=name,
        title="replay on remote browser ÷ local",
        unit="×",
        value=pair.ratio,
        repeats=pair.ratio.n,
        note=f"Playwright server on loopback: {pair.a.median:.2f} s vs {pair.b.median:.2f} s",
        detail=_sides(pair, "remote_s", "local_s"),
    )


def _sides(pair: Paired, a: str, b: str) -> dict[str, object]:
    return {a: pair.a.model_dump(), b: pair.b.model_dump()}
