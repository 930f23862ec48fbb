"""One way to name a provider on the admin pages (purchases/admin/common.provider_label)."""

from __future__ import annotations

from purchases.admin.common import provider_label
from purchases.models import ProviderCode


def test_known_codes_read_as_their_label_and_unknown_ones_as_given():
    for code in ProviderCode.values:
        assert provider_label(code) == ProviderCode(code).label
    assert provider_label("gone-provider") == "gone-provider"
