"""What to do next about a purchase in the needs-attention queue: one short step per known reason, read
from the row alone (no query), shown on the purchase page under the reason and in the list's hover text."""

from __future__ import annotations

from ..models import Purchase
from ..money import usd
from ..services.apply import CORRECTED, UNKNOWN_STATUS, UNREADABLE
from ..services.lookup import ESCALATED_PREFIX, UNATTRIBUTED, UNKNOWN_TO_PROVIDER
from ..status import State
from .common import provider_label

#: by the start of the stored attention reason; {label} the provider, {custom_id}, {buy_id}, {max_price}
BY_REASON = (
    (
        UNKNOWN_TO_PROVIDER,
        "Nothing to do yet: the sync asks {label} again every minute and escalates it, with what to "
        "check, once its offer window has passed.",
    ),
    (
        ESCALATED_PREFIX,
        "Open {label}'s balance history around the time it was sent: no debit (up to {max_price}) means "
        "it never reached {label}, so resolve it and buy the skin again if the user still waits; a debit "
        "means {label} has it: ask its support about custom_id {custom_id}.",
    ),
    (
        UNATTRIBUTED,
        "Open the latest provider call in the timeline: if one answer there is this skin, ask {label}'s "
        "support to confirm it is custom_id {custom_id}, then Refresh or resolve with what they said.",
    ),
    (
        UNREADABLE,
        "Open the latest provider call in the timeline to see the field: the next readable answer lifts "
        "the flag by itself. If it stays, report the answer to the developers and resolve.",
    ),
    (
        UNKNOWN_STATUS,
        "{label} used a status word we do not know: the state is kept until a known word lifts the flag. "
        "Ask {label}'s support what it means, then resolve with their answer.",
    ),
    (
        CORRECTED,
        "{label} corrected a final state: check what the Steam user was told (delivered, refunded) "
        "against the new state, put it right, then resolve.",
    ),
)
#: of a purchase in the queue by its age alone (nothing flagged)
BY_STATE = {
    State.PENDING: (
        "Not sent yet: check the dashboard's Health card (is the worker running?) and whether buying is "
        "paused; it is sent as soon as a worker takes it."
    ),
    State.UNCONFIRMED: (
        "The buy's answer was lost: press Refresh (a lookup by custom_id settles it). Past the offer "
        "window a purchase {label} does not know becomes rejected by itself: nothing is bought twice."
    ),
    State.IN_PROGRESS: (
        "Open for longer than any trade offer stays open: press Refresh; if {label} still says it is in "
        "progress, ask its support with buy_id {buy_id}."
    ),
}
GENERIC = "Read the timeline below, then resolve it with what you found."


def next_step(p: Purchase) -> str:
    """The step for this purchase's attention reason (flagged, else by its state); GENERIC otherwise."""
    words = GENERIC
    if p.needs_attention and p.attention_reason:
        words = next((step for start, step in BY_REASON if p.attention_reason.startswith(start)), GENERIC)
    elif not p.needs_attention:
        words = BY_STATE.get(p.state, GENERIC)
    return words.format(
        label=provider_label(p.provider),
        custom_id=p.custom_id,
        buy_id=p.buy_id or "(none yet)",
        max_price=usd(p.max_price),
    )
