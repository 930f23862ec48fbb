"""/metrics: refused to unknown clients, the numbers right, and a bounded number of queries that do not scan."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from purchases.metrics.collect import gauges
from purchases.metrics.exposition import Gauge, render
from purchases.models import ProviderCall, Purchase
from tests.factories import make_purchase, make_purchases

pytestmark = pytest.mark.django_db
URL = "/metrics"


def sample(body: str, name: str, **labels: str) -> float:
    text = ",".join(f'{k}="{v}"' for k, v in sorted(labels.items()))
    pattern = rf"^{re.escape(name)}{re.escape('{' + text + '}') if text else ''} (\S+)$"
    match = re.search(pattern, body, re.MULTILINE)
    assert match, (name, labels, body)
    return float(match.group(1))


def test_an_unknown_client_is_refused(settings, fake_health):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "10.1.0.0/16"]
    settings.METRICS_TOKEN = "s3cret-token"
    stranger = Client(REMOTE_ADDR="203.0.113.9")
    with CaptureQueriesContext(connection) as ctx:
        refused = stranger.get(URL)
    assert refused.status_code == 403
    assert "backoffice_" not in refused.content.decode()
    assert not ctx.captured_queries  # nothing is computed for a refused client
    assert stranger.get(URL, HTTP_AUTHORIZATION="Bearer wrong").status_code == 403
    assert stranger.get(URL, HTTP_AUTHORIZATION="Bearer s3cret-token").status_code == 200
    assert Client(REMOTE_ADDR="10.1.2.3").get(URL).status_code == 200
    settings.METRICS_TOKEN = ""
    assert stranger.get(URL, HTTP_AUTHORIZATION="Bearer ").status_code == 403


def test_the_numbers(client, fake_health):
    now = timezone.now()
    make_purchases(3, state="delivered", price=Decimal("2.50"))
    make_purchases(2, state="in_progress", provider="skinify", price=Decimal("1.25"))
    old = make_purchase(state="unconfirmed")
    Purchase.objects.filter(pk=old.pk).update(created_at=now - timedelta(minutes=45))
    ProviderCall.objects.create(provider="skinsback", method="market_getinfo", outcome="ok")
    ProviderCall.objects.create(provider="skinsback", method="market_getinfo", outcome="timeout")
    ProviderCall.objects.create(
        provider="skinsback", method="market_buy", outcome="ok", started_at=now - timedelta(hours=1)
    )
    response = client.get(URL)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain; version=0.0.4")
    body = response.content.decode()
    assert sample(body, "backoffice_purchases", provider="skinsback", state="delivered") == 3
    assert sample(body, "backoffice_purchases", provider="skinify", state="in_progress") == 2
    assert sample(body, "backoffice_purchases", provider="skinify", state="failed") == 0
    assert (
        45 * 60 <= sample(body, "backoffice_oldest_unconfirmed_age_seconds", provider="skinsback") < 50 * 60
    )
    assert sample(body, "backoffice_oldest_unconfirmed_age_seconds", provider="skinify") == 0
    assert sample(body, "backoffice_spent_today_usd", provider="skinsback") == 7.5
    assert sample(body, "backoffice_spent_today_usd", provider="skinify") == 2.5
    assert sample(body, "backoffice_open_purchases") == 1
    requests = "backoffice_provider_requests_recent"
    assert sample(body, requests, method="market_getinfo", outcome="timeout", provider="skinsback") == 1
    assert "market_buy" not in body  # an hour old: outside the window
    assert "# TYPE backoffice_provider_balance_usd gauge" in body


def test_render_escapes_labels_and_writes_money_as_numbers():
    gauge = Gauge("x_total", "help")
    gauge.add(Decimal("12.50"), name='a "b"\\c\nd')
    gauge.add(None, name="unknown")  # no sample for an unknown value
    assert render([gauge]) == (
        '# HELP x_total help\n# TYPE x_total gauge\nx_total{name="a \\"b\\"\\\\c\\nd"} 12.5\n'
    )


def _queries() -> list[str]:
    with CaptureQueriesContext(connection) as ctx:
        gauges()
    return [q["sql"] for q in ctx.captured_queries]


def test_the_same_queries_at_100_and_10000_purchases(fake_health):
    make_purchases(95, state="delivered")
    make_purchases(5, state="unconfirmed")
    gauges()  # warm: the provider health cache
    at_100 = _queries()
    make_purchases(9_900, state="delivered")
    at_10000 = _queries()
    assert len(at_100) == len(at_10000) <= 40
    assert not [q for q in at_10000 if 'GROUP BY "purchases_purchase"."state"' in q]


def test_the_example_alert_rules_use_metrics_that_exist(fake_health):
    from pathlib import Path

    rules = (Path(__file__).resolve().parents[3] / "deploy" / "prometheus" / "alerts.yml").read_text()
    served = {gauge.name for gauge in gauges()}
    used = set(re.findall(r"\bbackoffice_[a-z_]+", rules))
    assert {"backoffice_sync_age_seconds", "backoffice_provider_balance_usd"} <= used
    assert used <= served, used - served
