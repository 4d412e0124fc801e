"""URL globs, as rules files write them: what a pattern means (`normalise_glob`: a bare origin,
host or path read as the pages it names; `matches_no_address`: one that names none) and how an
address is matched against one (`url_matches`, one pass whatever the URL's length: a regex of
`.*` per star backtracked for minutes on a long URL, issue 13), and `within_page`, a move that
only changes an in-page anchor.

A leaf module: the rules (`preflight.rules`) and the watcher use it; it imports nothing of
preflight's.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from functools import lru_cache


def normalise_glob(glob: str) -> str:
    """The URL glob a pattern means, for the two ways of writing one that would otherwise match
    no page at all (a glob must match the whole URL):

    * a bare origin or host — `http://127.0.0.1:8000`, `https://*.sfr.fr/`, `localhost:8000`,
      `www.sfr.fr`, `intranet:8080` — means every page under it: `http://127.0.0.1:8000/*`,
      `*://www.sfr.fr/*`;
    * a path — `/contact/` — means that path on any site: `*://*/contact/`.

    Anything else is kept as written; normalising twice changes nothing.
    """
    origin = _ORIGIN.fullmatch(glob)
    if origin:
        return f"{origin.group(1)}://{origin.group(2)}/*"
    if glob.startswith("/") and not glob.startswith("//"):
        return "*://*" + glob
    host = _HOST.fullmatch(glob)
    # A name without a dot is a host only with a port number (`intranet:8080`), and only when
    # it is not a scheme whose addresses have no host: `tel:1023` and `tel:*` stay as written.
    named = "." in host.group(1) or host.group(1) == "localhost" if host else False
    ported = bool(host and (host.group(2) or ":*")[1:].isdigit())
    if host and (named or (ported and host.group(1).lower() not in _HOSTLESS_SCHEMES)):
        return f"*://{glob}/*"
    return glob


def matches_no_address(glob: str) -> bool:
    """Whether a URL glob, once normalised, can match no address at all: with no wildcard it
    must equal the whole address, and every address a browser shows has a scheme (`https:`,
    `tel:`, `about:`), so a glob with neither a wildcard nor a colon (`paiement`, `intranet`)
    names no page."""
    return not any(c in glob for c in "*?:")


_HOSTLESS_SCHEMES = frozenset({"tel", "sms", "mailto", "callto", "fax", "about", "data"})
_ORIGIN = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*|\*)://([^/?#]+)/?")
_HOST = re.compile(r"((?:\*\.)?[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)(:(?:\d+|\*))?")


def within_page(before: str, after: str) -> bool:
    """Whether a move from `before` to `after` only changes an in-page anchor: the same URL
    but for its fragment, and neither fragment a route (`#/step`, `#!/step`: a hash-routed
    app shows another step there)."""
    if not before or before == after or before.split("#", 1)[0] != after.split("#", 1)[0]:
        return False
    return not any(u.partition("#")[2].startswith(("/", "!/")) for u in (before, after))


def url_matches(url: str, globs: Iterable[str]) -> bool:
    """True when `url` matches one glob; `*` matches any run of characters, `?` one."""
    return any(_glob_match(url, _glob_segments(glob)) for glob in globs)


@lru_cache(maxsize=512)
def _glob_segments(glob: str) -> tuple[tuple[re.Pattern[str], int], ...]:
    """The glob's `*`-separated segments, each a fixed-length pattern (literal characters and
    `?`) with its length. A regex of `.*` per star backtracks: one match against a long URL
    took minutes (issue 13); segments found left to right take one pass."""
    return tuple(
        (re.compile("".join("." if c == "?" else re.escape(c) for c in part), re.DOTALL), len(part))
        for part in glob.split("*")
    )


def _glob_match(url: str, segments: tuple[tuple[re.Pattern[str], int], ...]) -> bool:
    # Every segment has a fixed length, so taking each middle segment at its leftmost place
    # leaves the most room to the ones after it: greedy is exact for `*` globs. Each search
    # holds no quantifier, so it cannot backtrack either.
    first, first_len = segments[0]
    if len(segments) == 1:
        return first.fullmatch(url) is not None
    last, last_len = segments[-1]
    middle = segments[1:-1]
    end = len(url) - last_len
    if end < first_len or first.match(url) is None or last.fullmatch(url, end) is None:
        return False
    position = first_len
    for segment, length in middle:
        if not length:
            continue
        found = segment.search(url, position, end)
        if found is None:
            return False
        position = found.end()
    return True
