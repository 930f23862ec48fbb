"""Realistic, idempotent demo data: Steam users, a catalog, purchases in every state with their events.

The demo catalog is read from the sandbox's own catalog (sandbox/catalog.py, what `make run` serves): the
same listing ids, names, prices and availability, so what the demo shows as Available the sandbox sells.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import transaction
from django.utils import timezone

from sandbox.catalog import Catalog, Listing

from .models import Item, Purchase, PurchaseEvent, Route, SteamUser
from .status import STATES, State
from .validators import STEAM_ID64_BASE

DEMO_USERS = [
    ("76561198050648523", "Vova Rustman", "Kq8v2LmZ"),  # the vendor's example inventory in the sandbox
    ("76561198827262007", "shroud_fan_99", "aB3dE5fG"),
    ("76561198100000001", "Mira K.", "Zt7wQ2rP"),
    ("76561198100000002", "dota_carry", "Hn4kL8sD"),
    ("76561198100000003", "NoTradeUrl Tom", ""),
]

#: (game, market hash name) of the demo catalog; ids, prices and availability come from the sandbox
DEMO_ITEMS = [
    ("cs2", "AK-47 | Redline (Field-Tested)"),
    ("cs2", "AWP | Asiimov (Battle-Scarred)"),
    ("cs2", "M4A1-S | Printstream (Minimal Wear)"),
    ("cs2", "Glock-18 | Water Elemental (Field-Tested)"),
    ("cs2", "USP-S | Kill Confirmed (Minimal Wear)"),
    ("cs2", "Desert Eagle | Blaze (Factory New)"),
    ("cs2", "P250 | Sand Dune (Field-Tested)"),
    ("cs2", "'The Doctor' Romanov | Sabre"),
    ("dota2", "Taunt: RazorFlip!"),
    ("dota2", "Inscribed Genuine Flight of Epiphany"),
    ("dota2", "Mask of Madness Style Unlock"),
    ("rust", "Black Bandana"),
    ("rust", "Forest Camo Bandana"),
    ("rust", "Tempered AK47"),
    ("rust", "Whiteout Hoodie"),
    ("cs2", "AWP | Dragon Lore (Field-Tested)"),  # 9,120.00 USD: above the per-item max price cap
    ("cs2", "AK-47 | Vulcan (Battle-Scarred)"),  # its first listing is not on sale in the sandbox
]
DEMO_PROVIDER = "skinsback"
SKINIFY_GAMES = {"cs2": "csgo"}  # the sandbox's Skinify names CS2 as Skinify does
OUR_GAMES = {"csgo": "cs2"}
#: the ids the demo catalog used before it was read from the sandbox, which refuses them (skin_unavailable)
LEGACY_DEMO_IDS = [str(62696900 + index) for index in range(15)]

# (state, provider_status, minutes ago, extra)
DEMO_PURCHASES = [
    (State.PENDING, "", 1, {}),
    (
        State.UNCONFIRMED,
        "",
        3,
        {"error_reason": "no answer within 20 s: looked up by custom_id on the next sync"},
    ),
    (State.REJECTED, "", 50, {"error_code": "4", "error_reason": "insufficient_funds"}),
    (State.IN_PROGRESS, "creating_trade", 2, {}),
    (State.IN_PROGRESS, "waiting_accept", 6, {"trade_offer_id": "6021480571"}),
    (State.ON_HOLD, "accepted", 90, {"trade_offer_id": "6021480012", "in_hold": True, "hold_days": 6}),
    (State.DELIVERED, "accepted", 60 * 30, {"trade_offer_id": "6021470012"}),
    (State.DELIVERED, "accepted", 60 * 50, {"trade_offer_id": "6021460113"}),
    (State.FAILED, "canceled", 240, {"trade_offer_id": "6021450999"}),
    (State.FAILED, "timeout", 400, {"trade_offer_id": "6021450998"}),
    (State.REVERTED, "rollback_user", 60 * 24 * 3, {"trade_offer_id": "6021400001"}),
    # the payout controls' two states: one for the demo approver to decide, one declined
    (
        State.AWAITING_APPROVAL,
        "",
        20,
        {"approval_reason": "demo data: held for an approver to try the queue"},
    ),
    (
        State.DECLINED,
        "",
        60 * 5,
        {"error_code": "declined", "error_reason": "declined by approver: demo data"},
    ),
]

NEVER_SENT = {State.PENDING, State.AWAITING_APPROVAL, State.DECLINED}

PATHS = {
    State.PENDING: [],
    State.UNCONFIRMED: [State.UNCONFIRMED],
    State.REJECTED: [State.REJECTED],
    State.IN_PROGRESS: [State.IN_PROGRESS],
    State.ON_HOLD: [State.IN_PROGRESS, State.ON_HOLD],
    State.DELIVERED: [State.IN_PROGRESS, State.ON_HOLD, State.DELIVERED],
    State.FAILED: [State.IN_PROGRESS, State.FAILED],
    State.REVERTED: [State.IN_PROGRESS, State.ON_HOLD, State.REVERTED],
    State.AWAITING_APPROVAL: [],
    State.DECLINED: [State.DECLINED],
}

DEMO_LOGINS = [
    ("admin", "admin", None),
    ("operator", "operator", "Operators"),
    ("support", "support", "Support"),
    ("approver", "approver", "Approvers"),
]


def trade_url(steam_id: str, token: str) -> str:
    partner = int(steam_id) - STEAM_ID64_BASE
    return f"https://steamcommunity.com/tradeoffer/new/?partner={partner}&token={token}"


@transaction.atomic
def seed_demo() -> dict[str, int]:
    users = [_user(*row) for row in DEMO_USERS]
    catalog = Catalog()
    items = [_item(index, demo_listing(catalog, *row)) for index, row in enumerate(DEMO_ITEMS)]
    Item.objects.filter(provider=DEMO_PROVIDER, provider_item_id__in=LEGACY_DEMO_IDS).update(available=False)
    elsewhere = [_item(index, listing, "skinify") for index, listing in _skinify_listings(catalog)]
    created = 0
    for index, row in enumerate(DEMO_PURCHASES):
        created += _purchase(index, row, users[index % 4], items[index % len(items)])
    created += _routed_demo(users[1], items[0], elsewhere)
    return {"users": len(users), "items": len(items) + len(elsewhere), "purchases_created": created}


def _skinify_listings(catalog: Catalog):
    """Skinify's first listing of each demo skin it sells (the sandbox prices it at 92-108 % of SkinsBack's):
    the same skin at two providers, so the confirmation page has a best price to choose."""
    for index, (game, name) in enumerate(DEMO_ITEMS):
        listing = next(catalog.by_name("skinify", SKINIFY_GAMES.get(game, game), name), None)
        if listing is not None:
            yield index, listing


def _routed_demo(user: SteamUser, item: Item, elsewhere: list[Item]) -> int:
    """A line refused at SkinsBack (skin_unavailable) that failed over to Skinify and was delivered: what
    the purchase page, the batch and the dashboard's "saved" show."""
    other = next((i for i in elsewhere if i.skin == item.skin), None)
    if other is None or Purchase.objects.filter(custom_id="demo-failover-1").exists():
        return 0
    at = timezone.now() - timedelta(minutes=45)
    quotes = {"skinsback": f"{item.price:f}", "skinify": f"{other.price:f}"}
    common = {"steam_user": user, "item_name": item.name, "game": item.game, "created_at": at}
    max_price = (max(item.price, other.price) * Decimal("1.10")).quantize(Decimal("0.01"))
    refused = Purchase.objects.create(
        custom_id="demo-failover-1",
        provider="skinsback",
        item=item,
        max_price=max_price,
        state=State.REJECTED,
        error_code="5",
        error_reason="skin_unavailable",
        sent_at=at,
        route=Route.BEST if item.price <= other.price else Route.OPERATOR,
        route_quotes=quotes,
        route_saving=other.price - item.price,
        **common,
    )
    _events(refused, at)
    replacement = Purchase.objects.create(
        custom_id="demo-failover-2",
        provider="skinify",
        buy_id="demo-skinify-1",
        item=other,
        max_price=max_price,
        price=other.price,
        balance_debited=other.price,
        state=State.DELIVERED,
        provider_status="accepted",
        trade_offer_id="6021480777",
        sent_at=at,
        replaces=refused,
        route=Route.FAILOVER,
        route_quotes={"skinify": quotes["skinify"]},
        **common,
    )
    _events(replacement, at + timedelta(seconds=2))
    return 2


def _user(steam_id: str, name: str, token: str) -> SteamUser:
    user, _ = SteamUser.objects.get_or_create(
        steam_id=steam_id,
        defaults={"display_name": name, "trade_url": trade_url(steam_id, token) if token else ""},
    )
    return user


def demo_listing(catalog: Catalog, game: str, name: str) -> Listing:
    """The sandbox's first listing of `name`: the one the demo catalog shows (and the sandbox sells)."""
    listing = next(catalog.by_name(DEMO_PROVIDER, game, name), None)
    if listing is None:
        raise LookupError(f"{name!r} is not in the sandbox's {game} catalog")
    return listing


def _item(index: int, listing: Listing, provider: str = DEMO_PROVIDER) -> Item:
    """The catalog item of a sandbox listing, as a price-list import would have stored it some hours ago."""
    game = OUR_GAMES.get(listing.game, listing.game)
    values = {"name": listing.name, "game": game, "price": listing.price, "available": listing.available}
    item, created = Item.objects.update_or_create(
        provider=provider, provider_item_id=str(listing.id), defaults=values
    )
    if created:  # prices read at different times: the pages show how old each one is
        item.synced_at = timezone.now() - timedelta(hours=7 * index)
        item.save(update_fields=["synced_at"])
    return item


def _purchase(index: int, row, user: SteamUser, item: Item) -> int:
    state, status, minutes_ago, extra = row
    custom_id = f"demo-{index + 1:04d}"
    if Purchase.objects.filter(custom_id=custom_id).exists():
        return 0
    extra = dict(extra)
    created_at = timezone.now() - timedelta(minutes=minutes_ago)
    hold_days = extra.pop("hold_days", 0)
    bought = STATES[state].money_spent
    purchase = Purchase.objects.create(
        custom_id=custom_id,
        provider="skinsback",
        buy_id=str(129112700 + index) if bought else None,
        steam_user=user,
        item=item,
        item_name=item.name,
        game=item.game,
        max_price=(item.price * Decimal("1.10")).quantize(Decimal("0.01")),
        price=item.price if bought else None,
        balance_debited=item.price if bought else None,
        state=state,
        provider_status=status,
        hold_until=created_at + timedelta(days=hold_days) if hold_days else None,
        sent_at=None if state in NEVER_SENT else created_at,
        created_at=created_at,
        **extra,
    )
    _events(purchase, created_at)
    return 1


def _events(purchase: Purchase, start) -> None:
    previous = State.PENDING
    for step, state in enumerate(PATHS[State(purchase.state)]):
        source = "buy" if step == 0 else "sync"
        PurchaseEvent.objects.create(
            purchase=purchase,
            at=start + timedelta(seconds=5 + step * 60),
            old_state=previous,
            new_state=state,
            new_provider_status=purchase.provider_status if state == purchase.state else "",
            source=source,
            message="demo data",
        )
        previous = state


def create_demo_logins() -> list[tuple[str, str]]:
    """The demo superuser, an operator and a support agent (development only)."""
    user_model = get_user_model()
    for username, password, group in DEMO_LOGINS:
        user, created = user_model.objects.get_or_create(username=username)
        if created:
            user.set_password(password)
        user.is_staff = True
        user.is_superuser = group is None
        user.save()
        if group:
            user.groups.add(Group.objects.get_or_create(name=group)[0])
    return [(username, password) for username, password, _ in DEMO_LOGINS]
