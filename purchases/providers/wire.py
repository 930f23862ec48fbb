"""What travels and what is kept: the request description (`HttpCall`), the wire form of parameters
(`encode`) and the redacted record of one attempt (`CallRecord`)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import requests

from .base import InvalidResponse, ProviderError, Timeout
from .redaction import EXCERPT_CHARS, Redactor, redact_mapping


@dataclass(frozen=True)
class CallRecord:
    """One HTTP attempt, already redacted: what the services store as a ProviderCall row."""

    provider: str
    method: str
    started_at: datetime
    duration_ms: int
    outcome: str  # "ok" | "error" | "timeout" | "invalid" | "http_error"
    http_status: int | None = None
    error_code: str | None = None
    error_message: str = ""
    request_excerpt: str = ""
    response_excerpt: str = ""
    subjects: list[str] = field(default_factory=list)


@dataclass
class HttpCall:
    """One request as a provider describes it; `secrets` are this call's extra values to scrub."""

    name: str
    http_method: str
    url: str
    params: dict[str, Any] | None = None
    json: Any = None
    data: dict[str, Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    write: bool = False
    subjects: list[str] = field(default_factory=list)
    secrets: list[str] = field(default_factory=list)


def encode(value: Any) -> Any:
    """The wire form of a parameter: scalars as strings, arrays and objects recursively."""
    if isinstance(value, Mapping):
        return {str(key): encode(item) for key, item in value.items() if item is not None}
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if isinstance(value, bool):  # PHP signs true as "1", JS as "true": never send a bare bool
        return "1" if value else "0"
    if isinstance(value, float):  # a float has no single text form; go through its shortest repr
        value = Decimal(repr(value))
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def build_record(
    provider: str,
    call: HttpCall,
    started: float,
    finished: float,
    response: requests.Response | None,
    err: ProviderError | None,
    response_text: str,
    redactor: Redactor,
) -> CallRecord:
    status = response.status_code if response is not None else None
    return CallRecord(
        provider=provider,
        method=call.name,
        started_at=datetime.fromtimestamp(started, UTC),
        duration_ms=int((finished - started) * 1000),
        outcome=_outcome(err, status),
        http_status=status,
        error_code=None if err is None or err.code is None else str(err.code),
        error_message="" if err is None else err.message,
        request_excerpt=redactor.excerpt(_describe(call), call.secrets),
        response_excerpt=redactor.excerpt(response_text, call.secrets),
        subjects=list(call.subjects),
    )


def _outcome(err: ProviderError | None, status: int | None) -> str:
    if err is None:
        return "ok"
    if isinstance(err, Timeout):
        return "timeout"
    if status is None or status >= 400:
        return "http_error"
    return "invalid" if isinstance(err, InvalidResponse) else "error"


def body_head(response: requests.Response | None) -> str:
    if response is None:
        return ""
    # cut before decoding so a 5 MB history page is not copied whole; the margin covers scrubbing
    return response.content[: EXCERPT_CHARS + 256].decode(response.encoding or "utf-8", "replace")


def _describe(call: HttpCall) -> str:
    parts = [f"{call.http_method} {call.url.split('?', 1)[0]}"]
    for label, value in (("params", call.params), ("json", call.json), ("form", call.data)):
        if value:
            parts.append(f"{label}={json.dumps(redact_mapping(value), default=str, ensure_ascii=False)}")
    return " ".join(parts)
