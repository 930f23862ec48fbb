"""How an injected fault shapes an answer: errors, 500s, bodies cut short or garbled, no custom_id echo."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from typing import Any

from .faults import SKINIFY_ONLY, FaultRule, split_kind
from .web import DropConnection, Response, html_response, json_response

Perform = Callable[[], Response]
ProviderError = Callable[[str], Response]  # a provider's answer for error_<suffix>: SkinsBack code or message
NO_CODE = {"status": "error"}


def apply_fault(rule: FaultRule | None, perform: Perform, error: ProviderError) -> Response:
    """Answer `perform()` shaped by an injected fault rule (or untouched when there is none).

    Kinds in faults.PERFORMING and kinds ending in `_after_record` carry the request out first (a buy is
    recorded and counted exactly as on success); the others answer without carrying it out."""
    if rule is None:
        return perform()
    if rule.kind != "timeout_after_record" and rule.latency:
        time.sleep(rule.latency)
    base, after_record = split_kind(rule.kind)
    if after_record:
        return answer(base, error, perform())
    if base in SHAPES:
        return SHAPES[base](perform())
    if base == "timeout_after_record":
        perform()
        time.sleep(rule.latency)
        raise DropConnection
    return answer(base, error, None)


def answer(base: str, error: ProviderError, performed: Response | None) -> Response:
    """The answer of an "answered" kind; `performed` is the real answer when the request was carried out."""
    if base == "http_500":
        return html_response(500, "Internal Server Error")
    if base == "cut_body":
        return cut_short(performed or json_response({"status": "success", "items": []}))
    if base == "error_no_code":
        return json_response(NO_CODE)
    if base.startswith(SKINIFY_ONLY):
        return error(base[len(SKINIFY_ONLY) :])
    return error(base[len("error_") :])


def cut_short(response: Response) -> Response:
    """Announce the whole body, send half of it, then close the connection (a client sees an
    incomplete read: requests raises ChunkedEncodingError)."""
    payload = response.payload()

    def half() -> Iterator[bytes]:
        yield payload[: max(1, len(payload) // 2)]
        raise DropConnection

    headers = [("Content-Length", str(len(payload)))]
    return Response(response.status, half(), response.content_type, headers)


def garbled(response: Response) -> Response:
    payload = response.payload()
    return Response(response.status, payload[: max(1, len(payload) // 2)], response.content_type)


def garbled_html(response: Response) -> Response:
    page = html_response(502, "Bad Gateway")
    page.status = 200
    return page


def no_custom_id_echo(response: Response) -> Response:
    """The same answer with every `custom_id` key removed (purchases, batch `purchased`, `items[]`)."""
    try:
        data = json.loads(response.payload())
    except ValueError:
        return response
    return json_response(without_custom_ids(data), response.status)


def without_custom_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_custom_ids(v) for k, v in value.items() if k != "custom_id"}
    if isinstance(value, list):
        return [without_custom_ids(v) for v in value]
    return value


SHAPES: dict[str, Callable[[Response], Response]] = {
    "latency": lambda response: response,
    "garbled": garbled,
    "garbled_html": garbled_html,
    "no_custom_id_echo": no_custom_id_echo,
}
