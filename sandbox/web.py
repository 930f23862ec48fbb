"""Minimal WSGI plumbing: a parsed Request, a Response, and how faults shape an answer."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

from .faults import FaultRule
from .phpform import parse_body, parse_query

MAX_BODY = 64 * 1024 * 1024
StartResponse = Callable[..., Any]


class DropConnection(Exception):
    """Raised by the app to make the server close the connection without answering."""


@dataclass
class Request:
    method: str
    path: str
    headers: dict[str, str]
    query: dict[str, Any]
    body: dict[str, Any]
    raw: bytes = b""

    @classmethod
    def from_environ(cls, environ: dict[str, Any]) -> Request:
        headers = {k[5:].replace("_", "-").lower(): v for k, v in environ.items() if k.startswith("HTTP_")}
        content_type = environ.get("CONTENT_TYPE") or ""
        headers["content-type"] = content_type
        raw = _read_body(environ)
        return cls(
            method=environ.get("REQUEST_METHOD", "GET").upper(),
            path=environ.get("PATH_INFO", "") or "/",
            headers=headers,
            query=parse_query(environ.get("QUERY_STRING", "")),
            body=parse_body(raw, content_type.lower()) if raw else {},
            raw=raw,
        )

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())

    def json(self) -> dict[str, Any]:
        """The body as a JSON object for the control API ({} if empty); ValueError if not an object."""
        if not self.raw.strip():
            return {}
        data = json.loads(self.raw)
        if not isinstance(data, dict):
            raise ValueError("expected a JSON object")
        return data


def _read_body(environ: dict[str, Any]) -> bytes:
    try:
        length = int(environ.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length <= 0:
        return b""
    return environ["wsgi.input"].read(min(length, MAX_BODY))


@dataclass
class Response:
    status: int = 200
    body: bytes | Iterable[bytes] = b""
    content_type: str = "application/json"
    headers: list[tuple[str, str]] = field(default_factory=list)

    def send(self, start_response: StartResponse) -> Iterable[bytes]:
        phrase = HTTPStatus(self.status).phrase
        headers = [("Content-Type", self.content_type), *self.headers]
        if isinstance(self.body, bytes):
            headers.append(("Content-Length", str(len(self.body))))
            start_response(f"{self.status} {phrase}", headers)
            return [self.body]
        start_response(f"{self.status} {phrase}", headers)
        return self.body

    def payload(self) -> bytes:
        return self.body if isinstance(self.body, bytes) else b"".join(self.body)


def json_response(data: Any, status: int = 200) -> Response:
    return Response(status, json.dumps(data, ensure_ascii=False).encode())


def html_response(status: int, title: str) -> Response:
    page = (
        f"<html><head><title>{status} {title}</title></head><body><center><h1>{status} {title}</h1></center>"
    )
    page += "<hr><center>nginx</center></body></html>\n"
    return Response(status, page.encode(), "text/html; charset=utf-8")


def apply_fault(
    rule: FaultRule | None, perform: Callable[[], Response], error: Callable[[str], Response]
) -> Response:
    """Answer `perform()` shaped by an injected fault rule (or untouched when there is none).

    Kinds ending in `_after_record` (and `timeout_after_record`, `garbled`, `no_custom_id_echo`) carry
    the request out first; `error_<code>_after_record` answers the error after recording the buy."""
    if rule is None:
        return perform()
    kind = rule.kind
    if kind != "timeout_after_record" and rule.latency:
        time.sleep(rule.latency)
    if kind.startswith("error_") and kind.endswith(AFTER_RECORD):
        perform()
        return error(kind[len("error_") : -len(AFTER_RECORD)])
    if kind.startswith("error_"):
        return error(kind[len("error_") :])
    if kind in BEFORE_RECORD:
        return BEFORE_RECORD[kind]()
    return _shape(rule, perform())


AFTER_RECORD = "_after_record"
BEFORE_RECORD: dict[str, Callable[[], Response]] = {
    "http_500": lambda: html_response(500, "Internal Server Error"),
    "no_code_error": lambda: json_response({"status": "error"}),
    "cut_body": lambda: cut_short(json_response({"status": "success", "items": []})),
}


def _shape(rule: FaultRule, response: Response) -> Response:
    """The kinds that performed the request: what the answer then looks like."""
    kind = rule.kind
    if kind == "timeout_after_record":
        time.sleep(rule.latency)
        raise DropConnection
    if kind == "http_500_after_record":
        return html_response(500, "Internal Server Error")
    if kind == "garbled":
        payload = response.payload()
        return Response(response.status, payload[: max(1, len(payload) // 2)], response.content_type)
    if kind == "garbled_html":
        page = html_response(502, "Bad Gateway")
        page.status = 200
        return page
    if kind == "cut_body_after_record":
        return cut_short(response)
    if kind == "no_custom_id_echo":
        return Response(
            response.status, json.dumps(without_custom_ids(json.loads(response.payload()))).encode()
        )
    if kind == "no_code_error_after_record":
        return json_response({"status": "error"})
    return response


def cut_short(response: Response) -> Response:
    """Announce the whole body, send half of it, then close the connection (a client sees an
    incomplete read: requests raises ChunkedEncodingError)."""
    payload = response.payload()

    def half() -> Iterator[bytes]:
        yield payload[: max(1, len(payload) // 2)]
        raise DropConnection

    headers = [("Content-Length", str(len(payload)))]
    return Response(response.status, half(), response.content_type, headers)


def without_custom_ids(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: without_custom_ids(v) for k, v in value.items() if k != "custom_id"}
    if isinstance(value, list):
        return [without_custom_ids(v) for v in value]
    return value


def stream_json_array(head: bytes, rows: Iterator[str], tail: bytes, chunk: int = 500) -> Iterator[bytes]:
    """head, then the rows joined by commas in chunks, then tail: a JSON array without holding it whole."""
    yield head
    batch: list[str] = []
    first = True
    for row in rows:
        batch.append(row)
        if len(batch) >= chunk:
            yield (("" if first else ",") + ",".join(batch)).encode()
            batch, first = [], False
    if batch:
        yield (("" if first else ",") + ",".join(batch)).encode()
    yield tail
