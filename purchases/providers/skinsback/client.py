"""SkinsBack client: one POST endpoint (`api.php`), the method in the body, JSON bodies.

Every scalar is sent as a string (Decimal without exponent, never a float) so the legacy signature is
computed over exactly the text the server re-signs. Arrays travel as JSON arrays and are not signed.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import IO, Any, TypeVar

import requests

from ..base import (
    Balance,
    BatchBuyResult,
    BuyRequest,
    Callback,
    CatalogEntry,
    HistoryPage,
    Inventory,
    NotFound,
    Provider,
    PurchaseInfo,
    ServerStatus,
)
from ..http import HttpCall, Transport, encode
from ..parsing import entries, json_body, stream_array
from . import callbacks, parse, words

T = TypeVar("T")
AUTH_MODES = ("headers", "signature")


def sign_string(params: Mapping[str, Any]) -> str:
    """`key:value;` over the scalar parameters except `sign`, keys sorted; arrays are not signed."""
    return "".join(
        f"{key}:{value};"
        for key, value in sorted(params.items())
        if key != "sign" and not isinstance(value, Mapping | list | tuple)
    )


def signature(params: Mapping[str, Any], secret: str) -> str:
    """Lowercase hex HMAC-SHA1 of `sign_string(params)` keyed with the client secret."""
    return hmac.new(secret.encode(), sign_string(params).encode(), hashlib.sha1).hexdigest()


class SkinsBackProvider(Provider):
    code = "skinsback"
    label = "SkinsBack"
    url_setting = "SKINSBACK_API_URL"
    credential_settings = ("SKINSBACK_CLIENT_ID", "SKINSBACK_CLIENT_SECRET")
    secret_settings = ("SKINSBACK_CLIENT_SECRET", "SKINSBACK_WEBHOOK_SECRET")
    status_map = words.STATUS_MAP
    status_rank = words.STATUS_RANK
    duplicate_custom_id_codes = words.DUPLICATE_CUSTOM_ID_CODES
    failover_codes = words.FAILOVER_CODES
    inventory_error_words = words.INVENTORY_ERRORS
    sends_callbacks = True  # signed with SKINSBACK_WEBHOOK_SECRET
    # No item limit is documented. 50 keeps one batch well inside the read timeout and bounds how many
    # purchases become "unconfirmed" at once when a batch answer is lost.
    max_batch_size = 50
    max_lookup_size = 100
    rate_limit_per_minute = 500
    offer_window_minutes = 10
    # the documented codes: the method's own (1-10) and the standard ones (-1 to -10), but -9
    # (under_maintenance: the buy may have been taken before the site went down, as Skinify's
    # under_maintenance). A refusal without a code, or with a code nobody documented, may have bought
    # too (see Provider.buy_outcome_unknown).
    buy_refusal_codes = (frozenset(range(-10, 0)) - {-9}) | frozenset(range(1, 11))

    def __init__(
        self,
        *,
        api_url: str,
        client_id: str,
        client_secret: str,
        auth: str = "headers",
        transport: Transport | None = None,
    ) -> None:
        if auth not in AUTH_MODES:
            raise ValueError(f"SkinsBack auth must be one of {AUTH_MODES}, not {auth!r}")
        self.api_url = api_url
        self.client_id = str(client_id)
        self.client_secret = str(client_secret)
        self.auth = auth
        self.transport = transport or Transport(self.code)
        self.transport.redactor.add(self.client_secret)

    @classmethod
    def from_settings(cls, settings: Any, *, transport: Transport | None = None) -> SkinsBackProvider:
        return cls(
            api_url=settings.SKINSBACK_API_URL,
            client_id=settings.SKINSBACK_CLIENT_ID,
            client_secret=settings.SKINSBACK_CLIENT_SECRET,
            auth=getattr(settings, "SKINSBACK_AUTH", "headers"),
            transport=transport,
        )

    @classmethod
    def verify_callback(cls, body: bytes, headers: Mapping[str, str], *, settings: Any) -> None:
        callbacks.verify(body, headers, settings.SKINSBACK_WEBHOOK_SECRET)

    @classmethod
    def parse_callback(cls, body: str) -> Callback:
        return callbacks.parse_callback(body)

    # ------------------------------------------------------------------------------------- buying

    def buy(self, *, partner: str, token: str, request: BuyRequest) -> PurchaseInfo:
        params: dict[str, Any] = {"partner": partner, "token": token, **_skin(request)}
        params.update(max_price=request.max_price, custom_id=request.custom_id)
        return self._post(
            "market_buy", params, parse.bought, write=True, subjects=[request.custom_id], secrets=[token]
        )

    def batch_buy(self, *, partner: str, token: str, items: Sequence[BuyRequest]) -> BatchBuyResult:
        if not items:
            return BatchBuyResult(purchased=[], unavailable=[])
        if len(items) > self.max_batch_size:
            raise ValueError(f"at most {self.max_batch_size} items per SkinsBack batch, got {len(items)}")
        wire = [_batch_item(item) for item in items]
        params = {"partner": partner, "token": token, "items": wire}
        return self._post(
            "market_batch_buy",
            params,
            lambda body: parse.batch(body, items),
            write=True,
            subjects=[item.custom_id for item in items],
            secrets=[token],
        )

    # ------------------------------------------------------------------------------------- reading

    def get_purchases(
        self, *, buy_ids: Sequence[str] = (), custom_ids: Sequence[str] = ()
    ) -> list[PurchaseInfo]:
        found: list[PurchaseInfo] = []
        for key, ids in (("buy_ids", _unique(buy_ids)), ("custom_ids", _unique(custom_ids))):
            for start in range(0, len(ids), self.max_lookup_size):
                found += self._lookup(key, ids[start : start + self.max_lookup_size])
        return found

    def _lookup(self, key: str, ids: list[str]) -> list[PurchaseInfo]:
        """One getinfo request. Whether an unknown id in a list fails the whole request (error 2) is
        not documented; if it does, the chunk is halved so the known purchases are still found."""
        params: dict[str, Any] = {"buy_id": ids[0]} if key == "buy_ids" and len(ids) == 1 else {key: ids}
        try:
            return self._post("market_getinfo", params, parse.purchases, subjects=ids)
        except NotFound:
            if len(ids) == 1:
                return []
            middle = len(ids) // 2
            return self._lookup(key, ids[:middle]) + self._lookup(key, ids[middle:])

    def history(self, *, since: datetime, until: datetime, cursor: str | None = None) -> HistoryPage:
        params = {"starting": int(since.timestamp()), "ending": int(until.timestamp()), "start_from": cursor}
        return self._post("market_history", params, parse.history)

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
        params = {
            "game": _game(game),
            "steam_id": steam_id,
            "trade_token": token,
            "currency": currency,
            "custom_multiplier": multiplier,
            "custom_currency": custom_currency,
            "custom_currency_rate": rate,
        }
        return self._post("user_inventory", params, parse.inventory, subjects=[steam_id], secrets=[token])

    def price_list(self, *, game: str) -> Iterator[CatalogEntry]:
        """Every item with its id (`full=1`), parsed while it downloads: 100,000 items never sit in memory."""
        game = _game(game)
        call = self._call("market_pricelist", {"game": game, "full": 1})

        def consume(raw: IO[bytes]) -> Iterator[CatalogEntry]:
            for entry in _items(raw):
                yield parse.catalog_entry(entry, game)

        return self.transport.stream(call, consume)

    def search(self, *, name: str, game: str) -> list[CatalogEntry]:
        game = _game(game)
        return self._post(
            "market_search",
            {"game": game, "name": name},
            lambda body: [parse.catalog_entry(entry, game) for _, entry in entries(body.get("items"))],
        )

    def balance(self) -> Balance:
        return self._post("balance", {}, parse.balance)

    def server_status(self) -> ServerStatus:
        return self._post("status", {}, parse.server_status)

    # ------------------------------------------------------------------------------------- wire

    def _call(
        self,
        method: str,
        params: Mapping[str, Any],
        *,
        write: bool = False,
        subjects: Sequence[str] = (),
        secrets: Sequence[str] = (),
    ) -> HttpCall:
        body: dict[str, Any] = encode({"method": method, **params})
        headers = {}
        if self.auth == "headers":
            headers = {"X-CLIENT-ID": self.client_id, "X-CLIENT-SECRET": self.client_secret}
        else:
            body["shopid"] = self.client_id
            body["sign"] = signature(body, self.client_secret)
        extra = [*secrets, body.get("sign", "")]
        return HttpCall(
            method,
            "POST",
            self.api_url,
            json=body,
            headers=headers,
            write=write,
            subjects=list(subjects),
            secrets=[str(s) for s in extra if s],
        )

    def _post(
        self,
        method: str,
        params: Mapping[str, Any],
        build: Callable[[dict[str, Any]], T],
        **options: Any,
    ) -> T:
        def decode(response: requests.Response) -> T:
            body = json_body(response)
            parse.raise_for_error(body, method)
            return build(body)

        return self.transport.request(self._call(method, params, **options), decode)


def _items(raw: IO[bytes]) -> Iterator[dict[str, Any]]:
    meta = yield from stream_array(raw, "items")
    parse.raise_for_error(meta, "market_pricelist")  # an error envelope has no items: judged at the end


def _skin(request: BuyRequest) -> dict[str, Any]:
    if request.item_id:
        return {"id": request.item_id}
    if request.name and request.game:
        return {"name": request.name, "game": _game(request.game)}
    raise ValueError("a buy needs the item id, or its name and game")


def _batch_item(request: BuyRequest) -> dict[str, Any]:
    if not request.item_id:
        raise ValueError(f"market_batch_buy buys by id only; {request.custom_id} has none")
    return {"id": request.item_id, "max_price": request.max_price, "custom_id": request.custom_id}


def _game(game: str) -> str:
    return SkinsBackProvider.game_code(game)


def _unique(ids: Sequence[str]) -> list[str]:
    return list(dict.fromkeys(str(i) for i in ids if i))
