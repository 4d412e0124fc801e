"""The one loopback server stack (issue #26): an ASGI app served by uvicorn from a daemon
thread, on sockets the caller has bound. The demo shop and the seller's pages both run on it.

    server = Loopback(app, [socket.create_server(("127.0.0.1", 0))], name="pages").start()
    ...
    server.stop()
"""

from __future__ import annotations

import socket
import threading
import time
from typing import Any

import uvicorn

_START_S = 10  # a server that is not listening by then will not be


class Loopback:
    def __init__(self, app: Any, sockets: list[socket.socket], *, name: str) -> None:
        self.app = app
        self.sockets = sockets
        self.name = name
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> Loopback:
        """Serve, and return once listening; RuntimeError when it does not within 10 s."""
        for sock in self.sockets:
            sock.setblocking(False)
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            log_level="warning",
            access_log=False,
            ws="none",  # no WebSocket: an upgrade is an ordinary request, refused as such
            server_header=False,
            # Browsers keep connections open; do not let them hold a stop up.
            timeout_graceful_shutdown=1,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run,
            kwargs={"sockets": self.sockets},
            name=self.name,
            daemon=True,
        )
        self._thread.start()
        deadline = time.monotonic() + _START_S
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.name}: the server did not start")
            time.sleep(0.005)
        return self

    def stop(self) -> None:
        """Stop serving (within about a second) and close the sockets."""
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
        for sock in self.sockets:
            sock.close()
        self._server, self._thread = None, None
