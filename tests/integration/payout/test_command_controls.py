"""Issue 18, the payout controls through `buy_skins` (the command path), against the sandbox provider.

For each control: the purchases' states, their PurchaseEvents, the LogEntry rows (none: a command is no
person) and the provider's requests (no buy request for what is refused or held; one per custom_id for
what is sent)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.contrib.admin.models import LogEntry
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone

from purchases.management.commands.buy_skins import Command as BuySkins
from purchases.models import Item, Purchase, PurchaseEvent, SteamUser, TradeUrlChange
from purchases.money import usd
from purchases.policy.pause import pause_buying
from purchases.status import COST_STATES, State
from tests.factories import make_purchase, make_user, trade_url_for
from tests.integration.services.helpers import sandbox_items

pytestmark = pytest.mark.django_db(transaction=True)

BUY_METHODS = ("market_buy", "market_batch_buy")
REPEAT_WORDS = "this Steam user was already paid this skin in the last"
WAITS = "wait for an approver (nothing sent)"


@pytest.fixture(autouse=True)
def controls(settings, clean_cache):
    """The shipped defaults, set here so a developer's .env cannot change what these tests see; the
    balance cache (a table kept between transactional tests) starts empty."""
    settings.PAYOUT_REPEAT_WINDOW_HOURS = 24
    settings.PAYOUT_LIMIT_PER_OPERATOR_DAY_USD = "5000.00"
    settings.PAYOUT_LIMIT_PER_STEAM_USER_DAY_USD = "1000.00"
    settings.PAYOUT_LIMIT_PER_BATCH_USD = "2000.00"
    settings.PAYOUT_APPROVAL_ABOVE_USD = "500.00"
    settings.PAYOUT_APPROVAL_EXPIRES_HOURS = 24
    return settings


@dataclass
class Ran:
    out: str
    err: str
    error: CommandError | None = None


def buy_skins(*args: str) -> Ran:
    """`buy_skins` as an engineer runs it; what it wrote is kept even when it exits with an error."""
    out, err = StringIO(), StringIO()
    try:
        call_command("buy_skins", *args, stdout=out, stderr=err)
    except CommandError as error:
        return Ran(out.getvalue(), err.getvalue(), error)
    return Ran(out.getvalue(), err.getvalue())


def item_args(items: list[Item], prices: list[Decimal] | None = None) -> list[str]:
    args: list[str] = []
    for n, item in enumerate(items):
        spec = item.provider_item_id + (f":{prices[n]}" if prices else "")
        args += ["--item", spec]
    return args


def buy_requests(sandbox) -> int:
    return sum(sandbox.state.requests[method] for method in BUY_METHODS)


def attempts(sandbox, purchases) -> list[int]:
    """How many buy requests reached the provider for each purchase's custom_id."""
    return [sandbox.state.buy_attempts[p.custom_id] for p in purchases]


def batch(ran: Ran) -> list[Purchase]:
    """The purchases a `--json` run reported, fresh from the database, in line order."""
    rows = json.loads(ran.out)
    by_id = {p.custom_id: p for p in Purchase.objects.filter(custom_id__in=[r["custom_id"] for r in rows])}
    return [by_id[r["custom_id"]] for r in rows]


def created_events(purchase: Purchase) -> list[PurchaseEvent]:
    return list(PurchaseEvent.objects.filter(purchase=purchase).order_by("at", "id"))


def bought_once(sandbox, user: SteamUser, item: Item) -> Purchase:
    """A first purchase of `item` for `user`, sent and answered by the sandbox."""
    ran = buy_skins("--steam-id", user.steam_id, *item_args([item]), "--json")
    assert ran.error is None, ran.error
    [purchase] = batch(ran)
    assert purchase.state in COST_STATES and purchase.state != State.AWAITING_APPROVAL
    assert attempts(sandbox, [purchase]) == [1]
    return purchase


# ---------------------------------------------------------------------------------------------- repeat guard


def test_a_repeat_exits_1_naming_the_earlier_purchase_and_creates_and_sends_nothing(sandbox):
    user = make_user()
    item = sandbox_items(sandbox, 1)[0]
    first = bought_once(sandbox, user, item)
    requests, events = buy_requests(sandbox), PurchaseEvent.objects.count()

    ran = buy_skins("--steam-id", user.steam_id, *item_args([item]))

    assert ran.error is not None and ran.error.returncode == 1
    message = str(ran.error)
    assert message.startswith("Nothing was bought:")
    assert f"{item.name}: {REPEAT_WORDS} 24 h" in message
    assert first.custom_id in message and "created" in message and "by a command" in message
    assert "--allow-repeat" in message
    assert list(Purchase.objects.values_list("pk", flat=True)) == [first.pk]
    assert buy_requests(sandbox) == requests  # no buy request at all
    assert PurchaseEvent.objects.count() == events
    assert not LogEntry.objects.exists()


def test_a_repeat_through_manage_py_exits_with_status_1_and_says_why_on_stderr(sandbox, capsys):
    user = make_user()
    item = sandbox_items(sandbox, 1)[0]
    first = bought_once(sandbox, user, item)
    with pytest.raises(SystemExit) as exited:  # run_from_argv: the path of `manage.py buy_skins ...`
        BuySkins().run_from_argv(["manage.py", "buy_skins", "--steam-id", user.steam_id, *item_args([item])])
    assert exited.value.code == 1
    err = capsys.readouterr().err
    assert REPEAT_WORDS in err and first.custom_id in err
    assert Purchase.objects.count() == 1


def test_the_same_skin_by_name_from_another_provider_is_a_repeat(sandbox):
    """Same market hash name, any provider: a Skinify delivery blocks a SkinsBack buy by name."""
    user = make_user()
    listing = sandbox.state.catalog.listing("skinsback", "cs2", 1)
    earlier = make_purchase(
        steam_user=user, provider="skinify", item_name=listing.name, state=State.DELIVERED
    )
    args = ["--name", listing.name, "--game", "cs2", "--max-price", str(listing.price * 2)]

    ran = buy_skins("--steam-id", user.steam_id, *args)

    assert ran.error is not None and REPEAT_WORDS in str(ran.error)
    assert earlier.custom_id in str(ran.error)
    assert list(Purchase.objects.all()) == [earlier]
    assert buy_requests(sandbox) == 0


def test_allow_repeat_creates_the_repeat_and_buys_it_once(sandbox):
    user = make_user()
    item = sandbox_items(sandbox, 1)[0]
    first = bought_once(sandbox, user, item)

    ran = buy_skins("--steam-id", user.steam_id, *item_args([item]), "--allow-repeat", "--json")

    assert ran.error is None, ran.error
    [again] = batch(ran)
    assert again.pk != first.pk
    assert again.repeat_acknowledged and not Purchase.objects.get(pk=first.pk).repeat_acknowledged
    assert again.state in {State.IN_PROGRESS, State.ON_HOLD, State.DELIVERED}
    assert attempts(sandbox, [first, again]) == [1, 1]
    assert sandbox.state.buys_recorded[again.custom_id] == 1
    assert buy_requests(sandbox) == 2
    [created, *_] = created_events(again)
    assert (created.new_state, created.source, created.actor, created.message) == (
        State.PENDING,
        "command",
        None,
        "created",
    )
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize(
    ("earlier_state", "repeat"),
    [
        (State.AWAITING_APPROVAL, True),
        (State.PENDING, True),
        (State.UNCONFIRMED, True),
        (State.IN_PROGRESS, True),
        (State.ON_HOLD, True),
        (State.DELIVERED, True),
        (State.DECLINED, False),
        (State.REJECTED, False),
        (State.FAILED, False),
    ],
)
def test_only_a_purchase_that_may_cost_money_makes_a_repeat(sandbox, earlier_state, repeat):
    user = make_user()
    item = sandbox_items(sandbox, 1)[0]
    earlier = make_purchase(steam_user=user, item=item, state=earlier_state)

    ran = buy_skins("--steam-id", user.steam_id, *item_args([item]))

    if repeat:
        assert ran.error is not None and REPEAT_WORDS in str(ran.error)
        assert earlier.custom_id in str(ran.error)
        assert Purchase.objects.count() == 1 and buy_requests(sandbox) == 0
    else:
        assert ran.error is None, ran.error
        new = Purchase.objects.exclude(pk=earlier.pk).get()
        assert new.state == State.IN_PROGRESS and attempts(sandbox, [new]) == [1]


def test_a_purchase_the_provider_rejected_is_no_repeat(sandbox):
    user = make_user()
    item = sandbox_items(sandbox, 1)[0]
    sandbox.state.inject("market_batch_buy", "error_10", times=1)
    rejected = buy_skins("--steam-id", user.steam_id, *item_args([item]))
    assert rejected.error is not None and "rejected" in str(rejected.error)
    first = Purchase.objects.get()
    assert first.state == State.REJECTED

    ran = buy_skins("--steam-id", user.steam_id, *item_args([item]))

    assert ran.error is None, ran.error
    again = Purchase.objects.exclude(pk=first.pk).get()
    assert again.state == State.IN_PROGRESS
    assert sandbox.state.buys_recorded[again.custom_id] == 1
    assert sandbox.state.buys_recorded[first.custom_id] == 0


@pytest.mark.parametrize(
    ("window_hours", "age_hours", "repeat"),
    [(24, 23, True), (24, 25, False), (2, 3, False), (48, 30, True)],
)
def test_only_a_purchase_inside_the_repeat_window_makes_a_repeat(
    sandbox, settings, window_hours, age_hours, repeat
):
    settings.PAYOUT_REPEAT_WINDOW_HOURS = window_hours
    user = make_user()
    item = sandbox_items(sandbox, 1)[0]
    earlier = make_purchase(
        steam_user=user,
        item=item,
        state=State.DELIVERED,
        created_at=timezone.now() - timedelta(hours=age_hours),
    )

    ran = buy_skins("--steam-id", user.steam_id, *item_args([item]))

    if repeat:
        assert ran.error is not None
        assert f"{REPEAT_WORDS} {window_hours} h" in str(ran.error) and earlier.custom_id in str(ran.error)
        assert Purchase.objects.count() == 1 and buy_requests(sandbox) == 0
    else:
        assert ran.error is None, ran.error
        assert Purchase.objects.count() == 2 and buy_requests(sandbox) == 1


def test_the_same_skin_for_another_steam_user_is_no_repeat(sandbox):
    item = sandbox_items(sandbox, 1)[0]
    bought_once(sandbox, make_user(), item)
    other = make_user()

    ran = buy_skins("--steam-id", other.steam_id, *item_args([item]))

    assert ran.error is None, ran.error
    assert Purchase.objects.filter(steam_user=other, state=State.IN_PROGRESS).count() == 1


def test_a_repeat_in_one_line_refuses_the_whole_batch(sandbox):
    user = make_user()
    old, new = sandbox_items(sandbox, 2)
    bought_once(sandbox, user, old)
    requests = buy_requests(sandbox)

    ran = buy_skins("--steam-id", user.steam_id, *item_args([new, old]))

    assert ran.error is not None and REPEAT_WORDS in str(ran.error)
    assert old.name in str(ran.error) and new.name not in str(ran.error)
    assert Purchase.objects.count() == 1  # not even the line that is no repeat
    assert buy_requests(sandbox) == requests


# ---------------------------------------------------------------------------------------------- limits


def max_prices(items: list[Item]) -> list[Decimal]:
    """Max prices the sandbox accepts (above the listing price), round so the limits are easy to set."""
    return [(item.price + Decimal("5")).quantize(Decimal("1")) for item in items]


def assert_held(sandbox, purchases: list[Purchase], words: str) -> None:
    for purchase in purchases:
        purchase.refresh_from_db()
        assert purchase.state == State.AWAITING_APPROVAL
        assert words in purchase.approval_reason
        assert purchase.buy_id is None and purchase.sent_at is None
        [event] = created_events(purchase)  # created, and nothing since
        assert (event.old_state, event.new_state, event.source, event.actor) == (
            "",
            State.AWAITING_APPROVAL,
            "command",
            None,
        )
        assert event.message.startswith("created; awaiting approval: ") and words in event.message
    assert attempts(sandbox, purchases) == [0] * len(purchases)


def test_lines_over_the_steam_users_daily_limit_wait_and_the_rest_is_bought(sandbox, settings):
    user = make_user()
    items = sandbox_items(sandbox, 3)
    prices = max_prices(items)
    settings.PAYOUT_LIMIT_PER_STEAM_USER_DAY_USD = str(prices[0] + 1)

    ran = buy_skins("--steam-id", user.steam_id, *item_args(items, prices), "--json")

    assert ran.error is None, ran.error
    first, *over = batch(ran)
    assert first.state == State.IN_PROGRESS and attempts(sandbox, [first]) == [1]
    limit = usd(prices[0] + 1)
    assert_held(sandbox, over, f"over this Steam user's daily limit of {limit}")
    assert buy_requests(sandbox) == 1
    assert f"2 of 3 purchase(s) {WAITS}" in ran.err
    assert "over this Steam user's daily limit" in ran.err and "Approvers" in ran.err
    assert [row["state"] for row in json.loads(ran.out)] == [
        State.IN_PROGRESS,
        State.AWAITING_APPROVAL,
        State.AWAITING_APPROVAL,
    ]
    assert not LogEntry.objects.exists()


@pytest.mark.parametrize(
    ("earlier_age_hours", "earlier_state", "held"),
    [
        (2, State.DELIVERED, True),
        (2, State.AWAITING_APPROVAL, True),
        (25, State.DELIVERED, False),
        (2, State.DECLINED, False),
        (2, State.REJECTED, False),
    ],
)
def test_the_steam_users_daily_limit_counts_the_last_24_hours_of_what_may_cost(
    sandbox, settings, earlier_age_hours, earlier_state, held
):
    settings.PAYOUT_LIMIT_PER_STEAM_USER_DAY_USD = "100.00"
    user = make_user()
    item = sandbox_items(sandbox, 1)[0]
    make_purchase(
        steam_user=user,
        item_name="Another skin",
        max_price=Decimal("90.00"),
        state=earlier_state,
        created_at=timezone.now() - timedelta(hours=earlier_age_hours),
    )

    ran = buy_skins("--steam-id", user.steam_id, *item_args([item], [Decimal("40.00")]), "--json")

    assert ran.error is None, ran.error
    [purchase] = batch(ran)
    if held:
        assert_held(sandbox, [purchase], "over this Steam user's daily limit of 100.00 USD")
        assert f"1 of 1 purchase(s) {WAITS}" in ran.err
        assert buy_requests(sandbox) == 0
    else:
        assert purchase.state == State.IN_PROGRESS and attempts(sandbox, [purchase]) == [1]
        assert ran.err == ""


def test_lines_over_the_limit_per_batch_wait(sandbox, settings):
    user = make_user()
    items = sandbox_items(sandbox, 3)
    prices = max_prices(items)
    settings.PAYOUT_LIMIT_PER_BATCH_USD = str(prices[0] + prices[1])

    ran = buy_skins("--steam-id", user.steam_id, *item_args(items, prices), "--json")

    assert ran.error is None, ran.error
    *sent, over = batch(ran)
    assert [p.state for p in sent] == [State.IN_PROGRESS, State.IN_PROGRESS]
    assert attempts(sandbox, sent) == [1, 1]
    assert_held(sandbox, [over], f"over the limit per batch of {usd(prices[0] + prices[1])}")
    assert f"1 of 3 purchase(s) {WAITS}" in ran.err


@pytest.mark.parametrize(("above", "held"), [(Decimal("-0.01"), True), (Decimal("0"), False)])
def test_a_batch_above_the_approval_threshold_waits_whole(sandbox, settings, above, held):
    """Strictly above the threshold: every line waits; a batch of exactly the threshold is bought."""
    user = make_user()
    items = sandbox_items(sandbox, 2)
    prices = max_prices(items)
    total = sum(prices)
    settings.PAYOUT_APPROVAL_ABOVE_USD = str(total + above)

    ran = buy_skins("--steam-id", user.steam_id, *item_args(items, prices), "--json")

    assert ran.error is None, ran.error
    purchases = batch(ran)
    if held:
        words = f"the batch's total {usd(total)} is above the approval threshold of {usd(total + above)}"
        assert_held(sandbox, purchases, words)
        assert buy_requests(sandbox) == 0
        assert f"2 of 2 purchase(s) {WAITS}" in ran.err and words in ran.err
    else:
        assert [p.state for p in purchases] == [State.IN_PROGRESS] * 2
        assert attempts(sandbox, purchases) == [1, 1]
        assert WAITS not in ran.err


def test_the_wait_line_names_every_reason_a_line_is_held_for(sandbox, settings):
    """Lines held for different limits: stderr names each limit once, not only the first line's."""
    user = make_user()
    items = sandbox_items(sandbox, 3)
    prices = max_prices(items)
    settings.PAYOUT_LIMIT_PER_BATCH_USD = str(prices[0] + 1)  # lines 2 and 3 go over it
    settings.PAYOUT_LIMIT_PER_STEAM_USER_DAY_USD = str(prices[0] + prices[1] + 1)  # line 3 goes over it

    ran = buy_skins("--steam-id", user.steam_id, *item_args(items, prices), "--json")

    assert ran.error is None, ran.error
    assert [p.state for p in batch(ran)] == [State.IN_PROGRESS] + [State.AWAITING_APPROVAL] * 2
    assert f"2 of 3 purchase(s) {WAITS}" in ran.err
    assert ran.err.count("over the limit per batch") == 1
    assert ran.err.count("over this Steam user's daily limit") == 1


def test_held_lines_are_said_to_wait_even_when_a_sent_line_is_rejected(sandbox, settings):
    """The exit 1 of a rejected line must not swallow the line saying what waits for an approver."""
    user = make_user()
    items = sandbox_items(sandbox, 2)
    prices = max_prices(items)
    settings.PAYOUT_LIMIT_PER_BATCH_USD = str(prices[0])
    sandbox.state.inject("market_batch_buy", "error_10", times=1)

    ran = buy_skins("--steam-id", user.steam_id, *item_args(items, prices))

    assert ran.error is not None and "1 of 2 purchase(s) were rejected" in str(ran.error)
    sent, over = Purchase.objects.order_by("batch_line")
    assert (sent.state, over.state) == (State.REJECTED, State.AWAITING_APPROVAL)
    assert f"1 of 2 purchase(s) {WAITS}" in ran.err
    assert attempts(sandbox, [over]) == [0]


# ---------------------------------------------------------------------------------------------- risky recipients


def test_a_steam_user_whose_trade_url_changed_today_has_every_line_held(sandbox):
    user = make_user()
    user.trade_url = trade_url_for(user.steam_id, token="Zz98Yx76")
    user.save()
    change = TradeUrlChange.objects.get(steam_user=user, old_url__gt="")
    items = sandbox_items(sandbox, 2)

    ran = buy_skins("--steam-id", user.steam_id, *item_args(items), "--json")

    assert ran.error is None, ran.error
    purchases = batch(ran)
    assert_held(sandbox, purchases, "risky recipient: trade URL changed at")
    assert "by an unknown user (within 24 h)" in purchases[0].approval_reason
    assert buy_requests(sandbox) == 0
    assert f"2 of 2 purchase(s) {WAITS}" in ran.err and "trade URL changed" in ran.err
    assert change.new_url != user.trade_url  # the history keeps the token masked
    assert "Zz98Yx76" not in change.new_url


def test_a_trade_url_changed_more_than_24_hours_ago_is_no_risk(sandbox):
    user = make_user()
    user.trade_url = trade_url_for(user.steam_id, token="Zz98Yx76")
    user.save()
    TradeUrlChange.objects.filter(steam_user=user).update(at=timezone.now() - timedelta(hours=25))
    item = sandbox_items(sandbox, 1)[0]

    ran = buy_skins("--steam-id", user.steam_id, *item_args([item]), "--json")

    assert ran.error is None and ran.err == ""
    [purchase] = batch(ran)
    assert purchase.state == State.IN_PROGRESS and attempts(sandbox, [purchase]) == [1]


@pytest.mark.parametrize(
    ("days_ago", "own", "held"), [(10, True, True), (31, True, False), (1, False, False)]
)
def test_a_steam_user_with_a_purchase_reverted_in_30_days_has_every_line_held(sandbox, days_ago, own, held):
    user = make_user()
    reverted = make_purchase(
        steam_user=user if own else make_user(), item_name="Reverted skin", state=State.REVERTED
    )
    PurchaseEvent.objects.create(
        purchase=reverted,
        at=timezone.now() - timedelta(days=days_ago),
        old_state=State.ON_HOLD,
        new_state=State.REVERTED,
        source="sync",
    )
    items = sandbox_items(sandbox, 2)

    ran = buy_skins("--steam-id", user.steam_id, *item_args(items), "--json")

    assert ran.error is None, ran.error
    purchases = batch(ran)
    if held:
        words = f"risky recipient: {reverted.custom_id} was reverted in Steam Trade Protection"
        assert_held(sandbox, purchases, words)
        assert buy_requests(sandbox) == 0 and words in ran.err
    else:
        assert [p.state for p in purchases] == [State.IN_PROGRESS] * 2
        assert attempts(sandbox, purchases) == [1, 1]


# ---------------------------------------------------------------------------------------------- balance


def test_a_batch_above_the_known_balance_is_refused_with_both_figures(sandbox):
    user = make_user()
    item = sandbox_items(sandbox, 1)[0]
    max_price = item.price + Decimal("5.00")
    balance = item.price + Decimal("1.00")  # the provider could buy it at its price, not at the max price
    sandbox.state.balances["skinsback"] = balance

    ran = buy_skins("--steam-id", user.steam_id, *item_args([item], [max_price]))

    assert ran.error is not None and ran.error.returncode == 1
    message = str(ran.error)
    assert f"total max price {usd(max_price)} is above the provider's balance {usd(balance)}" in message
    assert "--allow-over-balance" in message
    assert not Purchase.objects.exists() and not PurchaseEvent.objects.exists()
    assert buy_requests(sandbox) == 0 and sandbox.state.requests["balance"] == 1


def test_allow_over_balance_sends_the_batch_once(sandbox):
    user = make_user()
    item = sandbox_items(sandbox, 1)[0]
    max_price = item.price + Decimal("5.00")
    sandbox.state.balances["skinsback"] = item.price + Decimal("1.00")

    ran = buy_skins(
        "--steam-id", user.steam_id, *item_args([item], [max_price]), "--allow-over-balance", "--json"
    )

    assert ran.error is None, ran.error
    [purchase] = batch(ran)
    assert purchase.state == State.IN_PROGRESS
    assert sandbox.state.buys_recorded[purchase.custom_id] == 1 and buy_requests(sandbox) == 1


def test_a_batch_of_exactly_the_balance_is_bought(sandbox):
    user = make_user()
    item = sandbox_items(sandbox, 1)[0]
    max_price = item.price + Decimal("5.00")
    sandbox.state.balances["skinsback"] = max_price

    ran = buy_skins("--steam-id", user.steam_id, *item_args([item], [max_price]))

    assert ran.error is None, ran.error
    assert Purchase.objects.get().state == State.IN_PROGRESS and buy_requests(sandbox) == 1


# ---------------------------------------------------------------------------------------------- pause


@pytest.mark.parametrize(("paused", "refused"), [("skinsback", True), (None, True), ("skinify", False)])
def test_a_paused_provider_is_refused_before_anything_is_created_or_asked(sandbox, paused, refused):
    """(tests/integration/policy/test_pause.py covers the service, the views and the buy task; this is
    the command's own path.)"""
    user = make_user()
    item = sandbox_items(sandbox, 1)[0]
    pause_buying(provider=paused, actor=None, reason="top-up in progress", source="test")

    ran = buy_skins("--steam-id", user.steam_id, *item_args([item]))

    if refused:
        assert ran.error is not None and ran.error.returncode == 1
        assert "is paused since" in str(ran.error) and "top-up in progress" in str(ran.error)
        assert "resume_buying" in str(ran.error)
        assert not Purchase.objects.exists() and not PurchaseEvent.objects.exists()
        assert sum(sandbox.state.requests.values()) == 0  # not even the balance is asked
    else:
        assert ran.error is None, ran.error
        assert Purchase.objects.get().state == State.IN_PROGRESS and buy_requests(sandbox) == 1
