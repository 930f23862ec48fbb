"""django-q2 entry points. They take ids, call one service each, and return a small JSON-able summary."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from . import state_counts
from .calls import prune_provider_calls
from .models import Purchase, WebhookEvent
from .policy.approval import approvals_expire
from .services import enqueue_buys, purchases_reverify, purchases_send, purchases_sync, purchases_verify
from .services.callback_drain import callbacks_apply_pending, kick
from .status import State

STALE_PENDING = timedelta(minutes=2)
#: one drain task stops after this long (well inside Q_CLUSTER's timeout) and kicks the next one
DRAIN_SECONDS = 60


def send_purchases(purchase_ids: list[int]) -> dict:
    return purchases_send(purchase_ids=purchase_ids)


def sync_open_purchases() -> dict:
    # every minute: fold the per-state deltas the triggers appended, so reading the counts stays cheap
    state_counts.compact()
    return purchases_sync().as_dict()


def apply_callbacks() -> dict:
    """Apply the stored callbacks (enqueued by the callback view's kick; every minute by the schedule)."""
    report = callbacks_apply_pending(seconds=DRAIN_SECONDS)
    if report.left:
        kick()
    return report.as_dict()


def verify_purchases(purchase_ids: list[int]) -> dict:
    """Ask the provider about purchases a callback hinted at (final ones included)."""
    return purchases_verify(purchase_ids=purchase_ids).as_dict()


def resend_stale_pending() -> int:
    """Pending purchases whose task was lost (broker down, cluster stopped): enqueue them again.

    Safe because the buy task only sends what it can still claim as pending.
    """
    cutoff = timezone.now() - STALE_PENDING
    stale = Purchase.objects.filter(state=State.PENDING, created_at__lt=cutoff, claimed_until__isnull=True)
    by_batch: dict = {}
    for purchase in stale.select_related("item").order_by("pk")[:5000]:
        by_batch.setdefault((purchase.provider, purchase.steam_user_id), []).append(purchase)
    return sum(enqueue_buys(group) for group in by_batch.values())


def reconcile() -> dict:
    """Daily: resend lost buys, ask about every open purchase whatever its poll interval, and check
    again what was finalised recently (and every rejection we only inferred)."""
    resent = resend_stale_pending()
    report = purchases_sync(include_all=True).as_dict()
    return {"resent_chunks": resent, **report, "reverified": purchases_reverify().as_dict()}


def prune_logs() -> dict:
    cutoff = timezone.now() - timedelta(days=settings.WEBHOOK_EVENT_RETENTION_DAYS)
    webhooks, _ = WebhookEvent.objects.filter(received_at__lt=cutoff).delete()
    calls = prune_provider_calls(days=settings.PROVIDER_CALL_RETENTION_DAYS)
    return {"provider_calls": calls, "webhook_events": webhooks}


def expire_approvals() -> int:
    """Decline what waited for an approver longer than PAYOUT_APPROVAL_EXPIRES_HOURS (prices move)."""
    return approvals_expire()
