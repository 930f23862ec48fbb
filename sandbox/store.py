"""Purchases of both providers, indexed by custom_id and by buy_id, in creation order."""

from __future__ import annotations

from .config import FIRST_BUY_ID, FIRST_TRADE_OFFER_ID, PROVIDERS
from .purchases import Purchase


class PurchaseStore:
    def __init__(self) -> None:
        self.by_custom_id: dict[tuple[str, str], Purchase] = {}
        self.by_buy_id: dict[tuple[str, int], Purchase] = {}
        self.ordered: dict[str, list[Purchase]] = {provider: [] for provider in PROVIDERS}
        self.watched: dict[int, Purchase] = {}  # SkinsBack purchases whose webhooks are not all sent
        self._next_buy_id = dict(FIRST_BUY_ID)
        self._next_offer_id = FIRST_TRADE_OFFER_ID

    def new_ids(self, provider: str) -> tuple[int, str]:
        """(buy_id, trade offer id) for a new purchase."""
        buy_id = self._next_buy_id[provider]
        self._next_buy_id[provider] += 1
        offer_id = self._next_offer_id
        self._next_offer_id += 1
        return buy_id, str(offer_id)

    def add(self, purchase: Purchase, *, watch: bool) -> None:
        if purchase.custom_id is not None:
            self.by_custom_id[(purchase.provider, purchase.custom_id)] = purchase
        self.by_buy_id[(purchase.provider, purchase.buy_id)] = purchase
        self.ordered[purchase.provider].append(purchase)
        if watch:
            self.watched[purchase.buy_id] = purchase

    def by_custom(self, provider: str, custom_id: object) -> Purchase | None:
        return self.by_custom_id.get((provider, str(custom_id)))

    def by_buy(self, provider: str, buy_id: object) -> Purchase | None:
        text = str(buy_id).strip()
        return self.by_buy_id.get((provider, int(text))) if text.isdigit() else None

    def in_range(self, provider: str, start: float, end: float) -> list[Purchase]:
        """Purchases dated start..end inclusive, oldest first (a stable order for offset cursors)."""
        found = [p for p in self.ordered[provider] if start <= int(p.created_at) <= end]
        found.sort(key=lambda p: (int(p.created_at), p.buy_id))
        return found

    def count(self, provider: str) -> int:
        return len(self.ordered[provider])
