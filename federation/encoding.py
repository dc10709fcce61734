"""Strict base64url (RFC 4648 §5, no padding), as JWS uses it.

Decoding refuses padding, foreign characters and non-canonical trailing bits, so each byte
string has exactly one accepted text form: nothing about a signed token can be varied without
changing the text that was signed.
"""

from __future__ import annotations

import base64
import re

_ALPHABET = re.compile(r"[A-Za-z0-9_-]*")


def b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode unpadded base64url; ``ValueError`` on anything but its canonical form."""
    if not _ALPHABET.fullmatch(text) or len(text) % 4 == 1:
        raise ValueError("not unpadded base64url")
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if b64url_encode(data) != text:
        raise ValueError("non-canonical base64url")
    return data
