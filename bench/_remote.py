"""A Playwright browser server on loopback (`playwright launch-server`), serving the browser
this machine's set-up found, for the remote-browser ratio."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from preflight.browsers import LaunchSpec

_JS_NAMES = {
    "executable_path": "executablePath",
    "ignore_default_args": "ignoreDefaultArgs",
    "firefox_user_prefs": "firefoxUserPrefs",
}


def server_options(spec: LaunchSpec) -> dict[str, Any]:
    """`launchServer` options (Playwright's JavaScript names) for `spec`, on a free port."""
    options = {_JS_NAMES.get(key, key): value for key, value in spec.launch_kwargs().items()}
    return {**options, "host": "127.0.0.1", "port": 0}


@contextmanager
def browser_server(spec: LaunchSpec) -> Iterator[str]:
    """Start `playwright launch-server` for `spec`; yield its ws:// endpoint; stop it."""
    with tempfile.TemporaryDirectory(prefix="preflight-bench-") as folder:
        config = Path(folder) / "launch-server.json"
        config.write_text(json.dumps(server_options(spec)), encoding="utf-8")
        command = [sys.executable, "-m", "playwright", "launch-server", "--browser", spec.engine]
        server = subprocess.Popen(
            [*command, "--config", str(config)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its driver (node) and browser stop with the group
        )
        try:
            assert server.stdout is not None
            line = server.stdout.readline().strip()
            if not line.startswith("ws://"):
                raise RuntimeError(f"playwright launch-server did not start: {line}")
            yield line
        finally:
            os.killpg(server.pid, signal.SIGTERM)
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(server.pid, signal.SIGKILL)
                server.wait()
