"""The admin benchmark's data: N purchases over 180 days, N/10 Steam users, and one purchase event, one
provider call and one callback per purchase, loaded by COPY and INSERT ... SELECT (once; reused after).

Row triggers are off while loading (`session_replication_role = replica`) and the GIN index of the provider
calls' subjects is built after the rows; then the per-state rollup, where the code has one, is counted
once. Works on any revision of the code (it reads the schema, it does not import the new modules).
"""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta

from django.db import connection, transaction

DAYS = 180
#: finished purchases by share; the open ones are placed separately, among the most recent rows
FINAL_WEIGHTS = {"delivered": 80, "failed": 13, "rejected": 5, "reverted": 2}
#: state: (how many, within the last ... of the 180 days)
OPEN_QUOTA = {
    "on_hold": (2500, timedelta(days=8)),
    "in_progress": (1000, timedelta(days=1)),
    "unconfirmed": (200, timedelta(days=7)),
    "pending": (20, timedelta(hours=1)),
}
FLAGGED = 300
TRADE_URL = "https://steamcommunity.com/tradeoffer/new/"
WEAPONS = ("AK-47", "AWP", "M4A1-S", "USP-S", "Glock-18", "Desert Eagle")
ITEMS = [
    f"{w} | {s} (Field-Tested)" for w in WEAPONS for s in ("Redline", "Asiimov", "Neo-Noir", "Printstream")
]
STATUS = {
    "delivered": "accepted",
    "failed": "canceled",
    "reverted": "rollback_user",
    "on_hold": "accepted",
    "in_progress": "waiting_accept",
    "rejected": "",
    "unconfirmed": "",
    "pending": "",
}
COLUMNS = (
    "provider, custom_id, buy_id, steam_user_id, item_name, game, max_price, price, balance_debited, state, "
    "provider_status, error_code, error_reason, in_hold, hold_until, trade_offer_id, imported, "
    "needs_attention, attention_reason, sent_at, last_synced_at, raw, created_at, updated_at"
)
SECONDARY = """
INSERT INTO purchases_purchaseevent (at, old_state, new_state, old_provider_status, new_provider_status,
    source, message, payload, purchase_id)
SELECT created_at + interval '10 minutes', 'in_progress', state, 'waiting_accept', provider_status, 'sync',
    '', '{}', id FROM purchases_purchase;
INSERT INTO purchases_providercall (provider, method, started_at, duration_ms, outcome, http_status,
    error_code, error_message, subjects, request_excerpt, response_excerpt)
SELECT provider, (ARRAY['market_getinfo', 'market_buy', 'market_batch_buy', 'market_search'])[id % 4 + 1],
    created_at + interval '1 second', 20 + id % 200, CASE WHEN id % 25 = 0 THEN 'timeout' ELSE 'ok' END, 200,
    '', '', custom_id || COALESCE(' ' || buy_id, ''), 'POST /api.php method=market_getinfo',
    '{"status":"success","items":[]}' FROM purchases_purchase;
INSERT INTO purchases_webhookevent (provider, received_at, event, body, headers, remote_addr, valid,
    processed, error, changed, custom_id, offer_status, purchase_id)
SELECT 'skinsback', created_at + interval '5 minutes', 'trade_status',
    '{"custom_id":"' || custom_id || '","offer_status":"accepted"}', '{}', '203.0.113.5', true, true, '',
    id % 3 = 0, custom_id, 'accepted', id FROM purchases_purchase;
"""


def ensure_data(n: int, reload: bool) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM purchases_purchase")
        have = cursor.fetchone()[0]
    if have == n and not reload:
        print(f"reusing {have:,} purchases (--reload to load them again)")
        return
    started = time.perf_counter()
    load(n)
    loaded = time.perf_counter() - started
    with connection.cursor() as cursor:
        cursor.execute(
            "VACUUM (ANALYZE) purchases_steamuser, purchases_purchase, purchases_purchaseevent, "
            "purchases_providercall, purchases_webhookevent"
        )
    print(
        f"loaded {n // 10:,} Steam users, {n:,} purchases, events, provider calls and callbacks in "
        f"{loaded:.1f} s (+ VACUUM ANALYZE {time.perf_counter() - started - loaded:.1f} s)"
    )


def load(n: int) -> None:
    rng = random.Random(1)
    now = datetime.now(UTC)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL session_replication_role = replica")  # no row triggers while loading
        cursor.execute("TRUNCATE purchases_purchase, purchases_steamuser RESTART IDENTITY CASCADE")
        cursor.execute("TRUNCATE purchases_providercall RESTART IDENTITY")
        gin = _drop_index(cursor, "providercall_subjects_gin")
        first_user = _load_users(cursor, rng, now, n // 10)
        with cursor.copy(f"COPY purchases_purchase ({COLUMNS}) FROM STDIN") as copy:
            lines = purchase_lines(rng, now, first_user, n)
            while chunk := "".join(line for _, line in zip(range(20_000), lines, strict=False)):
                copy.write(chunk)
        for statement in SECONDARY.split(";"):
            if statement.strip():
                cursor.execute(statement)
        if gin:
            cursor.execute(gin)
        _recount_rollup(cursor)


def _drop_index(cursor, name: str) -> str | None:
    cursor.execute("SELECT indexdef FROM pg_indexes WHERE indexname = %s", [name])
    row = cursor.fetchone()
    if row:
        cursor.execute(f"DROP INDEX {name}")
    return row[0] if row else None


def _recount_rollup(cursor) -> None:
    """Count the per-state rollup once, where this revision of the code has one."""
    try:
        from purchases.state_counts import rebuild
    except ImportError:
        return
    rebuild()


def _load_users(cursor, rng: random.Random, now: datetime, users: int) -> int:
    from purchases.validators import STEAM_ID64_BASE

    with cursor.copy(
        "COPY purchases_steamuser (steam_id, trade_url, partner, token, display_name, note, created_at, "
        "updated_at) FROM STDIN"
    ) as copy:
        for k in range(users):
            sid, token = 76561198000000000 + k, f"{rng.getrandbits(40):010x}"[:8]
            url = f"{TRADE_URL}?partner={sid - STEAM_ID64_BASE}&token={token}"
            at = (now - timedelta(days=DAYS + 30) + timedelta(seconds=k * 60)).isoformat()
            copy.write_row((str(sid), url, str(sid - STEAM_ID64_BASE), token, f"user {k}", "", at, at))
    cursor.execute("SELECT min(id) FROM purchases_steamuser")
    return cursor.fetchone()[0]


def open_rows(rng: random.Random, n: int) -> dict[int, str]:
    """Row number -> open state, among the rows created within each state's recent window."""
    rows: dict[int, str] = {}
    for state, (count, window) in OPEN_QUOTA.items():
        first = n - max(int(n * window / timedelta(days=DAYS)), count)
        rows.update((i, state) for i in rng.sample(range(first, n), count))
    return rows


def purchase_lines(rng: random.Random, now: datetime, first_user: int, n: int):
    """One COPY text line per purchase, oldest first (ids grow with created_at, as in production)."""
    start, step = (now - timedelta(days=DAYS)).timestamp(), DAYS * 86400 / n
    opened, flagged = open_rows(rng, n), set(rng.sample(range(n), FLAGGED))
    finals, weights = list(FINAL_WEIGHTS), list(FINAL_WEIGHTS.values())
    states = rng.choices(finals, weights, k=n)
    users = n // 10
    for i in range(n):
        state = opened.get(i, states[i])
        created = start + i * step + rng.random() * step
        yield purchase_line(i, state, created, rng, first_user + rng.randrange(users), i in flagged)


def usd(cents: int) -> str:
    return f"{cents // 100}.{cents % 100:02d}"


def purchase_line(i: int, state: str, created: float, rng: random.Random, user: int, flag: bool) -> str:
    def at(seconds: float) -> str:
        return datetime.fromtimestamp(seconds, UTC).isoformat()

    cents = rng.randrange(50, 200_000)  # money as exact decimal strings, never through a float
    bought = state not in ("pending", "unconfirmed", "rejected")
    price = usd(cents * 95 // 100) if bought else r"\N"
    synced = at(created + 600) if state != "pending" else r"\N"
    error = ("insufficient_funds", "Not enough balance") if state == "rejected" else ("", "")
    fields = (
        "skinify" if i % 10 < 3 else "skinsback",
        f"bo-{rng.getrandbits(80):020x}",
        str(130_000_000 + i) if bought else r"\N",
        str(user),
        ITEMS[i % len(ITEMS)],
        "cs2",
        usd(cents),
        price,
        price,
        state,
        STATUS[state],
        *error,
        "t" if state == "on_hold" else "f",
        at(created + 7 * 86400) if state == "on_hold" else r"\N",
        str(6_000_000_000 + i) if bought else r"\N",
        "f",
        "t" if flag else "f",
        "Unknown provider status" if flag else "",
        at(created + 1),
        synced,
        "{}",
        at(created),
        synced if state != "pending" else at(created),
    )
    return "\t".join(fields) + "\n"
