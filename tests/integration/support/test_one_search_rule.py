"""One search rule everywhere (issue 21.1): the same term finds the same purchases and Steam users in the
purchase list, the Steam user list, the find page, the Steam user autocomplete and `lookup_purchase`."""

from __future__ import annotations

import json
from html import unescape
from io import StringIO
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import resolve, reverse

from purchases.admin.purchase import PurchaseAdmin
from purchases.admin.steam_user import SteamUserAdmin
from purchases.providers.base import PurchaseInfo
from purchases.search import SEARCH_HELP, USER_LIMIT, clean, custom_id
from tests.factories import make_purchase, make_user
from tests.fakes import Call
from tests.integration.scale.conftest import many_purchases  # noqa: F401  (the 20,000-row table)
from tests.integration.scale.helpers import analyze, postgres_test

pytestmark = pytest.mark.django_db

PURCHASES = reverse("admin:purchases_purchase_changelist")
USERS = reverse("admin:purchases_steamuser_changelist")
FIND = reverse("admin:purchases_find")
AUTOCOMPLETE = reverse("admin:autocomplete")
CUSTOM_ID = "bo-6396a1b2c3d4e5f6a7b8"


@pytest.fixture
def people():
    """Mira (two purchases), a "mirage" fan (one), and Admiral Mira, whose name has "mira" inside only."""
    mira = make_user(display_name="Mira Nova")
    mirage = make_user(display_name="mirage fan")
    admiral = make_user(display_name="Admiral Mira")
    first = make_purchase(
        custom_id=CUSTOM_ID, buy_id="129112705", trade_offer_id="6021480571", steam_user=mira
    )
    second = make_purchase(steam_user=mira)
    fan = make_purchase(steam_user=mirage)
    make_purchase(steam_user=admiral)
    return {"mira": mira, "mirage": mirage, "first": first, "second": second, "fan": fan}


def expectations(p) -> list[tuple[str, set, set]]:
    """(term as typed, the purchases it finds, the Steam users it finds)."""
    mira, mirage = p["mira"], p["mirage"]
    return [
        ("  BO-6396A1B2C3D4E5F6A7B8  ", {p["first"]}, {mira}),
        (mira.steam_id, {p["first"], p["second"]}, {mira}),
        ("mira", {p["first"], p["second"], p["fan"]}, {mira, mirage}),
        (" MIRA ", {p["first"], p["second"], p["fan"]}, {mira, mirage}),
        ("129112705", {p["first"]}, {mira}),
        ("6021480571", {p["first"]}, {mira}),
    ]


def purchase_list(client, term: str) -> set:
    return set(client.get(PURCHASES, {"q": term}).context["cl"].result_list)


def user_list(client, term: str) -> set:
    return set(client.get(USERS, {"q": term}).context["cl"].result_list)


def autocomplete(client, term: str) -> set[str]:
    query = {"term": term, "app_label": "purchases", "model_name": "purchase", "field_name": "steam_user"}
    return {row["id"] for row in client.get(AUTOCOMPLETE, query).json()["results"]}


def find_page(client, term: str) -> tuple[set, set]:
    """What the find page leads to: a purchase, the purchase list, a Steam user, or a list of users (whose
    "their purchases" links are the list searched by their Steam id)."""
    response = client.get(FIND, {"q": term})
    if response.status_code == 200:
        users = set(response.context["users"].found)
        return set().union(*(purchase_list(client, u.steam_id) for u in users)), users
    location = urlsplit(response["Location"])
    match = resolve(location.path)
    if match.url_name == "purchases_purchase_change":
        purchase = next(iter(purchase_list(client, custom_id_of(match.kwargs["object_id"]))))
        return {purchase}, {purchase.steam_user}
    assert match.url_name == "purchases_purchase_changelist", location
    found = purchase_list(client, parse_qs(location.query)["q"][0])
    return found, {purchase.steam_user for purchase in found}


def custom_id_of(pk: str) -> str:
    from purchases.models import Purchase

    return Purchase.objects.get(pk=pk).custom_id


def lookup(*args: str) -> dict:
    out = StringIO()
    call_command("lookup_purchase", *args, "--json", stdout=out)
    return json.loads(out.getvalue())


def lookup_custom_ids(term: str) -> set[str]:
    data = lookup(term)
    if "purchase" in data:
        return {data["purchase"]["custom_id"]}
    return {row["custom_id"] for row in data["matches"]}


def test_the_term_is_cleaned_and_a_custom_id_normalised():
    assert clean("\u200b  BO-6396  \ufeff") == "BO-6396"
    assert clean(" Redline   Rick ") == "Redline Rick"
    assert custom_id("  BO-6396A1 ") == "bo-6396a1"


def test_every_box_finds_the_same_purchases_and_users(operator_c, people, fake_provider):
    for term, purchases, users in expectations(people):
        assert purchase_list(operator_c, term) == purchases, term
        assert user_list(operator_c, term) == users, term
        assert autocomplete(operator_c, term) == {str(user.pk) for user in users}, term
        assert find_page(operator_c, term) == (purchases, users), term
        assert lookup_custom_ids(term) == {p.custom_id for p in purchases}, term
    assert fake_provider.calls == []  # we have every one of them: no provider was asked


def test_a_substring_finds_nothing_anywhere(operator_c, people):
    for term in ("ira", "6396a1b2", "12911270", "Nova"):
        assert purchase_list(operator_c, term) == set(), term
        assert user_list(operator_c, term) == set(), term
        assert autocomplete(operator_c, term) == set(), term


def test_no_box_scans(operator_c, people):
    """Every search is exact equalities and index ranges: no LIKE anywhere, every user lookup LIMITed."""
    for term, _, _ in expectations(people):
        for url, params in [(PURCHASES, {"q": term}), (USERS, {"q": term}), (FIND, {"q": term})]:
            with CaptureQueriesContext(connection) as queries:
                operator_c.get(url, params)
            sql = [q["sql"] for q in queries]
            assert not any(" LIKE " in s.upper() for s in sql), (term, url)
            names = [s for s in sql if "LOWER(" in s.upper() and "steamuser" in s and "ORDER BY" in s]
            assert all("LIMIT" in s for s in names if url != USERS), (term, url, names)


def test_the_purchase_list_takes_the_first_users_only_and_says_so(operator_c):
    for i in range(USER_LIMIT + 2):
        make_purchase(steam_user=make_user(display_name=f"Bulk {i:02d}"))
    response = operator_c.get(PURCHASES, {"q": "bulk"})
    assert len(response.context["cl"].result_list) == USER_LIMIT
    text = " ".join(str(m) for m in response.context["messages"])
    assert f"More than {USER_LIMIT} Steam users' names start so" in text


def test_the_help_says_the_same_rule_everywhere(operator_c, fake_provider):
    assert PurchaseAdmin.search_help_text == SteamUserAdmin.search_help_text == SEARCH_HELP
    for url in (PURCHASES, USERS, FIND, reverse("admin:index")):  # the dashboard shows the find box
        assert SEARCH_HELP in unescape(operator_c.get(url).content.decode()), url


def test_lookup_asks_the_providers_the_normalised_id_only_when_we_lack_it(fake_provider):
    with pytest.raises(CommandError) as refused:
        lookup("  BO-FFFF0000111122223333 ")
    asked = {"custom_ids": ["bo-ffff0000111122223333"], "buy_ids": ()}
    assert fake_provider.calls == [
        Call("get_purchases", asked, "skinify"),
        Call("get_purchases", asked, "skinsback"),
    ]
    message = str(refused.value)
    assert (
        "no provider knows it" in message
        and "Skinify and SkinsBack were asked about the custom_id" in message
    )
    assert "bo-ffff0000111122223333" in message


def test_lookup_finds_what_a_provider_knows_by_the_normalised_id(fake_provider):
    def skinify_knows(custom_ids=(), buy_ids=()):
        return [PurchaseInfo(provider="skinify", status="success", custom_id=c) for c in custom_ids]

    fake_provider.answers["skinify:get_purchases"] = skinify_knows
    data = lookup("BO-ABCD0000111122223333")
    assert data["in_database"] is False
    assert data["provider"]["provider"] == "skinify"
    assert data["provider"]["custom_id"] == "bo-abcd0000111122223333"


def test_lookup_with_one_provider_says_only_it_was_asked(fake_provider):
    with pytest.raises(CommandError) as refused:
        lookup("BO-0000", "--provider", "skinsback")
    assert [call.code for call in fake_provider.calls] == ["skinsback"]
    assert "SkinsBack does not know it (no other provider was asked)" in str(refused.value)


def test_lookup_of_a_name_never_asks_a_provider(fake_provider, people):
    with pytest.raises(CommandError) as refused:
        lookup("Nobody Here")
    assert "no Steam user's name is or starts with it" in str(refused.value)
    assert fake_provider.calls == []


@postgres_test
@pytest.mark.usefixtures("many_purchases")
@pytest.mark.parametrize("term", ["mira", "BO-6396A1B2C3D4E5F6A7B8", "129112705"])
def test_the_purchase_list_search_reads_indexes_only(operator_c, people, term):
    """20,000 purchases: a name's start, a custom_id in upper case or a buy_id is read through indexes."""
    analyze()
    with CaptureQueriesContext(connection) as queries:
        response = operator_c.get(PURCHASES, {"q": term})
    assert people["first"] in response.context["cl"].result_list
    sqls = [q["sql"] for q in queries if 'FROM "purchases_purchase"' in q["sql"]]
    assert sqls
    for sql in [sql for sql in sqls if not sql.startswith("EXPLAIN")]:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Seq Scan on purchases_purchase" not in plan, plan
