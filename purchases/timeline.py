"""What a purchase's lookups found, and the timeline's repeated lookups told once.

A lookup that answered "ok" may still not have found the purchase (a list of ids simply omits one the
provider does not know): it is shown as "not found", never green. The sync asks about an open purchase
every minute, so identical lookups in a row (same request, same finding, nothing else in between) are
one line: "asked 24 times 08:07-08:28: SkinsBack does not know it". Read from the rows already fetched:
no query.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from .models import ProviderCall
from .providers import PROVIDERS

#: the requests that ask a provider about purchases (SkinsBack's method, Skinify's path)
LOOKUP_METHODS = frozenset({"market_getinfo", "withdraw/info"})
NOT_FOUND = "not_found"
FOUND = "found"
#: what providers/redaction.py appends to an excerpt it cut: the rest of the answer is not known
_CUT = re.compile(r"\.\.\. \[\d+ more chars\]$")


def id_pattern(ids: Sequence[str]) -> re.Pattern[str] | None:
    """Any of `ids` as a whole token (not inside a longer id)."""
    ids = [value for value in ids if value]
    if not ids:
        return None
    return re.compile("|".join(rf"(?<![\w-]){re.escape(value)}(?![\w-])" for value in ids))


def call_finding(call: ProviderCall, ids: re.Pattern[str] | None) -> str:
    """Of a lookup: `found`, `not_found`, or '' when it cannot be told (a cut or empty answer, an error,
    another request than a lookup)."""
    if call.method not in LOOKUP_METHODS or ids is None:
        return ""
    if call.outcome != "ok":
        said = f"{call.error_code} {call.error_message}".lower()
        return NOT_FOUND if "not_found" in said or "not found" in said else ""
    answer = call.response_excerpt or ""
    if not answer.strip() or _CUT.search(answer.rstrip()):
        return ""
    return FOUND if ids.search(answer) else NOT_FOUND


def finding_words(provider: str, finding: str) -> str:
    label = PROVIDERS[provider].label if provider in PROVIDERS else provider
    if finding == NOT_FOUND:
        return f"{label} does not know it"
    return "found" if finding == FOUND else ""


def collapse(entries: list[Any]) -> list[Any]:
    """Runs of identical lookups (same provider, request, outcome and finding, nothing between them) as
    one entry: the first one's time, the last one's call (its request and answer are shown), the count."""
    out: list[Any] = []
    for entry in entries:
        last = out[-1] if out else None
        if last is not None and _same(last, entry):
            out[-1] = replace(last, call=entry.call, repeats=last.repeats + 1, until=entry.at)
        else:
            out.append(entry)
    return out


def _same(a: Any, b: Any) -> bool:
    if a.kind != "call" or b.kind != "call" or a.call.method not in LOOKUP_METHODS:
        return False
    return _key(a) == _key(b)


def _key(entry: Any) -> tuple:
    call = entry.call
    return (call.provider, call.method, call.outcome, call.error_code, entry.finding)
