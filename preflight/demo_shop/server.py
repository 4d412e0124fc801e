"""`DemoShop`: the demo shop served on loopback (`preflight.loopback`), and its Python API."""

from __future__ import annotations

import errno
import json
import socket
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from preflight.demo_shop.app import TOKEN_HEADER, create_app
from preflight.demo_shop.truth import ConfirmationKind, Mode, Truth, Wording
from preflight.errors import UsageError
from preflight.loopback import Loopback
from preflight.rules import Rules, load_rules

Orders = list[dict[str, Any]]


class DemoShop:
    """The demo shop on loopback. `port=0` picks a free port.

    with DemoShop(port=0) as shop:
        page.goto(shop.link(offer="fibre", mode="spa"))
        shop.wait_for_orders(lambda orders: orders and orders[-1]["status"] != "in_progress")
    """

    def __init__(self, port: int = 0, *, mode: Mode = "mpa") -> None:
        self.mode: Mode = mode
        self.app = create_app(default_mode=mode)
        self._wanted_port = port
        self._port: int | None = None
        self._widget_port: int | None = None
        self._server: Loopback | None = None
        self._sockets: list[socket.socket] = []

    # -- life cycle -------------------------------------------------------------------------

    def start(self) -> DemoShop:
        if self._server is not None:
            return self
        self._sockets = _bind(self._wanted_port)
        self._port = int(self._sockets[0].getsockname()[1])
        self._widget_port = _widget_port(self._sockets)
        state = self.app.state
        state.sfr_origin = self.sfr_url
        state.widget_origin = self.widget_url
        # On the fallback port, the port tells a widget request apart (its Host is 127.0.0.1).
        state.widget_port = self._widget_port if self._widget_port != self._port else None
        self._server = Loopback(self.app, self._sockets, name=f"demo-shop:{self._port}")
        try:
            self._server.start()
        except RuntimeError:
            self._server = None
            raise RuntimeError(f"the demo shop did not start on port {self._port}") from None
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.stop()
        self._server, self._sockets = None, []

    def __enter__(self) -> DemoShop:
        return self.start()

    def __exit__(self, *_exc_info: object) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return self._server is not None and self._server.running

    # -- where it is ------------------------------------------------------------------------

    @property
    def port(self) -> int:
        if self._port is None:
            raise RuntimeError("the demo shop is not started: call start() or use `with`")
        return self._port

    @property
    def acn_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def sfr_url(self) -> str:
        return f"http://localhost:{self.port}"

    @property
    def widget_url(self) -> str:
        """The third origin, where the chat widget and the payment form are served from:
        `http://[::1]:PORT`, or `http://127.0.0.1:PORT2` where IPv6 loopback is unavailable."""
        if self._widget_port is None or self._widget_port == self.port:
            return f"http://[::1]:{self.port}"
        return f"http://127.0.0.1:{self._widget_port}"

    def link(
        self,
        offer: str = "fibre",
        mode: Mode | None = None,
        ei: str = "EI-0001",
        wording: Wording = "shop",
        confirmation: ConfirmationKind = "page",
    ) -> str:
        """The EI's ACN order link for `offer`, leading to the multi- or single-page flow;
        `wording="plain"`: a confirmation page in other words and without test ids (the
        multi-page flow's); `confirmation="state"`: « Commander plus tard » shows the
        confirmation in place, the address unchanged (the single-page Preact app's)."""
        query = urlencode(
            {
                "ei": ei,
                "mode": mode or self.mode,
                **({"wording": wording} if wording != "shop" else {}),
                **({"confirmation": confirmation} if confirmation != "page" else {}),
            }
        )
        return f"{self.acn_url}/acn/go/{offer}?{query}"

    def rules(self) -> Rules:
        return load_rules("demo", variables={"DEMO_PORT": self.port})

    # -- the truth --------------------------------------------------------------------------

    @property
    def truth(self) -> Truth:
        truth: Truth = self.app.state.truth
        return truth

    @property
    def truth_headers(self) -> dict[str, str]:
        """The headers a test sends to `POST /__truth/reset` over HTTP (a per-shop token: no
        page of another origin can reset the truth)."""
        return {TOKEN_HEADER: self.app.state.truth_token}

    def orders(self) -> Orders:
        """What `GET /__truth/orders` answers (read directly, same JSON)."""
        result: Orders = json.loads(json.dumps(self.truth.orders()))
        return result

    def only_order(self) -> dict[str, Any]:
        """The one order the truth holds: what most tests compare a verdict with. An
        AssertionError listing them when there are none or several."""
        orders = self.orders()
        assert len(orders) == 1, orders
        return dict(orders[0])

    def quiet_for(self, order_id: str) -> float | None:
        """Seconds since the shop last heard of the order (a page, a beacon, a form, a
        customer-service call); None when it has no such order. An oracle waits on it for
        what may still be on its way, instead of a fixed time."""
        return self.truth.quiet_for(order_id)

    def reset(self) -> None:
        """What `POST /__truth/reset` does, and the payment form prompt again."""
        self.truth.reset()
        self.slow_payments(0.0)

    def slow_payments(self, seconds: float) -> None:
        """The payment form's server answers after `seconds`, as a real provider takes its
        time: the page's navigation to the confirmation then comes that much after the click
        (a frame's request, its message to the page, the page's form). `reset()` ends it."""
        self.app.state.payments.delay_s = seconds

    def wait_for_orders(self, predicate: Callable[[Orders], Any], timeout: float = 5.0) -> Orders:
        """Poll the truth until `predicate(orders)` holds; the orders, or TimeoutError."""
        deadline = time.monotonic() + timeout
        while True:
            orders = self.orders()
            if predicate(orders):
                return orders
            if time.monotonic() >= deadline:
                raise TimeoutError(
                    f"the demo shop's truth did not reach the expected state within {timeout} s;"
                    f" orders now: {json.dumps(orders, ensure_ascii=False)}"
                )
            time.sleep(0.02)


def _widget_port(sockets: list[socket.socket]) -> int:
    """The widgets' port: the shop's own on ::1, else the fallback IPv4 socket's (see _bind)."""
    return int(sockets[-1].getsockname()[1])


def _bind(port: int) -> list[socket.socket]:
    """Listen on 127.0.0.1, and on ::1 at the same port when possible: browsers may try
    `localhost` over IPv6 first, and `[::1]` is the widgets' origin (demo_shop/widgets.py).
    Without IPv6 loopback, a second IPv4 socket on a free port serves the widgets instead."""
    main = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    main.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        main.bind(("127.0.0.1", port))
    except OSError as error:
        main.close()
        if error.errno in (errno.EADDRINUSE, errno.EACCES):
            why = "is already in use" if error.errno == errno.EADDRINUSE else "is not allowed"
            raise UsageError(
                f"port {port} {why} on 127.0.0.1 — choose another with --port N "
                "(or --port 0 for any free port)"
            ) from None
        raise
    main.listen(128)
    sockets = [main]
    if socket.has_ipv6:
        extra = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        try:
            extra.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            extra.bind(("::1", int(main.getsockname()[1])))
            extra.listen(128)
            sockets.append(extra)
        except OSError:
            extra.close()  # no IPv6 loopback here, or that port taken on it: IPv4 serves
    if len(sockets) == 1:
        fallback = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        fallback.bind(("127.0.0.1", 0))
        fallback.listen(128)
        sockets.append(fallback)
    return sockets
