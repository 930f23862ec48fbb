"""SkinsBack's callbacks: the signature over the raw body, and the `{"event", "data"}` envelope."""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping

from ..base import AuthError, Callback, InvalidResponse
from . import parse

CODE = "skinsback"
PURCHASE_EVENTS = {"buy_item", "status_change"}
BALANCE_EVENT = "balance_change"


def signature_valid(body: bytes, given: str, secret: str) -> bool:
    """hex(HMAC-SHA256(secret, raw body)), compared in constant time. The raw bytes, never re-serialised."""
    if not given or not secret:
        return False
    given = given.strip()
    if " " in given:  # "Authorization: Signature <hex>" or similar: the value is the last word
        given = given.rsplit(" ", 1)[-1]
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, given.lower())


def verify(body: bytes, headers: Mapping[str, str], secret: str) -> None:
    """Raise AuthError ("missing signature" / "bad signature") unless `body` carries a valid signature."""
    given = headers.get("Signature") or headers.get("Authorization", "")
    if not signature_valid(body, given, secret):
        raise AuthError("missing signature" if not given else "bad signature", provider=CODE)


def parse_callback(body: str) -> Callback:
    """The event and, for purchase events, the purchase read leniently (unreadable fields are named)."""
    try:
        message = json.loads(body)
        kind, data = message.get("event", ""), message.get("data") or {}
    except (ValueError, AttributeError):
        raise InvalidResponse("body is not a JSON object with event and data", provider=CODE) from None
    if kind == BALANCE_EVENT:
        return Callback(event=str(kind), balance=str(data.get("balance_value", "")))
    if kind in PURCHASE_EVENTS:
        return Callback(event=str(kind), purchase=parse.purchase(data))
    return Callback(event=str(kind))
