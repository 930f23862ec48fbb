"""`manage.py show_inventory`: the page's view as a table or JSON, with the page's validation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from io import StringIO

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command

from purchases.providers.base import Rejected
from tests.factories import make_user

from .conftest import VENDOR_STEAM_ID

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("show_inventory", "--steam-id", VENDOR_STEAM_ID, *args, stdout=out)
    return out.getvalue()


def test_table_lists_items_and_the_summary(steam_user, fake_provider):
    out = run()
    lines = out.splitlines()
    assert lines[0].split() == ["name", "USD", "RUB", "multiplied", "accepted"]
    rows = lines[2:-1]
    assert len(rows) == 17
    assert rows[0].split()[-4:] == ["0.07", "6.49", "12.98", "yes"]
    assert rows[-1].startswith("Rescue Cap") and rows[-1].endswith("no")
    assert lines[-1] == (
        "17 items, 13 accepted (4 not accepted). Accepted value: 1.31 USD · 121.47 RUB · multiplied 242.98 RUB"
    )


def test_json_has_decimals_as_strings(steam_user, fake_provider):
    data = json.loads(run("--json", "--sort", "price_desc"))
    assert data["steam_id"] == VENDOR_STEAM_ID and data["currency_local"] == "rub"
    assert data["summary"] == {
        "count": 17,
        "accepted_count": 13,
        "disabled_count": 4,
        "total_usd": "1.31",
        "total_local": "121.47",
        "total_multiplied": "242.98",
    }
    first = data["items"][0]
    assert first["name"] == "Gun Box"
    assert (first["price"], first["price_local"], first["multiplied_price_local"]) == (
        "0.16",
        "14.84",
        "29.68",
    )
    assert first["accepted"] is True
    assert [i["accepted"] for i in data["items"]][-4:] == [False] * 4


def test_options_reach_the_provider_and_filters_apply(steam_user, fake_provider):
    out = run(
        "--provider",
        "skinsback",
        "--game",
        "rust",
        "--currency",
        "rub",
        "--multiplier",
        "1.5",
        "--custom-currency",
        "pts",
        "--rate",
        "0.5",
        "--name",
        "bandana",
        "--hide-disabled",
    )
    [call] = fake_provider.calls
    assert (call.method, call.code) == ("inventory", "skinsback")
    assert (call.kwargs["game"], call.kwargs["multiplier"], call.kwargs["rate"]) == (
        "rust",
        Decimal("1.5"),
        Decimal("0.5"),
    )
    assert "(showing 7 of 17)" in out


def test_second_run_uses_the_cache_unless_refresh(steam_user, fake_provider):
    run()
    assert "(from the cache)" in run()
    run("--refresh")
    assert len(fake_provider.called("inventory")) == 2


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--multiplier", "0.4"], "--multiplier: Multiplier 0.4: it must be from 0.5 to 2."),
        (["--multiplier", "2.5"], "from 0.5 to 2"),
        (["--currency", "ABCDE"], "--currency: Currency “ABCDE”"),
        (["--custom-currency", "pts"], "--rate: A custom currency needs its rate"),
        (["--rate", "1"], "--custom-currency: A rate needs the custom currency"),
        (["--custom-currency", "pts", "--rate", "0.05"], "at least 0.1"),
        (["--game", "minecraft"], "Unknown game “minecraft”"),
    ],
)
def test_bad_options_fail_without_a_request(steam_user, fake_provider, args, message):
    with pytest.raises(CommandError, match="nothing was asked of the provider") as err:
        run(*args)
    assert message in str(err.value)
    assert fake_provider.calls == []


def test_unknown_user_bad_steam_id_and_missing_trade_url(fake_provider):
    with pytest.raises(CommandError, match="No Steam user"):
        run()
    with pytest.raises(CommandError, match="17 digits"):
        call_command("show_inventory", "--steam-id", "123")
    make_user(steam_id=VENDOR_STEAM_ID, trade_url="")
    with pytest.raises(CommandError, match="no valid trade URL"):
        run()
    assert fake_provider.calls == []


def test_provider_error_is_a_clear_command_error(steam_user, fake_provider):
    fake_provider.error = Rejected("user_inventory_is_hidden", provider="skinsback", code=6)
    with pytest.raises(CommandError, match="make the inventory public"):
        run()


def test_exit_status_is_non_zero_from_the_shell():
    # a real process: exit code and stderr as cron sees them; an in-memory database proves no state is needed
    env = {**os.environ, "DATABASE_URL": "sqlite://:memory:"}
    args = ["--steam-id", VENDOR_STEAM_ID, "--multiplier", "9"]
    done = subprocess.run(
        [sys.executable, "manage.py", "show_inventory", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 1
    assert "Multiplier 9: it must be from 0.5 to 2." in done.stderr
    assert done.stdout == ""
