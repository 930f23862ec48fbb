"""Applying the stored callbacks in batches. The view (purchases/webhooks.py) verifies a callback, stores it
(`WebhookEvent.PENDING`: signed, neither processed nor failed yet), answers 2xx and `kick`s; the task
`purchases.tasks.apply_callbacks` runs `callbacks_apply_pending`, and so does a schedule every minute, so
nothing stored is left unapplied even when a kick is lost.

- **Claim.** A batch of pending rows, oldest first by (received_at, id), is leased (`claimed_until`) in
  one statement: on PostgreSQL `UPDATE ... WHERE id IN (SELECT ... FOR UPDATE SKIP LOCKED) RETURNING`,
  so two drains never take the same row; on SQLite inside one write transaction. A drain that dies leaves
  its rows leased for LEASE; the next drain after that takes them again.
- **One drain at a time** (PostgreSQL: a session advisory lock), so the callbacks of one purchase are
  applied in the order received. A second drain leaves at once: the running one looks again after it
  lets go of the lock.
- **Apply.** The same steps as one callback (services/callbacks.py: read, attach, judge through
  services/apply.py), for the whole batch: the purchases in one query, then in rounds holding at most one
  callback per purchase (the first of each, then the second, ...), each round's changes written as
  compare-and-sets in one statement with their events (writes.write_changes, as the sync does) and the
  callbacks' outcomes in the same transaction. A change that lost its race (the sync wrote meanwhile) is
  judged again against the row that won, one by one, as `process_callback` does. A replay changes
  nothing. No transaction is open across anything but the database; the lookups callbacks ask for are
  enqueued after the batch, one task per batch.
- **Kick.** The view only marks "stored" (`stored`: no query); one thread per web process (`Kicker`)
  then runs `kick` at most every LOCAL_WINDOW, always after the marks it answers, so after those
  callbacks were committed. `kick` enqueues a drain task only when KICK_KEY is not in the shared cache
  and it could add it (at most one task per KICK_WINDOW across the processes). A running drain keeps the
  key, so kicks meanwhile enqueue nothing; it drops the key before its last look at the table, so a kick
  that found the key is always followed by a look that sees its callbacks. When the task cluster runs
  tasks inline (the tests), the view kicks at once and every drain ends by dropping the key, so each
  callback is applied before its POST returns.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import DatabaseError, close_old_connections, connection, connections, router, transaction
from django.db.models import Q
from django.utils import timezone

from ..models import Purchase, WebhookEvent
from ..providers.base import PurchaseInfo
from .apply import Change, compute_change, jsonable
from .callbacks import (
    FINISHED_FIELDS,
    attach,
    find_purchases,
    lookup_key,
    process_callback,
    read_callback,
    record_change,
    request_verification,
)
from .writes import apply_answer, write_changes

log = logging.getLogger(__name__)

BATCH = 200
LEASE = timedelta(minutes=2)
KICK_KEY = "callbacks-drain-kick"
KICK_WINDOW = 2  # seconds; the database cache keeps whole seconds, so the key lives 1-2 s
KICK_REFRESH = 0.5  # a running drain renews the key this often (seconds)
LOCAL_WINDOW = 0.5  # a web process looks at the key at most this often (seconds)
#: the advisory lock (PostgreSQL) that lets one drain run at a time
LOCK_ID = int.from_bytes(hashlib.sha256(b"purchases.callback_drain").digest()[:8], "big", signed=True)
APPLY_FAILED = "could not be applied (see the server log); the sync will catch the purchase up"


@dataclass
class DrainReport:
    claimed: int = 0
    applied: int = 0  # processed
    changed: int = 0  # changed its purchase
    failed: int = 0  # not applied: an error is on the row
    batches: int = 0
    busy: bool = False  # another drain was running (it applies what this one would have)
    left: bool = False  # stopped at the limit with callbacks still pending

    def count(self, events: Sequence[WebhookEvent]) -> None:
        self.batches += 1
        self.claimed += len(events)
        self.applied += sum(1 for e in events if e.processed)
        self.changed += sum(1 for e in events if e.changed)
        self.failed += sum(1 for e in events if not e.processed)

    def as_dict(self) -> dict:
        return {
            "claimed": self.claimed,
            "applied": self.applied,
            "changed": self.changed,
            "failed": self.failed,
            "batches": self.batches,
            "busy": self.busy,
            "left": self.left,
        }


def stored() -> None:
    """The view stored (and committed) a callback: see that a drain follows. Inline when the task cluster
    runs tasks inline (tests); else through this process's Kicker, which costs the request nothing."""
    from django_q.conf import Conf

    if Conf.SYNC:
        kick()
    else:
        KICKER.mark()


class Kicker:
    """One daemon thread per process: woken by `mark`, it calls `kick`, then rests LOCAL_WINDOW. A mark
    made while it kicks or rests is answered by its next kick, which starts after the mark."""

    def __init__(self, window: float = LOCAL_WINDOW) -> None:
        self.window = window
        self.marked = threading.Event()
        self.lock = threading.Lock()
        self.thread: threading.Thread | None = None
        self.pid = 0

    def mark(self) -> None:
        self.marked.set()
        if self.pid != os.getpid() or self.thread is None or not self.thread.is_alive():
            with self.lock:  # started lazily, in the process that serves (never in a forking parent)
                if self.pid != os.getpid() or self.thread is None or not self.thread.is_alive():
                    self.pid = os.getpid()
                    self.thread = threading.Thread(target=self._run, name="callback-kicker", daemon=True)
                    self.thread.start()

    def _run(self) -> None:
        while True:
            self.marked.wait()
            self.marked.clear()
            try:
                close_old_connections()  # this thread's own connection, kept between kicks
                kick()
            except Exception:
                log.exception("no callback drain could be enqueued; the schedule will apply them")
                with contextlib.suppress(Exception):
                    connection.close()
            time.sleep(self.window)


KICKER = Kicker()


def kick() -> bool:
    """After callbacks were stored: enqueue a drain unless one was enqueued moments ago or is running.
    Reads the key first (one cheap read); only its absence costs a write and a task."""
    if cache.get(KICK_KEY) is not None or not cache.add(KICK_KEY, 1, timeout=KICK_WINDOW):
        return False
    from django_q.tasks import async_task

    try:
        async_task("purchases.tasks.apply_callbacks", group="callbacks")
    except Exception:
        cache.delete(KICK_KEY)  # nothing was enqueued: the next callback tries again
        raise
    return True


def callbacks_apply_pending(
    *, limit: int | None = None, seconds: float | None = None, batch: int = BATCH
) -> DrainReport:
    """Apply pending callbacks, oldest first, until none is left (or `limit` callbacks, or `seconds`)."""
    report = DrainReport()
    deadline = None if seconds is None else time.monotonic() + seconds
    while True:
        with _one_drain() as alone:
            if not alone:
                report.busy = True
                return report
            try:
                emptied = _drain(report, batch=batch, limit=limit, deadline=deadline)
            except BaseException:
                cache.delete(KICK_KEY)  # a failed drain does not keep the next callbacks from kicking
                raise
            if not emptied:  # stopped at the limit
                cache.delete(KICK_KEY)
                report.left = pending_exists()
                return report
        if not pending_exists():  # looked at after letting go: a drain refused meanwhile left its rows to us
            return report


def _drain(report: DrainReport, *, batch: int, limit: int | None, deadline: float | None) -> bool:
    """Claim and apply batches; True once nothing is left, False at the limit."""
    renewed = 0.0
    while limit is None or report.claimed < limit:
        if deadline is not None and time.monotonic() >= deadline:
            return False
        if time.monotonic() - renewed >= KICK_REFRESH:
            cache.set(KICK_KEY, 1, timeout=KICK_WINDOW)  # running: kicks meanwhile enqueue nothing
            renewed = time.monotonic()
        size = batch if limit is None else min(batch, limit - report.claimed)
        events = claim_pending(size)
        if not events:
            cache.delete(KICK_KEY)  # from here on a stored callback kicks a drain again...
            events = claim_pending(size)  # ...and one stored before is taken now
        if not events:
            return True
        apply_claimed(events, report)
    return False


def claim_pending(size: int, *, now: datetime | None = None) -> list[WebhookEvent]:
    """Lease up to `size` pending callbacks, oldest first; never one another drain holds."""
    now = now or timezone.now()
    free = _free(now).order_by("received_at", "pk")
    until = now + LEASE
    connection = connections[free.db]
    if connection.vendor == "postgresql":
        sql, params = free.values_list("pk")[:size].query.sql_with_params()
        quote = connection.ops.quote_name
        table = quote(WebhookEvent._meta.db_table)
        columns = ", ".join(quote(f.column) for f in WebhookEvent._meta.concrete_fields)
        claim = (
            f"UPDATE {table} SET {quote('claimed_until')} = %s "  # noqa: S608 (model names, values as params)
            f"WHERE {quote('id')} IN ({sql} FOR UPDATE SKIP LOCKED) RETURNING {columns}"
        )
        rows = list(WebhookEvent.objects.db_manager(free.db).raw(claim, [until, *params]))
    else:  # SQLite: the transaction takes the write lock first (settings: IMMEDIATE)
        with transaction.atomic(using=free.db):
            rows = list(free[:size])
            WebhookEvent.objects.filter(pk__in=[e.pk for e in rows]).update(claimed_until=until)
    return sorted(rows, key=lambda e: (e.received_at, e.pk))


def pending_exists(now: datetime | None = None) -> bool:
    return _free(now or timezone.now()).exists()


def _free(now: datetime):
    lapsed = Q(claimed_until__isnull=True) | Q(claimed_until__lt=now)
    return WebhookEvent.objects.filter(WebhookEvent.PENDING).filter(lapsed)


@contextlib.contextmanager
def _one_drain() -> Iterator[bool]:
    """True when no other drain runs (PostgreSQL: a session advisory lock, held across the batches'
    transactions and released at the end or with the connection). SQLite: always True."""
    connection = connections[router.db_for_write(WebhookEvent)]
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_ID])
        alone = bool(cursor.fetchone()[0])
    try:
        yield alone
    finally:
        if alone:
            try:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_ID])
            except DatabaseError:  # the session is gone (and its lock with it) or its transaction failed
                log.warning("the callback drain's lock could not be released; it ends with the connection")


def apply_claimed(events: Sequence[WebhookEvent], report: DrainReport | None = None) -> None:
    """Apply claimed callbacks in their order; a batch that fails is applied again one by one."""
    report = report if report is not None else DrainReport()
    try:
        verify = _apply_batch(events)
    except Exception:
        log.exception("a batch of %s callbacks failed; applying them one by one", len(events))
        events, verify = _one_by_one([e.pk for e in events]), []
    if verify:
        request_verification(sorted(set(verify)))
    report.count(events)


def _apply_batch(events: Sequence[WebhookEvent]) -> list[int]:
    """Returns the ids of the purchases to look up (callbacks that hinted without a verdict)."""
    settled: list[WebhookEvent] = []
    wanted: dict[str, list[tuple[WebhookEvent, PurchaseInfo]]] = {}
    for event in events:
        read = read_callback(event)
        if isinstance(read, str):
            settled.append(event)
        else:
            wanted.setdefault(event.provider, []).append((event, read))
    queues: dict[int, list[tuple[WebhookEvent, PurchaseInfo]]] = {}
    same: dict[int, Purchase] = {}  # one object per purchase: each round sees what the one before wrote
    for provider, pairs in wanted.items():
        found = find_purchases(provider, [info for _, info in pairs])
        for event, info in pairs:
            purchase = found.get(lookup_key(info))
            purchase = same.setdefault(purchase.pk, purchase) if purchase is not None else None
            if attach(event, info, purchase) is None:
                queues.setdefault(purchase.pk, []).append((event, info))
            else:
                settled.append(event)
    _finish(settled)
    verify: list[int] = []
    while queues:  # round k: the k-th callback (in received order) of each purchase
        ordered = sorted(queues.values(), key=lambda q: (q[0][0].received_at, q[0][0].pk))
        verify += _apply_round([queue.pop(0) for queue in ordered])
        queues = {pk: queue for pk, queue in queues.items() if queue}
    return verify


def _apply_round(pairs: list[tuple[WebhookEvent, PurchaseInfo]]) -> list[int]:
    """At most one callback per purchase: all changes in one compare-and-set statement, the callbacks'
    outcomes with them; a lost race is judged again, one by one."""
    now = timezone.now()
    judged: list[tuple[WebhookEvent, PurchaseInfo, Change | None]] = []
    for event, info in pairs:
        change = compute_change(event.purchase, info, source="webhook", now=now)
        if change is not None and change.fields:
            change.fields["raw"] = jsonable(info.raw)  # as one callback's write_change stores it
        judged.append((event, info, change))
    verify, done, lost = [], [], []
    with transaction.atomic():
        writes = [change for _, _, change in judged if change is not None and change.fields]
        won = {change.purchase.pk for change in write_changes(writes, [], now)}
        for event, info, change in judged:
            if change is not None and change.fields and event.purchase.pk not in won:
                lost.append((event, info))
                continue
            record_change(event, event.purchase, change)
            done.append(event)
            if change is not None and change.verify:
                verify.append(event.purchase.pk)
        _finish(done)
    for event, info in lost:  # another writer won: read the row again and judge the callback against it
        event.purchase.refresh_from_db()
        change = apply_answer(event.purchase, info, source="webhook")
        record_change(event, event.purchase, change)
        _finish([event])
        if change is not None and change.verify:
            verify.append(event.purchase.pk)
    return verify


def _finish(events: Sequence[WebhookEvent]) -> None:
    """Write the callbacks' outcomes: one UPDATE by id per callback, sent together (executemany: one
    pipeline on PostgreSQL), not bulk_update's CASE per field and row."""
    if not events:
        return
    connection = connections[router.db_for_write(WebhookEvent)]
    fields = [WebhookEvent._meta.get_field(name) for name in FINISHED_FIELDS]
    quote = connection.ops.quote_name
    sets = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(WebhookEvent._meta.db_table)} SET {sets} WHERE {quote('id')} = %s"  # noqa: S608
    rows = [[*(f.get_db_prep_save(getattr(e, f.attname), connection) for f in fields), e.pk] for e in events]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _one_by_one(pks: list[int]) -> list[WebhookEvent]:
    """The careful path after a failed batch: each callback still pending on its own, fresh from the
    table (what the batch committed before failing stays committed and is not applied again)."""
    events = list(WebhookEvent.objects.filter(pk__in=pks).order_by("received_at", "pk"))
    for event in events:
        if event.processed or event.error:
            continue
        try:
            process_callback(event)
        except Exception:
            log.exception("callback %s could not be applied", event.pk)
            event.processed, event.error = False, APPLY_FAILED
            WebhookEvent.objects.filter(pk=event.pk).update(processed=False, error=APPLY_FAILED)
    return events
