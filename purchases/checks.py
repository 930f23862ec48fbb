"""System checks that keep the task cluster from delivering a money-moving task twice, and the settings
that move money (payout limits, where lines are bought) from being wrong until the first buy."""

from django.conf import settings
from django.core.checks import Error, Tags, Warning, register

from .providers import PROVIDERS


@register(Tags.compatibility)
def check_task_cluster(app_configs=None, **kwargs):
    conf = getattr(settings, "Q_CLUSTER", {})
    errors = []
    timeout, retry = conf.get("timeout"), conf.get("retry")
    if timeout is None or retry is None or timeout >= retry:
        errors.append(
            Error(
                "Q_CLUSTER 'timeout' must be set and below 'retry'.",
                hint="Otherwise a task that still runs is delivered again to another worker: a double buy.",
                id="purchases.E001",
            )
        )
    if not conf.get("max_attempts"):
        errors.append(
            Error(
                "Q_CLUSTER 'max_attempts' must be a positive number.",
                hint="0 or unset retries a failing task forever.",
                id="purchases.E002",
            )
        )
    if conf.get("catch_up", True):
        errors.append(
            Warning(
                "Q_CLUSTER 'catch_up' should be False.",
                hint="After downtime the scheduler would run every missed sync at once.",
                id="purchases.W001",
            )
        )
    return errors


@register(Tags.security, deploy=True)
def check_provider_urls(app_configs=None, **kwargs):
    """In production the providers must not point at the local sandbox."""
    local = ("127.0.0.1", "localhost", "[::1]")
    urls = {cls.url_setting: getattr(settings, cls.url_setting) for cls in PROVIDERS.values()}
    return [
        Warning(
            f"{name} points at a local address ({url}).",
            hint="Set the real provider URL.",
            id="purchases.W002",
        )
        for name, url in urls.items()
        if not settings.DEBUG and any(host in url for host in local)
    ]


PAYOUT_AMOUNTS = (
    "PAYOUT_LIMIT_PER_OPERATOR_DAY_USD",
    "PAYOUT_LIMIT_PER_STEAM_USER_DAY_USD",
    "PAYOUT_LIMIT_PER_BATCH_USD",
    "PAYOUT_APPROVAL_ABOVE_USD",
)
PAYOUT_HOURS = ("PAYOUT_REPEAT_WINDOW_HOURS", "PAYOUT_APPROVAL_EXPIRES_HOURS")


@register(Tags.compatibility)
def check_payout_settings(app_configs=None, **kwargs):
    """A limit that is not a positive amount would fail every buy, or (negative) hold every one: say so at
    start, not at the first buy."""
    from decimal import Decimal, InvalidOperation

    errors = []
    for name in PAYOUT_AMOUNTS:
        value = getattr(settings, name)
        try:
            good = Decimal(str(value)).is_finite() and Decimal(str(value)) >= 0
        except InvalidOperation:
            good = False
        if not good:
            errors.append(
                Error(
                    f"{name} must be an amount in USD such as 500.00; it is {value!r}.", id="purchases.E003"
                )
            )
    for name in PAYOUT_HOURS:
        value = getattr(settings, name)
        if not isinstance(value, int) or value <= 0:
            errors.append(
                Error(f"{name} must be a positive number of hours; it is {value!r}.", id="purchases.E004")
            )
    return errors


@register(Tags.compatibility)
def check_routing_settings(app_configs=None, **kwargs):
    """Where lines are bought (purchases/routing.py): BUY_PROVIDERS names known providers, at least one;
    a provider is judged down over a positive number of minutes."""
    errors = []
    codes = getattr(settings, "BUY_PROVIDERS", None)
    known = ", ".join(sorted(PROVIDERS))
    if isinstance(codes, str) or not codes:
        errors.append(
            Error(
                f"BUY_PROVIDERS must list the providers an account is kept at; it is {codes!r}.",
                hint=f"For example BUY_PROVIDERS=skinsback,skinify (known: {known}).",
                id="purchases.E005",
            )
        )
    else:
        unknown = [code for code in codes if code not in PROVIDERS]
        if unknown:
            errors.append(
                Error(
                    f"BUY_PROVIDERS names unknown provider(s): {', '.join(map(repr, unknown))}.",
                    hint=f"Known providers: {known}. An unknown code would never be quoted nor bought from.",
                    id="purchases.E005",
                )
            )
    window = getattr(settings, "PROVIDER_HEALTH_WINDOW_MINUTES", None)
    if isinstance(window, bool) or not isinstance(window, int) or window <= 0:
        errors.append(
            Error(
                f"PROVIDER_HEALTH_WINDOW_MINUTES must be a positive number of minutes; it is {window!r}.",
                hint="The minutes within which a provider whose last requests all failed is skipped.",
                id="purchases.E006",
            )
        )
    return errors
