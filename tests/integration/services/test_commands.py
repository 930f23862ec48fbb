"""The engineers' commands, each a thin wrapper of one service, against the sandbox."""

import json
from datetime import timedelta

import pytest
from django.core.checks import run_checks
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from django_q.models import Schedule

from purchases.models import Item, Purchase
from purchases.schedules import SCHEDULES
from purchases.status import State
from tests.factories import make_user

from .helpers import buy, sandbox_items

pytestmark = pytest.mark.django_db(transaction=True)


def test_setup_schedules_creates_once_and_updates_by_name():
    call_command("setup_schedules")
    Schedule.objects.filter(name="sync open purchases").update(minutes=7)
    Schedule.objects.create(name="sync open purchases", func="x", schedule_type=Schedule.HOURLY)
    call_command("setup_schedules")
    assert Schedule.objects.count() == len(SCHEDULES)
    sync = Schedule.objects.get(name="sync open purchases")
    assert (sync.func, sync.schedule_type, sync.minutes) == (
        "purchases.tasks.sync_open_purchases",
        Schedule.MINUTES,
        1,
    )


@pytest.mark.parametrize(
    ("change", "check_id"),
    [({"timeout": 200, "retry": 180}, "purchases.E001"), ({"max_attempts": 0}, "purchases.E002")],
)
def test_system_check_refuses_cluster_settings_that_could_double_buy(settings, change, check_id):
    settings.Q_CLUSTER = {**settings.Q_CLUSTER, **change}
    assert check_id in [message.id for message in run_checks()]


def test_system_check_passes_with_the_shipped_settings():
    assert not [m for m in run_checks() if m.id.startswith("purchases.E")]


def test_buy_skins_by_catalog_id_waits_and_reports(sandbox, capsys):
    user = make_user()
    item = sandbox_items(sandbox, 1)[0]
    call_command(
        "buy_skins", "--steam-id", user.steam_id, "--item", item.provider_item_id, "--wait", "--json"
    )
    [row] = json.loads(capsys.readouterr().out)
    assert row["state"] == State.IN_PROGRESS
    assert row["price"] == str(Purchase.objects.get().price)
    assert sandbox.state.buys_recorded[row["custom_id"]] == 1


def test_buy_skins_by_name(sandbox, capsys):
    user = make_user()
    listing = sandbox.state.catalog.listing("skinsback", "cs2", 1)
    call_command(
        "buy_skins",
        "--steam-id",
        user.steam_id,
        "--name",
        listing.name,
        "--game",
        "cs2",
        "--max-price",
        str(listing.price * 2),
    )
    purchase = Purchase.objects.get()
    assert purchase.state == State.IN_PROGRESS
    out = capsys.readouterr().out  # money with two decimals and its currency
    assert f"{purchase.price:,.2f} USD" in out and f"(max {purchase.max_price:,.2f} USD)" in out


def test_sync_purchases_names_the_purchases_the_provider_does_not_know(sandbox, capsys):
    user = make_user()
    strays = [
        Purchase.objects.create(
            provider="skinsback",
            custom_id=f"bo-stray{n}",
            steam_user=user,
            item_name="AK-47 | Redline (Field-Tested)",
            max_price=5,
            state=State.IN_PROGRESS,
        )
        for n in range(2)
    ]
    call_command("sync_purchases")
    out = capsys.readouterr().out
    assert "not found at the provider: " in out
    assert all(p.custom_id in out for p in strays)


@pytest.mark.parametrize(
    ("args", "words"),
    [
        (["--steam-id", "123", "--name", "AK-47", "--game", "cs2", "--max-price", "1"], "17 digits"),
        (
            ["--steam-id", "76561198000000999", "--name", "AK-47", "--game", "cs2", "--max-price", "1"],
            "No Steam user",
        ),
        (["--name", "AK-47", "--game", "cs2", "--max-price", "-1"], "greater than zero"),
        (["--name", "AK-47", "--game", "cs2", "--max-price", "5000"], "above the cap"),
        (["--item", "404"], "No skinsback catalog item"),
        ([], "Give either"),
    ],
)
def test_buy_skins_refuses_bad_input_and_sends_nothing(sandbox, args, words):
    user = make_user()
    if "--steam-id" not in args:
        args = ["--steam-id", user.steam_id, *args]
    with pytest.raises(CommandError, match=words):
        call_command("buy_skins", *args)
    assert Purchase.objects.count() == 0
    assert sum(sandbox.state.requests.values()) == 0


def test_buy_skins_exits_non_zero_when_rejected(sandbox):
    user = make_user()
    item = sandbox_items(sandbox, 1)[0]
    sandbox.state.inject("market_batch_buy", "error_10", times=1)
    with pytest.raises(CommandError, match="rejected"):
        call_command("buy_skins", "--steam-id", user.steam_id, "--item", item.provider_item_id)


def test_sync_catalog_imports_and_marks_vanished_items(sandbox, capsys):
    def on_sale() -> int:
        return sum(1 for _ in sandbox.state.catalog.iter_on_sale("skinsback", "cs2"))

    sandbox.state.set_pricelist_size("cs2", 50, provider="skinsback")
    call_command("sync_catalog", "--provider", "skinsback", "--game", "cs2")
    # the sandbox lists what it sells: those of its 50 listings on sale (ids ending in 0 are not)
    listed = on_sale()
    assert 0 < listed < 50
    assert Item.objects.filter(provider="skinsback", game="cs2").count() == listed
    assert all(
        sandbox.state.catalog.by_id("skinsback", i.provider_item_id).available for i in Item.objects.all()
    )
    sandbox.state.set_pricelist_size("cs2", 40, provider="skinsback")
    call_command("sync_catalog", "--provider", "skinsback", "--game", "cs2")
    gone = listed - on_sale()
    assert gone > 0 and Item.objects.filter(available=False).count() == gone
    assert f"{gone} no longer listed" in capsys.readouterr().out


def test_import_purchase_history_updates_ours_and_imports_the_rest(sandbox, capsys):
    ours = buy(make_user(), sandbox_items(sandbox, 2))
    sandbox.state.force_status(ours[0].custom_id, "canceled")
    sandbox.state.create_purchases("skinsback", ["only-at-provider"])
    since = (timezone.now() - timedelta(days=1)).date().isoformat()
    call_command("import_purchase_history", "--provider", "skinsback", "--since", since, "--json")
    report = json.loads(capsys.readouterr().out)
    assert report["created"] == ["only-at-provider"]
    assert len(report["updated"]) == 1
    imported = Purchase.objects.get(custom_id="only-at-provider")
    assert imported.imported and imported.created_by is None
    assert Purchase.objects.get(pk=ours[0].pk).state == State.FAILED


def test_import_purchase_history_refuses_bad_dates():
    with pytest.raises(CommandError, match="not a date"):
        call_command("import_purchase_history", "--provider", "skinsback", "--since", "yesterday")
