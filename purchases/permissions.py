"""Every permission name the code checks, in one place (DESIGN section 8). Import these; never retype them."""

from __future__ import annotations

#: spend money: the buy pages, Buy again, the confirmation
BUY = "purchases.buy_skins"
#: ask the provider about purchases (Refresh, importing a purchase found at the provider)
REFRESH = "purchases.refresh_purchase"
#: approve or decline what the payout controls hold (never one's own purchases)
APPROVE = "purchases.approve_purchases"
#: a Steam user's inventory page
VIEW_INVENTORY = "inventory.view_inventory"

#: the codename part of the purchase permissions, for Purchase.Meta.permissions
CODENAMES = {
    BUY: "Can buy skins (spends money)",
    REFRESH: "Can refresh purchase statuses from the provider",
    APPROVE: "Can approve or decline purchases held by the payout controls",
}


def codename(dotted: str) -> str:
    return dotted.split(".", 1)[1]
