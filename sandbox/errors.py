"""Provider error vocabularies."""

from __future__ import annotations

SB_MESSAGES = {
    -1: "please_use_post_method",
    -2: "invalid_shopid",
    -3: "invalid_signature",
    -4: "shop_not_active",
    -5: "invalid_method",
    -6: "market_disabled",
    -7: "request_limit_reached",
    -8: "invalid_ip_address",
    -9: "under_maintenance",
    -10: "invalid_client_secret",
    1: "missing_name_or_id",
    2: "name_min_length_3",
    3: "missing_partner_or_token",
    4: "insufficient_funds",
    5: "skin_unavailable",
    6: "skins_not_found_at_specified_price",
    7: "custom_id_already_exists",
    8: "invalid_partner_value",
    9: "invalid_token_value",
    10: "too_many_failed_attempts_for_user",
}
# Provider-neutral buy refusals (sandbox.buying.BuyError.reason) -> SkinsBack code, Skinify message.
SB_BUY_CODES = {
    "missing_skin": 1,
    "name_too_short": 2,
    "missing_partner": 3,
    "missing_token": 3,
    "insufficient_funds": 4,
    "skin_unavailable": 5,
    "price": 6,
    "custom_id_exists": 7,
    "invalid_partner": 8,
    "invalid_token": 9,
}
SKINIFY_BUY_MESSAGES = {
    "missing_skin": "missing_skin_parameters",
    "name_too_short": "name_too_short",
    "missing_partner": "missing_partner_or_token",
    "missing_token": "missing_partner_or_token",
    "insufficient_funds": "insufficient_funds",
    "skin_unavailable": "skin_unavailable",
    "price": "skins_not_found_at_specified_price",
    "custom_id_exists": "custom_id_already_exists",
    "invalid_partner": "invalid_partner",
    "invalid_token": "invalid_trade_token",
}
# Skinify equivalents of the SkinsBack fault codes: (HTTP status, error_message).
SKINIFY_FAULTS = {
    "-6": (200, "market_disabled"),
    "-7": (429, "request_limit_exceeded"),
    "-9": (503, "under_maintenance"),
}


class SkinsBackError(Exception):
    def __init__(self, code: int, message: str | None = None) -> None:
        super().__init__(code, message)
        self.code = code
        self.message = message or SB_MESSAGES.get(code, "error")


class SkinifyError(Exception):
    def __init__(self, message: str, status: int = 200) -> None:
        super().__init__(message)
        self.message = message
        self.status = status
