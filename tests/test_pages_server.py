"""The seller's pages server against what reaches it from outside its own pages (issue #25,
items 9 and 10): another name resolving to 127.0.0.1 (DNS rebinding), another local user
with curl, a forged `Origin`, and request bodies that lie about their length. Each attack is
made with a real HTTP client (raw sockets where a header must be wrong) against the real
server; no browser: the page tests (test_order_pages, test_order_hands, test_book_page) show
the pages still work through their opening URL and cookie on both engines."""

from __future__ import annotations

import http.client
import socket
import time
from collections.abc import Iterator
from http.cookies import SimpleCookie

import pytest

from preflight.order import SellerPages
from preflight.order._server import Answer
from preflight.order.pages import END_PATH, REPORT_PATH
from preflight.rules import load_rules

ATTACKER_LINK = "http://127.0.0.1:1/acn/go/fibre?ei=EI-ATTACKER&mode=mpa"


@pytest.fixture
def pages() -> Iterator[SellerPages]:
    with SellerPages(load_rules("demo", variables={"DEMO_PORT": 1}), "fr") as served:
        served.server.get[END_PATH] = lambda nonce: Answer(body=b"<p>SFR-424242</p>")
        served.server.get[REPORT_PATH] = lambda nonce: Answer(body=b"<h1>report</h1>")
        yield served


def _port(pages: SellerPages) -> int:
    return int(pages.server.origin.rsplit(":", 1)[1])


def _request(
    pages: SellerPages,
    method: str,
    path: str,
    headers: dict[str, str] | None = None,
    body: bytes | None = None,
) -> tuple[int, dict[str, str], bytes]:
    """One request with exactly these headers (Host too: not filled in by the client)."""
    connection = http.client.HTTPConnection("127.0.0.1", _port(pages), timeout=10)
    try:
        connection.putrequest(method, path, skip_host=True, skip_accept_encoding=True)
        given = {"Host": f"127.0.0.1:{_port(pages)}", **(headers or {})}
        if body is not None:
            given.setdefault("Content-Length", str(len(body)))
        for name, value in given.items():
            connection.putheader(name, value)
        connection.endheaders(body)
        answer = connection.getresponse()
        return answer.status, {k.lower(): v for k, v in answer.getheaders()}, answer.read()
    finally:
        connection.close()


def _post_raw(pages: SellerPages, length: str | None, body: bytes) -> tuple[bytes, float]:
    """A POST from the pages' own origin, with the key, with this `Content-Length` header
    (None: none) and this body, on a raw socket: the answer's first bytes and how long they
    took (b"" when the server said nothing within 10 s)."""
    head = (
        f"POST /api/link HTTP/1.1\r\nHost: 127.0.0.1:{_port(pages)}\r\n"
        f"Origin: {pages.server.origin}\r\n"
        + "".join(f"{k}: {v}\r\n" for k, v in pages.server.credentials.items())
        + (f"Content-Length: {length}\r\n" if length is not None else "")
        + "\r\n"
    ).encode()
    started = time.monotonic()
    with socket.create_connection(("127.0.0.1", _port(pages)), timeout=10) as raw:
        raw.sendall(head + body)
        try:
            said = raw.recv(4096)
        except TimeoutError:
            said = b""
    return said, time.monotonic() - started


def test_a_rebound_name_on_the_servers_own_address_reads_no_page(pages: SellerPages) -> None:
    # The attacker's name resolves to 127.0.0.1: the browser sends its Host, and its cookies
    # (the seller's key is 127.0.0.1's) are not sent to it.
    port = _port(pages)
    for host in (f"attacker.example:{port}", "attacker.example", f"127.0.0.1:{port + 1}", ""):
        for path in ("/", END_PATH, REPORT_PATH):
            status, _, body = _request(pages, "GET", path, {"Host": host})
            assert status in (403, 421), (host, path, status)
            assert b"SFR" not in body and b"report" not in body and b"<" not in body, body


def test_another_local_user_without_the_runs_key_reads_nothing_and_opens_nothing(
    pages: SellerPages,
) -> None:
    for path in ("/", END_PATH, REPORT_PATH, "/nope"):
        status, _, body = _request(pages, "GET", path)
        assert status == 403 and body == b"", (path, status, body)
    wrong = _request(pages, "GET", "/?k=not-the-key")
    assert wrong[0] == 403
    # A forged Origin (curl sends whatever it is told) is not the key either.
    status, _, _ = _request(
        pages,
        "POST",
        "/api/go",
        {"Origin": pages.server.origin, "Content-Type": "application/json"},
        b'{"link": "' + ATTACKER_LINK.encode() + b'", "answers": {}}',
    )
    assert status == 403
    assert pages.link is None and not pages.start_page.opened.is_set()


def test_the_opening_url_trades_its_key_for_a_strict_cookie_and_a_clean_url(
    pages: SellerPages,
) -> None:
    opening = pages.server.opening_url(END_PATH)
    assert opening.startswith(pages.server.origin + END_PATH + "?")
    status, headers, body = _request(pages, "GET", opening.removeprefix(pages.server.origin))
    assert status == 303 and body == b""
    assert headers["location"] == END_PATH  # no key in what the address bar and history keep
    cookie = SimpleCookie(headers["set-cookie"])
    ((name, morsel),) = cookie.items()
    assert morsel["httponly"] and morsel["samesite"] == "Strict" and morsel["path"] == "/"
    sent = {"Cookie": f"{name}={morsel.value}"}
    assert sent == pages.server.credentials
    status, _, body = _request(pages, "GET", END_PATH, sent)
    assert status == 200 and b"SFR-424242" in body
    # Under the name `localhost` too, with the server's own port.
    port = _port(pages)
    assert _request(pages, "GET", END_PATH, {**sent, "Host": f"localhost:{port}"})[0] == 200
    # The key alone, without the pages' own Origin, posts nothing.
    for origin in ({}, {"Origin": "http://127.0.0.1:1"}, {"Origin": "null"}):
        status, _, _ = _request(pages, "POST", "/api/link", {**sent, **origin}, b"{}")
        assert status == 403, origin
    good = {**sent, "Origin": pages.server.origin, "Content-Type": "application/json"}
    status, _, body = _request(pages, "POST", "/api/link", good, b'{"link": "x"}')
    assert status == 200 and b'"ok": false' in body


@pytest.mark.parametrize(
    ("length", "expected"),
    [("-1", b"400"), ("abc", b"400"), ("99999999", b"413"), (None, b"411")],
    ids=["negative", "garbage", "huge", "missing"],
)
def test_a_body_that_lies_about_its_length_is_refused_at_once(
    pages: SellerPages, length: str | None, expected: bytes
) -> None:
    said, took = _post_raw(pages, length, b'{"link": "x"}')
    assert said.split(b" ")[1:2] == [expected], said
    assert took < 3


def test_a_body_that_stops_coming_frees_the_server_within_its_read_timeout(
    pages: SellerPages,
) -> None:
    pages.server.read_timeout = 0.5
    said, took = _post_raw(pages, "100", b'{"link": ')
    assert said.split(b" ")[1:2] == [b"408"], said
    assert took < 5
    # And the server still answers the next request.
    assert _request(pages, "GET", "/", pages.server.credentials)[0] == 200
