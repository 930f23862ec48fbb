"""The database cache with an atomic `incr` (Django's is a get then a set: two processes counting at the
same moment both write n+1, and it resets the entry's expiry).

Counters that guard something (login attempts, bad callbacks per address: backoffice/counters.py) need
increments that never get lost. Redis's INCR is atomic; this makes the default `dbcache://` one too: the
read and the write happen in one transaction holding the row (SELECT ... FOR UPDATE on PostgreSQL; on
SQLite our settings begin every transaction IMMEDIATE, which takes the write lock first).
"""

from __future__ import annotations

import base64
import pickle

from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils import timezone


class AtomicDatabaseCache(DatabaseCache):
    def incr(self, key, delta=1, version=None):
        key = self.make_and_validate_key(key, version=version)
        db = router.db_for_write(self.cache_model_class)
        connection = connections[db]
        quote = connection.ops.quote_name
        table, column = quote(self._table), quote("cache_key")
        lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
        now = connection.ops.adapt_datetimefield_value(timezone.now().replace(microsecond=0))
        with transaction.atomic(using=db), connection.cursor() as cursor:
            cursor.execute(
                # names quoted by the backend, values as parameters
                f"SELECT {quote('value')} FROM {table} WHERE {column} = %s AND {quote('expires')} > %s{lock}",  # noqa: S608
                [key, now],
            )
            row = cursor.fetchone()
            if row is None:
                raise ValueError(f"Key '{key}' not found.")
            stored = connection.ops.process_clob(row[0])
            value = pickle.loads(base64.b64decode(stored.encode())) + delta  # noqa: S301 - our own entry
            encoded = base64.b64encode(pickle.dumps(value, self.pickle_protocol)).decode("latin1")
            update = f"UPDATE {table} SET {quote('value')} = %s WHERE {column} = %s"  # noqa: S608
            cursor.execute(update, [encoded, key])
        return value
