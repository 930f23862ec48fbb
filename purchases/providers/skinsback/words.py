"""SkinsBack's vocabulary: its status words and what they mean to us, and its error codes and words."""

from __future__ import annotations

from ...status import State

# `accepted` is listed as DELIVERED; `normalize` turns it into ON_HOLD while the trade can still roll back.
STATUS_MAP: dict[str, State] = {
    "creating_trade": State.IN_PROGRESS,
    "waiting_accept": State.IN_PROGRESS,
    "accepted": State.DELIVERED,
    "canceled": State.FAILED,
    "timeout": State.FAILED,
    "invalid_trade_token": State.FAILED,
    "user_not_tradable": State.FAILED,
    "trade_create_error": State.FAILED,
    "rollback_user": State.REVERTED,
    "rollback_supplier": State.REVERTED,
}

#: within in_progress the words still move forward; an older word never replaces a newer one
STATUS_RANK: dict[str, int] = {"creating_trade": 1, "waiting_accept": 2, "accepted": 3}

#: code 7 of market_buy / market_batch_buy: this custom_id was used before
DUPLICATE_CUSTOM_ID_CODES: frozenset[int | str] = frozenset({7, "7", "custom_id_already_exists"})
#: market_buy / market_batch_buy refusals another provider may not share: 4 insufficient_funds,
#: 5 skin_unavailable, 6 skins_not_found_at_specified_price (by code, and by word where a message says it)
FAILOVER_CODES: frozenset[int | str] = frozenset(
    {4, 5, 6, "4", "5", "6", "insufficient_funds", "skin_unavailable", "skins_not_found_at_specified_price"}
)

#: the user_inventory page's numeric codes and words for each inventory problem
INVENTORY_ERRORS: dict[str, frozenset[str]] = {
    "hidden": frozenset({"6", "user_inventory_is_hidden"}),
    "bad_token": frozenset({"3", "invalid_trade_token"}),
    "not_tradable": frozenset({"5", "user_not_tradable"}),
    "inventory_unavailable": frozenset({"7", "user_inventory_is_unavailable"}),
    "bad_steam_id": frozenset({"2", "invalid_steam_id"}),
    "bad_options": frozenset(
        {
            *("1", "4", "8", "9", "10"),
            "invalid_game",
            "invalid_currency",
            "invalid_custom_currency",
            "invalid_custom_currency_rate",
            "invalid_custom_multiplier",
        }
    ),
}
