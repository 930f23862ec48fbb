"""Purchases per (provider, state, day created) and their money, without reading the purchases table: a
rollup kept by the database.

Triggers on `purchases_purchase` append one signed row to `purchases_statecount` for every insert (+1),
delete (-1) and change of state, provider, creation time, price or debit (-1 for the old values, +1 for
the new) in the same transaction as the write, whatever code path made it (the services, a bulk UPDATE,
the shell, raw SQL). `amount` carries the purchase's money as the dashboard counts it: the debit, else the
price. Appending never updates a shared counter row, so concurrent writers neither wait nor deadlock.

Reading sums the rollup: the compacted rows (providers x states x days: a few thousand a year) plus the
deltas appended since the last compaction. `compact()` (run by the minute sync task) folds the deltas into
one row per key with one `DELETE ... RETURNING`, so what it removes is exactly what it re-inserts, even
under concurrent writes. `rebuild()` counts the purchases table once (after a bulk load with triggers
off, or to repair).
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from decimal import Decimal

from django.db import connections, models, router, transaction

TABLE = "purchases_statecount"
PURCHASES = "purchases_purchase"
TRIGGERS = ("purchases_statecount_ins", "purchases_statecount_del", "purchases_statecount_upd")


class StateCount(models.Model):
    """One signed count of purchases in (provider, state): a compacted total or a delta to add to it."""

    provider = models.CharField(max_length=16)
    state = models.CharField(max_length=32)
    day = models.DateField(help_text="The day (UTC) the purchases were created.")
    n = models.BigIntegerField()
    amount = models.DecimalField(max_digits=18, decimal_places=4, help_text="Debits, else prices (USD).")

    class Meta:
        app_label = "purchases"
        db_table = TABLE

    def __str__(self) -> str:
        return f"{self.provider} {self.state} {self.day} {self.n:+d}"


COLUMNS = ("state", "provider", "created_at", "price", "balance_debited")


def _insert(row: str, sign: int, day: str) -> str:
    # constant names only, never input
    money = f"{'-' if sign < 0 else ''}COALESCE({row}.balance_debited, {row}.price, 0)"
    return (
        f"INSERT INTO {TABLE} (provider, state, day, n, amount) "  # noqa: S608
        f"VALUES ({row}.provider, {row}.state, {day.format(row=row)}, {sign}, {money});"
    )


PG_DAY = "({row}.created_at AT TIME ZONE 'UTC')::date"
SQLITE_DAY = "date({row}.created_at)"
_CHANGED = " OR ".join(f"OLD.{c} IS DISTINCT FROM NEW.{c}" for c in COLUMNS)
_SQLITE_CHANGED = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in COLUMNS)

POSTGRES_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION purchases_statecount_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN {_insert("OLD", -1, PG_DAY)} END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN {_insert("NEW", 1, PG_DAY)} END IF;
  RETURN NULL;
END $$""",
    f"CREATE OR REPLACE TRIGGER purchases_statecount_ins AFTER INSERT ON {PURCHASES} "
    "FOR EACH ROW EXECUTE FUNCTION purchases_statecount_delta()",
    f"CREATE OR REPLACE TRIGGER purchases_statecount_del AFTER DELETE ON {PURCHASES} "
    "FOR EACH ROW EXECUTE FUNCTION purchases_statecount_delta()",
    f"CREATE OR REPLACE TRIGGER purchases_statecount_upd AFTER UPDATE OF {', '.join(COLUMNS)} ON {PURCHASES} "
    f"FOR EACH ROW WHEN ({_CHANGED}) EXECUTE FUNCTION purchases_statecount_delta()",
]

SQLITE_INSTALL = [
    f"CREATE TRIGGER IF NOT EXISTS purchases_statecount_ins AFTER INSERT ON {PURCHASES} "
    f"BEGIN {_insert('NEW', 1, SQLITE_DAY)} END",
    f"CREATE TRIGGER IF NOT EXISTS purchases_statecount_del AFTER DELETE ON {PURCHASES} "
    f"BEGIN {_insert('OLD', -1, SQLITE_DAY)} END",
    f"CREATE TRIGGER IF NOT EXISTS purchases_statecount_upd AFTER UPDATE OF {', '.join(COLUMNS)} "
    f"ON {PURCHASES} WHEN {_SQLITE_CHANGED} "
    f"BEGIN {_insert('OLD', -1, SQLITE_DAY)} {_insert('NEW', 1, SQLITE_DAY)} END",
]


def _connection(using: str | None = None):
    return connections[using or router.db_for_write(StateCount)]


def triggers_installed(using: str | None = None) -> bool:
    connection = _connection(using)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgrelid = %s::regclass AND tgname = ANY(%s)",
                [PURCHASES, list(TRIGGERS)],
            )
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s "
                "AND name IN (%s, %s, %s)",
                [PURCHASES, *TRIGGERS],
            )
        return cursor.fetchone()[0] == len(TRIGGERS)


def install(using: str | None = None) -> bool:
    """Create the triggers where missing and, if any was missing, count the table again. True: installed.

    Run by the migration and after every `migrate` (SQLite drops a table's triggers when a migration
    rebuilds the table)."""
    connection = _connection(using)
    if connection.vendor not in ("postgresql", "sqlite") or triggers_installed(using):
        return False
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for statement in POSTGRES_INSTALL if connection.vendor == "postgresql" else SQLITE_INSTALL:
            cursor.execute(statement)
        rebuild(using=connection.alias)
    return True


def rebuild(using: str | None = None) -> None:
    """Replace the rollup with a fresh count of the purchases table (locks out writers while it counts)."""
    connection = _connection(using)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"LOCK TABLE {PURCHASES} IN SHARE MODE")
        day = (PG_DAY if connection.vendor == "postgresql" else SQLITE_DAY).format(row=PURCHASES)
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608  (constant names)
        cursor.execute(
            f"INSERT INTO {TABLE} (provider, state, day, n, amount) "  # noqa: S608
            f"SELECT provider, state, {day}, count(*), COALESCE(SUM(COALESCE(balance_debited, price)), 0) "
            f"FROM {PURCHASES} GROUP BY 1, 2, 3"
        )


def compact(using: str | None = None) -> int:
    """Fold the deltas into one row per (provider, state); returns how many rows it folded."""
    connection = _connection(using)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} RETURNING provider, state, day, n, amount")  # noqa: S608
        removed = cursor.fetchall()
        totals: dict[tuple, list] = defaultdict(lambda: [0, Decimal(0)])
        for provider, state, day, n, amount in removed:
            key = (provider, state, day if isinstance(day, date) else date.fromisoformat(str(day)))
            totals[key][0] += n
            totals[key][1] += Decimal(str(amount))
        StateCount.objects.using(connection.alias).bulk_create(
            StateCount(provider=p, state=s, day=d, n=n, amount=amount)
            for (p, s, d), (n, amount) in totals.items()
            if n or amount
        )
    return len(removed)


def counts(using: str | None = None) -> dict[tuple[str, str], int]:
    """{(provider, state): purchases}, pairs with none left out: one query over the small rollup."""
    rows = (
        StateCount.objects.using(using or router.db_for_read(StateCount))
        .values_list("provider", "state")
        .annotate(total=models.Sum("n"))
        .order_by()
    )
    return {(provider, state): total for provider, state, total in rows if total}


def by_day(first: date, using: str | None = None) -> dict[tuple[date, str], tuple[int, Decimal]]:
    """{(day, state): (purchases, money)} of the purchases created from `first` on, every provider."""
    rows = (
        StateCount.objects.using(using or router.db_for_read(StateCount))
        .filter(day__gte=first)
        .values_list("day", "state")
        .annotate(total=models.Sum("n"), money=models.Sum("amount"))
        .order_by()
    )
    return {(day, state): (total, money or Decimal(0)) for day, state, total, money in rows if total}


def spent_on(day: date, states, using: str | None = None) -> dict[str, Decimal]:
    """{provider: money} of the purchases created on `day` in `states`."""
    rows = (
        StateCount.objects.using(using or router.db_for_read(StateCount))
        .filter(day=day, state__in=list(states))
        .values_list("provider")
        .annotate(money=models.Sum("amount"))
        .order_by()
    )
    return {provider: money or Decimal(0) for provider, money in rows}


def by_state(using: str | None = None) -> dict[str, int]:
    """{state: purchases} over every provider."""
    totals: dict[str, int] = defaultdict(int)
    for (_, state), n in counts(using).items():
        totals[state] += n
    return dict(totals)
