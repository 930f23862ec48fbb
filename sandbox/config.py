"""Credentials, games and timing constants shared by every sandbox module."""

from __future__ import annotations

from decimal import Decimal

SANDBOX_CLIENT_ID = "sandbox"
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # noqa: S105 - the sandbox's public test credential
SANDBOX_SKINIFY_TOKEN = "sandbox-token"  # noqa: S105 - the sandbox's public test credential

DEFAULT_BALANCE = Decimal("10000.00")
SKINSBACK_RATE_LIMIT = 500
SKINIFY_RATE_LIMIT = 300
RATE_WINDOW_SECONDS = 60.0

SKINSBACK = "skinsback"
SKINIFY = "skinify"
PROVIDERS = (SKINSBACK, SKINIFY)

# Games per provider; the value is the name list (catalog) a game id draws from.
GAMES: dict[str, dict[str, str]] = {
    SKINSBACK: {"cs2": "cs2", "dota2": "dota2", "rust": "rust"},
    SKINIFY: {"csgo": "cs2", "dota2": "dota2", "rust": "rust", "tf2": "tf2"},
}
# Older SkinsBack integrations send `csgo`; Skinify clients may send `cs2`.
GAME_ALIASES: dict[str, dict[str, str]] = {SKINSBACK: {"csgo": "cs2"}, SKINIFY: {"cs2": "csgo"}}
APP_IDS = {"cs2": 730, "dota2": 570, "rust": 252490, "tf2": 440}

# Purchase timeline on the sandbox clock (seconds); the clock runs at `speed` x real time.
T_WAITING_ACCEPT = 2.0
T_FINAL = 6.0
T_HOLD = 30.0
T_ROLLBACK = 12.0  # after acceptance, inside the hold
T_RESERVED = 4.0  # Skinify: reserved -> processing

FIRST_BUY_ID = {SKINSBACK: 130_000_001, SKINIFY: 500_001}
FIRST_TRADE_OFFER_ID = 6_500_000_001
STEAM_ID64_BASE = 76561197960265728
HISTORY_PAGE_SIZE = 1000
