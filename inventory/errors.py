"""Provider errors in words support can act on: what happened, and what to do next.

SkinsBack answers with numeric codes (user_inventory page), Skinify with snake_case words only, and the
two spell the same situation differently; both are matched here. No text shown here ever carries a
credential: provider errors are redacted at the source and auth problems name settings, not values.
"""

from __future__ import annotations

from dataclasses import dataclass

from purchases.providers.base import (
    AuthError,
    InvalidResponse,
    NotSupported,
    ProviderError,
    RateLimited,
    Timeout,
    Unavailable,
)


@dataclass(frozen=True)
class Problem:
    kind: str
    title: str
    action: str
    level: str = "error"  # the admin's message classes: error, warning, info
    detail: str = ""  # the provider's own words, for an engineer


STEAM_PRIVACY = "Steam → Profile → Edit Profile → Privacy Settings → Inventory: Public"
STEAM_TRADE_URL = "Steam → Inventory → Trade Offers → Who can send me Trade Offers?"

MESSAGES: dict[str, tuple[str, str, str]] = {
    "hidden": (
        "The user's Steam inventory is private.",
        f"Ask the user to make the inventory public ({STEAM_PRIVACY}), then press Refresh.",
        "warning",
    ),
    "bad_token": (
        "The provider says the trade token of this user is not valid.",
        f"Ask the user for a new trade URL ({STEAM_TRADE_URL}) and save it on the Steam user page.",
        "warning",
    ),
    "not_tradable": (
        "The user cannot trade on Steam right now (trade restrictions, trade hold or a limited account).",
        "Ask the user to check their Steam account's trade status; nothing can be traded until Steam "
        "lifts the restriction.",
        "warning",
    ),
    "inventory_unavailable": (
        "Steam did not give the provider this inventory just now.",
        "Try again in a few minutes with Refresh; this is usually temporary on Steam's side.",
        "warning",
    ),
    "empty": (
        "The inventory is empty for this game.",
        "Check the game; the user may keep their items in another one.",
        "info",
    ),
    "bad_steam_id": (
        "The provider does not accept this Steam id.",
        "Check the Steam id on the Steam user page (17 digits, starting with 7656119).",
        "error",
    ),
    "bad_options": (
        "The provider refused the chosen game or currency options.",
        "Change the currency, multiplier or custom currency and try again.",
        "error",
    ),
    "rate_limited": (
        "Too many requests to the provider right now.",
        "Wait a minute, then press Refresh.",
        "warning",
    ),
    "auth": (
        "The provider rejected our credentials.",
        "Tell an engineer to check the provider settings (SKINSBACK_CLIENT_ID / SKINSBACK_CLIENT_SECRET, "
        "SKINIFY_TOKEN) and the server IP registered with the provider.",
        "error",
    ),
    "unavailable": (
        "The provider is under maintenance or unavailable.",
        "Try again later; if it lasts, check the provider's status page or tell an engineer.",
        "warning",
    ),
    "timeout": (
        "The provider did not answer in time.",
        "Try again in a few minutes with Refresh.",
        "warning",
    ),
    "invalid_response": (
        "The provider's answer could not be read.",
        "Try again; if it persists, tell an engineer (see Provider calls in the admin).",
        "error",
    ),
    "not_supported": (
        "This provider does not offer Steam inventories.",
        "Choose another provider.",
        "error",
    ),
    "no_trade_url": (
        "This user has no valid trade URL, so the inventory cannot be asked for.",
        f"Ask the user for their trade URL ({STEAM_TRADE_URL}) and save it on the Steam user page.",
        "warning",
    ),
    "unexpected": (
        "Something went wrong while loading the inventory.",
        "Try again; if it persists, tell an engineer (the error is in the logs).",
        "error",
    ),
}

#: the provider's own words (and SkinsBack's numeric codes) for each situation
REJECTION_KINDS: dict[str, frozenset[str]] = {
    "hidden": frozenset({"6", "user_inventory_is_hidden", "private_inventory"}),
    "bad_token": frozenset(
        {"3", "invalid_trade_token", "invalid_tradeurl", "error_invalid_token", "trade_token_missing"}
    ),
    "not_tradable": frozenset({"5", "user_not_tradable", "trade_unavailable", "error_user_not_tradable"}),
    "inventory_unavailable": frozenset(
        {
            "7",
            "user_inventory_is_unavailable",
            "unavaliable_inventory",  # sic: Skinify's spelling
            "unavailable_inventory",
            "request_timeout",
        }
    ),
    "empty": frozenset({"empty_inventory"}),
    "bad_steam_id": frozenset({"2", "invalid_steam_id", "steam_id_missing"}),
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

#: error classes that say enough by themselves; checked in order (RateLimited before its cousins)
CLASS_KINDS: tuple[tuple[type[ProviderError], str], ...] = (
    (RateLimited, "rate_limited"),
    (AuthError, "auth"),
    (Unavailable, "unavailable"),
    (NotSupported, "not_supported"),
    (InvalidResponse, "invalid_response"),
)


def problem(kind: str, detail: str = "") -> Problem:
    title, action, level = MESSAGES[kind]
    return Problem(kind=kind, title=title, action=action, level=level, detail=detail)


def describe_error(err: BaseException) -> Problem:
    """The message for a failed inventory load."""
    if not isinstance(err, ProviderError):
        return problem("unexpected")
    detail = str(err)
    words = {str(err.code).strip().lower(), (err.message or "").strip().lower()} - {"", "none"}
    for kind, known in REJECTION_KINDS.items():
        if words & known:
            return problem(kind, detail)
    # a timeout of the call itself: Steam-side timeouts (request_timeout) were matched above
    if isinstance(err, Timeout):
        return problem("timeout", detail)
    for cls, kind in CLASS_KINDS:
        if isinstance(err, cls):
            return problem(kind, detail)
    return Problem(
        kind="rejected",
        title="The provider refused to show this inventory.",
        action="Check the Steam user's details and try again; if it persists, tell an engineer.",
        detail=detail,
    )
