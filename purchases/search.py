"""One search rule for every box: the purchase list, the Steam user list, the find box and its page, the
Steam user autocomplete and `manage.py lookup_purchase` all read a term this way (SEARCH_HELP says it).

- The term is cleaned (`clean`): the spaces around it and the invisible characters a paste brings
  (zero-width spaces, a byte order mark) go, runs of spaces inside become one.
- Without a space inside it may be an id, each matched whole on its own index: a custom_id in any case
  (ours are `bo-` and lowercase hex, `models.new_custom_id`, so `BO-6396…` is `bo-6396…`; one imported
  from a provider is kept as it came, so the term is matched as typed and lowercased, and a provider is
  asked about the lowercase one, `custom_id`), a buy_id or a trade offer id (as typed), a Steam id
  (17 digits).
- From two characters on it may also be the start of a Steam user's name, in any case: a range of the
  LOWER(display_name) index (`steamuser_lower_name_idx`), read in index order and cut after USER_LIMIT
  users. A "contains" match (`icontains`) could use no index and would read every row: never used.

A purchase matches when one of its ids is the term or when its Steam user matches by Steam id or name
(the first USER_LIMIT names); a Steam user matches by Steam id, by name, or as the receiver of a purchase
whose id is the term.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Q, QuerySet
from django.db.models.functions import Lower

from .models import Purchase, SteamUser
from .validators import ASCII_DIGITS_RE

SEARCH_HELP = (
    "An exact custom_id (any case), buy_id, trade offer id or Steam id, "
    "or the start of a Steam user's name (two letters or more, any case)."
)
#: the same rule, said of a search for Steam users (the autocomplete): an id of a purchase finds its receiver
USER_HELP = (
    "The start of a name (two letters or more, any case), an exact Steam id, "
    "or an exact custom_id (any case), buy_id or trade offer id of one of their purchases."
)
USER_LIMIT = 10  # names matched; one more is read to know whether there are more
MIN_PREFIX = 2  # a single letter would match a page of everybody
MAX_ID_LENGTH = 64  # the longest id column (custom_id, buy_id)
MAX_NAME_LENGTH = 100  # SteamUser.display_name
RECEIVER_LIMIT = 10  # a buy_id on two providers, never more in practice
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff"))


def clean(raw: str | None) -> str:
    """The term as matched: no surrounding or repeated spaces, no invisible characters."""
    return " ".join((raw or "").translate(_INVISIBLE).split())


def is_id(term: str) -> bool:
    return bool(term) and " " not in term and len(term) <= MAX_ID_LENGTH


def custom_id(term: str) -> str:
    """The normalised custom_id: what we look up first and what a provider is asked about."""
    return clean(term).lower()


def is_steam_id(term: str) -> bool:
    return len(term) == 17 and bool(ASCII_DIGITS_RE.match(term))


def custom_id_q(term: str) -> Q:
    """custom_id is the term as typed or lowercased: one equality (or an IN of two) on its unique index."""
    wanted = list(dict.fromkeys([term, term.lower()]))
    return Q(custom_id=term) if len(wanted) == 1 else Q(custom_id__in=wanted)


def purchase_ids_q(term: str) -> Q | None:
    """A purchase whose custom_id, buy_id or trade offer id is the term; None when it cannot be an id."""
    if not is_id(term):
        return None
    return custom_id_q(term) | Q(buy_id=term) | Q(trade_offer_id=term)


@dataclass(frozen=True)
class UsersFound:
    term: str
    found: list[SteamUser] = field(default_factory=list)
    more: bool = False  # more than USER_LIMIT names start so: type more of the name
    too_short: bool = False


def name_prefix_range(prefix: str) -> Q:
    """`lower_name` (annotated) in [prefix, prefix with its last character bumped): an index range.
    The range follows the index's own order; callers check the prefix again in Python, so a collation
    that orders differently can only miss a name, never show a wrong one."""
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(lower_name__gte=prefix, lower_name__lt=upper)


def with_name_starting(queryset: QuerySet, prefix: str, *, or_q: Q | None = None) -> QuerySet:
    """`queryset` cut to the names starting with the lowercase `prefix` (or matching `or_q`)."""
    condition = name_prefix_range(prefix) if or_q is None else name_prefix_range(prefix) | or_q
    return queryset.annotate(lower_name=Lower("display_name")).filter(condition)


def name_prefix(term: str) -> str:
    """The lowercase start of a name to look up, or "" when the term is too short or too long for one."""
    wanted = clean(term).lower()
    return wanted if MIN_PREFIX <= len(wanted) <= MAX_NAME_LENGTH else ""


def users_named(term: str) -> UsersFound:
    """The Steam users whose name is `term` or starts with it (case-insensitive), exact matches first."""
    wanted = clean(term).lower()
    if not name_prefix(wanted):
        return UsersFound(term, too_short=0 < len(wanted) < MIN_PREFIX)
    query = with_name_starting(SteamUser.objects.all(), wanted).order_by("lower_name", "pk")
    rows = [user for user in query[: USER_LIMIT + 1] if user.lower_name.startswith(wanted)]
    rows.sort(key=lambda user: user.lower_name != wanted)  # stable: the exact name first, then in order
    return UsersFound(term, found=rows[:USER_LIMIT], more=len(rows) > USER_LIMIT)


def matching_users(term: str) -> UsersFound:
    """The Steam user with this Steam id (first), then the users named so: at most USER_LIMIT + 1."""
    term = clean(term)
    named = users_named(term)
    by_id = list(SteamUser.objects.filter(steam_id=term)) if is_steam_id(term) else []
    found = by_id + [user for user in named.found if user not in by_id]
    return UsersFound(term, found=found, more=named.more, too_short=named.too_short and not by_id)


def purchases_matching(queryset: QuerySet, term: str) -> tuple[QuerySet, UsersFound]:
    """The purchases of `queryset` one of whose ids is the term, or whose Steam user matches it."""
    term = clean(term)
    users = matching_users(term)
    query = purchase_ids_q(term)
    if users.found:
        by_user = Q(steam_user_id__in=[user.pk for user in users.found])
        query = by_user if query is None else query | by_user
    return (queryset.none() if query is None else queryset.filter(query)), users


def steam_users_matching(queryset: QuerySet, term: str, *, name_order: bool = True) -> QuerySet:
    """The Steam users of `queryset` with this Steam id, a name starting so, or a purchase with this id;
    in name order unless `name_order` is False (a list sorted by one of its columns)."""
    term = clean(term)
    query = Q(steam_id=term) if is_steam_id(term) else None
    ids_q = purchase_ids_q(term)
    if ids_q is not None:
        receivers = Purchase.objects.filter(ids_q).order_by().values_list("steam_user_id", flat=True)
        receiver_ids = list(receivers[:RECEIVER_LIMIT])
        if receiver_ids:
            query = Q(pk__in=receiver_ids) if query is None else query | Q(pk__in=receiver_ids)
    prefix = name_prefix(term)
    if prefix:
        found = with_name_starting(queryset, prefix, or_q=query)
        return found.order_by("lower_name", "pk") if name_order else found
    return queryset.none() if query is None else queryset.filter(query)
