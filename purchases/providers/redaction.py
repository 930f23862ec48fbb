"""Keeping secrets out of logs, CallRecord excerpts and exception text.

Two layers, because either alone can miss: structured data is redacted by key name before it is ever
turned into text (`redact_mapping`), and every piece of text that leaves the transport is scrubbed for
the literal secret values of the call and for `token=`/`sign=`-shaped pairs (`Redactor.scrub`), which
also catches a trade URL echoed back by the provider or a URL inside a `requests` exception.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from typing import Any

MASK = "***"
EXCERPT_CHARS = 2000

#: parameter and header names whose values are secret (compared lower-case)
SECRET_KEYS = frozenset(
    {
        "token",
        "trade_token",
        "sign",
        "signature",
        "secret",
        "client_secret",
        "x-client-secret",
        "authorization",
        "password",
        "api_key",
        "trade_url",
        "tradeurl",
    }
)

_KEYS = r"(?:trade_token|token|sign|signature|client_secret|secret|x-client-secret|password|api_key)"
# key=value in query strings, form bodies and free text (also the token inside a Steam trade URL)
_PAIR_RE = re.compile(rf"(?i)(\b{_KEYS}=)[^&\s\"'<>,;]+")
# "key": "value" / 'key': 'value' in JSON and Python reprs
_QUOTED_RE = re.compile(rf"(?i)([\"']{_KEYS}[\"']\s*:\s*)(?:\"[^\"]*\"|'[^']*'|[^,}}\s]+)")
# header-style pairs such as "Token: abc" or "X-CLIENT-SECRET: abc", also inside a longer line
_HEADER_RE = re.compile(r"(?i)(\b(?:token|x-client-secret|authorization)\s*:\s*)(?!\*\*\*)[^\s,;\"']+")
#: secrets shorter than this are not replaced literally (it would shred ordinary text); the key-based
#: rules above still hide them wherever they travel under their own name
MIN_LITERAL = 4


def redact_mapping(data: Any) -> Any:
    """A copy of `data` with the values of secret keys masked, recursing into dicts and lists."""
    if isinstance(data, Mapping):
        return {
            key: MASK if str(key).lower() in SECRET_KEYS else redact_mapping(value)
            for key, value in data.items()
        }
    if isinstance(data, list | tuple):
        return [redact_mapping(value) for value in data]
    return data


class Redactor:
    """Scrubs text of a fixed set of secrets (client secret, API token) plus per-call extras."""

    def __init__(self, secrets: Iterable[str | None] = ()) -> None:
        self.secrets = _usable(secrets)

    def add(self, *secrets: str | None) -> None:
        self.secrets |= _usable(secrets)

    def scrub(self, text: str, extra: Iterable[str | None] = ()) -> str:
        # longest first, so a secret that contains another is removed whole
        for secret in sorted(self.secrets | _usable(extra), key=len, reverse=True):
            text = text.replace(secret, MASK)
        text = _PAIR_RE.sub(rf"\g<1>{MASK}", text)
        text = _QUOTED_RE.sub(rf'\g<1>"{MASK}"', text)
        return _HEADER_RE.sub(rf"\g<1>{MASK}", text)

    def excerpt(self, text: str, extra: Iterable[str | None] = (), limit: int = EXCERPT_CHARS) -> str:
        """Scrubbed, then cut: scrubbing first so a cut can never leave half a secret behind."""
        clean = self.scrub(text, extra)
        return clean if len(clean) <= limit else clean[:limit] + f"... [{len(clean) - limit} more chars]"


def _usable(secrets: Iterable[str | None]) -> set[str]:
    return {str(s) for s in secrets if s and len(str(s)) >= MIN_LITERAL}


class _Urllib3UrlFilter(logging.Filter):
    """urllib3 logs every request line, query string included, at DEBUG: Skinify GETs carry the API
    token there, so the line is scrubbed before any handler sees it."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg = record.getMessage()
            record.args = None
        record.msg = Redactor().scrub(str(record.msg))
        return True


_URLLIB3_FILTER = _Urllib3UrlFilter()


def install_urllib3_filter() -> None:
    """Idempotent: attaches the scrubbing filter to urllib3's connection-pool logger."""
    logger = logging.getLogger("urllib3.connectionpool")
    if _URLLIB3_FILTER not in logger.filters:
        logger.addFilter(_URLLIB3_FILTER)
