"""The per-document keys that sign what preflight's init scripts say (issue #25).

A page's own script can call any exposed binding, or write any console line, from the top
document and from any frame, with anything. So each watch draws a secret, written into the init
script's text (a page cannot read an init script) and kept in the script's closure; each
document the script runs in derives its own key from it, `HMAC(secret, doc)` for the document's
random id, and signs with that key only: a key seen in one document (a page hooking a built-in
a binding calls) is worth nothing in the next. The probe's messages (console lines) carry
`HMAC(key, "msg\\n" + message)`, never the key: a console line may be kept in a trace. A
message without the right signature is dropped and logged at debug level, without its content.

The probe's queue, read with `evaluate` where its console line did not bring a message, is signed
too: the watcher sends a fresh nonce with each read and the probe answers `HMAC(key, nonce +
"\\n" + answer)` — a document where the probe did not run (a `blob:` page) cannot answer in its
place with a forged queue.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets


class Keys:
    """One watch's secret, and the documents' keys derived from it."""

    def __init__(self, secret: str | None = None) -> None:
        self.secret = secret or secrets.token_hex(32)

    def key(self, doc: str) -> str:
        return _hmac(self.secret, doc)

    def signed(self, doc: str, key: object) -> bool:
        """Whether `key` is document `doc`'s key."""
        return isinstance(key, str) and hmac.compare_digest(self.key(doc), key)

    def said(self, doc: str, body: str, mac: object) -> bool:
        """Whether `mac` signs `body` as a message document `doc`'s probe sent (its console
        line, `probe.js` `deliver`)."""
        expected = _hmac(self.key(doc), "msg\n" + body)
        return isinstance(mac, str) and hmac.compare_digest(expected, mac)

    def nonce(self) -> str:
        return secrets.token_hex(16)

    def answered(self, doc: str, nonce: str, body: str, mac: object) -> bool:
        """Whether `mac` signs `body` as the answer of document `doc`'s probe to `nonce`."""
        expected = _hmac(self.key(doc), nonce + "\n" + body)
        return isinstance(mac, str) and hmac.compare_digest(expected, mac)


def _hmac(key: str, text: str) -> str:
    return hmac.new(key.encode(), text.encode(), hashlib.sha256).hexdigest()
