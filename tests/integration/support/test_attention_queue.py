"""Issue 21 point 3: needs attention is a queue that gets worked. Reasons whole (cut between words at
most), what to do next per reason, an owner (Take it / Release, "mine" and "nobody's" in the list),
"Resolved, because…" (an event and a LogEntry), repeated lookups told once and "not found" never green,
and a purchase the provider still does not know past its offer window escalated with what to do."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest
from django.contrib.admin.models import LogEntry
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from purchases.admin.next_steps import GENERIC
from purchases.admin.reasons import reason, short
from purchases.models import ProviderCall, Purchase, PurchaseEvent
from purchases.providers.base import PurchaseInfo
from purchases.selectors import needing_attention, purchase_timeline
from purchases.services import purchases_resolve
from purchases.services.attention import (
    AttentionError,
    attention_release,
    attention_resolve,
    attention_take,
)
from purchases.services.lookup import UNATTRIBUTED, UNKNOWN_TO_PROVIDER
from purchases.services.writes import apply_answer
from tests.factories import make_purchase
from tests.integration.scale.conftest import many_purchases  # noqa: F401  (the 20,000-row table)
from tests.integration.scale.helpers import analyze, postgres_test

pytestmark = pytest.mark.django_db
LIST_URL = reverse("admin:purchases_purchase_changelist")
_seq = itertools.count(1)


def page_url(purchase) -> str:
    return reverse("admin:purchases_purchase_change", args=[purchase.pk])


def work_url(purchase, action: str) -> str:
    return reverse("admin:purchases_purchase_attention", args=[purchase.pk, action])


def flagged(**fields) -> Purchase:
    fields = {"state": "in_progress", "buy_id": f"77{next(_seq)}", "needs_attention": True, **fields}
    fields.setdefault("attention_reason", UNKNOWN_TO_PROVIDER)
    return make_purchase(**fields)


def fresh(purchase) -> Purchase:
    return Purchase.objects.get(pk=purchase.pk)


def logged(purchase, user) -> list[str]:
    entries = LogEntry.objects.filter(object_id=str(purchase.pk), user=user).order_by("id")
    return [entry.change_message for entry in entries]


# ---------------------------------------------------------------------------------------- services


def test_take_and_release_write_the_owner_an_event_and_a_log_entry(support, operator):
    purchase = flagged()
    attention_take(purchase_id=purchase.pk, actor=support)
    assert fresh(purchase).attention_owner == support
    attention_take(purchase_id=purchase.pk, actor=support)  # twice: nothing more happens
    attention_take(purchase_id=purchase.pk, actor=operator)  # taken over
    assert fresh(purchase).attention_owner == operator
    with pytest.raises(AttentionError, match=r"olga\.operator works on it"):
        attention_release(purchase_id=purchase.pk, actor=support)
    attention_release(purchase_id=purchase.pk, actor=operator)
    assert fresh(purchase).attention_owner is None
    events = PurchaseEvent.objects.filter(purchase=purchase).order_by("id")
    assert [(e.actor, e.source, e.message) for e in events] == [
        (support, "admin", "Taken from the needs-attention queue"),
        (operator, "admin", "Taken over from sam.support"),
        (operator, "admin", "Released: back in the queue, nobody's"),
    ]
    assert logged(purchase, support) == ["Taken from the needs-attention queue"]
    assert len(logged(purchase, operator)) == 2


def test_resolve_needs_a_reason_and_takes_it_out_of_the_queue(support):
    purchase = flagged(attention_owner=support)
    for blank in ("", "   "):
        with pytest.raises(AttentionError, match="Say why"):
            attention_resolve(purchase_id=purchase.pk, actor=support, because=blank)
    with pytest.raises(AttentionError, match="under 200"):
        attention_resolve(purchase_id=purchase.pk, actor=support, because="x" * 201)
    assert needing_attention().count() == 1
    attention_resolve(purchase_id=purchase.pk, actor=support, because=" no debit in the\nbalance history ")
    purchase = fresh(purchase)
    assert (purchase.needs_attention, purchase.attention_owner) == (False, None)
    assert purchase.attention_reason == UNKNOWN_TO_PROVIDER  # kept: what was resolved
    assert needing_attention().count() == 0
    event = PurchaseEvent.objects.get(purchase=purchase)
    assert (event.actor, event.message) == (support, "Resolved, because: no debit in the balance history")
    assert event.payload == {"reason": UNKNOWN_TO_PROVIDER, "because": "no debit in the balance history"}
    assert logged(purchase, support) == ["Resolved, because: no debit in the balance history"]
    with pytest.raises(AttentionError, match="does not need attention"):
        attention_resolve(purchase_id=purchase.pk, actor=support, because="again")


def test_a_purchase_in_the_queue_by_its_age_is_resolved_too(support):
    purchase = make_purchase(state="in_progress", created_at=timezone.now() - timedelta(hours=3))
    assert reason(purchase).attention == "Needs attention: in progress for 3 hours"
    attention_resolve(purchase_id=purchase.pk, actor=support, because="the user accepts tonight")
    purchase = fresh(purchase)
    assert purchase.attention_reason == "In progress for 3 hours"
    assert needing_attention().count() == 0 and reason(purchase).attention == ""
    # the next state change ends the resolution: a purchase stuck again is in the queue again
    apply_answer(purchase, PurchaseInfo(provider="skinsback", status="canceled"), source="sync")
    assert fresh(purchase).attention_reason == ""


def test_working_the_queue_takes_the_refresh_permission(bare_staff, roles):
    purchase = flagged()
    for work in (attention_take, attention_release):
        with pytest.raises(PermissionDenied):
            work(purchase_id=purchase.pk, actor=bare_staff)
    with pytest.raises(PermissionDenied):
        attention_resolve(purchase_id=purchase.pk, actor=bare_staff, because="seen")
    assert not PurchaseEvent.objects.exists() and not LogEntry.objects.exists()


def test_a_purchase_not_in_the_queue_is_not_taken(support):
    purchase = make_purchase(state="delivered")
    with pytest.raises(AttentionError, match="does not need attention"):
        attention_take(purchase_id=purchase.pk, actor=support)


# ---------------------------------------------------------------------------------------- the pages


def test_support_takes_releases_and_resolves_on_the_page(support_c, support):
    purchase = flagged(attention_reason=UNATTRIBUTED)
    page = support_c.get(page_url(purchase)).content.decode()
    assert 'id="bo-attention-panel"' in page and "Nobody has taken it yet." in page
    assert "What to do next:</strong> Open the latest provider call in the timeline" in page
    assert 'id="bo-take"' in page and 'id="bo-take-form"' in page and 'id="bo-because"' in page

    response = support_c.post(work_url(purchase, "take"))
    assert response.status_code == 302 and response.url == page_url(purchase)
    page = support_c.get(page_url(purchase)).content.decode()
    assert "Taken by <strong>sam.support</strong> (you)" in page and 'id="bo-release"' in page

    support_c.post(work_url(purchase, "release"))
    assert fresh(purchase).attention_owner is None

    response = support_c.post(work_url(purchase, "resolve"), {"because": ""}, follow=True)
    assert "Say why it is resolved" in response.content.decode() and fresh(purchase).needs_attention
    support_c.post(work_url(purchase, "resolve"), {"because": "SkinsBack support: it is bo-x, delivered"})
    page = support_c.get(page_url(purchase)).content.decode()
    panel = page[
        page.index('id="bo-attention-panel"') : page.index("</section>", page.index("bo-attention-panel"))
    ]
    assert "Attention resolved" in panel and "Resolved, because: SkinsBack support: it is bo-x" in panel
    assert "sam.support" in panel and "It was flagged for: The provider&#x27;s answer named no" in panel
    assert 'id="bo-because"' not in page
    assert logged(purchase, support)[-1] == "Resolved, because: SkinsBack support: it is bo-x, delivered"


def test_the_page_refuses_people_without_the_permission(nobody_c, client, support):
    purchase = flagged()
    assert nobody_c.post(work_url(purchase, "take")).status_code == 403
    assert fresh(purchase).attention_owner is None
    client.force_login(support)
    assert client.get(work_url(purchase, "take")).status_code == 302  # a GET changes nothing
    assert fresh(purchase).attention_owner is None


def test_a_viewer_reads_the_next_step_without_buttons(nobody_c, roles):
    from django.contrib.auth.models import Permission

    viewer = nobody_c.session["_auth_user_id"]
    Permission.objects.get(codename="view_purchase").user_set.add(viewer)
    page = nobody_c.get(page_url(flagged())).content.decode()
    assert 'id="bo-next-step"' in page and 'id="bo-take"' not in page and 'id="bo-because"' not in page


def test_the_list_filters_mine_and_nobodys_and_shows_the_owner(support_c, support, operator):
    mine = flagged(attention_owner=support, item_name="Mine")
    theirs = flagged(attention_owner=operator, item_name="Theirs")
    nobodys = flagged(item_name="Nobody's")
    make_purchase(state="delivered", attention_owner=support, item_name="Done")  # not in the queue

    def listed(value: str) -> set[int]:
        response = support_c.get(LIST_URL, {"attention": value})
        return {p.pk for p in response.context["cl"].result_list}

    assert listed("yes") == {mine.pk, theirs.pk, nobodys.pk}
    assert listed("mine") == {mine.pk}
    assert listed("nobody") == {nobodys.pk}
    page = support_c.get(LIST_URL, {"attention": "yes"}).content.decode()
    assert "taken by sam.support" in page and "taken by olga.operator" in page
    assert "… taken by me" in page and "… taken by nobody" in page


def test_the_list_cuts_a_long_reason_between_words_with_the_whole_on_hover(support_c, unknown):
    purchase = flagged(sent_at=timezone.now() - timedelta(hours=3))
    purchases_resolve_unknown(purchase)
    why = reason(fresh(purchase))
    page = support_c.get(LIST_URL).content.decode()
    cut = short(why.text)
    assert cut == "Needs attention: Unknown to SkinsBack for 3 hours…"  # at the end of a clause
    assert f">{cut}</span>" in page and why.text.startswith(cut[:-1])
    assert f'title="{why.text} — Next: ' in page.replace("&#x27;", "'")


def test_short_never_cuts_inside_a_word():
    text = "Needs attention: Unknown to SkinsBack for 3 hours, past its 10-minute offer window: check"
    assert short(text, 40) == "Needs attention: Unknown to SkinsBack…"  # at the last space
    assert short(text, 60) == "Needs attention: Unknown to SkinsBack for 3 hours…"  # a clause ends
    assert short("Refused: " + "word " * 20, 40) == "Refused: word word word word word word…"
    assert short("short", 40) == "short"
    assert short("x" * 50, 40) == "x" * 40 + "…"  # one word longer than the room: cut, said so


def test_the_list_query_count_does_not_grow_with_owned_rows(support_c, support):
    flagged(attention_owner=support)
    support_c.get(LIST_URL, {"attention": "yes"})  # warm-up
    with CaptureQueriesContext(connection) as one:
        support_c.get(LIST_URL, {"attention": "yes"})
    for _ in range(20):
        flagged(attention_owner=support)
    with CaptureQueriesContext(connection) as many:
        response = support_c.get(LIST_URL, {"attention": "yes"})
    assert len(response.context["cl"].result_list) == 21
    assert len(many.captured_queries) == len(one.captured_queries)


# ---------------------------------------------------------------------------------------- next steps


@pytest.mark.parametrize(
    ("fields", "words"),
    [
        ({"attention_reason": UNKNOWN_TO_PROVIDER}, "Nothing to do yet"),
        ({"attention_reason": UNATTRIBUTED}, "Open the latest provider call"),
        ({"attention_reason": "Unreadable in the provider's answer: item.price='N/A'"}, "the next readable"),
        ({"attention_reason": "Unknown provider status 'frozen'"}, "status word we do not know"),
        ({"attention_reason": "Corrected by the provider's later answer: x"}, "corrected a final state"),
        ({"attention_reason": "something new"}, GENERIC),
        ({"needs_attention": False, "state": "unconfirmed", "attention_reason": ""}, "press Refresh"),
        ({"needs_attention": False, "state": "pending", "attention_reason": ""}, "Health card"),
    ],
)
def test_every_known_reason_says_what_to_do_next(fields, words):
    purchase = flagged(created_at=timezone.now() - timedelta(hours=1), **fields)
    assert words in reason(purchase).next_step


# ---------------------------------------------------------------------------------------- timeline


def lookups(purchase, count: int, start, **fields) -> None:
    fields = {"method": "market_getinfo", "outcome": "ok", "http_status": 200, **fields}
    fields.setdefault("response_excerpt", '{"items":[]}')
    ProviderCall.objects.bulk_create(
        ProviderCall(
            provider="skinsback",
            started_at=start + timedelta(seconds=55 * n),
            subjects=f"{purchase.custom_id} bo-other",
            request_excerpt=f'POST /api custom_ids=["{purchase.custom_id}","bo-other"]',
            **fields,
        )
        for n in range(count)
    )


def the_timeline(page: str) -> str:
    return page[page.index('class="bo-timeline"') :]


def test_24_identical_lookups_are_one_line_and_not_green(support_c):
    start = (timezone.now() - timedelta(days=1)).replace(hour=8, minute=7, second=0, microsecond=0)
    purchase = flagged(buy_id=None, created_at=start - timedelta(minutes=1))
    lookups(purchase, 24, start)
    entries = purchase_timeline(purchase)
    assert [(e.kind, e.repeats, e.finding) for e in entries] == [("call", 24, "not_found")]
    timeline = the_timeline(support_c.get(page_url(purchase)).content.decode())
    assert timeline.count('class="bo-event ') == 1
    assert "asked 24 times 08:07\u201308:28: SkinsBack does not know it" in timeline  # an en dash
    assert "bo-event-outcome-notfound" in timeline and "bo-event-outcome-ok" not in timeline
    assert "(the last of 24, 08:28:05 UTC)" in timeline


def test_a_different_answer_breaks_the_run(support_c):
    start = timezone.now() - timedelta(hours=2)
    purchase = flagged(buy_id=None, created_at=start - timedelta(minutes=1))
    lookups(purchase, 3, start)
    found = f'{{"items":[{{"custom_id":"{purchase.custom_id}","offer_status":"waiting_accept"}}]}}'
    lookups(purchase, 2, start + timedelta(minutes=10), response_excerpt=found)
    lookups(purchase, 1, start + timedelta(minutes=20), outcome="timeout", http_status=None)
    entries = purchase_timeline(purchase)
    assert [(e.repeats, e.finding, e.call.outcome) for e in entries] == [
        (3, "not_found", "ok"),
        (2, "found", "ok"),
        (1, "", "timeout"),
    ]
    timeline = the_timeline(support_c.get(page_url(purchase)).content.decode())
    assert "asked 2 times" in timeline and ": found</span>" in timeline
    assert timeline.count("bo-event-outcome-ok") == 1 and timeline.count("bo-event-outcome-bad") == 1


def test_a_single_lookup_that_did_not_find_it_says_so(support_c):
    purchase = flagged(created_at=timezone.now() - timedelta(hours=1))
    lookups(purchase, 1, timezone.now() - timedelta(minutes=5))
    lookups(
        purchase,
        1,
        timezone.now() - timedelta(minutes=1),
        method="market_getinfo",
        outcome="error",
        error_code="2",
        error_message="offer_not_found",
        response_excerpt='{"status":"error","error_code":2}',
    )
    timeline = the_timeline(support_c.get(page_url(purchase)).content.decode())
    assert timeline.count("bo-event-outcome-notfound") == 2 and "bo-event-outcome-ok" not in timeline
    assert "not found · error 2" in timeline and "SkinsBack does not know it" in timeline


def test_a_cut_answer_is_not_called_not_found():
    purchase = flagged(created_at=timezone.now() - timedelta(hours=1))
    lookups(purchase, 1, timezone.now(), response_excerpt='{"items":[' + "x" * 50 + "... [812 more chars]")
    assert [e.finding for e in purchase_timeline(purchase)] == [""]


def test_the_page_costs_the_same_with_1_or_24_lookups(support_c):
    purchase = flagged(created_at=timezone.now() - timedelta(hours=1), attention_owner=None)
    lookups(purchase, 1, timezone.now() - timedelta(minutes=50))
    support_c.get(page_url(purchase))  # warm-up
    with CaptureQueriesContext(connection) as one:
        support_c.get(page_url(purchase))
    lookups(purchase, 23, timezone.now() - timedelta(minutes=40))
    with CaptureQueriesContext(connection) as many:
        response = support_c.get(page_url(purchase))
    assert [e.repeats for e in response.context["timeline"]] == [24]
    assert len(many.captured_queries) == len(one.captured_queries)


# ---------------------------------------------------------------------------------------- escalation


def purchases_resolve_unknown(purchase) -> None:
    """A sync of `purchase` against the fake provider, which knows no purchase."""
    purchases_resolve(purchases=[fresh(purchase)], source="sync")


@pytest.fixture
def unknown(fake_provider):
    fake_provider.answers["get_purchases"] = []
    return fake_provider


def test_unknown_inside_its_offer_window_is_flagged_then_escalated_once(unknown, support_c):
    purchase = make_purchase(state="in_progress", buy_id="881", sent_at=timezone.now() - timedelta(minutes=3))
    purchases_resolve_unknown(purchase)
    assert (fresh(purchase).needs_attention, fresh(purchase).attention_reason) == (True, UNKNOWN_TO_PROVIDER)
    assert not PurchaseEvent.objects.filter(purchase=purchase).exists()

    Purchase.objects.filter(pk=purchase.pk).update(sent_at=timezone.now() - timedelta(hours=3))
    purchases_resolve_unknown(purchase)
    purchases_resolve_unknown(purchase)  # asked again: escalated once, one event
    purchase = fresh(purchase)
    assert purchase.attention_reason.startswith("Unknown to SkinsBack past its 10-minute offer window")
    [event] = PurchaseEvent.objects.filter(purchase=purchase)
    assert event.message.startswith("Escalated: Unknown to SkinsBack past its 10-minute offer window")
    why = reason(purchase)
    assert why.attention == (
        "Needs attention: Unknown to SkinsBack for 3 hours, past its 10-minute offer window: it never "
        "reached SkinsBack if no debit appears; check SkinsBack's balance history, then resolve it or "
        "buy the skin again"
    )
    assert (
        "balance history around the time it was sent" in why.next_step and purchase.custom_id in why.next_step
    )
    page = support_c.get(page_url(purchase)).content.decode()
    assert "Unknown to SkinsBack for 3 hours, past its 10-minute offer window" in page
    assert "Escalated: Unknown to SkinsBack" in the_timeline(page)


def test_unknown_past_the_window_at_the_first_lookup_is_escalated_at_once(unknown):
    purchase = make_purchase(state="on_hold", buy_id="882", sent_at=timezone.now() - timedelta(hours=5))
    purchases_resolve_unknown(purchase)
    assert fresh(purchase).needs_attention
    assert fresh(purchase).attention_reason.startswith("Unknown to SkinsBack past its")


def test_a_resolved_purchase_is_not_flagged_again_for_the_same_reason(unknown, support):
    purchase = make_purchase(state="in_progress", buy_id="883", sent_at=timezone.now() - timedelta(hours=5))
    purchases_resolve_unknown(purchase)
    attention_resolve(purchase_id=purchase.pk, actor=support, because="no debit: never reached it")
    purchases_resolve_unknown(purchase)
    assert not fresh(purchase).needs_attention and needing_attention().count() == 0
    # a new reason flags it again
    answer = PurchaseInfo(provider="skinsback", status="frozen", buy_id="883")
    apply_answer(fresh(purchase), answer, source="sync")
    assert fresh(purchase).needs_attention and "frozen" in fresh(purchase).attention_reason
    # resolved again: the same unknown word in the next answer does not raise it again
    attention_resolve(purchase_id=purchase.pk, actor=support, because="SkinsBack: frozen is a hold")
    apply_answer(fresh(purchase), answer, source="sync")
    assert not fresh(purchase).needs_attention


def test_an_unattributed_answer_resolved_stays_resolved(fake_provider, support):
    purchase = make_purchase(state="unconfirmed", sent_at=timezone.now() - timedelta(minutes=2))
    other = make_purchase(state="unconfirmed", sent_at=timezone.now() - timedelta(minutes=2))
    answers = [PurchaseInfo(provider="skinsback", status="waiting_accept") for _ in range(2)]
    fake_provider.answers["get_purchases"] = answers
    purchases_resolve(purchases=[purchase, other], source="sync")
    assert fresh(purchase).attention_reason == UNATTRIBUTED
    attention_resolve(purchase_id=purchase.pk, actor=support, because="asked SkinsBack")
    purchases_resolve(purchases=[fresh(purchase), fresh(other)], source="sync")
    assert not fresh(purchase).needs_attention


# ---------------------------------------------------------------------------------------- PostgreSQL


@postgres_test
@pytest.mark.usefixtures("many_purchases")
@pytest.mark.parametrize("value", ["yes", "mine", "nobody"])
def test_the_queue_is_read_through_indexes(support_c, support, value):
    """20,000 purchases, the queue's few: each filter of the queue is index scans, never the whole table."""
    for n in range(3):
        flagged(attention_owner=support if n else None)
    # the 200 open ones are stuck: in the queue by their age
    Purchase.objects.filter(state="in_progress").update(created_at=timezone.now() - timedelta(hours=3))
    analyze()
    with CaptureQueriesContext(connection) as ctx:
        response = support_c.get(LIST_URL, {"attention": value})
    assert len(response.context["cl"].result_list) == {"yes": 50, "mine": 2, "nobody": 50}[value]  # a page
    sqls = [q["sql"] for q in ctx.captured_queries if 'FROM "purchases_purchase"' in q["sql"]]
    for sql in [sql for sql in sqls if not sql.startswith("EXPLAIN")]:
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN " + sql)
            plan = "\n".join(row[0] for row in cursor.fetchall())
        assert "Seq Scan on purchases_purchase" not in plan, plan


def test_lookup_purchase_prints_the_run_once(capsys):
    from django.core.management import call_command

    start = timezone.now() - timedelta(hours=1)
    purchase = flagged(buy_id=None, created_at=start - timedelta(minutes=1))
    lookups(purchase, 24, start)
    call_command("lookup_purchase", purchase.custom_id)
    lines = [line for line in capsys.readouterr().out.splitlines() if "market_getinfo" in line]
    assert len(lines) == 1 and "not found" in lines[0] and "(asked 24 times, the last at" in lines[0]
