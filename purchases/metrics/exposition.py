"""The Prometheus text exposition format (version 0.0.4), for the few gauges /metrics serves."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
Labels = dict[str, str]


@dataclass
class Gauge:
    name: str
    help: str
    samples: list[tuple[Labels, float | int | Decimal]] = field(default_factory=list)

    def add(self, value: float | int | Decimal | None, **labels: str) -> None:
        if value is not None:  # unknown (a provider that did not answer): no sample rather than a fake 0
            self.samples.append((labels, value))


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float | int | Decimal) -> str:
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    return repr(float(value))  # Decimal money: Prometheus samples are floats; the text keeps ~17 digits


def render(gauges: Iterable[Gauge]) -> str:
    lines: list[str] = []
    for gauge in gauges:
        lines.append(f"# HELP {gauge.name} {gauge.help}")
        lines.append(f"# TYPE {gauge.name} gauge")
        for labels, value in gauge.samples:
            text = ",".join(f'{key}="{_escape(str(val))}"' for key, val in sorted(labels.items()))
            lines.append(
                f"{gauge.name}{{{text}}} {_number(value)}" if text else f"{gauge.name} {_number(value)}"
            )
    return "\n".join(lines) + "\n"
