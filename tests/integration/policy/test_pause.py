"""The pause switch: commands, the dashboard's superuser-only views, the create check, the buy task."""

from __future__ import annotations

from itertools import count

import pytest
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.core.management import call_command

from purchases.models import BuyingPause, Purchase
from purchases.policy.pause import assert_buying_allowed, pause_buying, paused_reason, resume_buying
from purchases.providers.base import PurchaseInfo
from purchases.selectors import needing_attention
from purchases.services import BuyError, enqueue_buys
from purchases.status import State
from tests.factories import make_purchases, make_user

pytestmark = pytest.mark.django_db
INDEX = "/admin/"
PAUSE = "/admin/buying/pause/"
RESUME = "/admin/buying/resume/"


@pytest.fixture
def buys(fake_provider):
    """The fake provider accepts every single buy: the trade is being created."""
    ids = count(1)

    def buy(**kwargs):
        request = kwargs["request"]
        return PurchaseInfo(
            provider="skinsback", status="creating_trade", custom_id=request.custom_id, buy_id=str(next(ids))
        )

    fake_provider.answers["buy"] = buy
    return fake_provider


def test_pause_command_refuses_buying_until_resumed(capsys):
    call_command("pause_buying", "--provider", "skinsback", "--reason", "top-up in progress")
    out = capsys.readouterr().out
    assert "Buying from SkinsBack is paused since" in out and "top-up in progress" in out
    with pytest.raises(BuyError) as refused:
        assert_buying_allowed("skinsback")
    assert "manage.py resume_buying --provider skinsback" in refused.value.messages[0]
    assert_buying_allowed("skinify")  # another provider still buys
    call_command("resume_buying", "--provider", "skinsback")
    assert "resumed" in capsys.readouterr().out
    assert_buying_allowed("skinsback")
    assert paused_reason("skinsback") == ""


def test_pause_of_all_covers_every_provider_and_a_provider_pause_outlives_it():
    pause_buying(provider=None, actor=None, reason="audit", source="test")
    pause_buying(provider="skinify", actor=None, reason="their outage", source="test")
    assert "every provider" in paused_reason("skinsback")
    assert "every provider" in paused_reason("skinify")
    change = resume_buying(provider=None, actor=None, source="test")
    assert change.changed and "their outage" in change.message  # says what stays paused
    assert paused_reason("skinsback") == ""
    assert "Skinify" in paused_reason("skinify")


def test_pause_needs_a_reason_and_a_second_pause_changes_nothing():
    with pytest.raises(ValueError, match="reason"):
        pause_buying(provider="skinsback", actor=None, reason="  ", source="test")
    first = pause_buying(provider="skinsback", actor=None, reason="one", source="test")
    again = pause_buying(provider="skinsback", actor=None, reason="two", source="test")
    assert first.changed and not again.changed
    assert BuyingPause.objects.get().reason == "one"


def test_superuser_pauses_and_resumes_from_the_dashboard_audited(superuser_c, superuser, fake_health):
    page = superuser_c.get(INDEX).content.decode()
    assert 'id="bo-buying"' in page and 'id="bo-pause-skinsback"' in page
    response = superuser_c.post(PAUSE, {"provider": "skinsback", "reason": "provider incident"})
    assert response.status_code == 302
    pause = BuyingPause.objects.get(provider="skinsback")
    assert pause.paused_by == superuser
    entry = LogEntry.objects.get(action_flag=ADDITION)
    assert entry.user == superuser and entry.object_id == str(pause.pk)
    assert "provider incident" in entry.change_message
    page = superuser_c.get(INDEX).content.decode()
    assert 'id="bo-paused"' in page and "by root: provider incident" in page
    assert 'id="bo-resume-skinsback"' in page
    assert superuser_c.post(RESUME, {"provider": "skinsback"}).status_code == 302
    assert not BuyingPause.objects.exists()
    assert LogEntry.objects.filter(action_flag=DELETION, user=superuser).count() == 1


def test_operators_may_not_pause_or_resume(operator_c, support_c, fake_health):
    assert operator_c.post(PAUSE, {"provider": "", "reason": "x"}).status_code == 403
    pause_buying(provider=None, actor=None, reason="maintenance", source="test")
    assert operator_c.post(RESUME, {"provider": ""}).status_code == 403
    assert support_c.post(RESUME, {"provider": ""}).status_code == 403
    assert BuyingPause.objects.count() == 1
    assert not LogEntry.objects.exists()
    page = operator_c.get(INDEX).content.decode()
    assert 'id="bo-paused"' in page and "maintenance" in page  # everyone sees the banner
    assert 'id="bo-buying"' not in page  # but not the switch


def test_the_views_take_only_a_post(superuser_c):
    assert superuser_c.get(PAUSE).status_code == 405
    assert not BuyingPause.objects.exists()


def test_queued_buys_wait_while_paused_and_go_once_after_resume(buys, django_capture_on_commit_callbacks):
    purchases = make_purchases(3, steam_user=make_user(), provider="skinsback")
    pause_buying(provider="skinsback", actor=None, reason="incident", source="test")
    enqueue_buys(purchases)  # the task runs now (sync mode) and sends nothing
    assert buys.writes == []
    assert set(Purchase.objects.values_list("state", flat=True)) == {State.PENDING}
    assert not Purchase.objects.filter(claimed_until__isnull=False).exists()
    with django_capture_on_commit_callbacks(execute=True):
        resume_buying(provider="skinsback", actor=None, source="test")  # queues them again, after commit
    sent = [call.kwargs["request"].custom_id for call in buys.writes]
    assert sorted(sent) == sorted(p.custom_id for p in purchases)  # exactly one buy per custom_id
    assert set(Purchase.objects.values_list("state", flat=True)) == {State.IN_PROGRESS}


def test_a_pause_of_all_holds_the_task_too(buys):
    purchases = make_purchases(2, provider="skinsback")
    pause_buying(provider=None, actor=None, reason="audit", source="test")
    from purchases.services import purchases_send

    assert purchases_send(purchase_ids=[p.pk for p in purchases]) == {"sent": 0, "held": 2}
    assert buys.writes == []


def test_held_purchases_do_not_count_as_stuck(buys):
    from datetime import timedelta

    from django.utils import timezone

    purchases = make_purchases(2, provider="skinsback")
    Purchase.objects.update(created_at=timezone.now() - timedelta(hours=1))
    assert needing_attention().count() == 2  # pending for an hour: stuck
    pause_buying(provider="skinsback", actor=None, reason="incident", source="test")
    assert needing_attention().count() == 0  # waiting on purpose; the pause banner says so
    assert len(purchases) == 2


def test_the_create_check_is_one_query(django_assert_num_queries):
    pause_buying(provider="skinify", actor=None, reason="x", source="test")
    with django_assert_num_queries(1):
        assert_buying_allowed("skinsback")
    with django_assert_num_queries(1), pytest.raises(BuyError):
        assert_buying_allowed("skinify")


@pytest.mark.django_db
def test_purchases_create_refuses_while_paused_and_creates_nothing(superuser, fake_provider):
    import uuid
    from decimal import Decimal

    from purchases.models import Purchase
    from purchases.policy.pause import pause_buying, resume_buying
    from purchases.services import BuyError, BuyLine, purchases_create
    from tests.factories import make_item, make_user

    pause_buying(provider="skinsback", actor=superuser, reason="audit", source="admin")
    kwargs = {"steam_user": make_user(), "provider": "skinsback", "actor": None, "source": "command"}
    line = BuyLine(max_price=Decimal("5.00"), item=make_item())
    with pytest.raises(BuyError) as caught:
        purchases_create(lines=[line], batch_id=uuid.uuid4(), **kwargs)
    assert "paused" in " ".join(caught.value.messages) and Purchase.objects.count() == 0
    resume_buying(provider="skinsback", actor=superuser, source="admin")
    assert purchases_create(lines=[line], batch_id=uuid.uuid4(), **kwargs).created
