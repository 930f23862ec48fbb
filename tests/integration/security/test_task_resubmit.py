"""Issue 19, point 1: django-q2's "resubmit" action on Successful and Failed tasks is for superusers only;
a resubmitted buy task still sends nothing that is not pending."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone
from django_q.models import Failure, OrmQ, Success, Task

from purchases.models import Purchase
from tests.factories import make_purchase

pytestmark = pytest.mark.django_db

SEND = "purchases.tasks.send_purchases"


def _saved_task(model, purchase_ids: list[int], success: bool) -> Task:
    now = timezone.now()
    return model.objects.create(
        id=f"task{len(purchase_ids)}{int(success)}",
        name="saved-buy-task",
        func=SEND,
        args=[purchase_ids],
        kwargs={},
        started=now,
        stopped=now,
        success=success,
        result={"sent": 1} if success else "boom",
    )


@pytest.mark.parametrize(("model", "success"), [(Success, True), (Failure, False)])
def test_support_and_operators_are_not_offered_resubmit_and_a_crafted_post_enqueues_nothing(
    support_c, operator_c, fake_provider, model, success
):
    purchase = make_purchase(state="pending")
    task = _saved_task(model, [purchase.pk], success)
    url = reverse(f"admin:django_q_{model._meta.model_name}_changelist")
    for browser in (support_c, operator_c):
        page = browser.get(url)
        assert page.status_code == 200
        assert b"resubmit_task" not in page.content
        browser.post(url, {"action": "resubmit_task", "_selected_action": [task.pk], "index": 0})
    assert fake_provider.writes == []
    assert not OrmQ.objects.exists()
    assert Task.objects.filter(pk=task.pk).exists()  # a failed task is deleted only when resubmitted
    purchase.refresh_from_db()
    assert purchase.state == "pending"


def test_a_superuser_may_resubmit(superuser_c, fake_provider):
    task = _saved_task(Success, [], True)
    url = reverse("admin:django_q_success_changelist")
    assert b"resubmit_task" in superuser_c.get(url).content
    before = Task.objects.count()
    superuser_c.post(url, {"action": "resubmit_task", "_selected_action": [task.pk], "index": 0})
    # the cluster runs in sync mode in tests: the resubmitted task ran and was saved once more
    assert Task.objects.count() == before + 1


def test_a_resubmitted_buy_task_sends_nothing_that_is_not_pending(superuser_c, fake_provider):
    done = [make_purchase(state=state) for state in ("unconfirmed", "in_progress", "delivered", "rejected")]
    task = _saved_task(Failure, [p.pk for p in done], False)
    url = reverse("admin:django_q_failure_changelist")
    superuser_c.post(url, {"action": "resubmit_task", "_selected_action": [task.pk], "index": 0})
    assert not Failure.objects.filter(pk=task.pk).exists()  # it was resubmitted
    assert fake_provider.writes == []
    assert [p.state for p in Purchase.objects.filter(pk__in=[p.pk for p in done]).order_by("pk")] == [
        "unconfirmed",
        "in_progress",
        "delivered",
        "rejected",
    ]
