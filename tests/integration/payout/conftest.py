"""Fixtures of the payout-control defect tests: a fake provider that buys (and counts what it was asked to
buy), a known USD balance, and the buy tasks run as a real commit would run them."""

from __future__ import annotations

from decimal import Decimal
from itertools import count

import pytest

from purchases.providers.base import BatchBuyResult, PurchaseInfo
from tests.fakes import FakeProvider

BALANCE = Decimal("10000.00")


@pytest.fixture
def buys(fake_provider: FakeProvider) -> FakeProvider:
    """The fake provider with a 10,000.00 USD balance that accepts every buy (the trade is being created).
    `fake_provider.writes` are the buy requests; `bought(fake)` the custom_ids they carried."""
    ids = count(1)

    def info(request) -> PurchaseInfo:
        return PurchaseInfo(
            provider="", status="creating_trade", custom_id=request.custom_id, buy_id=f"b{next(ids)}"
        )

    fake_provider.balance_amount = BALANCE
    fake_provider.answers["buy"] = lambda partner, token, request: info(request)
    fake_provider.answers["batch_buy"] = lambda partner, token, items: BatchBuyResult(
        purchased=[info(r) for r in items], unavailable=[]
    )
    return fake_provider


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """`with committed():` runs what the request left for after its commit (the buy tasks: the cluster is
    synchronous in tests), so the provider's buy requests are those a real commit would send."""
    return lambda: django_capture_on_commit_callbacks(execute=True)
