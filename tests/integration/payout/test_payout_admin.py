"""The payout controls' admin: each operator's own daily limit (superusers only, audited old → new, and
applied by the limits), and a Steam user's trade URL history on their page (masked, constant queries)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from purchases.models import OperatorLimit, SteamUser, TradeUrlChange
from purchases.policy.limits import operator_limit
from tests.conftest import client_for
from tests.factories import make_user, trade_url_for

pytestmark = pytest.mark.django_db

LIST_URL = reverse("admin:purchases_operatorlimit_changelist")
ADD_URL = reverse("admin:purchases_operatorlimit_add")


def change_url(limit: OperatorLimit) -> str:
    return reverse("admin:purchases_operatorlimit_change", args=[limit.pk])


def user_page(user: SteamUser) -> str:
    return reverse("admin:purchases_steamuser_change", args=[user.pk])


def last_log(flag: int) -> LogEntry:
    return LogEntry.objects.filter(action_flag=flag).latest("pk")


# --- the operator's own daily limit -------------------------------------------------------------------


def test_a_superuser_adds_a_limit_audited_and_applied(superuser_c, superuser, operator, settings):
    settings.PAYOUT_LIMIT_PER_OPERATOR_DAY_USD = "5000.00"
    assert operator_limit(operator) == Decimal("5000.00")  # the setting's default until one is set

    response = superuser_c.post(ADD_URL, {"user": operator.pk, "daily_limit_usd": "2500", "note": "new hire"})

    assert response.status_code == 302, response.content.decode()[:2000]
    limit = OperatorLimit.objects.get(user=operator)
    assert limit.daily_limit_usd == Decimal("2500.00")
    assert operator_limit(operator) == Decimal("2500.00")  # the limits read it
    entry = last_log(ADDITION)
    assert entry.user_id == superuser.pk and entry.object_id == str(limit.pk)
    assert "2,500.00 USD" in entry.get_change_message() and "olga.operator" in entry.get_change_message()


def test_a_superuser_changes_a_limit_and_the_history_says_old_and_new(superuser_c, superuser, operator):
    limit = OperatorLimit.objects.create(user=operator, daily_limit_usd=Decimal("2500.00"), note="new hire")

    response = superuser_c.post(change_url(limit), {"daily_limit_usd": "1000.50", "note": "after review"})

    assert response.status_code == 302, response.content.decode()[:2000]
    limit.refresh_from_db()
    assert limit.daily_limit_usd == Decimal("1000.50")
    assert operator_limit(operator) == Decimal("1000.50")
    entry = last_log(CHANGE)
    assert entry.user_id == superuser.pk and entry.object_id == str(limit.pk)
    message = entry.get_change_message()
    assert "2,500.00 USD → 1,000.50 USD" in message
    assert "“new hire” → “after review”" in message
    # the object's history page shows it as written
    history = superuser_c.get(reverse("admin:purchases_operatorlimit_history", args=[limit.pk]))
    assert "2,500.00 USD → 1,000.50 USD" in history.content.decode()


def test_a_superuser_deletes_a_limit_audited_and_the_default_applies_again(superuser_c, operator, settings):
    settings.PAYOUT_LIMIT_PER_OPERATOR_DAY_USD = "5000.00"
    limit = OperatorLimit.objects.create(user=operator, daily_limit_usd=Decimal("700.00"))
    url = reverse("admin:purchases_operatorlimit_delete", args=[limit.pk])

    assert superuser_c.post(url, {"post": "yes"}).status_code == 302

    assert not OperatorLimit.objects.exists()
    assert operator_limit(operator) == Decimal("5000.00")
    entry = last_log(DELETION)
    assert entry.object_id == str(limit.pk) and "700.00" in entry.object_repr


@pytest.mark.parametrize("typed", ["0", "-5", "abc", "0.00"])
def test_a_limit_that_is_not_a_positive_amount_is_refused_clearly(superuser_c, operator, typed):
    response = superuser_c.post(ADD_URL, {"user": operator.pk, "daily_limit_usd": typed, "note": ""})

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors["daily_limit_usd"]
    if typed == "abc":
        assert errors == ["Enter the daily limit as a number of USD, e.g. 2500.00."]
    else:
        assert errors == ["The daily limit must be more than 0 USD."]
    assert errors[0] in response.content.decode()
    assert not OperatorLimit.objects.exists()
    assert not LogEntry.objects.exists()


def test_a_changed_limit_cannot_become_zero(superuser_c, operator):
    limit = OperatorLimit.objects.create(user=operator, daily_limit_usd=Decimal("2500.00"))

    response = superuser_c.post(change_url(limit), {"daily_limit_usd": "0", "note": ""})

    assert response.status_code == 200
    assert "The daily limit must be more than 0 USD." in response.content.decode()
    limit.refresh_from_db()
    assert limit.daily_limit_usd == Decimal("2500.00")


def test_only_staff_users_can_be_given_a_limit(superuser_c, roles):
    outsider = get_user_model().objects.create_user("not.staff", password="pw-x", is_staff=False)

    page = superuser_c.get(ADD_URL).content.decode()
    response = superuser_c.post(ADD_URL, {"user": outsider.pk, "daily_limit_usd": "100", "note": ""})

    assert "not.staff" not in page
    assert response.status_code == 200 and "user" in response.context["adminform"].form.errors
    assert not OperatorLimit.objects.exists()


def test_the_list_shows_the_limit_beside_the_default_without_a_query_per_row(superuser_c, settings, roles):
    settings.PAYOUT_LIMIT_PER_OPERATOR_DAY_USD = "5000.00"
    staff = get_user_model().objects

    def page_queries() -> int:
        with CaptureQueriesContext(connection) as ctx:
            response = superuser_c.get(LIST_URL)
        assert response.status_code == 200
        return len(ctx.captured_queries)

    OperatorLimit.objects.create(user=staff.create_user("op.0", is_staff=True), daily_limit_usd=Decimal("1"))
    one = page_queries()
    for n in range(1, 12):
        OperatorLimit.objects.create(user=staff.create_user(f"op.{n}", is_staff=True), daily_limit_usd=n)
    body = superuser_c.get(LIST_URL).content.decode()

    assert page_queries() == one
    assert "op.11" in body and "11.00 USD" in body and "5,000.00 USD" in body


@pytest.mark.parametrize("role", ["operator", "approver", "support"])
def test_other_roles_cannot_reach_the_limits(role, request):
    user = request.getfixturevalue(role)
    limit = OperatorLimit.objects.create(user=user, daily_limit_usd=Decimal("100.00"))
    client = client_for(user)

    for url in (LIST_URL, ADD_URL, change_url(limit)):
        assert client.get(url).status_code == 403, url
    assert client.post(ADD_URL, {"user": user.pk, "daily_limit_usd": "999999"}).status_code == 403
    assert client.post(change_url(limit), {"daily_limit_usd": "999999"}).status_code == 403
    limit.refresh_from_db()
    assert limit.daily_limit_usd == Decimal("100.00")
    # nor see it among the app's models
    assert LIST_URL not in client.get(reverse("admin:app_list", args=["purchases"])).content.decode()


# --- the trade URL history on the Steam user's page ---------------------------------------------------


def token(n: int) -> str:
    return f"Tk{n:06d}"  # 8 letters or digits, as Steam's are


def user_with_changes(changes: int) -> SteamUser:
    """A Steam user added with token(0), then given token(1) .. token(changes) (each save is recorded)."""
    user = make_user(trade_url=trade_url_for("76561198000004242", token(0)), steam_id="76561198000004242")
    for n in range(1, changes + 1):
        user.trade_url = trade_url_for(user.steam_id, token(n))
        user.save()
    return user


def test_the_page_shows_the_history_masked_newest_first(superuser_c, superuser):
    user = user_with_changes(3)

    body = superuser_c.get(user_page(user)).content.decode()

    assert 'id="bo-url-history"' in body
    section = body[body.index('id="bo-url-history"') :]
    assert "token=Tk••••••" in section and "(first URL)" in section
    # no token of the history whole on the page (the current one is in the editable field, for a superuser)
    for n in range(3):
        assert token(n) not in body
    assert token(3) not in section
    assert section.count("<tr>") == 1 + 4  # the head and the four records (the first URL and three changes)


def test_support_sees_no_token_at_all(support_c):
    user = user_with_changes(2)

    body = support_c.get(user_page(user)).content.decode()

    assert 'id="bo-url-history"' in body
    for n in range(3):
        assert token(n) not in body


def test_a_change_through_the_admin_names_who_made_it(operator_c, operator):
    user = user_with_changes(0)
    new_url = trade_url_for(user.steam_id, "Zz998877")
    data = {"steam_id": user.steam_id, "display_name": user.display_name, "trade_url": new_url, "note": ""}

    response = operator_c.post(user_page(user), data)

    assert response.status_code == 302, response.content.decode()[:2000]
    change = TradeUrlChange.objects.filter(steam_user=user).first()  # newest first
    assert change.changed_by_id == operator.pk
    assert change.new_url.endswith("token=Zz••••••") and change.old_url.endswith("token=Tk••••••")
    section = operator_c.get(user_page(user)).content.decode().split('id="bo-url-history"', 1)[1]
    assert "olga.operator" in section and "Zz998877" not in section


def test_the_history_costs_the_same_queries_for_one_row_or_thirty(superuser_c, operator, approver):
    def page_queries(user: SteamUser) -> tuple[int, str]:
        with CaptureQueriesContext(connection) as ctx:
            response = superuser_c.get(user_page(user))
        assert response.status_code == 200
        return len(ctx.captured_queries), response.content.decode()

    few = user_with_changes(0)  # one record: the URL it was added with, by whom
    TradeUrlChange.objects.filter(steam_user=few).update(changed_by=operator)
    many = make_user(steam_id="76561198000005555")
    TradeUrlChange.objects.bulk_create(  # by two people: who made each is read with the row, not after
        TradeUrlChange(
            steam_user=many, changed_by=(operator, approver)[n % 2], old_url=f"o{n}", new_url=f"n{n}"
        )
        for n in range(30)
    )

    few_queries, few_body = page_queries(few)
    many_queries, many_body = page_queries(many)

    assert many_queries == few_queries
    assert "older ones are kept" not in few_body
    section = many_body.split('id="bo-url-history"', 1)[1]
    assert section.count("<tr>") == 1 + 20 and "Only the 20 newest changes are shown" in section
    assert "ann.approver" in section and "olga.operator" in section
