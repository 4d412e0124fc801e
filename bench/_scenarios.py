"""The scenarios the bench replays, on the demo shop (multi-page mode).

A small representative set (a clean order end to end, a reload, a Back, a customer-service
click) rather than the whole `scenarios/` library: each is replayed several times on two
browsers, twice per pair, within the 10-minute budget.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from preflight.scenario import Scenario, loads

if TYPE_CHECKING:
    from playwright.sync_api import BrowserContext

    from preflight.demo_shop import DemoShop
    from preflight.scenario import ScenarioResult

_TO_ELIGIBILITY = """\
  - goto: /acn/boutique
  - click: "text=Commander la Fibre"
  - click: "text=Tester mon éligibilité"
  - fill: {selector: "#adresse", value: "12 rue de la Paix 75002 Paris"}
  - click: "#tester"
  - expect_text: {text: "Éligible", selector: "#resultat"}
"""

SET = f"""\
- name: clean-order
  steps:
{_TO_ELIGIBILITY}  - click: "#continuer"
  - fill: {{selector: "#nom", value: "Jeanne Client"}}
  - fill: {{selector: "#telephone", value: "06 12 34 56 78"}}
  - fill: {{selector: "#email", value: "jeanne@example.fr"}}
  - click: "#valider"
  - click: "#commander-plus-tard"
  - expect_url: "*/sfr/confirmation*"
  expect: {{verdict: attributed, violations: []}}
- name: reload-during-eligibility
  steps:
{_TO_ELIGIBILITY}  - reload
  - expect_url: "*/sfr/eligibilite*"
  expect: {{verdict: lost, violations: [reload]}}
- name: back-during-eligibility
  steps:
{_TO_ELIGIBILITY}  - back
  - expect_url: "*/sfr/eligibilite*"
  expect: {{verdict: lost, violations: [back]}}
- name: customer-service-click
  steps:
{_TO_ELIGIBILITY}  - click: "#service-client"
  - expect_url: "*/sfr/assistance/*"
  expect: {{verdict: lost}}
"""

# One short scenario, copied under N names, for the suite-throughput figure.
SHORT = """\
name: {name}
description: "bench copy {index}, the EI refreshes the offer page"
steps:
  - goto: /acn/boutique
  - click: "text=Commander la Fibre"
  - reload
expect: {{verdict: lost, violations: [reload]}}
"""

NOT_ELIGIBLE = "3 chemin de la zone blanche 99999 Nulle-Part"


def bench_set() -> list[Scenario]:
    return loads(SET, file="bench/_scenarios.py")


def long_order(steps: int = 200) -> Scenario:
    """An order of `steps` steps: the eligibility test failed again and again (a navigation and
    an eligibility-error event each time) and the offer conditions read (an in-page anchor)."""
    head = [
        "  - goto: /acn/boutique",
        '  - click: "text=Commander la Fibre"',
        '  - click: "text=Tester mon éligibilité"',
    ]
    loop = [
        f'  - fill: {{selector: "#adresse", value: "{NOT_ELIGIBLE}"}}',
        '  - click: "#tester"',
        '  - expect_text: {text: "éligible", selector: "[data-testid=eligibility-error]"}',
        '  - click: "#voir-conditions"',
    ]
    body = list(head)
    while len(body) + len(loop) <= steps:
        body.extend(loop)
    while len(body) < steps:
        body.append('  - expect_url: "*/sfr/eligibilite*"')
    text = "name: long-order\nsteps:\n" + "\n".join(body) + "\nexpect: {verdict: at_risk}\n"
    [scenario] = loads(text, file="bench/_scenarios.py")
    return scenario


def replay_on_shop(
    context: BrowserContext, scenario: Scenario, shop: DemoShop, browser: str, **extra: Any
) -> ScenarioResult:
    """`scenario` replayed with the watcher in `context`, on the demo `shop`, as every figure
    of the bench replays it (`extra`: `replay_scenario`'s other keywords)."""
    from preflight.scenario import replay_scenario

    rules, url, variables = shop.rules(), shop.acn_url, {"MERCHANT": shop.sfr_url}
    return replay_scenario(
        context, scenario, rules=rules, base_url=url, variables=variables, browser=browser, **extra
    )
