"""Injected faults per method: latency, 5xx, garbled answers, lost answers, provider error codes."""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Any

# Kinds: "latency" sleeps then answers; "timeout_after_record" performs the request, sleeps `latency`
# (0 = not at all) and closes the connection without an answer; "http_500" answers 500 without performing
# the request, "http_500_after_record" after performing it; "garbled" performs it and answers truncated
# JSON, "garbled_html" performs it and answers an HTML page with status 200; "error_<code>" answers that
# provider error without performing the request (SkinsBack: error_-6, error_-7, error_-9, error_5 ...;
# Skinify: the same -6/-7/-9 or error_<message>, e.g. error_insufficient_funds).
KINDS = frozenset(
    {
        "latency",
        "timeout_after_record",
        "http_500",
        "http_500_after_record",
        "garbled",
        "garbled_html",
        "cut_body",  # Content-Length announces the whole body, half is sent, the connection closes
        "cut_body_after_record",
        "no_custom_id_echo",  # a normal answer without any custom_id key (as the vendor's examples)
        "no_code_error",  # {"status": "error"}: no error_code, no message
        "no_code_error_after_record",
    }
)


@dataclass(slots=True)
class FaultRule:
    method: str
    kind: str
    times: int | None = None
    rate: float | None = None
    latency: float = 0.0
    hits: int = 0


def validate_kind(kind: str) -> str:
    if kind in KINDS or (kind.startswith("error_") and len(kind) > len("error_")):
        return kind
    raise ValueError(f"unknown fault kind {kind!r}; use one of {sorted(KINDS)} or error_<code>")


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
        rule = FaultRule(method, validate_kind(kind), times, rate, max(0.0, float(latency or 0.0)))
        self.rules.append(rule)
        return rule

    def clear(self) -> None:
        self.rules.clear()

    def pick(self, method: str) -> FaultRule | None:
        """The first rule for `method` (or "*") that fires on this call; consumes one of its `times`."""
        for rule in self.rules:
            if rule.method not in (method, "*") or (rule.times is not None and rule.times <= 0):
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
