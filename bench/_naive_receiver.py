"""The naive callback receiver bench/callbacks.py compares ours with: a bare WSGI app that reads the body
and answers 200 `{"status":"success"}`. It checks no signature and stores nothing, so a callback it takes
is lost if the process dies before acting on it.

    gunicorn _naive_receiver --workers 4 --bind 127.0.0.1:<port>   (from bench/)
"""

from __future__ import annotations

ANSWER = b'{"status":"success"}'
HEADERS = [("Content-Type", "application/json"), ("Content-Length", str(len(ANSWER)))]


def application(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    environ["wsgi.input"].read(length)
    start_response("200 OK", HEADERS)
    return [ANSWER]
