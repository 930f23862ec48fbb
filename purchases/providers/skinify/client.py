"""Skinify client: REST paths under the API base, `Token` header on every request and the `token`
query parameter on GETs (as the docs require); POST bodies form-encoded, where `token` is the
*user's* trade token. Id lists travel comma-separated, which avoids array-encoding questions."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import IO, Any, TypeVar
from urllib.parse import urljoin

import requests

from ..base import (
    Balance,
    BuyRequest,
    CatalogEntry,
    HistoryPage,
    Inventory,
    Provider,
    PurchaseInfo,
)
from ..http import HttpCall, Transport, encode
from ..matching import search_entries
from ..parsing import json_body, mapping, stream_array
from . import parse, words

T = TypeVar("T")


class SkinifyProvider(Provider):
    code = "skinify"
    label = "Skinify"
    url_setting = "SKINIFY_API_URL"
    credential_settings = ("SKINIFY_TOKEN",)
    secret_settings = ("SKINIFY_TOKEN",)
    status_map = words.STATUS_MAP
    status_rank = words.STATUS_RANK
    duplicate_custom_id_codes = words.DUPLICATE_CUSTOM_ID_CODES
    failover_codes = words.FAILOVER_CODES
    game_codes = words.GAME_CODES
    inventory_error_words = words.INVENTORY_ERRORS
    # no callbacks: the sync polls withdraw/info
    max_batch_size = 1  # no batch method: one withdraw/buy per item
    reads_item_price = True  # withdraw/price; search() would download the whole price list
    max_lookup_size = 100
    rate_limit_per_minute = 300
    offer_window_minutes = 5
    buy_refusal_codes = parse.BUY_REFUSALS

    def __init__(self, *, api_url: str, token: str, transport: Transport | None = None) -> None:
        self.api_url = api_url if api_url.endswith("/") else api_url + "/"
        self.token = str(token)
        self.transport = transport or Transport(self.code)
        self.transport.redactor.add(self.token)

    @classmethod
    def from_settings(cls, settings: Any, *, transport: Transport | None = None) -> SkinifyProvider:
        return cls(api_url=settings.SKINIFY_API_URL, token=settings.SKINIFY_TOKEN, transport=transport)

    # batch_buy and server_status: not offered by Skinify, the base class raises NotSupported.

    def buy(self, *, partner: str, token: str, request: BuyRequest) -> PurchaseInfo:
        form: dict[str, Any] = {"partner": partner, "token": token, **_skin(request)}
        form.update(max_price=request.max_price, custom_id=request.custom_id)
        call = self._call(
            "withdraw/buy", "POST", form, write=True, subjects=[request.custom_id], secrets=[token]
        )
        return self._send(call, parse.bought)

    def get_purchases(
        self, *, buy_ids: Sequence[str] = (), custom_ids: Sequence[str] = ()
    ) -> list[PurchaseInfo]:
        found: list[PurchaseInfo] = []
        for key, ids in (("purchase_ids", _unique(buy_ids)), ("custom_ids", _unique(custom_ids))):
            for start in range(0, len(ids), self.max_lookup_size):
                chunk = ids[start : start + self.max_lookup_size]
                call = self._call("withdraw/info", "GET", {key: ",".join(chunk)}, subjects=chunk)
                found += self._send(call, parse.purchases)
        return found

    def history(self, *, since: datetime, until: datetime, cursor: str | None = None) -> HistoryPage:
        query = {
            "start_date": int(since.timestamp()),
            "end_date": int(until.timestamp()),
            "start_from": cursor,
        }
        return self._send(self._call("withdraw/history", "GET", query), parse.history)

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
        form = {
            "game": _game(game),
            "steam_id": steam_id,
            "trade_token": token,
            # a custom currency is computed here from USD prices: Skinify has no such option
            "currency": "usd" if custom_currency else (currency or "usd"),
            "show_disabled": 1,  # list what Skinify would refuse too, flagged, like SkinsBack does
        }
        call = self._call("steam-inventory", "POST", form, subjects=[steam_id], secrets=[token])
        return self._send(
            call,
            lambda body: parse.inventory(
                body, multiplier=multiplier, custom_currency=custom_currency, rate=rate
            ),
        )

    def price_list(self, *, game: str) -> Iterator[CatalogEntry]:
        """Every skin with its id (`full_list=1`), parsed while it downloads."""
        game = _game(game)
        call = self._call("withdraw/prices", "GET", {"game": game, "full_list": 1})

        def consume(raw: IO[bytes]) -> Iterator[CatalogEntry]:
            return (parse.catalog_entry(entry, game) for entry in _skins(raw))

        return self.transport.stream(call, consume)

    def item_price(self, *, item_id: str, game: str = "") -> CatalogEntry:
        """withdraw/price: one skin, as the vendor advises right before buying it; `count` 0: not on sale."""
        call = self._call("withdraw/price", "GET", {"id": item_id}, subjects=[item_id])
        return self._send(
            call, lambda body: parse.catalog_entry(mapping(body.get("skin"), "skin"), game, item_id)
        )

    def search(self, *, name: str, game: str) -> list[CatalogEntry]:
        """Skinify's search endpoint is undocumented, so this filters the streamed full price list the
        way SkinsBack's market_search answers (providers/matching.py): the exact market name, else the
        names containing what was typed. One request, but a large download."""
        return search_entries(self.price_list(game=game), name)

    def balance(self) -> Balance:
        # ASSUMPTION: `GET project-balance` answering {"status":"success","balance":"..."} is not in the
        # available docs (only an unofficial SDK names the path); verify against the live API.
        return self._send(self._call("project-balance", "GET", {}), parse.balance)

    # ------------------------------------------------------------------------------------- wire

    def _call(
        self,
        path: str,
        http_method: str,
        params: Mapping[str, Any],
        *,
        write: bool = False,
        subjects: Sequence[str] = (),
        secrets: Sequence[str] = (),
    ) -> HttpCall:
        wire: dict[str, Any] = encode(params)
        call = HttpCall(
            name=path,
            http_method=http_method,
            url=urljoin(self.api_url, path),
            headers={"Token": self.token},
            write=write,
            subjects=list(subjects),
            secrets=list(secrets),
        )
        if http_method == "GET":
            call.params = {**wire, "token": self.token}  # the docs want the API token in the query on GET
        else:
            call.data = wire
        return call

    def _send(self, call: HttpCall, build: Callable[[dict[str, Any]], T]) -> T:
        def decode(response: requests.Response) -> T:
            if response.status_code in (401, 403):
                parse.raise_for_error({}, response.status_code)
            body = json_body(response)
            parse.raise_for_error(body)
            return build(body)

        return self.transport.request(call, decode)


def _skins(raw: IO[bytes]) -> Iterator[dict[str, Any]]:
    meta = yield from stream_array(raw, "skins")
    parse.raise_for_error(meta)  # an error envelope has no skins: judged at the end


def _skin(request: BuyRequest) -> dict[str, Any]:
    if request.item_id:
        return {"id": request.item_id}
    if request.name and request.game:
        return {"name": request.name, "game": _game(request.game)}
    raise ValueError("a buy needs the item id, or its name and game")


def _game(game: str) -> str:
    return SkinifyProvider.game_code(game)


def _unique(ids: Sequence[str]) -> list[str]:
    unique = list(dict.fromkeys(str(i) for i in ids if i))
    if any("," in i for i in unique):
        raise ValueError("Skinify id lists are comma-separated: an id may not contain a comma")
    return unique
