"""The confirmation page every way of buying ends on: defaults, totals, balance, skipped items, confirm."""

from decimal import Decimal

import pytest
from django.contrib.admin.models import ADDITION, LogEntry
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from purchases.models import Purchase, PurchaseEvent
from purchases.services import default_max_price
from tests.factories import make_item, make_user
from tests.fakes import Call

from .conftest import provider_error
from .helpers import CONFIRM_URL, PURCHASES_URL, form_data, open_confirm, text

pytestmark = pytest.mark.django_db


def test_page_shows_lines_defaults_total_and_balance(operator_client, fake_provider):
    user = make_user()
    items = [
        make_item(price=Decimal("10.00")),
        make_item(price=Decimal("2.50")),
        make_item(price=Decimal("0.07")),
    ]
    response = open_confirm(operator_client, user, items)
    form = response.context["form"]
    assert [line.item for line in form.plan_lines] == items
    defaults = [form[f"max_i{i.pk}"].value() for i in items]
    assert (
        defaults
        == [default_max_price(i.price) for i in items]
        == [Decimal("11.00"), Decimal("2.75"), Decimal("0.08")]
    )
    assert response.context["total"] == Decimal("13.83")
    assert response.context["balance"].amount == Decimal("1234.50")
    assert form["batch_id"].value() is not None
    page = text(response)
    assert "13.83 USD" in page and "1,234.50 USD" in page and user.steam_id in page
    assert 'id="bo-confirm-button"' in page and "disabled" not in page.split('id="bo-confirm-button"')[1][:80]


def test_each_page_view_has_its_own_batch_id(operator_client, fake_provider):
    user, item = make_user(), make_item()
    first = open_confirm(operator_client, user, [item]).context["form"]["batch_id"].value()
    second = open_confirm(operator_client, user, [item]).context["form"]["batch_id"].value()
    assert first != second


def test_balance_is_cached_briefly(operator_client, fake_provider):
    user, item = make_user(), make_item()
    open_confirm(operator_client, user, [item])
    open_confirm(operator_client, user, [item])
    assert fake_provider.reads == [Call("balance", code="skinsback")]


def test_balance_failure_shows_unavailable_and_does_not_block(operator_client, fake_provider):
    fake_provider.balance_error = provider_error()
    response = open_confirm(operator_client, make_user(), [make_item()])
    assert response.context["balance"].amount is None
    assert "balance unavailable" in text(response)
    assert response.context["can_confirm"] is True


def test_balance_failure_of_any_kind_is_a_note_not_a_500(operator_client, fake_provider):
    fake_provider.balance_error = RuntimeError("boom")
    response = open_confirm(operator_client, make_user(), [make_item()])
    assert "balance unavailable" in text(response)


def test_total_above_balance_warns(operator_client, fake_provider):
    fake_provider.balance_amount = Decimal("5.00")
    response = open_confirm(operator_client, make_user(), [make_item(price=Decimal("10.00"))])
    assert 'id="bo-funds-warning"' in text(response)


def test_skipped_items_are_listed_with_their_reason(operator_client, fake_provider):
    user = make_user()
    good = make_item()
    gone = make_item(available=False, name="Sold Out Skin")
    other = make_item(provider="skinify", name="Skinify Skin")
    response = operator_client.get(
        CONFIRM_URL, {"steam_user": user.pk, "items": f"{good.pk},{gone.pk},{other.pk},{good.pk},999999"}
    )
    plan = response.context["plan"]
    assert [line.item for line in plan.lines] == [good, other]  # one batch buys from both providers
    reasons = {s.label: s.reason for s in plan.skipped}
    assert "unavailable" in reasons["Sold Out Skin"]
    assert "listed twice" in reasons[good.name]
    assert "not found" in reasons["i999999"]
    assert 'id="bo-skipped"' in text(response)


def test_with_one_provider_configured_another_providers_item_is_skipped(
    operator_client, fake_provider, settings
):
    settings.BUY_PROVIDERS = ["skinsback"]
    user, good = make_user(), make_item()
    other = make_item(provider="skinify", name="Skinify Skin")
    plan = open_confirm(operator_client, user, [good, other]).context["plan"]
    assert [line.item for line in plan.lines] == [good] and plan.providers == ["skinsback"]
    reasons = {s.label: s.reason for s in plan.skipped}
    assert reasons["Skinify Skin"] == (
        "sold by Skinify; this back-office buys from SkinsBack only (BUY_PROVIDERS)"
    )


def test_a_batch_buys_from_each_items_provider(operator_client, fake_provider):
    user = make_user()
    first = make_item(provider="skinify")
    second = make_item(provider="skinsback")
    plan = open_confirm(operator_client, user, [first, second]).context["plan"]
    assert plan.providers == ["skinify", "skinsback"]
    assert [line.item for line in plan.lines] == [first, second]


def test_no_user_goes_to_choosing_one(operator_client, fake_provider):
    item = make_item()
    response = operator_client.get(CONFIRM_URL, {"items": str(item.pk)})
    assert response.status_code == 302
    assert response["Location"].endswith(f"/buy/user/?items={item.pk}")


def test_confirm_creates_pending_purchases_in_one_batch(
    operator_client, operator, fake_provider, enqueue, django_capture_on_commit_callbacks
):
    user = make_user()
    items = [make_item() for _ in range(3)]
    page = open_confirm(operator_client, user, items)
    data = form_data(page, **{f"max_i{items[1].pk}": "10.50"})
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post(CONFIRM_URL, data)
    batch_id = data["batch_id"]
    assert response.status_code == 302
    assert response["Location"] == f"{PURCHASES_URL}?batch_id={batch_id}"
    purchases = list(Purchase.objects.order_by("batch_line"))
    assert len(purchases) == 3
    assert {str(p.batch_id) for p in purchases} == {batch_id}
    assert {p.state for p in purchases} == {"pending"}
    assert [p.item for p in purchases] == items
    assert [p.max_price for p in purchases] == [Decimal("11.00"), Decimal("10.50"), Decimal("11.00")]
    assert {p.created_by for p in purchases} == {operator}
    assert len({p.custom_id for p in purchases}) == 3
    assert PurchaseEvent.objects.filter(purchase__in=purchases, new_state="pending").count() == 3
    enqueue.assert_called_once()
    assert [p.pk for p in enqueue.call_args.args[0]] == [p.pk for p in purchases]
    entries = LogEntry.objects.filter(action_flag=ADDITION, user=operator)
    assert sorted(int(e.object_id) for e in entries) == sorted(p.pk for p in purchases)
    assert all(batch_id in e.change_message for e in entries)
    landed = operator_client.get(response["Location"])
    assert "3 purchases created; the task cluster is buying them." in text(landed)
    assert list(landed.context["cl"].result_list) == sorted(
        purchases, key=lambda p: (p.created_at, p.pk), reverse=True
    )


def test_confirm_makes_no_provider_request(operator_client, fake_provider, enqueue, no_http):
    user, item = make_user(), make_item()
    data = form_data(open_confirm(operator_client, user, [item]))
    fake_provider.reset()
    operator_client.post(CONFIRM_URL, data)
    assert Purchase.objects.count() == 1
    assert fake_provider.reads == [] and not no_http.calls


def test_same_confirmation_twice_creates_nothing_new(
    operator_client, fake_provider, enqueue, django_capture_on_commit_callbacks
):
    user = make_user()
    items = [make_item(), make_item()]
    data = form_data(open_confirm(operator_client, user, items))
    with django_capture_on_commit_callbacks(execute=True):
        first = operator_client.post(CONFIRM_URL, data)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        second = operator_client.post(CONFIRM_URL, data, follow=True)
    assert first["Location"] == second.redirect_chain[0][0]
    assert Purchase.objects.count() == 2
    assert enqueue.call_count == 1 and callbacks == []
    assert "submitted before: nothing new was created" in text(second)
    assert LogEntry.objects.filter(action_flag=ADDITION).count() == 2


def test_confirmation_page_queries_do_not_grow_with_items(operator_client, fake_provider):
    user = make_user()
    one = [make_item()]
    many = [make_item() for _ in range(60)]
    open_confirm(operator_client, user, one)  # warms the balance cache and the permission cache

    def queries(items) -> int:
        with CaptureQueriesContext(connection) as ctx:
            open_confirm(operator_client, user, items)
        return len(ctx.captured_queries)

    assert queries(one) == queries(many)


def test_confirm_post_queries_do_not_grow_with_items(operator_client, fake_provider, enqueue):
    user = make_user()

    def queries(count: int) -> int:
        data = form_data(open_confirm(operator_client, user, [make_item() for _ in range(count)]))
        with CaptureQueriesContext(connection) as ctx:
            response = operator_client.post(CONFIRM_URL, data)
        assert response.status_code == 302
        # INSERTs are bulk but split by the database's parameter limit (SQLite: ~33 purchases per INSERT)
        return len([q for q in ctx.captured_queries if not q["sql"].startswith("INSERT")])

    assert queries(2) == queries(80)


def test_balance_from_a_failing_sandbox_is_asked_once_and_not_retried(operator_client, settings):
    from sandbox.server import SandboxServer

    with SandboxServer(port=0, seed=1, speed=1.0) as sb:
        settings.SKINSBACK_API_URL = sb.skinsback_url
        settings.SKINSBACK_CLIENT_ID, settings.SKINSBACK_CLIENT_SECRET = "sandbox", "sandbox-secret"
        settings.SKINSBACK_AUTH = "headers"
        sb.state.inject("balance", "http_500")
        user, item = make_user(), make_item()
        response = open_confirm(operator_client, user, [item])
        assert "balance unavailable" in text(response)
        assert sb.state.requests["balance"] == 1  # an operator waits for it: no retries
        open_confirm(operator_client, user, [item])
        assert sb.state.requests["balance"] == 1  # the failure is remembered for a few seconds
        sb.state.clear_faults()
        cache.clear()
        assert open_confirm(operator_client, user, [item]).context["balance"].amount == sb.state.balance()
