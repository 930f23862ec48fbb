"""Structured logs for production: one JSON object per line.

`backoffice/settings.py` picks this formatter when `LOG_FORMAT=json`, or by default when DEBUG is off.
Each line has `timestamp` (UTC, ISO 8601), `level`, `logger` and `message`, plus `exception` when one
was logged and any JSON-able `extra=` fields. Secrets are never added here: the provider transport
already redacts what it logs, and this formatter only writes what the log call passed.
"""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime
from typing import Any

#: attributes every LogRecord has; anything else on a record came from `extra=`
_STANDARD = frozenset(
    vars(logging.LogRecord("", 0, "", 0, "", (), None)).keys() | {"message", "asctime", "taskName"}
)


class JsonFormatter(logging.Formatter):
    """`{"timestamp": ..., "level": ..., "logger": ..., "message": ...}` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        payload: dict[str, Any] = {
            "timestamp": datetime.fromtimestamp(record.created, tz=UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _STANDARD and not key.startswith("_") and key not in payload:
                payload[key] = value if _jsonable(value) else repr(value)
        if record.exc_info:
            payload["exception"] = self.formatException(record.exc_info)
        if record.stack_info:
            payload["stack"] = self.formatStack(record.stack_info)
        return json.dumps(payload, ensure_ascii=False, default=str)


def _jsonable(value: Any) -> bool:
    return isinstance(value, str | int | float | bool | type(None) | list | dict)
