"""Faults a real order meets, survived: Ctrl+C and SIGTERM, a killed browser, a page the user
closes, a shop that answers 500, answers slowly or not at all, a report folder that cannot be
written, a full disk. Each ends with a clear message, the JSONL log whole up to the fault, the
report marked incomplete, no browser process left behind, and a documented exit code:

    0 attributed · 1 at risk · 3 lost · 2 error (bad input, report not writable, shop
    unreachable) · 130 interrupted (SIGINT or SIGTERM; the report says incomplete)

Faults in a separate process (signals, kills) drive the real `preflight order` command; the
rest drive `run_order` in-process with a callback playing the customer. Browser processes are
counted with psutil: every process the command started must be gone when it returns.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import psutil
import pytest
from playwright.sync_api import Browser, Page

from preflight.demo_shop import DemoShop
from preflight.errors import PreflightError
from preflight.order import run_order
from preflight.report import load_events, load_report
from preflight.watch import Watcher

BROWSER_NAMES = ("chrome", "chromium", "firefox", "firefox-esr", "headless_shell")
EXIT_INTERRUPTED = 130


# --- helpers -----------------------------------------------------------------------------------


def poll(condition: Callable[[], object], what: str, timeout: float = 90.0) -> None:
    """Wait for `condition`, polling; fail naming `what` (no fixed sleeps, no timed asserts)."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"gave up waiting for {what}")
        time.sleep(0.1)


def event_kinds(folder: Path) -> list[str]:
    try:
        return [e.kind for e in load_events(folder)]
    except PreflightError:
        return []  # not there yet


class Order:
    """`preflight order` in a subprocess, with every process it starts remembered."""

    def __init__(self, link: str, browser: str, report: Path, port: int, *extra: str) -> None:
        env = {**os.environ, "PREFLIGHT_DEMO_PORT": str(port), "COLUMNS": "200", "NO_COLOR": "1"}
        args = ["order", link, "--rules", "demo", "--browser", browser, "--headless"]
        args += ["--no-check", "--report", str(report), *extra]
        self.report = report
        self.process = subprocess.Popen(
            [sys.executable, "-m", "preflight", *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        self.seen: dict[int, float] = {}

    def remember_children(self) -> list[psutil.Process]:
        try:
            children = psutil.Process(self.process.pid).children(recursive=True)
        except psutil.NoSuchProcess:
            return []
        for child in children:
            try:
                self.seen.setdefault(child.pid, child.create_time())
            except psutil.NoSuchProcess:
                continue
        return children

    def wait_for_event(self, kind: str) -> None:
        def there() -> bool:
            self.remember_children()
            assert self.process.poll() is None, self.finish()
            return kind in event_kinds(self.report)

        poll(there, f"a {kind!r} event in {self.report}")

    def browsers(self) -> list[psutil.Process]:
        found = []
        for child in self.remember_children():
            try:
                if child.name() in BROWSER_NAMES:
                    found.append(child)
            except psutil.NoSuchProcess:
                continue
        return found

    def finish(self, timeout: float = 120) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, out, err

    def leftovers(self) -> list[str]:
        """Processes the command started that are still running once it has returned."""
        left = []
        for pid, created in self.seen.items():
            try:
                process = psutil.Process(pid)
                if process.create_time() != created:
                    continue  # the pid was reused
                if process.status() == psutil.STATUS_ZOMBIE:
                    continue
                left.append(f"{pid} {process.name()}")
            except psutil.NoSuchProcess:
                continue
        return left

    def assert_no_leftovers(self) -> None:
        # The browser may take a moment to exit after its driver is gone: poll, then judge.
        deadline = time.monotonic() + 20
        while self.leftovers() and time.monotonic() < deadline:
            time.sleep(0.2)
        left = self.leftovers()
        for entry in left:  # never leave them to the next test
            with contextlib.suppress(psutil.NoSuchProcess):
                psutil.Process(int(entry.split()[0])).kill()
        assert not left, f"processes left behind: {left}"


def assert_log_whole_and_report_incomplete(folder: Path, *, first: str = "acn_entry") -> None:
    lines = (folder / "events.jsonl").read_bytes().splitlines()
    assert lines, "no event logged"
    for line in lines:
        json.loads(line)  # every line whole
    events = list(load_events(folder))
    assert events[0].kind == first
    assert [e.seq for e in events] == sorted(e.seq for e in events)
    report = load_report(folder)
    assert report.incomplete is True
    assert report.events == len(events) or report.events <= len(events)


@pytest.fixture
def private_shop() -> Iterator[DemoShop]:
    """A demo shop of this test's own, that the test may stop."""
    shop = DemoShop(port=0).start()
    try:
        yield shop
    finally:
        shop.stop()


# --- signals during `preflight order` ------------------------------------------------------------


# A page whose own script takes its thread for good (issue #25): SIGTERM ends the command within
# 10 s all the same. Before, the first SIGTERM was ignored on both engines.
SPIN = "setTimeout(() => { for (;;) {} }, 1500);"


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_an_order_ends_it_cleanly_with_an_incomplete_report(
    browser_name: str, shop: DemoShop, tmp_path: Path, signum: int
) -> None:
    with FlakyShop(script=SPIN if signum == signal.SIGTERM else "") as flaky:
        link, port = (
            (flaky.link, flaky.port) if signum == signal.SIGTERM else (shop.link(), shop.port)
        )
        order = Order(link, browser_name, tmp_path / "report", port)
        order.wait_for_event("merchant_reached")
        assert order.browsers(), "the order's browser was not seen"
        if signum == signal.SIGTERM:
            time.sleep(2)  # the page spins now

        order.process.send_signal(signum)
        sent = time.monotonic()
        code, out, err = order.finish()
        took = time.monotonic() - sent

    assert code == EXIT_INTERRUPTED, (code, out, err)
    assert "Traceback" not in err, err
    assert "interrupted" in (out + err).lower() or "interrompu" in (out + err).lower()
    assert took < 10, took
    assert_log_whole_and_report_incomplete(tmp_path / "report")
    order.assert_no_leftovers()


# --- the browser killed, the page closed ----------------------------------------------------------


def test_a_browser_killed_under_the_command_leaves_an_incomplete_report_and_no_process(
    browser_name: str, shop: DemoShop, tmp_path: Path
) -> None:
    order = Order(shop.link(), browser_name, tmp_path / "report", shop.port)
    order.wait_for_event("merchant_reached")
    before = len(list(load_events(tmp_path / "report")))
    mains = [p for p in order.browsers() if (up := p.parent()) and up.name() not in BROWSER_NAMES]
    assert mains, "the order's browser was not found"
    for process in mains:
        process.kill()

    code, out, err = order.finish()

    assert "Traceback" not in err, err
    # The ending of what was seen, its exit documented: killed before any confirmation, the
    # order was not placed (4).
    assert code in (0, 1, 3, 4), (code, out, err)
    assert "incomplet" in out.lower(), out
    assert len(list(load_events(tmp_path / "report"))) >= before
    assert_log_whole_and_report_incomplete(tmp_path / "report")
    order.assert_no_leftovers()


def test_a_page_closed_by_the_user_ends_the_order_as_incomplete(
    bfcache_browser: Browser, browser_name: str, shop: DemoShop, tmp_path: Path
) -> None:
    def drive(page: Page, watcher: Watcher) -> None:
        page.locator("#tester-eligibilite").click()
        page.locator("#adresse").wait_for()
        watcher.settle()
        page.close()

    result = run_order(
        shop.link(),
        shop.rules(),
        browser=browser_name,
        headless=True,
        report_dir=tmp_path / "report",
        drive=drive,
        launched=bfcache_browser,
    )

    assert result.ended == "closed" and result.incomplete
    assert_log_whole_and_report_incomplete(result.folder)
    assert any("/sfr/eligibilite" in e.url for e in load_events(result.folder))


# --- a shop that fails -----------------------------------------------------------------------


class FlakyShop:
    """A tiny shop of our own: the ACN link redirects to the merchant's pages, which answer
    500, or slowly, as asked. Same host layout as the demo shop (ACN on 127.0.0.1, merchant on
    localhost) so the demo rules apply."""

    def __init__(self, *, status: int = 200, delay: float = 0.0, script: str = "") -> None:
        shop = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                shop.hits.append(self.path)
                if self.path.startswith("/acn/go/"):
                    self.send_response(302)
                    self.send_header("Location", f"http://localhost:{shop.port}/sfr/offre")
                    self.end_headers()
                    return
                # Slow, not stuck: the wait is cut short when the test ends.
                shop.closing.wait(shop.delay)
                nxt = "/sfr/eligibilite" if self.path.startswith("/sfr/offre") else "/sfr/fin"
                body = (
                    f"<html><head><script>{shop.script}</script></head>"
                    f"<body><h1 id=title>{self.path} {shop.status}</h1>"
                    f"<a id=next href='{nxt}'>suite</a></body></html>"
                ).encode()
                self.send_response(shop.status)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.status = status
        self.delay = delay
        self.script = script
        self.hits: list[str] = []
        self.closing = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.port = int(self.server.server_address[1])
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def link(self) -> str:
        return f"http://127.0.0.1:{self.port}/acn/go/EI-0001?offer=fibre"

    def __enter__(self) -> FlakyShop:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()


def test_a_shop_answering_500_is_watched_until_the_user_gives_up(
    bfcache_browser: Browser, browser_name: str, shop: DemoShop, tmp_path: Path
) -> None:
    with FlakyShop(status=500) as flaky:

        def drive(page: Page, watcher: Watcher) -> None:
            page.locator("#title").wait_for()
            page.click("#next")
            page.wait_for_url("**/sfr/eligibilite")
            watcher.settle()
            page.close()  # the EI gives up on a broken shop

        result = run_order(
            flaky.link,
            shop.rules(),
            browser=browser_name,
            headless=True,
            report_dir=tmp_path / "report",
            drive=drive,
            launched=bfcache_browser,
        )

    assert result.ended == "closed" and result.incomplete
    assert_log_whole_and_report_incomplete(result.folder)
    urls = [e.url for e in load_events(result.folder)]
    assert any("/sfr/eligibilite" in url for url in urls), urls


@pytest.mark.slow
def test_a_slow_shop_seconds_per_page_loses_no_event(
    bfcache_browser: Browser, browser_name: str, shop: DemoShop, tmp_path: Path
) -> None:
    with FlakyShop(delay=3.0) as flaky:

        def drive(page: Page, watcher: Watcher) -> None:
            page.locator("#title").wait_for(timeout=60_000)
            page.click("#next", no_wait_after=True)
            page.wait_for_url("**/sfr/eligibilite", timeout=60_000)
            page.locator("#title").wait_for(timeout=60_000)
            watcher.settle()
            page.close()

        result = run_order(
            flaky.link,
            shop.rules(),
            browser=browser_name,
            headless=True,
            report_dir=tmp_path / "report",
            drive=drive,
            launched=bfcache_browser,
        )

    events = list(load_events(result.folder))
    kinds = [e.kind for e in events]
    assert kinds[0] == "acn_entry" and "merchant_reached" in kinds
    assert any("/sfr/eligibilite" in e.url for e in events)
    assert not result.outcome.violations  # slowness is not a Back/Refresh
    assert result.incomplete


def test_a_shop_that_stops_mid_order_ends_with_the_log_whole(
    bfcache_browser: Browser, browser_name: str, private_shop: DemoShop, tmp_path: Path
) -> None:
    def drive(page: Page, watcher: Watcher) -> None:
        page.locator("#tester-eligibilite").wait_for()
        watcher.settle()
        private_shop.stop()  # the shop goes away under the customer
        # An error page, or a click that leads nowhere: either is the fault.
        with contextlib.suppress(Exception):
            page.locator("#tester-eligibilite").click(timeout=10_000)
        watcher.settle()
        page.close()

    result = run_order(
        private_shop.link(),
        private_shop.rules(),
        browser=browser_name,
        headless=True,
        report_dir=tmp_path / "report",
        drive=drive,
        launched=bfcache_browser,
    )

    assert result.ended == "closed" and result.incomplete
    assert_log_whole_and_report_incomplete(result.folder)


def test_an_unreachable_shop_is_one_clear_line_exit_2_and_no_browser_left(
    browser_name: str, shop: DemoShop, tmp_path: Path, closed_port: int
) -> None:
    link = f"http://127.0.0.1:{closed_port}/acn/go/EI-0001"
    # Three times on Firefox: stopping Playwright with the failed navigation's tasks still
    # pending once printed asyncio's "Task was destroyed" lines after ours there, 3 runs in 10.
    for attempt in range(3 if browser_name == "firefox" else 1):
        report = tmp_path / f"report-{attempt}"
        order = Order(link, browser_name, report, shop.port, "--timeout", "30")
        code, out, err = order.finish()

        assert code == 2, (code, out, err)
        lines = [line for line in err.splitlines() if line.strip()]
        assert len(lines) == 1 and str(closed_port) in lines[0], err
        assert json.loads((report / "report.json").read_text())["incomplete"] is True
        order.assert_no_leftovers()


# --- the report cannot be written -----------------------------------------------------------


def test_a_report_folder_under_a_file_is_one_clear_line_exit_2_and_no_browser_left(
    browser_name: str, shop: DemoShop, tmp_path: Path
) -> None:
    # Root ignores permissions; a path under a regular file fails for everyone.
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    order = Order(shop.link(), browser_name, blocker / "report", shop.port, "--timeout", "30")
    code, out, err = order.finish()

    assert code == 2, (code, out, err)
    assert "Traceback" not in err, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and str(blocker) in lines[0], err
    order.assert_no_leftovers()


DISK_FULL_ORDER = (
    "mount -t tmpfs -o size=64k tmpfs {disk} || exit 77; "
    '{python} -m preflight order "$0" --rules demo --browser {browser} --headless '
    "--no-check --report {disk}/report --timeout 20; code=$?; "
    # The tmpfs goes away with the namespace: keep what was written, to look at it.
    "cp -a {disk}/report {kept}; exit $code"
)


# The writer's fault, not the browser's: once (Chromium waited its whole --timeout for the same
# one line, 24 s; #22).
@pytest.mark.only_browser("firefox")
def test_a_full_disk_during_an_order_is_a_clear_error_and_the_log_stays_whole(
    browser_name: str, shop: DemoShop, tmp_path: Path
) -> None:
    if shutil.which("unshare") is None:
        pytest.skip("no unshare (util-linux) to mount a private tmpfs")
    disk = tmp_path / "disk"
    disk.mkdir()
    kept = tmp_path / "kept"
    shell = DISK_FULL_ORDER.format(
        disk=disk, python=sys.executable, browser=browser_name, kept=kept
    )
    done = subprocess.run(
        ["unshare", "-rm", "sh", "-c", shell, shop.link()],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "PREFLIGHT_DEMO_PORT": str(shop.port), "COLUMNS": "300"},
        check=False,
    )
    if done.returncode == 77 or "unshare:" in done.stderr:
        pytest.skip(f"cannot mount a private tmpfs here: {done.stderr.strip()}")
    assert "Traceback" not in done.stderr, done.stderr
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert "disk is full" in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, done.stderr
    assert_log_whole_and_report_incomplete(kept)


# --- signals during `preflight replay` ------------------------------------------------------------

SCENARIOS = Path(__file__).parents[1] / "scenarios"


# The replay's handler is one for both signals and its browser's teardown one per engine: the
# signals are crossed with the engines (#22); the order's test above keeps all four.
@pytest.mark.engine_of("signum", {signal.SIGINT: "chromium", signal.SIGTERM: "firefox"})
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_during_a_replay_ends_it_cleanly_and_leaves_no_browser(
    browser_name: str, tmp_path: Path, signum: int
) -> None:
    reports = tmp_path / "reports"
    process = subprocess.Popen(
        [sys.executable, "-m", "preflight", "replay", str(SCENARIOS), "--browser", browser_name,
         "--report", str(reports), "--artifacts", str(tmp_path / "artifacts")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        env={**os.environ, "COLUMNS": "200", "NO_COLOR": "1"},
    )  # fmt: skip
    order = Order.__new__(Order)  # reuse the process bookkeeping
    order.process, order.seen, order.report = process, {}, reports

    def replaying() -> bool:
        order.remember_children()
        assert process.poll() is None, order.finish()
        logs = list(reports.glob("*/events.jsonl"))
        return any(log.stat().st_size > 0 for log in logs) and bool(order.browsers())

    poll(replaying, "a replay under way")
    process.send_signal(signum)
    code, out, err = order.finish()

    assert code == EXIT_INTERRUPTED, (code, out, err)
    assert "Traceback" not in err, err
    # Said in the command's language (French unless the locale says otherwise).
    assert "interrupted" in err.lower() or "arrêté" in err.lower(), err
    for folder in (p for p in reports.iterdir() if p.is_dir()):
        for line in (folder / "events.jsonl").read_bytes().splitlines():
            json.loads(line)  # whole lines only, up to the signal
        report = load_report(folder)
        assert report.incomplete or report.verdict is not None
    order.assert_no_leftovers()
