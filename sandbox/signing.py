"""Signatures: SkinsBack's legacy request `sign`, the webhook `Signature`, the WebSocket md5s."""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from .phpform import php_str


def skinsback_sign_string(params: Mapping[str, Any]) -> str:
    """`key:value;` over every scalar parameter except `sign`, keys sorted; arrays/objects dropped."""
    parts = []
    for key in sorted(params):
        value = params[key]
        if key == "sign" or isinstance(value, (dict, list)):
            continue
        parts.append(f"{key}:{php_str(value)};")
    return "".join(parts)


def skinsback_sign(params: Mapping[str, Any], secret: str) -> str:
    """Lowercase hex HMAC-SHA1(secret, sign string)."""
    message = skinsback_sign_string(params).encode()
    return hmac.new(secret.encode(), message, hashlib.sha1).hexdigest()


def verify_skinsback_sign(params: Mapping[str, Any], secret: str) -> bool:
    given = php_str(params.get("sign")).lower()
    return bool(given) and hmac.compare_digest(given, skinsback_sign(params, secret))


def webhook_signature(body: bytes, secret: str) -> str:
    """hex(HMAC-SHA256(secret, raw body)) -- the webhook `Signature` header."""
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def websocket_signature(project_id: str, secret: str) -> str:
    """md5(project id + secret): the WebSocket/X-SIGN value of both providers."""
    return hashlib.md5((project_id + secret).encode()).hexdigest()  # noqa: S324 - vendor scheme
