"""Skinify's vocabulary: its status words and what they mean to us, its error words and game names."""

from __future__ import annotations

from ...status import State

# all 13 purchase_status values of withdraw/info; `accepted` becomes ON_HOLD while the trade is held
STATUS_MAP: dict[str, State] = {
    "processing": State.IN_PROGRESS,
    "waiting_accept": State.IN_PROGRESS,
    "accepted": State.DELIVERED,
    "canceled": State.FAILED,
    "timeout": State.FAILED,
    "error_invalid_token": State.FAILED,
    "error_user_not_tradable": State.FAILED,
    "error_create_failed": State.FAILED,
    "rollback_user": State.REVERTED,
    "rollback_provider": State.REVERTED,
    "reserved": State.IN_PROGRESS,
    "reservation_canceled": State.FAILED,
    "error_item_unavailable": State.FAILED,
}

#: within in_progress the words still move forward; an older word never replaces a newer one
STATUS_RANK: dict[str, int] = {"reserved": 0, "processing": 1, "waiting_accept": 2, "accepted": 3}

#: Skinify has no numeric codes: the refusal is recognised by its message
DUPLICATE_CUSTOM_ID_CODES: frozenset[int | str] = frozenset({"custom_id_already_exists"})
#: withdraw/buy refusals about this market, not the recipient: another provider may sell the skin
#: (`market_disabled`: Skinify's market is switched off; it is in its documented positive refusals)
FAILOVER_CODES: frozenset[int | str] = frozenset(
    {"insufficient_funds", "skin_unavailable", "skins_not_found_at_specified_price", "market_disabled"}
)

#: games under the names Skinify uses, where they differ from ours
GAME_CODES: dict[str, str] = {"cs2": "csgo"}

#: the steam-inventory endpoint's words (snake_case only) for each inventory problem
INVENTORY_ERRORS: dict[str, frozenset[str]] = {
    "hidden": frozenset({"private_inventory"}),
    "bad_token": frozenset(
        {"invalid_trade_token", "invalid_tradeurl", "error_invalid_token", "trade_token_missing"}
    ),
    "not_tradable": frozenset({"trade_unavailable", "error_user_not_tradable"}),
    "inventory_unavailable": frozenset(
        {
            "unavaliable_inventory",  # sic: Skinify's spelling
            "unavailable_inventory",
            "request_timeout",
        }
    ),
    "empty": frozenset({"empty_inventory"}),
    "bad_steam_id": frozenset({"invalid_steam_id", "steam_id_missing"}),
    "bad_options": frozenset({"invalid_game", "invalid_currency"}),
}
