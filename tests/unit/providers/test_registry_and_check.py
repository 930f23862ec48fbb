"""get_provider() reads settings at call time; check_provider reports in plain words."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from purchases.providers import PROVIDERS, SkinifyProvider, SkinsBackProvider, get_provider
from purchases.providers.diagnostics import check
from tests.fixtures.vendor import load_text

from .conftest import SB_URL, SECRET, SF_TOKEN, SF_URL

LOCMEM = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "providers-unit"}
}
SETTINGS = {
    "SKINSBACK_API_URL": SB_URL,
    "SKINSBACK_CLIENT_ID": "1490",
    "SKINSBACK_CLIENT_SECRET": SECRET,
    "SKINSBACK_AUTH": "signature",
    "SKINIFY_API_URL": SF_URL,
    "SKINIFY_TOKEN": SF_TOKEN,
    "DEFAULT_PROVIDER": "skinify",
    "PROVIDER_CONNECT_TIMEOUT": 2.0,
    "PROVIDER_READ_TIMEOUT": 9.0,
    "PROVIDER_READ_RETRIES": 1,
    "PROVIDER_RATE_LIMITS": {"skinsback": 100, "skinify": 50},
    "PROVIDER_CALL_RECORDER": "",
    "CACHES": LOCMEM,
}


@pytest.fixture(autouse=True)
def _settings():
    with override_settings(**SETTINGS):
        yield


def test_registry_and_settings_read_at_call_time():
    assert PROVIDERS["skinsback"] is SkinsBackProvider and PROVIDERS["skinify"] is SkinifyProvider
    provider = get_provider()
    assert isinstance(provider, SkinifyProvider) and provider.api_url == SF_URL
    sb = get_provider("skinsback")
    assert isinstance(sb, SkinsBackProvider) and sb.auth == "signature" and sb.client_secret == SECRET
    assert sb.transport.timeout == (2.0, 9.0) and sb.transport.read_retries == 1
    assert sb.transport.limiter.per_window == 100 and sb.transport.recorder is None
    with override_settings(
        SKINSBACK_AUTH="headers",
        PROVIDER_CALL_RECORDER="tests.unit.providers.test_registry_and_check.recorder",
    ):
        again = get_provider("skinsback")
        assert again.auth == "headers" and again.transport.recorder is recorder


def recorder(record):  # a dotted path for PROVIDER_CALL_RECORDER
    pass


def test_unknown_code_lists_the_known_ones():
    with pytest.raises(ValueError, match="skinify, skinsback"):
        get_provider("steam")


def test_import_reads_no_settings_and_no_models():
    import subprocess
    import sys

    code = (
        "import sys, purchases.providers as p, purchases.providers.http, purchases.providers.diagnostics;"
        "from django.conf import settings;"
        "assert not settings.configured;"
        "assert not [m for m in sys.modules if m.endswith('.models') and m.startswith('purchases')]"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        check=True,
        env={"PYTHONPATH": ".", "DJANGO_SETTINGS_MODULE": "backoffice.settings"},
    )


def test_check_reports_in_plain_words(mocked):
    mocked.post(SB_URL, body=load_text("skinsback_balance_live_rub"))
    mocked.post(SB_URL, json={"status": "success", "available": True})
    report = check(get_provider("skinsback"))
    assert report.ok and report.credentials == "ok" and report.server_status == "available"
    text = "\n".join(report.lines())
    assert "credentials OK" in text and "latency:" in text
    assert "balance: 12.95 USD (1000.00 RUB in the project's currency)" in text
    assert "requests used in the last minute" in text and report.rate_limit == 90


def test_check_command_json_for_skinify_without_server_status(mocked):
    mocked.get(SF_URL + "project-balance", json={"status": "success", "balance": "12.00"})
    out = StringIO()
    call_command("check_provider", "--provider", "skinify", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert data["ok"] is True and data["server_status"] == "not offered" and data["balance"] == "12.00"
    assert data["rate_limit"] == 45 and data["rate_used"] == 1


def test_check_command_without_a_provider_checks_every_one(mocked):
    mocked.get(SF_URL + "project-balance", json={"status": "success", "balance": "12.00"})
    mocked.post(SB_URL, body=load_text("skinsback_balance_live_rub"))
    mocked.post(SB_URL, json={"status": "success", "available": True})
    out = StringIO()
    call_command("check_provider", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert set(data) == {"skinsback", "skinify"} and all(d["ok"] for d in data.values())
    assert data["skinsback"]["balance"] == "12.95" and data["skinify"]["balance"] == "12.00"
    mocked.post(SB_URL, body=load_text("skinsback_balance_live_rub"))
    mocked.post(SB_URL, json={"status": "success", "available": True})
    text = StringIO()
    call_command("check_provider", stdout=text)
    assert "== SkinsBack (skinsback)" in text.getvalue() and "== Skinify (skinify)" in text.getvalue()


def test_check_command_json_gives_usd_beside_the_project_currency(mocked):
    mocked.post(SB_URL, body=load_text("skinsback_balance_live_rub"))
    mocked.post(SB_URL, json={"status": "success", "available": True})
    out = StringIO()
    call_command("check_provider", "--provider", "skinsback", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["balance"], data["currency"]) == ("12.95", "usd")
    assert (data["project_balance"], data["project_currency"]) == ("1000.00", "rub")


def test_check_says_when_the_balance_currency_is_not_known(mocked):
    mocked.post(SB_URL, json={"status": "success", "balance": "758.93"})
    mocked.post(SB_URL, json={"status": "success", "available": True})
    report = check(get_provider("skinsback"))
    assert report.ok and report.balance is None and report.project_balance == Decimal("758.93")
    assert "758.93 in a currency the answer does not name" in "\n".join(report.lines())


def test_check_command_fails_with_what_to_check_and_no_secret(mocked):
    mocked.post(SB_URL, json={"status": "error", "error_code": -3, "error_message": "invalid_signature"})
    out = StringIO()
    with pytest.raises(CommandError) as caught:
        call_command("check_provider", "--provider", "skinsback", stdout=out)
    assert caught.value.returncode == 1
    assert "credentials rejected" in out.getvalue() and "SKINSBACK_CLIENT_SECRET" in out.getvalue()
    assert SECRET not in out.getvalue()


def test_check_falls_back_to_a_lookup_when_balance_is_missing(mocked):
    mocked.get(SF_URL + "project-balance", body="<html>404</html>", status=404)
    mocked.get(SF_URL + "withdraw/info", json={"status": "success", "items": []})
    report = check(get_provider("skinify"))
    assert report.ok and report.credentials == "ok" and "purchase lookup" in report.problem


@pytest.mark.django_db
def test_check_provider_json_against_a_rouble_sandbox(settings):
    from sandbox.server import SandboxServer

    with SandboxServer(port=0, seed=3, speed=1.0) as sb:
        sb.state.set_project_currency("rub")
        settings.SKINSBACK_API_URL = sb.skinsback_url
        settings.SKINSBACK_CLIENT_ID, settings.SKINSBACK_CLIENT_SECRET = "sandbox", "sandbox-secret"
        settings.SKINSBACK_AUTH = "headers"
        out = StringIO()
        call_command("check_provider", "--provider", "skinsback", "--json", stdout=out)
    data = json.loads(out.getvalue())
    assert (data["balance"], data["currency"]) == ("10000.00", "usd")
    assert (data["project_balance"], data["project_currency"]) == ("927000.00", "rub")
