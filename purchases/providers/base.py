"""The provider interface: result dataclasses, typed errors and the abstract client.

Providers know nothing of the ORM. They return these dataclasses (Decimal money, string ids) and raise
these errors; the services in `purchases.services` turn them into model changes.
"""

from __future__ import annotations

import abc
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from .profile import ProviderProfile

# ---------------------------------------------------------------------------------------------- errors


class ProviderError(Exception):
    """Base of every provider failure. Never carries a secret in its text."""

    #: the transport may retry a read that failed this way (5xx, timeout, -9, ...); set per instance
    retryable: bool = False
    #: set on a write (buy) whose answer was lost or unreadable: the provider may have acted on it,
    #: so the purchase must be looked up by custom_id, never treated as rejected
    outcome_unknown: bool = False
    #: set by the transport when the request never left this machine (no connection was made)
    not_sent: bool = False

    def __init__(self, message: str = "", *, provider: str = "", code: int | str | None = None) -> None:
        self.provider = provider
        self.code = code
        self.message = message
        super().__init__(self.__str__())

    def __str__(self) -> str:
        code = f" [{self.code}]" if self.code not in (None, "") else ""
        who = f"{self.provider}: " if self.provider else ""
        return f"{who}{self.message}{code}"


class NotSupported(ProviderError):
    """The provider does not offer this method."""


class AuthError(ProviderError):
    """Credentials, signature, shop or IP rejected (-2, -3, -4, -8, -10, Skinify bad token)."""


class RateLimited(ProviderError):
    """-7 / request_limit_exceeded: slow down and try later."""

    def __init__(self, message: str = "", *, retry_after: float = 60.0, **kwargs: Any) -> None:
        self.retry_after = retry_after
        super().__init__(message, **kwargs)


class Unavailable(ProviderError):
    """Maintenance, market disabled, 5xx: nothing happened, try later (reads only)."""


class Rejected(ProviderError):
    """The provider refused the request; `code` and `message` are the provider's own."""


class NotFound(Rejected):
    """The provider does not know this purchase (SkinsBack `offer_not_found`)."""


class InvalidResponse(ProviderError):
    """The answer could not be understood (HTML, cut-off JSON, missing fields)."""


class Timeout(ProviderError):
    """No answer in time. For a buy this means: outcome unknown, look it up by custom_id."""

    outcome_unknown = True


# ---------------------------------------------------------------------------------------------- results


@dataclass(frozen=True)
class PurchaseInfo:
    """One purchase as the provider reports it (buy answers, getinfo/info, history, callbacks)."""

    provider: str
    status: str  # the provider's own word: offer_status / purchase_status
    buy_id: str | None = None
    custom_id: str | None = None
    item_id: str | None = None
    item_name: str = ""
    price: Decimal | None = None
    balance_debited: Decimal | None = None
    steam_id: str | None = None
    trade_offer_id: str | None = None
    in_hold: bool = False
    hold_until: datetime | None = None
    reserved_until: datetime | None = None
    error_reason: str | None = None
    date: datetime | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)
    #: False when the answer carries no hold field at all (SkinsBack's status_change callback): then an
    #: `accepted` does not tell whether Steam Trade Protection still holds the trade
    hold_known: bool = True
    #: fields the parser could not read ("price='N/A'"): left out, and the purchase is flagged
    unreadable: tuple[str, ...] = ()


@dataclass(frozen=True)
class Callback:
    """One callback: news of a purchase, a new balance, or an event we do not know (neither)."""

    event: str
    purchase: PurchaseInfo | None = None
    balance: str | None = None


@dataclass(frozen=True)
class BuyRequest:
    """One item of a buy: by catalog id, or by name + game."""

    custom_id: str
    max_price: Decimal
    item_id: str | None = None
    name: str | None = None
    game: str | None = None


@dataclass(frozen=True)
class UnavailableItem:
    """A batch item the provider did not buy, with its own code and reason."""

    item_id: str
    code: int | str | None
    message: str
    custom_id: str | None = None  # resolved from the request when the item id is unique in it


@dataclass(frozen=True)
class BatchBuyResult:
    purchased: list[PurchaseInfo]
    unavailable: list[UnavailableItem]


@dataclass(frozen=True)
class HistoryPage:
    items: list[PurchaseInfo]
    has_more: bool
    cursor: str | None = None
    total_count: int | None = None


@dataclass(frozen=True)
class CatalogEntry:
    """A price-list or search entry. `count` is set for grouped lists, `item_id` for full ones."""

    provider: str
    name: str
    price: Decimal
    item_id: str | None = None
    game: str = ""
    classid: str = ""
    instanceid: str = ""
    count: int | None = None
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


STEAM_IMAGE_URL = "https://steamcommunity-a.akamaihd.net/economy/image/{icon_url}/200fx200f"


@dataclass(frozen=True)
class InventoryItem:
    asset_id: str
    name: str
    price: Decimal | None  # USD
    price_local: Decimal | None = None
    multiplied_price_local: Decimal | None = None
    tradable: bool = True
    disabled: bool = False
    app_id: str = ""
    icon_url: str = ""
    class_id: str = ""
    stickers: list[Any] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def image_url(self) -> str:
        return STEAM_IMAGE_URL.format(icon_url=self.icon_url) if self.icon_url else ""


@dataclass(frozen=True)
class Inventory:
    items: list[InventoryItem]
    currency_local: str


@dataclass(frozen=True)
class Balance:
    """The project's balance at the provider, as answered and in USD.

    `amount` is the figure the provider calls the balance, in `currency` (the project's own currency,
    lower case; "" when the answer does not say which). `usd` is what compares with prices, which are
    USD: None when the answer gives no USD figure, and then the balance is compared with nothing.
    """

    amount: Decimal
    currency: str = ""
    usd: Decimal | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def in_other_currency(self) -> bool:
        """The provider's own figure is not the USD one (a rouble project), or its currency is unknown."""
        return self.currency != "usd"


@dataclass(frozen=True)
class ServerStatus:
    available: bool
    reason: str | None = None


# ---------------------------------------------------------------------------------------------- interface


class Provider(ProviderProfile, abc.ABC):
    """A marketplace client. Every method may raise a ProviderError subclass. What the provider is
    besides its calls (settings, status words, games, callbacks) is on `ProviderProfile`."""

    #: how many items one batch request may carry; 1 means one buy request per item
    max_batch_size: int = 1
    #: how many ids one status request may carry
    max_lookup_size: int = 100
    #: item_price() reads one listing by its id (cheaper than search() where search downloads a price list)
    reads_item_price: bool = False
    #: documented requests per minute for the whole project
    rate_limit_per_minute: int = 0
    #: how long an unaccepted trade offer stays open at the provider (minutes)
    offer_window_minutes: int = 10
    #: the error codes with which this provider positively refuses a buy: nothing was bought. Any other
    #: failure of a buy (no code, an unknown code, a lost or unreadable answer) is "outcome unknown".
    buy_refusal_codes: frozenset[int | str] = frozenset()

    @classmethod
    def buy_outcome_unknown(cls, err: ProviderError) -> bool:
        """A buy failed with `err`: may the provider have bought? Only a positive refusal says no."""
        if err.not_sent:
            return False
        return err.outcome_unknown or err.code not in cls.buy_refusal_codes

    def buy(self, *, partner: str, token: str, request: BuyRequest) -> PurchaseInfo:
        raise NotSupported("buy is not offered", provider=self.code)

    def batch_buy(self, *, partner: str, token: str, items: Sequence[BuyRequest]) -> BatchBuyResult:
        raise NotSupported("batch buy is not offered", provider=self.code)

    def get_purchases(
        self, *, buy_ids: Sequence[str] = (), custom_ids: Sequence[str] = ()
    ) -> list[PurchaseInfo]:
        raise NotSupported("purchase lookup is not offered", provider=self.code)

    def history(self, *, since: datetime, until: datetime, cursor: str | None = None) -> HistoryPage:
        raise NotSupported("history is not offered", provider=self.code)

    def inventory(
        self,
        *,
        steam_id: str,
        token: str,
        game: str,
        currency: str | None = None,
        multiplier: Decimal | None = None,
        custom_currency: str | None = None,
        rate: Decimal | None = None,
    ) -> Inventory:
        raise NotSupported("inventory is not offered", provider=self.code)

    def price_list(self, *, game: str) -> Iterator[CatalogEntry]:
        raise NotSupported("price list is not offered", provider=self.code)

    def search(self, *, name: str, game: str) -> list[CatalogEntry]:
        raise NotSupported("search is not offered", provider=self.code)

    def item_price(self, *, item_id: str, game: str = "") -> CatalogEntry:
        """One listing by id, its `count` 0 when it is not on sale; NotFound when the provider has none."""
        raise NotSupported("item price is not offered", provider=self.code)

    def balance(self) -> Balance:
        raise NotSupported("balance is not offered", provider=self.code)

    def server_status(self) -> ServerStatus:
        raise NotSupported("server status is not offered", provider=self.code)

    def iter_history(self, *, since: datetime, until: datetime) -> Iterator[PurchaseInfo]:
        """Every purchase of the period, following the provider's cursor."""
        cursor: str | None = None
        while True:
            page = self.history(since=since, until=until, cursor=cursor)
            yield from page.items
            if not page.has_more or not page.cursor or page.cursor == cursor:
                return
            cursor = page.cursor
