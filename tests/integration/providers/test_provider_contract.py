"""The provider contract, over real HTTP against the sandbox, for SkinsBack (both auth modes) and Skinify.

No database: CallRecords go to a list. Faults are injected per method through `sb.state.inject`.
"""

from __future__ import annotations

import itertools
import logging
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from purchases.providers import (
    AuthError,
    BuyRequest,
    CatalogEntry,
    InvalidResponse,
    NotSupported,
    Rejected,
    SkinifyProvider,
    SkinsBackProvider,
    Timeout,
    Transport,
    Unavailable,
    is_duplicate_custom_id,
    is_outcome_unknown,
)

sandbox_server = pytest.importorskip("sandbox.server")

CLIENT_ID, SECRET, TOKEN = "sandbox", "sandbox-secret", "sandbox-token"
PARTNER, TRADE_TOKEN = "90078795", "AbCd1234"
STEAM_ID = "76561198000000042"
KINDS = ["skinsback-headers", "skinsback-signature", "skinify"]
GAME = {"skinsback": "cs2", "skinify": "csgo"}
_ids = itertools.count()


@pytest.fixture(scope="module")
def sandbox():
    with sandbox_server.SandboxServer(port=0, seed=1, speed=1.0) as sb:
        yield sb


@pytest.fixture(autouse=True)
def _fresh(sandbox):
    sandbox.state.reset()
    yield


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def records() -> list:
    return []


def make(kind: str, sb, records: list, sleeps: list[float], *, secret: str | None = None, **options):
    options = {
        "read_retries": 2,
        "read_timeout": 5.0,
        "recorder": records.append,
        "sleep": sleeps.append,
    } | options
    if kind == "skinify":
        return SkinifyProvider(
            api_url=sb.skinify_url, token=secret or TOKEN, transport=Transport("skinify", **options)
        )
    return SkinsBackProvider(
        api_url=sb.skinsback_url,
        client_id=CLIENT_ID,
        client_secret=secret or SECRET,
        auth=kind.split("-")[1],
        transport=Transport("skinsback", **options),
    )


@pytest.fixture(params=KINDS)
def provider(request, sandbox, records, sleeps):
    return make(request.param, sandbox, records, sleeps)


def cid() -> str:
    return f"contract-{datetime.now(UTC):%H%M%S}-{next(_ids)}"


def cheap_items(provider, n: int = 3) -> list[CatalogEntry]:
    entries = sorted(provider.price_list(game=GAME[provider.code]), key=lambda e: e.price)
    assert len(entries) >= n
    return entries[:n]


def buy(provider, entry: CatalogEntry, custom_id: str | None = None):
    request = BuyRequest(custom_id or cid(), entry.price + Decimal("1.00"), item_id=entry.item_id)
    return request, provider.buy(partner=PARTNER, token=TRADE_TOKEN, request=request)


def fault_method(provider, name: str) -> str:
    return (
        name
        if provider.code == "skinsback"
        else {"market_buy": "withdraw/buy", "market_getinfo": "withdraw/info"}[name]
    )


# ------------------------------------------------------------------------------------------ reads


def test_balance_and_status(provider):
    balance = provider.balance()
    assert isinstance(balance.amount, Decimal) and balance.amount > 0
    if provider.code == "skinify":
        with pytest.raises(NotSupported):
            provider.server_status()
    else:
        assert provider.server_status().available is True


def test_price_list_and_search(provider):
    entries = list(provider.price_list(game=GAME[provider.code]))
    assert entries and all(isinstance(e.price, Decimal) and e.item_id for e in entries)
    assert all(isinstance(e.item_id, str) for e in entries)
    found = provider.search(name=entries[0].name, game=GAME[provider.code])
    assert entries[0].item_id in {e.item_id for e in found}


def test_inventory(provider):
    inventory = provider.inventory(steam_id=STEAM_ID, token=TRADE_TOKEN, game=GAME[provider.code])
    assert inventory.items and inventory.currency_local
    assert all(item.asset_id and isinstance(item.price_local, Decimal | None) for item in inventory.items)
    assert any(item.image_url for item in inventory.items)


def test_inventory_refusals_keep_the_providers_words(provider):
    with pytest.raises(Rejected) as caught:
        provider.inventory(steam_id="76561198000000006", token=TRADE_TOKEN, game=GAME[provider.code])
    assert caught.value.code in (6, "private_inventory")


# ------------------------------------------------------------------------------------------ buying


def test_buy_then_look_it_up_every_way(provider, sandbox):
    before = provider.balance().amount
    entry = cheap_items(provider, 1)[0]
    request, bought = buy(provider, entry)
    assert bought.buy_id and bought.custom_id == request.custom_id and bought.item_id == entry.item_id
    assert bought.balance_debited == entry.price and provider.balance().amount == before - entry.price
    [by_id] = provider.get_purchases(buy_ids=[bought.buy_id])
    [by_custom] = provider.get_purchases(custom_ids=[request.custom_id])
    assert by_id.buy_id == by_custom.buy_id == bought.buy_id and by_custom.custom_id == request.custom_id
    now = datetime.now(UTC)
    history = list(provider.iter_history(since=now - timedelta(hours=1), until=now + timedelta(hours=1)))
    assert bought.buy_id in {p.buy_id for p in history}
    assert sandbox.state.buys_recorded[request.custom_id] == 1


def test_unknown_purchases_are_simply_absent(provider):
    assert provider.get_purchases(custom_ids=["never-used-1", "never-used-2"]) == []
    assert provider.get_purchases(buy_ids=["999999999"]) == []


def test_statuses_move_with_the_clock(provider, sandbox):
    request, bought = buy(provider, cheap_items(provider, 1)[0])
    sandbox.state.advance(3600)
    [later] = provider.get_purchases(custom_ids=[request.custom_id])
    assert later.status and later.status != bought.status


def test_hold_is_reported(provider, sandbox):
    request, _ = buy(provider, cheap_items(provider, 1)[0])
    sandbox.state.force_status(request.custom_id, "accepted", provider.code, hold_seconds=7 * 86400)
    [held] = provider.get_purchases(custom_ids=[request.custom_id])
    assert held.status == "accepted" and held.in_hold is True
    assert held.hold_until is not None and held.hold_until > datetime.now(UTC) + timedelta(days=6)


def test_duplicate_custom_id_is_refused_and_recognised(provider, sandbox):
    first, second = cheap_items(provider, 2)[:2]
    request, _ = buy(provider, first)
    with pytest.raises(Rejected) as caught:
        buy(provider, second, custom_id=request.custom_id)
    assert is_duplicate_custom_id(caught.value)
    assert sandbox.state.buys_recorded[request.custom_id] == 1


def test_batch_buy(provider):
    items = cheap_items(provider, 3)
    requests_ = [BuyRequest(cid(), e.price + 1, item_id=e.item_id) for e in items]
    if provider.code == "skinify":
        with pytest.raises(NotSupported):
            provider.batch_buy(partner=PARTNER, token=TRADE_TOKEN, items=requests_)
        return
    result = provider.batch_buy(partner=PARTNER, token=TRADE_TOKEN, items=requests_)
    assert len(result.purchased) + len(result.unavailable) == 3
    assert {p.custom_id for p in result.purchased} <= {r.custom_id for r in requests_}
    assert all(p.buy_id for p in result.purchased)
    assert all(u.custom_id in {r.custom_id for r in requests_} for u in result.unavailable)


def test_refused_trade_token(provider):
    request = BuyRequest(cid(), Decimal("100"), item_id=cheap_items(provider, 1)[0].item_id)
    with pytest.raises(Rejected) as caught:
        provider.buy(partner=PARTNER, token="badtoken", request=request)
    assert not is_outcome_unknown(caught.value)


# ------------------------------------------------------------------------------------------ faults


def test_lost_buy_answer_is_a_timeout_and_the_buy_is_found_by_custom_id(provider, sandbox, records):
    sandbox.state.inject(fault_method(provider, "market_buy"), "timeout_after_record", times=1)
    entry = cheap_items(provider, 1)[0]
    with pytest.raises(Timeout) as caught:
        buy(provider, entry, custom_id=(lost := cid()))
    assert is_outcome_unknown(caught.value) and records[-1].outcome == "timeout"
    [found] = provider.get_purchases(custom_ids=[lost])
    assert found.custom_id == lost
    with pytest.raises(Rejected) as again:  # re-sent with the same custom_id: nothing bought twice
        buy(provider, entry, custom_id=lost)
    assert is_duplicate_custom_id(again.value) and sandbox.state.buys_recorded[lost] == 1


@pytest.mark.parametrize("kind", ["garbled", "garbled_html", "http_500_after_record"])
def test_unreadable_buy_answers_leave_the_outcome_unknown(provider, sandbox, kind):
    sandbox.state.inject(fault_method(provider, "market_buy"), kind, times=1)
    with pytest.raises((InvalidResponse, Unavailable)) as caught:
        buy(provider, cheap_items(provider, 1)[0], custom_id=(custom_id := cid()))
    assert is_outcome_unknown(caught.value)
    assert provider.get_purchases(custom_ids=[custom_id])[0].custom_id == custom_id


def test_a_read_is_retried_after_a_5xx(provider, sandbox, records, sleeps):
    sandbox.state.inject(fault_method(provider, "market_getinfo"), "http_500", times=1)
    assert provider.get_purchases(custom_ids=["nothing"]) == []
    assert [r.outcome for r in records[-2:]] == ["http_error", "ok"] and len(sleeps) == 1


def test_rate_limit_answer_makes_a_read_wait_and_retry(provider, sandbox, sleeps):
    sandbox.state.inject(fault_method(provider, "market_getinfo"), "error_-7", times=1)
    assert provider.get_purchases(custom_ids=["nothing"]) == []
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 60


def test_maintenance_is_unavailable_after_the_retries(provider, sandbox):
    sandbox.state.inject(fault_method(provider, "market_getinfo"), "error_-9", times=5)
    with pytest.raises(Unavailable):
        provider.get_purchases(custom_ids=["nothing"])


# ------------------------------------------------------------------------------------------ auth


@pytest.mark.parametrize("kind", KINDS)
def test_wrong_secret_says_what_to_check_and_hides_the_secret(kind, sandbox, records, sleeps, caplog):
    caplog.set_level(logging.DEBUG)
    wrong = "WRONG-secret-value-123"
    provider = make(kind, sandbox, records, sleeps, secret=wrong)
    with pytest.raises(AuthError) as caught:
        provider.balance()
    text = str(caught.value)
    assert ("SKINIFY_TOKEN" if kind == "skinify" else "SKINSBACK_CLIENT_SECRET") in text
    everything = text + caplog.text + "".join(r.request_excerpt + r.response_excerpt for r in records)
    assert wrong not in everything and TRADE_TOKEN not in everything


# ------------------------------------------------------------------------------------------ streaming


def _price_list_peak(provider, size: int, sandbox) -> int:
    import tracemalloc

    sandbox.state.set_pricelist_size(GAME[provider.code], size, provider.code)
    tracemalloc.start()
    try:
        count = sum(1 for _ in provider.price_list(game=GAME[provider.code]))
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == size - size // 10  # on sale: listings whose id ends in 0 are not listed
    return peak


@pytest.mark.parametrize("kind", ["skinsback-headers", "skinify"])
def test_a_price_list_never_sits_in_memory(kind, sandbox, records, sleeps):
    """N items, then 4N: the peak stays flat (a body held whole would make it ~4x)."""
    provider = make(kind, sandbox, records, sleeps)
    small_peak = _price_list_peak(provider, 5_000, sandbox)
    peak = _price_list_peak(provider, 20_000, sandbox)
    print(f"price list peak: 5k items {small_peak / 1e6:.2f} MB, 20k items {peak / 1e6:.2f} MB")
    assert peak < 1.5 * small_peak + 512 * 1024, (
        f"peak {small_peak / 1e6:.2f} -> {peak / 1e6:.2f} MB: held whole"
    )
