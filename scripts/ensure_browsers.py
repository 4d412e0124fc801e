"""Make sure a Chromium and a Firefox can be driven: Playwright's own builds first, the system's
(Debian's `chromium` and `firefox-esr`) when they cannot be downloaded. Also Xvfb, so that headed
tests (the recorder) run on a machine without a display. Fast when everything is present."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys

from preflight.browsers import discover

APT_PACKAGES = ["chromium", "firefox-esr"]


def engines_found() -> set[str]:
    return {b.engine for b in discover() if b.drivable and b.engine}


def run(cmd: list[str], timeout: int) -> bool:
    print("+", " ".join(cmd), flush=True)
    try:
        return subprocess.run(cmd, timeout=timeout).returncode == 0
    except (OSError, subprocess.TimeoutExpired) as error:
        print(f"  failed: {error}", flush=True)
        return False


def can_apt() -> bool:
    return bool(shutil.which("apt-get")) and hasattr(os, "geteuid") and os.geteuid() == 0


def main() -> int:
    missing = {"chromium", "firefox"} - engines_found()
    if missing:
        run([sys.executable, "-m", "playwright", "install", *sorted(missing)], timeout=900)
        missing = {"chromium", "firefox"} - engines_found()
    packages = [p for p in APT_PACKAGES if p.split("-")[0] in missing]
    if not shutil.which("xvfb-run") and sys.platform.startswith("linux"):
        packages.append("xvfb")
    if packages and can_apt():
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        subprocess.run(["apt-get", "update", "-q"], env=env, check=False)
        subprocess.run(["apt-get", "install", "-y", "-q", *packages], env=env, check=False)
        missing = {"chromium", "firefox"} - engines_found()
    if missing:
        print(
            f"No {' and no '.join(sorted(missing))} browser can be driven here. Install them: "
            "`playwright install chromium firefox`, or your system's Chromium/Chrome and Firefox "
            "(Debian: apt-get install chromium firefox-esr).",
            file=sys.stderr,
        )
        return 1
    for browser in discover():
        if browser.drivable and browser.engine:
            version = browser.version or "?"
            print(f"  {browser.family:9} {version:16} {browser.driver:20} {browser.executable}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
