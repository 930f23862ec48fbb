"""Purchases per (provider, state) without counting the purchases table: a rollup kept by the database.

Triggers on `purchases_purchase` append one signed row to `purchases_statecount` for every insert (+1),
delete (-1) and change of state or provider (-1 for the old pair, +1 for the new) in the same transaction
as the write, whatever code path made it (the services, a bulk UPDATE, the shell, raw SQL). Appending
never updates a shared counter row, so concurrent writers neither wait on each other nor deadlock.

Reading sums the rollup: the few compacted rows plus the deltas appended since the last compaction.
`compact()` (run by the minute sync task) folds the deltas into one row per pair with one
`DELETE ... RETURNING`, so what it removes is exactly what it re-inserts, even under concurrent writes.
`rebuild()` counts the purchases table once (after a bulk load with triggers off, or to repair).
"""

from __future__ import annotations

from collections import defaultdict

from django.db import connections, models, router, transaction

TABLE = "purchases_statecount"
PURCHASES = "purchases_purchase"
TRIGGERS = ("purchases_statecount_ins", "purchases_statecount_del", "purchases_statecount_upd")


class StateCount(models.Model):
    """One signed count of purchases in (provider, state): a compacted total or a delta to add to it."""

    provider = models.CharField(max_length=16)
    state = models.CharField(max_length=32)
    n = models.BigIntegerField()

    class Meta:
        app_label = "purchases"
        db_table = TABLE

    def __str__(self) -> str:
        return f"{self.provider} {self.state} {self.n:+d}"


def _insert(row: str, sign: int) -> str:
    # constant names only, never input
    return f"INSERT INTO {TABLE} (provider, state, n) VALUES ({row}.provider, {row}.state, {sign});"  # noqa: S608


_CHANGED = "OLD.state IS DISTINCT FROM NEW.state OR OLD.provider IS DISTINCT FROM NEW.provider"

POSTGRES_INSTALL = [
    f"""CREATE OR REPLACE FUNCTION purchases_statecount_delta() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP IN ('UPDATE', 'DELETE') THEN {_insert("OLD", -1)} END IF;
  IF TG_OP IN ('UPDATE', 'INSERT') THEN {_insert("NEW", 1)} END IF;
  RETURN NULL;
END $$""",
    f"CREATE OR REPLACE TRIGGER purchases_statecount_ins AFTER INSERT ON {PURCHASES} "
    "FOR EACH ROW EXECUTE FUNCTION purchases_statecount_delta()",
    f"CREATE OR REPLACE TRIGGER purchases_statecount_del AFTER DELETE ON {PURCHASES} "
    "FOR EACH ROW EXECUTE FUNCTION purchases_statecount_delta()",
    f"CREATE OR REPLACE TRIGGER purchases_statecount_upd AFTER UPDATE OF state, provider ON {PURCHASES} "
    f"FOR EACH ROW WHEN ({_CHANGED}) EXECUTE FUNCTION purchases_statecount_delta()",
]

SQLITE_INSTALL = [
    f"CREATE TRIGGER IF NOT EXISTS purchases_statecount_ins AFTER INSERT ON {PURCHASES} "
    f"BEGIN {_insert('NEW', 1)} END",
    f"CREATE TRIGGER IF NOT EXISTS purchases_statecount_del AFTER DELETE ON {PURCHASES} "
    f"BEGIN {_insert('OLD', -1)} END",
    f"CREATE TRIGGER IF NOT EXISTS purchases_statecount_upd AFTER UPDATE OF state, provider ON {PURCHASES} "
    f"WHEN OLD.state IS NOT NEW.state OR OLD.provider IS NOT NEW.provider "
    f"BEGIN {_insert('OLD', -1)} {_insert('NEW', 1)} END",
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
        cursor.execute(f"DELETE FROM {TABLE}")  # noqa: S608  (constant names)
        cursor.execute(
            f"INSERT INTO {TABLE} (provider, state, n) "  # noqa: S608
            f"SELECT provider, state, count(*) FROM {PURCHASES} GROUP BY provider, state"
        )


def compact(using: str | None = None) -> int:
    """Fold the deltas into one row per (provider, state); returns how many rows it folded."""
    connection = _connection(using)
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE} RETURNING provider, state, n")  # noqa: S608
        removed = cursor.fetchall()
        totals: dict[tuple[str, str], int] = defaultdict(int)
        for provider, state, n in removed:
            totals[(provider, state)] += n
        StateCount.objects.using(connection.alias).bulk_create(
            StateCount(provider=p, state=s, n=n) for (p, s), n in totals.items() if n
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


def by_state(using: str | None = None) -> dict[str, int]:
    """{state: purchases} over every provider."""
    totals: dict[str, int] = defaultdict(int)
    for (_, state), n in counts(using).items():
        totals[state] += n
    return dict(totals)
