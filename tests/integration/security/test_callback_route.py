"""The providers' callback routes are served by their own slim handler (backoffice/wsgi.py: only
SecurityMiddleware): still POST only, still refusing bad signatures (403, then 429), still redirecting
plain HTTP to HTTPS when the site does; everything else goes through the full middleware stack."""

from __future__ import annotations

import json
from contextlib import contextmanager

import pytest
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from django.test import RequestFactory

from backoffice import wsgi
from purchases.models import WebhookEvent
from purchases.providers import PROVIDERS
from purchases.status import State
from tests.factories import make_purchase
from tests.integration.services.test_webhooks import SECRET, URL, sign, status_change

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _secret(settings, clean_cache):
    settings.SKINSBACK_WEBHOOK_SECRET = SECRET
    settings.WEBHOOK_BAD_LIMIT = 2


@contextmanager
def _connection_kept():
    """As Django's test client does: the handler's request signals must not close the test's connection."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def call(app, method: str, path: str = URL, body: bytes = b"", **headers):
    """One request through a WSGI application; (status code, headers, body)."""
    environ = RequestFactory().generic(method, path, data=body, content_type="application/json", **headers)
    answer = {}

    def start_response(status, response_headers, exc_info=None):
        answer["status"], answer["headers"] = int(status.split()[0]), dict(response_headers)

    with _connection_kept():
        response = app(environ.environ, start_response)
        try:
            content = b"".join(response)
        finally:
            response.close()
    return answer["status"], answer["headers"], content


def callback(purchase, status: str) -> bytes:
    return json.dumps(status_change(purchase, status)).encode()


def test_only_the_callback_routes_take_the_slim_handler():
    expected = {f"/webhooks/{code}/" for code, cls in PROVIDERS.items() if cls.sends_callbacks}
    assert expected == wsgi.CALLBACK_PATHS
    assert URL in expected


def test_a_signed_callback_is_stored_applied_and_answered_without_session_or_page_headers():
    purchase = make_purchase(state=State.IN_PROGRESS, buy_id="65", provider_status="creating_trade")
    body = callback(purchase, "waiting_accept")
    status, headers, content = call(wsgi.application, "POST", body=body, HTTP_SIGNATURE=sign(body))
    assert status == 200 and json.loads(content)["status"] == "success"
    # no session, CSP or frame-options middleware ran; SecurityMiddleware's headers stay
    assert not {"Set-Cookie", "Vary", "Content-Security-Policy", "X-Frame-Options"} & set(headers)
    assert headers["X-Content-Type-Options"] == "nosniff"
    purchase.refresh_from_db()
    assert purchase.provider_status == "waiting_accept"
    event = WebhookEvent.objects.get()
    assert event.valid and event.processed and event.body == body.decode()


def test_the_slim_route_refuses_non_post_and_bad_signatures_then_limits_the_address():
    purchase = make_purchase(state=State.IN_PROGRESS, buy_id="65", provider_status="creating_trade")
    assert call(wsgi.application, "GET")[0] == 405
    assert call(wsgi.application, "PUT", body=b"{}")[0] == 405
    body = callback(purchase, "canceled")
    answers = [call(wsgi.application, "POST", body=body, HTTP_SIGNATURE="0" * 64)[0] for _ in range(3)]
    assert answers == [403, 403, 429]
    assert list(WebhookEvent.objects.values_list("valid", "size")) == [(False, len(body))] * 2
    purchase.refresh_from_db()
    assert purchase.state == State.IN_PROGRESS


def test_plain_http_is_redirected_to_https_as_on_every_other_page(settings):
    settings.SECURE_SSL_REDIRECT = True  # as with DEBUG off
    settings.SECURE_HSTS_SECONDS = 3600
    slim, full = wsgi.CallbackHandler(), WSGIHandler()  # built with these settings
    for app in (slim, full):
        status, headers, _ = call(app, "POST", body=b"{}", HTTP_SIGNATURE="0" * 64)
        assert status == 301 and headers["Location"] == f"https://testserver{URL}"
    assert not WebhookEvent.objects.exists()  # redirected before the view
    status, headers, _ = call(
        slim, "POST", body=b"{}", HTTP_SIGNATURE="0" * 64, HTTP_X_FORWARDED_PROTO="https"
    )
    assert status == 403 and "max-age=3600" in headers["Strict-Transport-Security"]


def test_other_paths_keep_the_full_stack():
    status, headers, _ = call(wsgi.application, "GET", "/healthz")
    assert "Content-Security-Policy" in headers
    status, headers, _ = call(wsgi.application, "GET", "/webhooks/unknown/")
    assert status == 404 and "Content-Security-Policy" in headers


@pytest.mark.django_db(transaction=True)
def test_a_callback_is_stored_on_a_new_connection_when_the_kept_one_died(monkeypatch):
    """The callback's INSERT skips Django's per-request SELECT 1: a dead connection is replaced and the
    INSERT sent again, so the provider still gets its 200 and the callback is stored once."""
    from django.db import OperationalError, connection

    from purchases import webhooks

    real, calls = webhooks._execute, []

    def dies_once(conn, sql, params):
        calls.append(conn.connection)
        if len(calls) == 1:
            raise OperationalError("server closed the connection unexpectedly")
        return real(conn, sql, params)

    monkeypatch.setattr(webhooks, "_execute", dies_once)
    purchase = make_purchase(state=State.IN_PROGRESS, buy_id="65", provider_status="creating_trade")
    body = callback(purchase, "waiting_accept")
    connection.ensure_connection()
    status, _, _ = call(wsgi.application, "POST", body=body, HTTP_SIGNATURE=sign(body))
    assert status == 200
    assert len(calls) == 2 and calls[0] is not calls[1]  # sent again on a new connection
    assert WebhookEvent.objects.filter(valid=True).count() == 1
