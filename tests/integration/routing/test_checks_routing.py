"""The system checks of the routing settings (purchases/checks.py): BUY_PROVIDERS and the health window."""

from __future__ import annotations

import pytest
from django.core.checks import run_checks

from purchases.checks import check_routing_settings


def ids() -> list[str]:
    return [message.id for message in check_routing_settings()]


def test_the_shipped_settings_pass(settings):
    assert ids() == []
    assert not [m for m in run_checks() if m.id in ("purchases.E005", "purchases.E006")]


@pytest.mark.parametrize("value", [[], "", "skinsback,skinify", None])
def test_buy_providers_must_list_at_least_one(settings, value):
    settings.BUY_PROVIDERS = value
    [error] = check_routing_settings()
    assert error.id == "purchases.E005" and "must list the providers" in error.msg
    assert "skinify, skinsback" in error.hint


def test_buy_providers_must_name_known_providers(settings):
    settings.BUY_PROVIDERS = ["skinsback", "skinport", "Skinify"]
    [error] = check_routing_settings()
    assert error.id == "purchases.E005"
    assert "'skinport'" in error.msg and "'Skinify'" in error.msg and "'skinsback'" not in error.msg


def test_one_known_provider_is_fine(settings):
    settings.BUY_PROVIDERS = ["skinify"]
    assert ids() == []


@pytest.mark.parametrize("value", [0, -5, "5", None, True, 2.5])
def test_the_health_window_must_be_a_positive_number_of_minutes(settings, value):
    settings.PROVIDER_HEALTH_WINDOW_MINUTES = value
    assert ids() == ["purchases.E006"]


def test_run_checks_reports_them(settings):
    settings.BUY_PROVIDERS = ["nowhere"]
    settings.PROVIDER_HEALTH_WINDOW_MINUTES = 0
    found = {m.id for m in run_checks()}
    assert {"purchases.E005", "purchases.E006"} <= found
