"""`check_provider`'s logic, kept here so it can be tested without Django: are the credentials
accepted, how fast does the provider answer, what is the balance, how much rate limit is left."""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any

from .base import AuthError, NotSupported, Provider, ProviderError, RateLimited

PROBE_CUSTOM_ID = "check-provider-probe"  # a custom_id we never use: looking it up changes nothing


@dataclass
class CheckReport:
    provider: str
    ok: bool = False
    credentials: str = "unknown"  # "ok" | "rejected" | "unknown"
    problem: str = ""  # in plain words: what failed and what to check
    latency_ms: int | None = None
    balance: Decimal | None = None  # USD: what compares with prices; None when the answer gives no USD figure
    currency: str = "usd"
    project_balance: Decimal | None = None  # the provider's own figure, in the project's currency
    project_currency: str = ""  # lower case; "" when the answer does not name it
    server_status: str = "unknown"  # "available" | "unavailable: <reason>" | "not offered" | "unknown"
    rate_used: int | None = None
    rate_limit: int | None = None
    documented_limit: int | None = None

    def as_dict(self) -> dict[str, Any]:
        data = asdict(self)
        for key in ("balance", "project_balance"):
            data[key] = None if data[key] is None else str(data[key])
        return data

    def lines(self) -> list[str]:
        verdict = "credentials OK" if self.credentials == "ok" else f"credentials {self.credentials}"
        lines = [f"{self.provider}: {'OK' if self.ok else 'FAILED'} - {verdict}"]
        if self.problem:
            lines.append(f"  problem: {self.problem}")
        if self.latency_ms is not None:
            lines.append(f"  latency: {self.latency_ms} ms")
        lines.extend(self._balance_lines())
        lines.append(f"  server status: {self.server_status}")
        if self.rate_limit is not None:
            lines.append(
                f"  rate limit: {self.rate_used} of {self.rate_limit} requests used in the last minute "
                f"(documented limit {self.documented_limit}/min; we keep a margin below it)"
            )
        else:
            lines.append("  rate limit: no shared limiter configured")
        return lines

    def _balance_lines(self) -> list[str]:
        own = f"{self.project_balance} {self.project_currency.upper()}".strip()
        if self.balance is not None:
            beside = f" ({own} in the project's currency)" if self.project_currency != self.currency else ""
            return [f"  balance: {self.balance} {self.currency.upper()}{beside}"]
        if self.project_balance is not None:
            return [f"  balance: {own} in a currency the answer does not name (no USD figure: not compared)"]
        return []


def check(provider: Provider) -> CheckReport:
    report = CheckReport(provider=provider.code, documented_limit=provider.rate_limit_per_minute)
    _check_balance(provider, report)
    if report.credentials != "rejected":
        _check_status(provider, report)
    _check_headroom(provider, report)
    report.ok = report.credentials == "ok" and not report.server_status.startswith("unavailable")
    return report


def _check_balance(provider: Provider, report: CheckReport) -> None:
    started = time.perf_counter()
    try:
        balance = provider.balance()
    except AuthError as err:
        report.credentials, report.problem = "rejected", str(err)
        return
    except RateLimited as err:
        report.problem = f"rate limited by the provider, try again in a minute ({err})"
        return
    except ProviderError as err:
        # e.g. Skinify's assumed balance path: a lookup of an unknown custom_id still proves the token
        what = "balance is not offered" if isinstance(err, NotSupported) else f"balance failed: {err}"
        report.problem = what
        _probe_credentials(provider, report)
        return
    finally:
        report.latency_ms = int((time.perf_counter() - started) * 1000)
    report.credentials, report.balance = "ok", balance.usd
    report.project_balance, report.project_currency = balance.amount, balance.currency


def _probe_credentials(provider: Provider, report: CheckReport) -> None:
    try:
        provider.get_purchases(custom_ids=[PROBE_CUSTOM_ID])
    except AuthError as err:
        report.credentials, report.problem = "rejected", str(err)
    except ProviderError as err:
        report.problem += f"; a purchase lookup failed too, the provider may be unreachable: {err}"
    else:
        report.credentials = "ok"
        report.problem += " (credentials confirmed with a purchase lookup)"


def _check_status(provider: Provider, report: CheckReport) -> None:
    try:
        status = provider.server_status()
    except NotSupported:
        report.server_status = "not offered"
        return
    except ProviderError as err:
        report.server_status = f"unknown ({err})"
        return
    report.server_status = (
        "available" if status.available else f"unavailable: {status.reason or 'no reason given'}"
    )


def _check_headroom(provider: Provider, report: CheckReport) -> None:
    limiter = getattr(getattr(provider, "transport", None), "limiter", None)
    if limiter is None:
        return
    try:
        report.rate_used, report.rate_limit = limiter.usage()
    except Exception:  # the cache being down must not hide the rest of the report
        report.rate_used, report.rate_limit = None, limiter.limit
