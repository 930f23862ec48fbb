"""Injected faults per method: latency, 5xx, garbled or cut answers, lost answers, provider errors."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any

from .config import SKINIFY

AFTER_RECORD = "_after_record"
SKINIFY_ONLY = "skinify_"
# Kinds that carry the request out, then shape the answer: "latency" sleeps then answers normally;
# "timeout_after_record" sleeps `latency` (0 = not at all) and closes the connection without an answer;
# "garbled" answers the body truncated (with a matching Content-Length); "garbled_html" an HTML page with
# status 200; "no_custom_id_echo" the normal answer without any `custom_id` key.
PERFORMING = frozenset({"latency", "timeout_after_record", "garbled", "garbled_html", "no_custom_id_echo"})
# Kinds answered instead of carrying the request out, or, with the `_after_record` suffix, after it:
# "http_500" an HTML 500 page; "cut_body" a Content-Length larger than the bytes sent, then the connection
# closes; "error_no_code" {"status": "error"}; "error_<code>" that provider error (SkinsBack error_-6,
# error_-7, error_-9, error_5 ...; Skinify the same -6/-7/-9 or error_<message>); "skinify_<message>"
# ("skinify_request_timeout", "skinify_under_maintenance"): {"status":"error","error_message":<message>}
# at HTTP 200, for Skinify endpoints only (never fires on a SkinsBack method, not even from "*").
ANSWERED = frozenset({"http_500", "cut_body", "error_no_code"})
SKINIFY_KINDS = frozenset({"skinify_request_timeout", "skinify_under_maintenance"})
ALIASES = {"no_code_error": "error_no_code"}  # the first name this kind had
KINDS = PERFORMING | ANSWERED | SKINIFY_KINDS | {k + AFTER_RECORD for k in ANSWERED | SKINIFY_KINDS}


def split_kind(kind: str) -> tuple[str, bool]:
    """(base kind, answered after the request was carried out)."""
    if kind.endswith(AFTER_RECORD) and kind != "timeout_after_record":
        return kind[: -len(AFTER_RECORD)], True
    return kind, False


def validate_kind(kind: str) -> str:
    """The kind's canonical name; ValueError if unknown."""
    base, after = split_kind(kind)
    base = ALIASES.get(base, base)
    canonical = base + AFTER_RECORD if after else base
    if canonical in KINDS or (base.startswith("error_") and len(base) > len("error_")):
        return canonical
    raise ValueError(
        f"unknown fault kind {kind!r}; use one of {sorted(KINDS)}, error_<code> or error_<code>_after_record"
    )


def check_method(method: str, kind: str) -> None:
    """Skinify-only kinds need a Skinify endpoint (they contain "/" or "-", SkinsBack methods never do)."""
    if kind.startswith(SKINIFY_ONLY) and method != "*" and not any(c in method for c in "/-"):
        raise ValueError(f"{kind} applies to Skinify endpoints only, not {method!r}")


def fires_for(kind: str, provider: str | None) -> bool:
    return provider is None or not kind.startswith(SKINIFY_ONLY) or provider == SKINIFY


@dataclass(slots=True)
class FaultRule:
    method: str
    kind: str
    times: int | None = None
    rate: float | None = None
    latency: float = 0.0
    hits: int = 0


class FaultBook:
    def __init__(self, seed: int) -> None:
        self.rules: list[FaultRule] = []
        self.rng = random.Random(seed)

    def inject(
        self,
        method: str,
        kind: str,
        *,
        times: int | None = None,
        rate: float | None = None,
        latency: float = 0.0,
    ) -> FaultRule:
        if times is not None and times < 0:
            raise ValueError("times must be >= 0")
        if rate is not None and not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be between 0 and 1")
        kind = validate_kind(kind)
        check_method(method, kind)
        rule = FaultRule(method, kind, times, rate, max(0.0, float(latency or 0.0)))
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    def pick(self, method: str, provider: str | None = None) -> FaultRule | None:
        """The first rule for `method` (or "*") that fires on this call; consumes one of its `times`."""
        for rule in self.rules:
            if rule.method not in (method, "*") or (rule.times is not None and rule.times <= 0):
                continue
            if not fires_for(rule.kind, provider):
                continue
            if rule.rate is not None and self.rng.random() >= rule.rate:
                continue
            if rule.times is not None:
                rule.times -= 1
            rule.hits += 1
            return rule
        return None

    def as_json(self) -> list[dict[str, Any]]:
        return [asdict(rule) for rule in self.rules]
