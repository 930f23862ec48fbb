"""Driving the confirmation page like a browser (GET it, submit its form as rendered) and reading what the
provider was asked to buy."""

from __future__ import annotations

from tests.fakes import FakeProvider
from tests.integration.buy_ui.helpers import CONFIRM_URL, PURCHASES_URL, form_data, open_confirm, text

__all__ = [
    "CONFIRM_URL",
    "PURCHASES_URL",
    "bought",
    "buy_again",
    "form_data",
    "open_confirm",
    "problems",
    "text",
    "unticked",
]


def unticked(data: dict) -> dict:
    """The form data without the checkboxes that are not ticked: a browser does not send them."""
    return {k: v for k, v in data.items() if v not in ("False", "")}


def bought(fake: FakeProvider) -> list[str]:
    """The custom_ids the provider was asked to buy, in order, over every buy request."""
    ids: list[str] = []
    for call in fake.writes:
        requests = call.kwargs["items"] if call.method == "batch_buy" else [call.kwargs["request"]]
        ids += [r.custom_id for r in requests]
    return ids


def problems(response) -> str:
    """The refusal words the confirmation page shows again (nothing was bought)."""
    assert response.status_code == 200, response
    return " ".join(str(p) for p in response.context["problems"])


def buy_again(client, purchases, **kwargs):
    """The purchase list's "Buy again" action on `purchases`."""
    data = {"action": "buy_again", "_selected_action": [p.pk for p in purchases]}
    return client.post(PURCHASES_URL, data, **kwargs)
