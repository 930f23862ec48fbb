"""Provider errors in words support can act on: what happened, and what to do next.

Each provider class lists its own codes and words for each situation (`inventory_error_words`); a word
means the same whichever provider says it, so all of them are matched here. No text shown here ever
carries a credential: provider errors are redacted at the source and auth problems name settings, not
values.
"""

from __future__ import annotations

from dataclasses import dataclass

from purchases.providers import PROVIDERS
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
#: what support tells an engineer to check when credentials are rejected: each provider's settings
CREDENTIAL_SETTINGS = ", ".join(" / ".join(cls.credential_settings) for cls in PROVIDERS.values())

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
        f"Tell an engineer to check the provider settings ({CREDENTIAL_SETTINGS}) and the server IP "
        "registered with the provider.",
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

#: situations a provider may name; each provider class lists its own codes and words for them
REJECTION_KINDS = (
    "hidden",
    "bad_token",
    "not_tradable",
    "inventory_unavailable",
    "empty",
    "bad_steam_id",
    "bad_options",
)


def rejection_words(kind: str) -> frozenset[str]:
    """Every registered provider's codes and words for `kind`."""
    return frozenset().union(*(cls.inventory_error_words.get(kind, ()) for cls in PROVIDERS.values()))


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
    for kind in REJECTION_KINDS:
        if words & rejection_words(kind):
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
