"""Low balance: below `PROVIDER_LOW_BALANCE_USD` a provider's balance is "low".

Every place that reads a USD balance (the dashboard's probe, the buy pages' `provider_balance`) passes it
to `note_balance`, which keeps the last known figure in the shared cache (for `/healthz` and
`sync_purchases --check`, which never wait for a provider when they need not) and mails the admins once
per crossing: a `LowBalanceAlert` row (unique per provider) is the guard, so two readers at once send one
mail, and it is deleted only when the balance recovers above RECOVER_FACTOR times the threshold, so a
balance that hovers around the threshold does not mail at every read.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import mail_admins
from django.utils import timezone

from ..models import LowBalanceAlert
from ..money import usd as usd_text
from ..providers import PROVIDERS, get_provider, provider_class

log = logging.getLogger(__name__)

DEFAULT_THRESHOLD = Decimal("100")
RECOVER_FACTOR = Decimal("1.5")
# a figure older than this is not "known" any more: /healthz then says "unknown", --check asks again
LAST_KNOWN_SECONDS = 24 * 3600
OK, LOW, UNKNOWN = "ok", "low", "unknown"


def _key(provider: str) -> str:
    return f"purchases:balance:last:{provider}"


# ------------------------------------------------------------------------------------------ threshold


def parse_thresholds(value: object) -> dict[str, Decimal]:
    """`100` (every provider), `skinsback=100,skinify=50`, or both (`100,skinify=50`); a dict is taken
    as it is. The key "*" holds the default."""
    if isinstance(value, dict):
        items = [(str(k), v) for k, v in value.items()]
    else:
        parts = [p.strip() for p in str(value).split(",") if p.strip()]
        items = [tuple(p.split("=", 1)) if "=" in p else ("*", p) for p in parts]
    result = {"*": DEFAULT_THRESHOLD}
    for code, amount in items:
        code = code.strip().lower()
        if code != "*" and code not in PROVIDERS:
            raise ImproperlyConfigured(f"PROVIDER_LOW_BALANCE_USD names an unknown provider {code!r}.")
        try:
            result[code] = Decimal(str(amount).strip())
        except InvalidOperation:
            raise ImproperlyConfigured(f"PROVIDER_LOW_BALANCE_USD: {amount!r} is not a number.") from None
        if not result[code].is_finite() or result[code] < 0:
            raise ImproperlyConfigured(f"PROVIDER_LOW_BALANCE_USD: {amount!r} must be 0 or more.")
    return result


def low_balance_threshold(provider: str) -> Decimal:
    """The USD figure below which `provider`'s balance is low (settings.PROVIDER_LOW_BALANCE_USD)."""
    thresholds = parse_thresholds(getattr(settings, "PROVIDER_LOW_BALANCE_USD", DEFAULT_THRESHOLD))
    return thresholds.get(provider, thresholds["*"])


# ------------------------------------------------------------------------------------------ reading


@dataclass(frozen=True)
class BalanceState:
    """A provider's last known USD balance against its threshold."""

    provider: str
    state: str  # "ok" | "low" | "unknown"
    usd: Decimal | None
    threshold: Decimal
    read_at: datetime | None = None

    @property
    def name(self) -> str:
        return provider_class(self.provider).label

    def sentence(self) -> str:
        if self.state == UNKNOWN:
            return f"{self.name} balance unknown (threshold {usd_text(self.threshold)})"
        below = "below" if self.state == LOW else "at or above"
        return f"{self.name} balance {usd_text(self.usd)}, {below} the threshold {usd_text(self.threshold)}"


def classify(usd: Decimal | None, threshold: Decimal) -> str:
    if usd is None:
        return UNKNOWN
    return LOW if usd < threshold else OK


def note_balance(*, provider: str, usd: Decimal | None) -> str:
    """Remember a USD balance just read, mail the admins when it crossed below the threshold, and say
    "ok", "low" or "unknown". A balance that could not be read (None) changes nothing. Never raises."""
    threshold = low_balance_threshold(provider)
    state = classify(usd, threshold)
    if usd is None:
        return state
    try:
        cache.set(_key(provider), (usd, timezone.now()), LAST_KNOWN_SECONDS)
        if state == LOW:
            _alert_once(provider, usd, threshold)
        elif usd > threshold * RECOVER_FACTOR:
            LowBalanceAlert.objects.filter(provider=provider).delete()  # re-armed for the next crossing
    except Exception:  # the page that read the balance must still show it
        log.exception("low balance: could not note the balance of %s", provider)
    return state


def _alert_once(provider: str, usd: Decimal, threshold: Decimal) -> None:
    _, created = LowBalanceAlert.objects.get_or_create(
        provider=provider, defaults={"usd": usd, "threshold": threshold}
    )
    if not created:
        return
    state = BalanceState(provider, LOW, usd, threshold)
    log.warning("low balance: %s", state.sentence())
    try:
        mail_admins(
            f"{state.name} balance low: {usd_text(usd)}",
            f"{state.sentence()}.\n\n"
            f"Top up the {state.name} balance: purchases are refused when it runs out.\n"
            f"This mail is sent again only after the balance has recovered above "
            f"{usd_text(threshold * RECOVER_FACTOR)} and falls below the threshold again.",
            fail_silently=False,
        )
    except Exception:
        log.exception("low balance: the mail about %s was not sent; tried again at the next read", provider)
        LowBalanceAlert.objects.filter(provider=provider).delete()


def balance_report() -> list[BalanceState]:
    """Every provider's last known balance against its threshold; no provider is asked (one cache read)."""
    known = cache.get_many([_key(code) for code in PROVIDERS])
    report = []
    for code in PROVIDERS:
        usd, read_at = known.get(_key(code)) or (None, None)
        threshold = low_balance_threshold(code)
        report.append(BalanceState(code, classify(usd, threshold), usd, threshold, read_at))
    return report


def balance_states() -> dict[str, str]:
    """For /healthz: {provider: "ok" | "low" | "unknown"} from the last known balances."""
    return {s.provider: s.state for s in balance_report()}


def checked_balances() -> list[BalanceState]:
    """For `sync_purchases --check`: the last known balances, a provider with none asked once (and
    noted); a provider that cannot answer stays "unknown", never "low"."""
    report = []
    for state in balance_report():
        if state.state == UNKNOWN:
            state = _ask(state)
        report.append(state)
    return report


def _ask(state: BalanceState) -> BalanceState:
    try:
        usd = get_provider(state.provider, interactive=True).balance().usd
    except Exception as error:  # NotSupported, a timeout, a misconfigured client: not known
        log.info("low balance check: %s did not answer the balance (%s)", state.provider, error)
        return state
    found = note_balance(provider=state.provider, usd=usd)
    read_at = timezone.now() if usd is not None else None
    return BalanceState(state.provider, found, usd, state.threshold, read_at)
