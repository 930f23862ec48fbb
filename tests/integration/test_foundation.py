import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.models import Group
from django.core.management import call_command

from purchases.models import Purchase, PurchaseEvent, SteamUser
from purchases.status import State

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.django_db
def test_healthz_reports_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] is True


@pytest.mark.django_db
def test_setup_roles_gives_support_no_buy_permission():
    call_command("setup_roles")
    call_command("setup_roles")  # idempotent
    support = set(Group.objects.get(name="Support").permissions.values_list("codename", flat=True))
    operators = set(Group.objects.get(name="Operators").permissions.values_list("codename", flat=True))
    assert "buy_skins" not in support
    assert {"refresh_purchase", "view_inventory", "view_purchase"} <= support
    assert {"buy_skins", "refresh_purchase", "view_inventory"} <= operators


@pytest.mark.django_db
def test_seed_demo_is_idempotent_and_covers_every_state(settings):
    settings.DEBUG = True
    call_command("seed_demo", "--admin")
    counts = (SteamUser.objects.count(), Purchase.objects.count(), PurchaseEvent.objects.count())
    call_command("seed_demo", "--admin")
    assert counts == (SteamUser.objects.count(), Purchase.objects.count(), PurchaseEvent.objects.count())
    assert set(Purchase.objects.values_list("state", flat=True)) == set(State.values)
    for user in SteamUser.objects.exclude(trade_url=""):
        user.full_clean()
        assert user.has_valid_trade_url


@pytest.mark.django_db
def test_seed_demo_refuses_without_debug(settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_demo", "--admin")


def _manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    full_env = {**os.environ, "TESTING": "false", **env}
    full_env.pop("DJANGO_SETTINGS_MODULE", None)
    full_env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # set for the browser tests' own process only
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "DEBUG": "False",
    "SECRET_KEY": "x" * 20 + "-production-key-with-plenty-of-entropy-7f3a9c1e5b",
    "ALLOWED_HOSTS": "backoffice.example.com",
    "SKINSBACK_API_URL": "https://skinsback.com/api.php",
    "SKINIFY_API_URL": "https://skinify.io/api/",
}


def test_check_deploy_is_clean_with_production_values():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_the_development_secret_key():
    result = _manage("check", **{**PRODUCTION, "SECRET_KEY": ""})
    assert result.returncode != 0
