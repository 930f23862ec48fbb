"""An import POST the page cannot act on says why (no custom_id, an unknown provider) and imports nothing."""

from __future__ import annotations

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse

from purchases.models import Purchase

pytestmark = pytest.mark.django_db
IMPORT_URL = reverse("admin:purchases_find_import")


def _said(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_an_unknown_provider_is_named_and_nothing_imported(operator_c):
    response = operator_c.post(IMPORT_URL, {"provider": "nope", "custom_id": "shop-only-9"})
    assert response.status_code == 302
    assert any("“nope” is not a provider" in text for text in _said(response))
    assert not Purchase.objects.filter(custom_id="shop-only-9").exists()


def test_no_custom_id_is_said(operator_c):
    response = operator_c.post(IMPORT_URL, {"provider": "skinsback", "custom_id": " "})
    assert response.status_code == 302 and response["Location"] == reverse("admin:purchases_find")
    assert _said(response) == ["Nothing was imported: no custom_id was sent."]


def test_a_get_just_goes_back_to_the_find_page(operator_c):
    response = operator_c.get(IMPORT_URL)
    assert response.status_code == 302 and _said(response) == []
