"""Template helpers of the support pages: the index chart, the hold countdown, redacted excerpts.

They only format what they are given: no query, no provider request (the index view gathers the dashboard's
data, backoffice/admin.py).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import ROUND_CEILING, Decimal
from typing import Any

from django import template
from django.conf import settings
from django.utils import timezone

from ..admin.common import state_badge
from ..ages import ago
from ..dashboard import Day
from ..money import money, usd
from ..providers import PROVIDERS
from ..providers.redaction import EXCERPT_CHARS, Redactor

register = template.Library()

CHART = {"width": 640, "height": 200, "left": 56, "right": 44, "top": 12, "bottom": 26}


register.filter("usd", usd)
register.filter("money", money)  # {{ amount|money:currency }}
register.filter("state_badge", state_badge)  # {{ purchase.state|state_badge }}
register.filter("ago", ago)  # {{ moment|ago }}: 12 s ago, 5 minutes ago (purchases/ages.py)


@register.filter
def axis_amount(amount: Decimal) -> str:
    """A chart axis label: the money format's digits (10,000 · 2.50), the axis names the currency."""
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return money(amount, "")


@register.filter
def countdown(moment: datetime | None) -> str:
    """'in 5 days 3 hours' for a future moment, 'ended 2 hours ago' for a past one."""
    if not moment:
        return ""
    delta = moment - timezone.now()
    if delta >= timedelta(0):
        return f"in {_span(delta)}"
    return f"ended {_span(-delta)} ago"


def _span(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 1:
        return "less than a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    units = [(days, "day"), (hours, "hour"), (minutes, "minute")]
    first = next(i for i, (n, _) in enumerate(units) if n)
    shown = [(n, unit) for n, unit in units[first : first + 2] if n]
    return " ".join(f"{n} {unit}{'' if n == 1 else 's'}" for n, unit in shown)


@register.filter("redacted")
def redact_text(text: str | None) -> str:
    """Scrub the configured secrets and any token-shaped pair, then cut to an excerpt."""
    names = [name for cls in PROVIDERS.values() for name in cls.secret_settings]
    secrets = [getattr(settings, name, "") for name in names]
    return Redactor(secrets).excerpt(str(text or ""), limit=EXCERPT_CHARS)


@register.filter
def pretty_json(text: str | None) -> str:
    """A JSON body indented for reading; anything else as it is."""
    try:
        return json.dumps(json.loads(text or ""), indent=2, ensure_ascii=False)
    except ValueError:
        return str(text or "")


# ------------------------------------------------------------------------------------------ chart


@register.filter
def daily_chart(days: Sequence[Day]) -> dict[str, Any]:
    """Geometry of the server-rendered SVG: a bar per day (money spent), a line (success rate)."""
    box = CHART
    plot_w = box["width"] - box["left"] - box["right"]
    plot_h = box["height"] - box["top"] - box["bottom"]
    top = _nice_ceiling(max((d.spent for d in days), default=Decimal("0")))
    slot = plot_w / max(len(days), 1)
    bars, points = [], []
    for i, day in enumerate(days):
        x = box["left"] + i * slot
        height = float(day.spent / top) * plot_h if top else 0.0
        bars.append(_bar(day, x, slot, height, box["top"] + plot_h))
        if day.success_rate is not None:
            y = box["top"] + plot_h * (1 - float(day.success_rate) / 100)
            points.append({"x": round(x + slot / 2, 1), "y": round(y, 1), "rate": day.success_rate})
    return {
        **box,
        "plot_right": box["width"] - box["right"],
        "baseline": box["top"] + plot_h,
        "middle": box["top"] + plot_h / 2,
        "top_label": top,
        "half_label": top / 2,
        "bars": bars,
        "points": points,
        "polyline": " ".join(f"{p['x']},{p['y']}" for p in points),
    }


def _bar(day: Day, x: float, slot: float, height: float, baseline: float) -> dict[str, Any]:
    rate = "no purchase settled" if day.success_rate is None else f"{day.success_rate} % succeeded"
    count = f"{day.total} purchase{'' if day.total == 1 else 's'}"
    return {
        "x": round(x + slot * 0.15, 1),
        "y": round(baseline - height, 1),
        "width": round(slot * 0.7, 1),
        "height": round(height, 1),
        "label_x": round(x + slot / 2, 1),
        "label": day.day.strftime("%d"),
        "title": f"{day.day:%Y-%m-%d}: {usd(day.spent)} spent, {count}, {rate}",
    }


def _nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2 or 5 times a power of ten that is at least `value` (0 for 0)."""
    if value <= 0:
        return Decimal("0")
    exponent = value.adjusted()
    for step in (1, 2, 5, 10):
        candidate = Decimal(step).scaleb(exponent)
        if candidate >= value:
            return candidate.quantize(Decimal("1"), rounding=ROUND_CEILING) if exponent >= 0 else candidate
    return Decimal(10).scaleb(exponent)
