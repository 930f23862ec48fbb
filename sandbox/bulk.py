"""Bulk creation of purchases straight into the state, for sync benchmarks and demos."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .catalog import Listing
from .config import GAMES, PROVIDERS
from .purchases import Purchase

if TYPE_CHECKING:
    from .state import SandboxState


def create_purchases(
    state: SandboxState,
    provider: str,
    custom_ids: list[str],
    *,
    item_id: Any = None,
    partner: str = "90078795",
    token: str = "AbCd1234",  # noqa: S107 - a Steam trade token, not a secret
    at: float | None = None,
    status: str | None = None,
    debit: bool = False,
    notify: bool = False,
) -> list[Purchase]:
    """Create one purchase per custom_id, dated `at` (default now), following its script or forced `status`.

    Nothing is counted as a buy request; no balance is debited unless `debit`; webhooks only if `notify`.
    ValueError if a custom_id exists already or repeats, or the item id is unknown.
    """
    if provider not in PROVIDERS:
        raise ValueError(f"unknown provider {provider!r}")
    with state.lock:
        taken = [c for c in custom_ids if state.store.by_custom(provider, c)]
        if taken or len(set(custom_ids)) != len(custom_ids):
            raise ValueError(f"custom_id already exists or repeats: {(taken or custom_ids)[:5]}")
        listing = _listing(state, provider, item_id)
        created = [
            state._record(provider, listing, c, partner, token, at=at, debit=debit, notify=notify)
            for c in custom_ids
        ]
        if status:
            now = state.now()
            for purchase in created:
                purchase.force(max(now, purchase.created_at), status, None, None)
        return created


def _listing(state: SandboxState, provider: str, item_id: Any) -> Listing:
    if not item_id:
        return state.catalog.listing(provider, next(iter(GAMES[provider])), 0)
    listing = state.catalog.by_id(provider, item_id)
    if listing is None:
        raise ValueError(f"unknown item id {item_id!r}")
    return listing
