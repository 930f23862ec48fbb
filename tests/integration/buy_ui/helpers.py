"""Driving the buy pages like a browser: open a page, submit its form as it was rendered."""

from __future__ import annotations

from django.urls import reverse

CONFIRM_URL = reverse("admin:purchases_buy_confirm")
CHOOSE_URL = reverse("admin:purchases_buy_choose_user")
ITEMS_URL = reverse("admin:purchases_item_changelist")
PURCHASES_URL = reverse("admin:purchases_purchase_changelist")


def market_url(user) -> str:
    return reverse("admin:purchases_steamuser_buy", args=[user.pk])


def ids(objects) -> str:
    return ",".join(str(o.pk) for o in objects)


def open_confirm(client, user, items=(), replaces=()):
    query = {"steam_user": user.pk}
    if items:
        query["items"] = ids(items)
    if replaces:
        query["replaces"] = ids(replaces)
    response = client.get(CONFIRM_URL, query)
    assert response.status_code == 200, response
    return response


def form_data(response, **changes) -> dict:
    """The confirmation form's values exactly as the page rendered them, with `changes` applied."""
    form = response.context["form"]
    data = {name: form[name].value() for name in form.fields}
    data = {name: "" if value is None else str(value) for name, value in data.items()}
    data.update(changes)
    return data


def line_field(response, item) -> str:
    return f"max_i{item.pk}"


def text(response) -> str:
    return response.content.decode()


def messages_of(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []
