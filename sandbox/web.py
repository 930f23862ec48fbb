"""Minimal WSGI plumbing: a parsed Request, a Response, JSON/HTML answers and streamed JSON arrays."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import Any

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
