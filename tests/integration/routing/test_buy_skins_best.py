"""`buy_skins --provider best` (issue 22): each line at the cheapest provider that can buy it, the choice
recorded on the purchase and said per line; a line no provider can buy refuses the whole command."""

from __future__ import annotations

import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from purchases.models import Item, ProviderCall, Purchase, Route
from purchases.money import usd
from purchases.policy.pause import pause_buying
from purchases.status import State
from tests.factories import make_user

from .test_failover import pair

pytestmark = pytest.mark.django_db(transaction=True)


def skins(sandbox) -> dict[str, list[tuple[Item, Item]]]:
    """Skins listed at both providers (the sandbox's prices), by where they are cheaper: (cheap, dear)."""
    ours, theirs = pair(sandbox, 40)
    found: dict[str, list[tuple[Item, Item]]] = {"skinsback": [], "skinify": []}
    for skinsback, skinify in zip(ours, theirs, strict=True):
        if skinsback.price != skinify.price:
            cheap, dear = sorted((skinsback, skinify), key=lambda item: item.price)
            found[cheap.provider].append((cheap, dear))
    assert all(len(found[code]) >= 2 for code in found), "the sandbox lists too few skins cheaper there"
    return found


def cheaper_at(sandbox, provider: str) -> tuple[Item, Item]:
    """One skin listed at both providers, cheaper at `provider`: (the cheaper, the dearer)."""
    return skins(sandbox)[provider][0]


def buy_skins(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("buy_skins", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def max_of(*items: Item) -> str:
    return str((max(i.price for i in items) * Decimal("1.5")).quantize(Decimal("0.01")))


def buys(sandbox) -> dict[str, int]:
    requests = sandbox.state.requests
    return {
        "skinsback": requests["market_batch_buy"] + requests["market_buy"],
        "skinify": requests["withdraw/buy"],
    }


def test_best_is_the_default_and_buys_at_the_cheapest_provider(sandbox):
    cheap, dear = cheaper_at(sandbox, "skinify")
    user = make_user()
    # the line names SkinsBack's listing: routing moves it to Skinify's, which is cheaper
    out, _ = buy_skins(
        "--steam-id", user.steam_id, "--item", f"{dear.provider_item_id}:{max_of(cheap, dear)}"
    )
    purchase = Purchase.objects.get()
    assert (purchase.provider, purchase.item_id, purchase.route) == ("skinify", cheap.pk, Route.BEST)
    assert purchase.route_quotes == {"skinify": f"{cheap.price:f}", "skinsback": f"{dear.price:f}"}
    assert purchase.route_saving == dear.price - cheap.price > 0
    assert purchase.state == State.IN_PROGRESS
    assert sandbox.state.buys_recorded[purchase.custom_id] == 1
    assert buys(sandbox) == {"skinsback": 0, "skinify": 1}
    assert (
        f"line 1, {cheap.name}: Skinify at {usd(cheap.price)}; next best SkinsBack at {usd(dear.price)}: "
        f"saves {usd(dear.price - cheap.price)}"
    ) in out


def test_a_skin_by_name_and_game_is_routed_too(sandbox):
    cheap, dear = cheaper_at(sandbox, "skinsback")
    user = make_user()
    args = ["--name", cheap.name.upper(), "--game", "cs2", "--max-price", max_of(cheap, dear)]
    out, _ = buy_skins("--steam-id", user.steam_id, "--provider", "best", *args)
    purchase = Purchase.objects.get()
    assert (purchase.provider, purchase.item_id, purchase.route) == ("skinsback", cheap.pk, Route.BEST)
    assert purchase.route_saving == dear.price - cheap.price
    assert buys(sandbox) == {"skinsback": 1, "skinify": 0}
    assert "next best Skinify" in out


def test_a_mixed_batch_buys_each_line_where_it_is_cheapest_once(sandbox):
    found = skins(sandbox)
    here, there = found["skinsback"][:2], found["skinify"][:2]
    user = make_user()
    args = []
    for cheap, dear in [*here, *there]:
        skinsback = cheap if cheap.provider == "skinsback" else dear
        args += ["--item", f"{skinsback.provider_item_id}:{max_of(cheap, dear)}"]
    out, _ = buy_skins("--steam-id", user.steam_id, "--json", *args)
    rows = json.loads(out)
    purchases = list(Purchase.objects.order_by("batch_line"))
    assert [p.provider for p in purchases] == ["skinsback", "skinsback", "skinify", "skinify"]
    assert [p.item_id for p in purchases] == [cheap.pk for cheap, _ in [*here, *there]]
    assert len({p.batch_id for p in purchases}) == 1
    assert [sandbox.state.buys_recorded[p.custom_id] for p in purchases] == [1, 1, 1, 1]
    assert [row["route"] for row in rows] == ["best"] * 4
    assert [row["provider"] for row in rows] == ["skinsback", "skinsback", "skinify", "skinify"]
    assert all(Decimal(row["saving"]) > 0 and len(row["quotes"]) == 2 for row in rows)


def test_a_paused_provider_is_skipped(sandbox):
    cheap, dear = cheaper_at(sandbox, "skinify")
    pause_buying(provider="skinify", actor=None, reason="top-up", source="test")
    out, _ = buy_skins(
        "--steam-id", make_user().steam_id, "--item", f"{dear.provider_item_id}:{max_of(cheap, dear)}"
    )
    purchase = Purchase.objects.get()
    assert (purchase.provider, purchase.item_id) == ("skinsback", dear.pk)
    assert buys(sandbox) == {"skinsback": 1, "skinify": 0}
    assert "(buying is paused)" in out


def test_a_provider_whose_last_requests_failed_is_skipped(sandbox):
    cheap, dear = cheaper_at(sandbox, "skinify")
    for _ in range(2):
        ProviderCall.objects.create(provider="skinify", method="withdraw/buy", outcome="timeout")
    buy_skins("--steam-id", make_user().steam_id, "--item", f"{dear.provider_item_id}:{max_of(cheap, dear)}")
    assert Purchase.objects.get().provider == "skinsback"
    assert buys(sandbox) == {"skinsback": 1, "skinify": 0}


def test_a_line_no_provider_can_buy_refuses_the_command_and_creates_nothing(sandbox):
    found = skins(sandbox)
    cheap, dear = found["skinsback"][0]
    other = found["skinify"][0][1]  # SkinsBack's listing of a skin cheaper at Skinify: bought there
    too_low = str((cheap.price / 2).quantize(Decimal("0.01")))
    args = ["--item", f"{cheap.provider_item_id}:{too_low}", "--item", f"{other.provider_item_id}"]
    with pytest.raises(CommandError) as refused:
        buy_skins("--steam-id", make_user().steam_id, *args)
    said = str(refused.value)
    assert said.startswith("Nothing was bought: no provider can buy line 1, ")
    assert f"SkinsBack at {usd(cheap.price)}: {usd(cheap.price)} is above the max price" in said
    assert f"Skinify at {usd(dear.price)}: {usd(dear.price)} is above the max price" in said
    assert "line 2" not in said
    assert not Purchase.objects.exists()
    assert buys(sandbox) == {"skinsback": 0, "skinify": 0}


def test_every_provider_paused_says_the_pause(sandbox):
    cheap, _ = cheaper_at(sandbox, "skinsback")
    pause_buying(provider=None, actor=None, reason="audit", source="test")
    with pytest.raises(CommandError, match=r"is paused since .*audit.*resume_buying"):
        buy_skins("--steam-id", make_user().steam_id, "--item", cheap.provider_item_id)
    assert not Purchase.objects.exists() and sum(sandbox.state.requests.values()) == 0


def test_a_named_provider_is_not_routed(sandbox):
    _cheap, dear = cheaper_at(sandbox, "skinify")
    out, _ = buy_skins(
        "--steam-id", make_user().steam_id, "--provider", "skinsback", "--item", dear.provider_item_id
    )
    purchase = Purchase.objects.get()
    assert (purchase.provider, purchase.item_id, purchase.route, purchase.route_quotes) == (
        "skinsback",
        dear.pk,
        "",
        {},
    )
    assert "line 1" not in out and buys(sandbox) == {"skinsback": 1, "skinify": 0}


def test_with_one_provider_configured_the_default_is_that_provider(sandbox, settings):
    settings.BUY_PROVIDERS = ["skinsback"]
    _cheap, dear = cheaper_at(sandbox, "skinify")
    out, _ = buy_skins("--steam-id", make_user().steam_id, "--item", dear.provider_item_id)
    purchase = Purchase.objects.get()
    assert (purchase.provider, purchase.route) == ("skinsback", "")
    assert "line 1" not in out


def test_a_skin_only_one_provider_lists_is_bought_there_unrouted(sandbox):
    cheap, dear = cheaper_at(sandbox, "skinsback")
    dear.delete()
    out, _ = buy_skins("--steam-id", make_user().steam_id, "--item", cheap.provider_item_id)
    purchase = Purchase.objects.get()
    assert (purchase.provider, purchase.route, purchase.route_saving) == ("skinsback", "", None)
    assert purchase.route_quotes == {"skinsback": f"{cheap.price:f}"}
    assert "the only provider quoting it" in out


def test_a_skin_no_catalog_lists_is_bought_by_name_at_the_default_provider(sandbox):
    listing = sandbox.state.catalog.listing("skinsback", "cs2", 1)
    args = ["--name", listing.name, "--game", "cs2", "--max-price", str(listing.price * 2)]
    out, _ = buy_skins("--steam-id", make_user().steam_id, *args)
    purchase = Purchase.objects.get()
    assert (purchase.provider, purchase.item_id, purchase.route) == ("skinsback", None, "")
    assert purchase.state == State.IN_PROGRESS
    assert "no configured provider's catalog lists it on sale: bought as given at SkinsBack" in out


def test_an_item_id_only_skinify_has_is_found_there(sandbox):
    cheap, _dear = cheaper_at(sandbox, "skinify")
    Item.objects.filter(provider="skinsback", provider_item_id=cheap.provider_item_id).delete()
    buy_skins("--steam-id", make_user().steam_id, "--item", cheap.provider_item_id)
    assert Purchase.objects.get().item_id == cheap.pk


def test_an_unknown_item_id_names_every_provider_looked_at(sandbox):
    with pytest.raises(CommandError, match=r"No skinsback catalog item 404 \(nor at skinify\)"):
        buy_skins("--steam-id", make_user().steam_id, "--item", "404")


def test_allow_repeat_still_works_when_routed(sandbox):
    cheap, dear = cheaper_at(sandbox, "skinify")
    user = make_user()
    spec = f"{dear.provider_item_id}:{max_of(cheap, dear)}"
    buy_skins("--steam-id", user.steam_id, "--item", spec)
    with pytest.raises(CommandError, match="--allow-repeat"):
        buy_skins("--steam-id", user.steam_id, "--item", spec)
    buy_skins("--steam-id", user.steam_id, "--item", spec, "--allow-repeat")
    again = Purchase.objects.order_by("-pk").first()
    assert again.repeat_acknowledged and again.provider == "skinify"
    assert buys(sandbox) == {"skinsback": 0, "skinify": 2}


def test_when_every_provider_only_has_a_warning_the_cheapest_is_used_and_said(sandbox):
    cheap, dear = cheaper_at(sandbox, "skinify")
    for code in ("skinsback", "skinify"):
        for _ in range(2):
            ProviderCall.objects.create(provider=code, method="balance", outcome="timeout")
    out, _ = buy_skins(
        "--steam-id", make_user().steam_id, "--item", f"{dear.provider_item_id}:{max_of(cheap, dear)}"
    )
    purchase = Purchase.objects.get()
    assert (purchase.provider, purchase.item_id, purchase.route) == ("skinify", cheap.pk, Route.BEST)
    assert "every provider has a warning; Skinify: its last 2 request(s) failed" in out
    assert buys(sandbox) == {"skinsback": 0, "skinify": 1}
