"""The domain: Steam users, catalog items, purchases and their history, provider calls and callbacks."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone

from .permissions import CODENAMES, codename
from .providers import PROVIDERS
from .skins import skin_key
from .status import FINAL_STATES, OPEN_STATES, REBUYABLE_STATES, State
from .validators import mask_token, mask_trade_url, validate_steam_id, validate_trade_url_for

#: the registered providers as an enum (ProviderCode.SKINSBACK == "skinsback", label "SkinsBack")
ProviderCode = models.TextChoices(
    "ProviderCode", [(code.upper(), (code, cls.label)) for code, cls in PROVIDERS.items()]
)


def provider_choices() -> list[tuple[str, str]]:
    """The fields' choices, read from the registry when asked: migrations keep a reference to this
    function, not the list, so registering a provider needs no migration."""
    return [(code, cls.label) for code, cls in PROVIDERS.items()]


class Game(models.TextChoices):
    CS2 = "cs2", "CS2"
    DOTA2 = "dota2", "Dota 2"
    RUST = "rust", "Rust"
    TF2 = "tf2", "TF2"


#: the games whose inventory the providers serve: user_inventory takes cs2|dota2|rust, not tf2
INVENTORY_GAMES = (Game.CS2, Game.DOTA2, Game.RUST)


def money_field(**kwargs) -> models.DecimalField:
    """USD amounts: Decimal with 4 places so no provider price is ever rounded on save."""
    return models.DecimalField(max_digits=14, decimal_places=4, **kwargs)


def new_custom_id() -> str:
    """Our id of a purchase: unique, unguessable, short enough to read out on the phone."""
    return "bo-" + uuid.uuid4().hex[:20]


class SteamUser(models.Model):
    steam_id = models.CharField("Steam id", max_length=17, unique=True, validators=[validate_steam_id])
    trade_url = models.CharField("trade URL", max_length=200, blank=True)
    partner = models.CharField(max_length=20, blank=True, editable=False)
    token = models.CharField("trade token", max_length=16, blank=True, editable=False)
    display_name = models.CharField(max_length=100, blank=True)
    note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "Steam user"
        ordering = ["-created_at"]
        # the find box's name lookup: exact or prefix, case-insensitive, as an index range (admin/find.py)
        indexes = [
            models.Index(Lower("display_name"), name="steamuser_lower_name_idx"),
            # the Steam user list's order (newest first): a page of 100,000 users without a sort
            models.Index(fields=["-created_at", "-id"], name="steamuser_created_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.display_name} ({self.steam_id})" if self.display_name else self.steam_id

    def clean(self) -> None:
        if self.trade_url:
            try:
                validate_trade_url_for(self.trade_url, self.steam_id)
            except ValidationError as err:
                raise ValidationError({"trade_url": err.messages}) from None

    #: who is saving this user (set by the admin): the trade URL history names them
    changed_by = None

    @classmethod
    def from_db(cls, db, field_names, values):
        user = super().from_db(db, field_names, values)
        user._saved_trade_url = user.__dict__.get("trade_url")  # what a save compares the URL with
        return user

    def save(self, *args, **kwargs) -> None:
        # partner and token always come from the trade URL, never typed separately
        self.partner, self.token = "", ""
        if self.trade_url:
            try:
                parsed = validate_trade_url_for(self.trade_url, self.steam_id)
                self.partner, self.token = parsed.partner, parsed.token
            except ValidationError:
                pass
        old = getattr(self, "_saved_trade_url", "") or ""
        with transaction.atomic():
            super().save(*args, **kwargs)
            if "trade_url" in self.__dict__ and self.trade_url != old:
                self._record_url_change(old)
        self._saved_trade_url = self.trade_url

    def _record_url_change(self, old: str) -> None:
        TradeUrlChange.objects.create(
            steam_user=self,
            changed_by=self.changed_by,
            old_url=mask_trade_url(old),
            new_url=mask_trade_url(self.trade_url),
        )

    @property
    def has_valid_trade_url(self) -> bool:
        return bool(self.partner and self.token)

    @property
    def masked_token(self) -> str:
        return mask_token(self.token)


class Item(models.Model):
    provider = models.CharField(max_length=16, choices=provider_choices)
    provider_item_id = models.CharField("provider item id", max_length=64)
    name = models.CharField("market hash name", max_length=255, db_index=True)
    game = models.CharField(max_length=8, choices=Game.choices)
    price = money_field(null=True, blank=True)
    classid = models.CharField(max_length=32, blank=True)
    instanceid = models.CharField(max_length=32, blank=True)
    available = models.BooleanField(default=True)
    raw = models.JSONField(default=dict, blank=True)
    synced_at = models.DateTimeField(null=True, blank=True)
    #: the skin whatever the provider calls it (purchases/skins.py): matches the same skin at other providers
    skin = models.CharField(
        "skin key", max_length=300, blank=True, db_default="", db_index=True, editable=False
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "provider_item_id"], name="item_provider_id_unique")
        ]
        indexes = [models.Index(fields=["provider", "game", "available"], name="item_catalog_idx")]
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_provider_display()})"

    def save(self, *args, **kwargs) -> None:
        self.skin = skin_key(self.name, self.game)  # bulk writes (the catalog import) set it themselves
        if kwargs.get("update_fields") is not None and {"name", "game"} & set(kwargs["update_fields"]):
            kwargs["update_fields"] = {*kwargs["update_fields"], "skin"}
        super().save(*args, **kwargs)


class Route(models.TextChoices):
    """How a purchase's provider was chosen when more than one quoted its skin (purchases/routing.py)."""

    BEST = "best", "Best price"
    OPERATOR = "operator", "Chosen by the operator"
    FAILOVER = "failover", "Failover after a refusal"


#: the routes whose purchases count in "what routing saved"
ROUTED = [Route.BEST, Route.OPERATOR, Route.FAILOVER]


class Purchase(models.Model):
    provider = models.CharField(max_length=16, choices=provider_choices)
    custom_id = models.CharField(max_length=64, unique=True, default=new_custom_id, editable=False)
    buy_id = models.CharField(max_length=64, null=True, blank=True)
    steam_user = models.ForeignKey(SteamUser, on_delete=models.PROTECT, related_name="purchases")
    item = models.ForeignKey(Item, on_delete=models.SET_NULL, null=True, blank=True, related_name="purchases")
    item_name = models.CharField(max_length=255)
    game = models.CharField(max_length=8, choices=Game.choices, blank=True)
    max_price = money_field()
    price = money_field(null=True, blank=True)
    balance_debited = money_field(null=True, blank=True)
    state = models.CharField(max_length=20, choices=State.choices, default=State.PENDING)
    provider_status = models.CharField(max_length=64, blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    error_reason = models.CharField(max_length=255, blank=True)
    in_hold = models.BooleanField(default=False)
    hold_until = models.DateTimeField(null=True, blank=True)
    trade_offer_id = models.CharField(max_length=32, null=True, blank=True)
    batch_id = models.UUIDField(null=True, blank=True, db_index=True)
    batch_line = models.PositiveIntegerField(null=True, blank=True, editable=False)
    replaces = models.OneToOneField(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="replaced_by"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: why the payout controls hold it for approval (blank when they did not)
    approval_reason = models.TextField(blank=True)
    #: the person creating it ticked "Pay again" for earlier purchases of the same skin and Steam user
    repeat_acknowledged = models.BooleanField(default=False)
    #: how its provider was chosen among those quoting the skin (blank: only one provider was offered)
    route = models.CharField(max_length=16, choices=Route.choices, blank=True)
    #: the price each provider quoted for the skin when it was chosen: {"skinsback": "12.30", ...}
    route_quotes = models.JSONField(default=dict, blank=True)
    #: the next best provider's quote minus the chosen one's, in USD (negative: a dearer one was chosen)
    route_saving = money_field(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    imported = models.BooleanField(default=False, help_text="Created from the provider's history.")
    needs_attention = models.BooleanField(default=False)
    attention_reason = models.CharField(max_length=255, blank=True)
    #: who works on this flagged purchase (the needs-attention queue); blank: nobody has taken it
    attention_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    claimed_until = models.DateTimeField(null=True, blank=True, help_text="Lease of a buy or sync worker.")
    claim_token = models.UUIDField(null=True, blank=True, editable=False)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_synced_at = models.DateTimeField(null=True, blank=True)
    raw = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        permissions = [(codename(name), words) for name, words in CODENAMES.items()]
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "buy_id"],
                condition=Q(buy_id__isnull=False),
                name="purchase_provider_buy_id",
            ),
            models.CheckConstraint(condition=Q(max_price__gt=0), name="purchase_max_price_positive"),
            # one confirmation page = one batch: submitting it twice cannot create a line twice
            models.UniqueConstraint(
                fields=["batch_id", "batch_line"],
                condition=Q(batch_id__isnull=False),
                name="purchase_batch_line",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "last_synced_at"], name="purchase_sync_idx"),
            models.Index(fields=["-created_at", "-id"], name="purchase_created_idx"),
            models.Index(fields=["trade_offer_id"], name="purchase_trade_offer_idx"),
            models.Index(fields=["buy_id"], name="purchase_buy_id_idx"),
            models.Index(fields=["claim_token"], name="purchase_claim_idx"),
            # the admin list filtered by state, in its default order: read in order, stop after a page
            models.Index(fields=["state", "-created_at", "-id"], name="purchase_state_created_idx"),
            # the sync query (open purchases, least recently synced first): a small index of open rows only
            models.Index(
                fields=["last_synced_at"],
                name="purchase_open_sync_idx",
                condition=Q(state__in=sorted(OPEN_STATES)),
            ),
            # what routing saved (the dashboard, the spend report): the routed rows only, by day
            models.Index(
                fields=["-created_at", "-id"],
                name="purchase_routed_idx",
                condition=Q(route__in=ROUTED),
            ),
            # the "needs attention" filter: the few flagged rows, newest first
            models.Index(
                fields=["-created_at", "-id"],
                name="purchase_attention_idx",
                condition=Q(needs_attention=True),
            ),
        ]

    @property
    def provider_item_id(self) -> str | None:
        """The provider's id of the catalog skin bought (None for a buy by name)."""
        return self.item.provider_item_id if self.item_id else None

    def __str__(self) -> str:
        return f"{self.custom_id} · {self.item_name}"

    @property
    def is_open(self) -> bool:
        return self.state in OPEN_STATES

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES

    @property
    def is_rebuyable(self) -> bool:
        """Failed or rejected: nothing was delivered, so buying again under a new custom_id is safe."""
        return self.state in REBUYABLE_STATES

    @property
    def trade_offer_url(self) -> str:
        if not self.trade_offer_id:
            return ""
        return f"https://steamcommunity.com/tradeoffer/{self.trade_offer_id}/"


class EventSource(models.TextChoices):
    BUY = "buy", "Buy"
    SYNC = "sync", "Sync"
    WEBHOOK = "webhook", "Callback"
    ADMIN = "admin", "Admin"
    COMMAND = "command", "Command"


class PurchaseEvent(models.Model):
    """Append-only history of a purchase: every state or provider-status change writes one."""

    purchase = models.ForeignKey(Purchase, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(default=timezone.now)
    old_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    new_state = models.CharField(max_length=20, choices=State.choices, blank=True)
    old_provider_status = models.CharField(max_length=64, blank=True)
    new_provider_status = models.CharField(max_length=64, blank=True)
    source = models.CharField(max_length=16, choices=EventSource.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    message = models.CharField(max_length=255, blank=True)
    payload = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["purchase", "at"], name="event_purchase_at_idx"),
            # the events list, newest first: read in order, stop after a page
            models.Index(fields=["-at", "-id"], name="event_at_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.old_state or '—'} → {self.new_state or '—'} ({self.source})"


class ProviderCall(models.Model):
    """One provider request: what we asked and what the provider said, redacted. Pruned by age."""

    provider = models.CharField(max_length=16, choices=provider_choices)
    method = models.CharField(max_length=64)
    started_at = models.DateTimeField(default=timezone.now, db_index=True)
    duration_ms = models.PositiveIntegerField(default=0)
    outcome = models.CharField(max_length=16)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    error_code = models.CharField(max_length=32, blank=True)
    error_message = models.CharField(max_length=255, blank=True)
    subjects = models.TextField(blank=True, help_text="custom_ids and buy_ids the request concerned")
    request_excerpt = models.TextField(blank=True)
    response_excerpt = models.TextField(blank=True)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"{self.provider}.{self.method} {self.outcome}"


class WebhookEvent(models.Model):
    """A provider callback: a signed one whole, as received; an unsigned or wrongly signed one only as an
    excerpt (its first 2 KB in `body`, with `size` and the SHA-256 `digest` of the whole)."""

    provider = models.CharField(max_length=16, choices=provider_choices, default=ProviderCode.SKINSBACK)
    received_at = models.DateTimeField(default=timezone.now, db_index=True)
    event = models.CharField(max_length=32, blank=True)
    body = models.TextField()
    size = models.PositiveIntegerField("size (bytes)", default=0)
    digest = models.CharField("SHA-256 of the body", max_length=64, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    remote_addr = models.CharField(max_length=64, blank=True)
    valid = models.BooleanField(default=False)
    processed = models.BooleanField(default=False)
    error = models.TextField(blank=True)
    # what the callback said and what it did, read when it is processed (blank on older rows)
    custom_id = models.CharField(max_length=64, blank=True)
    offer_status = models.CharField("offer status", max_length=64, blank=True)
    purchase = models.ForeignKey(
        Purchase, on_delete=models.SET_NULL, null=True, blank=True, related_name="callbacks"
    )
    #: True: it changed the purchase; False: it changed nothing (a replay, an older status); None: not known
    changed = models.BooleanField(null=True, blank=True)
    #: the purchase's event this callback wrote, when it changed the state or provider status
    purchase_event = models.OneToOneField(
        PurchaseEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="callback"
    )
    #: the drain (services/callback_drain.py) applying this stored callback holds it until then; a lapsed
    #: lease (a drain that died) lets the next drain take it again
    claimed_until = models.DateTimeField(null=True, blank=True, editable=False)

    #: stored and signed, not applied yet: the drain's work (an attempt always sets `processed` or `error`)
    PENDING = Q(valid=True, processed=False, error="")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [
            # support pastes a custom_id: an exact match on its own index, never a substring scan
            models.Index(fields=["custom_id"], name="webhook_custom_id_idx"),
            # the drain takes the pending ones oldest first: a small index of those rows only
            models.Index(
                fields=["received_at", "id"],
                condition=Q(valid=True, processed=False, error=""),
                name="webhook_pending_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event or '?'} at {self.received_at:%Y-%m-%d %H:%M:%S}"


class BuyingPause(models.Model):
    """One paused scope: buying from `provider`, or from every provider when `provider` is blank.

    A row exists exactly while the scope is paused (policy/pause.py creates and deletes it), so "is
    buying from X paused" is one indexed read and the queued buys can test it inside their claim.
    """

    provider = models.CharField(max_length=16, blank=True, unique=True)
    paused_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    paused_at = models.DateTimeField(default=timezone.now)
    reason = models.CharField(max_length=255)
    source = models.CharField(max_length=16, blank=True)

    class Meta:
        verbose_name = "buying pause"
        ordering = ["provider"]

    def __str__(self) -> str:
        return f"buying paused: {self.provider or 'all providers'}"


class LowBalanceAlert(models.Model):
    """The low-balance mail of a provider was sent: the row is the "once per crossing" guard (its unique
    provider makes two concurrent readers send one mail); deleted when the balance recovers."""

    provider = models.CharField(max_length=16, unique=True)
    usd = money_field()
    threshold = money_field()
    alerted_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"low balance alert: {self.provider}"


# models of this app kept in their own modules (imported last: they import from this one)
from .payout_models import OperatorLimit, TradeUrlChange  # noqa: E402
from .refund_models import Refund, RefundSource  # noqa: E402
from .state_counts import StateCount  # noqa: E402

__all__ = ["OperatorLimit", "Refund", "RefundSource", "StateCount", "TradeUrlChange"]
