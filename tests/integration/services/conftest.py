from decimal import Decimal

import pytest

from purchases.policy.funds import forget_balance, remember_balance
from purchases.providers.base import Balance

from .evidence import mocked_providers

PROVIDERS = ("skinsback", "skinify")


@pytest.fixture
def api(settings):
    """Provider answers given by the test through `responses`, shaped like the vendor pages. The balance
    was read just before (as the confirmation page does), so a buy's requests are the buy's own."""
    for code in PROVIDERS:
        remember_balance(code, Balance(Decimal("10000.00"), "usd", usd=Decimal("10000.00")))
    with mocked_providers(settings) as mock:
        yield mock
    for code in PROVIDERS:
        forget_balance(code)
