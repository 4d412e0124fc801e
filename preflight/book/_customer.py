"""The customer's fingerprint: an HMAC-SHA256 of their daytime phone number, never the number.

R10 (a second mobile order waits for the first SIM's activation) needs to recognise a customer
seen before, and the book must hold no customer data. A keyed hash does both: with a secret
made on first use (32 random bytes in the data folder, owner-only), the same number gives the
same fingerprint on this machine, and the fingerprint cannot be turned back into the number by
trying every French phone number (there are only a few hundred million) without the key.
"""

from __future__ import annotations

import hmac
import os
import re
import secrets
from pathlib import Path

from preflight.places import secret_path

_KEY_BYTES = 32


def normalised(phone: str) -> str:
    """The digits of a French number, national form: « +33 6 12… » and « 06 12… » are one."""
    digits = re.sub(r"\D", "", phone)
    if digits.startswith("0033"):
        digits = "0" + digits[4:]
    elif digits.startswith("33") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def secret(path: Path | None = None) -> bytes:
    """The key, created owner-only on first use (two processes at once: one wins, both read it)."""
    path = path or secret_path()
    try:
        return _read(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read(path)
    try:
        os.write(fd, secrets.token_bytes(_KEY_BYTES).hex().encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    return _read(path)


def _read(path: Path) -> bytes:
    key = bytes.fromhex(path.read_text(encoding="ascii").strip())
    if len(key) < _KEY_BYTES:
        raise ValueError(f"{path}: not a preflight key")
    return key


def fingerprint(phone: str, key: bytes | None = None) -> str:
    """The customer's fingerprint for `phone` (hex)."""
    mac = hmac.new(key if key is not None else secret(), normalised(phone).encode(), "sha256")
    return mac.hexdigest()
