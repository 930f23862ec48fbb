"""Low balance: the threshold setting, one mail per crossing (re-armed above 1.5x), /healthz, the
`sync_purchases --check` exit code, the dashboard's red banner."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ImproperlyConfigured
from django.core.management import call_command

from purchases.admin.market import provider_balance
from purchases.policy.balance import (
    balance_states,
    low_balance_threshold,
    note_balance,
    parse_thresholds,
)
from purchases.providers.base import Unavailable
from tests.fakes import usd_balance

pytestmark = pytest.mark.django_db
INDEX = "/admin/"


@pytest.fixture(autouse=True)
def admins(settings, clean_cache):
    settings.ADMINS = [("ops", "ops@example.com")]
    settings.PROVIDER_LOW_BALANCE_USD = "100"


def test_threshold_one_number_or_per_provider(settings):
    assert low_balance_threshold("skinsback") == Decimal("100")
    settings.PROVIDER_LOW_BALANCE_USD = "skinsback=250.50,skinify=50"
    assert low_balance_threshold("skinsback") == Decimal("250.50")
    assert low_balance_threshold("skinify") == Decimal("50")
    settings.PROVIDER_LOW_BALANCE_USD = "skinify=50"
    assert low_balance_threshold("skinsback") == Decimal("100")  # the default for the one not named
    settings.PROVIDER_LOW_BALANCE_USD = "20, skinify=5"
    assert (low_balance_threshold("skinsback"), low_balance_threshold("skinify")) == (Decimal(20), Decimal(5))


@pytest.mark.parametrize("bad", ["lots", "nowhere=10", "skinsback=-1", "skinsback=NaN"])
def test_a_bad_threshold_is_a_configuration_error(bad):
    with pytest.raises(ImproperlyConfigured):
        parse_thresholds(bad)


def test_one_mail_per_crossing_rearmed_above_one_and_a_half_times():
    assert note_balance(provider="skinsback", usd=Decimal("500")) == "ok"
    assert note_balance(provider="skinsback", usd=Decimal("99.99")) == "low"
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["ops@example.com"]
    assert "SkinsBack" in message.subject and "99.99" in message.subject
    assert "100.00" in message.body
    assert note_balance(provider="skinsback", usd=Decimal("40")) == "low"
    assert note_balance(provider="skinsback", usd=Decimal("120")) == "ok"  # above, not recovered
    assert note_balance(provider="skinsback", usd=Decimal("90")) == "low"
    assert len(mail.outbox) == 1
    assert note_balance(provider="skinsback", usd=Decimal("150")) == "ok"  # 1.5x: not above it yet
    assert note_balance(provider="skinsback", usd=Decimal("80")) == "low"
    assert len(mail.outbox) == 1
    note_balance(provider="skinsback", usd=Decimal("150.01"))  # recovered: re-armed
    note_balance(provider="skinsback", usd=Decimal("10"))
    assert len(mail.outbox) == 2
    note_balance(provider="skinify", usd=Decimal("10"))  # each provider has its own crossing
    assert len(mail.outbox) == 3


def test_an_unknown_balance_is_unknown_and_changes_nothing():
    note_balance(provider="skinsback", usd=Decimal("10"))
    assert note_balance(provider="skinsback", usd=None) == "unknown"
    assert balance_states()["skinsback"] == "low"  # the last known figure stands


def test_healthz_reports_the_last_known_balance_without_asking(client, fake_provider):
    assert client.get("/healthz").json()["balance"] == {"skinsback": "unknown", "skinify": "unknown"}
    note_balance(provider="skinsback", usd=Decimal("12.00"))
    note_balance(provider="skinify", usd=Decimal("1000"))
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["balance"] == {"skinsback": "low", "skinify": "ok"}
    assert response.json()["database"] is True
    assert fake_provider.calls == []


def test_the_buy_pages_balance_read_is_noted(fake_provider):
    fake_provider.balance_amount = Decimal("30.00")
    assert provider_balance("skinsback").amount == Decimal("30.00")
    assert balance_states()["skinsback"] == "low"
    assert len(mail.outbox) == 1


def test_sync_check_exits_2_on_a_low_balance_and_names_both_figures(fake_provider, capsys):
    fake_provider.answers["skinsback:balance"] = usd_balance(Decimal("42.50"))
    fake_provider.errors["skinify:balance"] = Unavailable("down", provider="skinify")
    with pytest.raises(SystemExit) as exit_info:
        call_command("sync_purchases", "--check")
    assert exit_info.value.code == 2
    out = capsys.readouterr().out
    assert "LOW: SkinsBack balance 42.50 USD, below the threshold 100.00 USD" in out
    assert "Skinify balance unknown" in out
    assert len(fake_provider.called("balance")) == 2  # asked once each: nothing was known


def test_sync_check_reads_the_last_known_balance_and_passes_when_ok(fake_provider, capsys):
    note_balance(provider="skinsback", usd=Decimal("500"))
    fake_provider.errors["skinify:balance"] = Unavailable("down", provider="skinify")  # unknown, not low
    call_command("sync_purchases", "--check")
    assert [c.code for c in fake_provider.called("balance")] == ["skinify"]
    assert "SkinsBack balance 500.00 USD, at or above the threshold" in capsys.readouterr().out


def test_dashboard_red_banner_names_the_low_provider(support_c, fake_health):
    fake_health.answers["skinsback:balance"] = usd_balance(Decimal("7.25"))
    page = support_c.get(INDEX).content.decode()
    assert 'id="bo-low-balance"' in page
    banner = page.split('id="bo-low-balance"')[1].split("</div>")[0]
    assert "SkinsBack" in banner and "7.25 USD" in banner and "100.00 USD" in banner
    assert "Skinify" not in banner  # 1,234.50 USD: not low
    assert balance_states() == {"skinsback": "low", "skinify": "ok"}
    assert len(mail.outbox) == 1


def test_no_banner_when_every_balance_is_ok(support_c, fake_health):
    assert 'id="bo-low-balance"' not in support_c.get(INDEX).content.decode()
    assert mail.outbox == []


def test_a_mail_that_could_not_be_sent_is_tried_again_at_the_next_read(monkeypatch):
    def broken(*args, **kwargs):
        raise OSError("smtp down")

    monkeypatch.setattr("purchases.policy.balance.mail_admins", broken)
    assert note_balance(provider="skinsback", usd=Decimal("5")) == "low"  # never raises
    monkeypatch.undo()
    note_balance(provider="skinsback", usd=Decimal("5"))
    assert len(mail.outbox) == 1
