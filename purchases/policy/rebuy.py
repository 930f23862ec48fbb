"""Buy again asks first: before a replacement is created, the original is looked up at its provider (the
interactive timeout, no retry). Unless the provider confirms that nothing was delivered, the re-buy is
refused with what the provider said: a `failed` state may come from a callback (a hint), and paying again
for a trade that in fact went through is the double payout this guards against.

What confirms: an answer whose status is a failure (`failed`), or, for a purchase we hold as rejected or
declined, a provider that does not know its custom_id (nothing was bought under it). A declined purchase
was never sent, so it is not asked about. An answer that says anything else is also applied (the sync's
rules), so the purchase shows what the provider says."""

from __future__ import annotations

from ..models import Purchase
from ..providers import get_provider, provider_class, status_map
from ..providers.base import NotFound, ProviderError, PurchaseInfo
from ..status import State, normalize

CONFIRMING_STATES = frozenset({State.FAILED})
NEVER_BOUGHT = frozenset({State.REJECTED, State.DECLINED})  # the provider need not know their custom_id


def rebuy_refusal(original: Purchase, *, actor=None) -> str:
    """'' when buying `original` again is safe by the provider's own word, else why it is refused."""
    if original.state == State.DECLINED:
        return ""
    label = provider_class(original.provider).label
    try:
        info = _ask(original)
    except ProviderError as error:
        return (
            f"{original.custom_id}: {label} could not be asked whether it failed ({error}); not bought again."
        )
    if info is None:
        if original.state in NEVER_BOUGHT:
            return ""
        return (
            f"{original.custom_id}: {label} does not know this purchase, so its failure is not confirmed; "
            "not bought again (look it up on the purchase's page)."
        )
    from django.utils import timezone

    state = normalize(status_map(original.provider), info.status, now=timezone.now()).state
    if state in CONFIRMING_STATES:
        return ""
    from ..services.writes import apply_answer  # the answer corrects the purchase, as a sync would

    apply_answer(original, info, source="admin", actor=actor)
    said = f"“{info.status}” ({state.label.lower()})" if info.status else "no status"
    return f"{original.custom_id}: {label} says {said}, not a failure: not bought again."


def _ask(original: Purchase) -> PurchaseInfo | None:
    client = get_provider(original.provider, interactive=True)
    ids = {"buy_ids": [original.buy_id]} if original.buy_id else {"custom_ids": [original.custom_id]}
    try:
        answers = client.get_purchases(**ids)
    except NotFound:
        return None
    for info in answers:
        if info.custom_id == original.custom_id or (original.buy_id and info.buy_id == original.buy_id):
            return info
    return answers[0] if len(answers) == 1 and not answers[0].custom_id else None
