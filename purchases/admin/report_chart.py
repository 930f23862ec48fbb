"""The spend report's chart: geometry of a server-drawn SVG (no script, no library; the CSP forbids inline
scripts), one stacked bar per day or month, a segment per part of the split, bottom up in the table's
column order. templates/admin/purchases/_spend_chart.html draws it; static/backoffice/reports.css colours
the parts (`bo-part-<part>`)."""

from __future__ import annotations

from decimal import ROUND_CEILING, Decimal
from typing import Any

from ..money import money
from ..reports import CATEGORIES, Figures, SpendReport
from ..spend import CURRENCY

BOX = {"width": 760, "height": 240, "left": 64, "right": 12, "top": 26, "bottom": 30}
#: at most this many labels under the bars (every k-th bar is labelled when there are more)
MAX_LABELS = 12


def spend_chart(report: SpendReport) -> dict[str, Any]:
    plot_w = BOX["width"] - BOX["left"] - BOX["right"]
    plot_h = BOX["height"] - BOX["top"] - BOX["bottom"]
    baseline = BOX["top"] + plot_h
    buckets = list(report.buckets.items())
    top = nice_ceiling(max((f.spent for _, f in buckets), default=Decimal(0)))
    slot = plot_w / max(len(buckets), 1)
    every = -(-len(buckets) // MAX_LABELS) or 1
    month = report.query.period == "month"
    bars = []
    for i, (bucket, figures) in enumerate(buckets):
        x = BOX["left"] + i * slot
        label = (bucket.strftime("%b %Y") if month else bucket.strftime("%d %b")) if i % every == 0 else ""
        bars.append(_bar(figures, x, slot, plot_h, baseline, top, label, _bucket_text(bucket, month)))
    return {
        **BOX,
        "plot_right": BOX["width"] - BOX["right"],
        "baseline": baseline,
        "middle": BOX["top"] + plot_h / 2,
        "plot_height": plot_h,
        "top_label": _axis(top),
        "half_label": _axis(top / 2),
        "bars": bars,
        "currency": CURRENCY,
    }


def _bucket_text(bucket, month: bool) -> str:
    return bucket.strftime("%Y-%m") if month else bucket.isoformat()


def _bar(
    figures: Figures,
    x: float,
    slot: float,
    plot_h: float,
    baseline: float,
    top: Decimal,
    label: str,
    when: str,
):
    segments, y = [], baseline
    for key, header, _ in CATEGORIES:
        amount = figures.amounts[key]
        if amount <= 0 or not top:
            continue
        height = float(amount / top) * plot_h
        y -= height
        segments.append(
            {
                "part": key,
                "y": round(y, 1),
                "height": round(height, 1),
                "title": f"{header}: {money(amount, CURRENCY)}",
            }
        )
    parts = "; ".join(s["title"] for s in segments) or "nothing spent"
    count = f"{figures.count} purchase{'' if figures.count == 1 else 's'}"
    return {
        "x": round(x + slot * 0.12, 1),
        "width": round(max(slot * 0.76, 1.0), 1),
        "label_x": round(x + slot / 2, 1),
        "label": label,
        "segments": segments,
        "title": f"{when}: {money(figures.spent, CURRENCY)} spent, {count} ({parts})",
    }


def _axis(amount: Decimal) -> str:
    if amount == amount.to_integral_value():
        return f"{int(amount):,}"
    return money(amount, "")


def nice_ceiling(value: Decimal) -> Decimal:
    """The smallest 1, 2 or 5 times a power of ten that is at least `value` (0 for 0)."""
    if value <= 0:
        return Decimal(0)
    exponent = value.adjusted()
    for step in (1, 2, 5, 10):
        candidate = Decimal(step).scaleb(exponent)
        if candidate >= value:
            return candidate.quantize(Decimal(1), rounding=ROUND_CEILING) if exponent >= 0 else candidate
    return Decimal(10).scaleb(exponent)
