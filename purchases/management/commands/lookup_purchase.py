import json
from decimal import Decimal

from django.core.management.base import BaseCommand, CommandError

from purchases import search
from purchases.fields import LOOKUP_FIELDS, read
from purchases.models import ProviderCode, Purchase
from purchases.money import usd
from purchases.providers import PROVIDERS
from purchases.providers.base import ProviderError
from purchases.selectors import TimelineEntry, purchase_timeline
from purchases.services import purchases_resolve
from purchases.services.importing import ask_provider
from purchases.templatetags.backoffice_tags import redact_text

MATCH_LIMIT = 50  # purchases listed when a term matches several


class Command(BaseCommand):
    help = (
        "Print a purchase and its timeline (events, provider calls, callbacks), found by the search rule of "
        "every box: an exact custom_id (any case), buy_id, trade offer id or Steam id, or the start of a "
        "Steam user's name (several matches are listed). A custom_id we do not have is asked of the "
        "providers, lowercased as ours are. Exit 1 when neither we nor a provider know it, 2 when a "
        "provider that might know it could not be asked."
    )

    def add_arguments(self, parser):
        parser.add_argument("custom_id", help=search.SEARCH_HELP)
        parser.add_argument("--refresh", action="store_true", help="ask the provider first")
        parser.add_argument("--provider", choices=sorted(PROVIDERS), help="where to look when we lack it")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, custom_id: str, **options):
        term = search.clean(custom_id)
        if not term:
            raise CommandError(
                "Nothing to look up: give a custom_id, buy_id, trade offer id, Steam id or name."
            )
        purchases = Purchase.objects.select_related("steam_user")
        by_custom_id = purchases.filter(search.custom_id_q(term)).first() if search.is_id(term) else None
        found, users = [by_custom_id], search.UsersFound(term)  # a custom_id is unique: it decides
        if by_custom_id is None:
            matches, users = search.purchases_matching(purchases, term)
            found = list(matches.order_by("-created_at", "-pk")[: MATCH_LIMIT + 1])
        if len(found) > 1:
            return self._print_matches(term, found, users.more, options["json"])
        if not found and (users.found or not search.is_id(term)):
            raise CommandError(_none_in_database(term, users))  # a name: no provider knows names
        if not found:
            return self._ask_provider(search.custom_id(term), options)
        purchase = found[0]
        if options["refresh"]:
            try:
                purchases_resolve(purchases=[purchase], source="command")
            except ProviderError as error:
                self.stderr.write(f"The provider did not answer ({error}); showing what we have.")
            purchase.refresh_from_db()
        self._print(purchase, options["json"])

    def _print(self, purchase: Purchase, as_json: bool) -> None:
        data = {field.name: _plain(read(purchase, field)) for field in LOOKUP_FIELDS}
        entries = [_entry(entry) for entry in purchase_timeline(purchase)]
        if as_json:
            self.stdout.write(json.dumps({"purchase": data, "timeline": entries}, indent=2))
            return
        for field in LOOKUP_FIELDS:
            value = read(purchase, field)
            shown = usd(value) if isinstance(value, Decimal) else data[field.name]  # 11.00 USD, not 11.0000
            self.stdout.write(f"{field.name:>16}: {'' if shown is None else shown}")
        self.stdout.write("timeline:")
        for e in entries:
            self.stdout.write(f"  {e['at']}  {_line(e)}".rstrip())

    def _ask_provider(self, custom_id: str, options) -> None:
        """Exit 0 when a provider knows it, 1 when none does, 2 when one that might could not be asked."""
        codes = [options["provider"]] if options["provider"] else sorted(PROVIDERS)
        unasked = []
        for code in codes:
            try:
                info = ask_provider(code, custom_id)
            except ProviderError as error:
                self.stderr.write(f"{code}: could not ask ({error})")
                unasked.append(code)
                continue
            if info is not None:
                data = {
                    "provider": code,
                    "custom_id": custom_id,
                    "buy_id": info.buy_id,
                    "status": info.status,
                    "item": info.item_name,
                    "price": _plain(info.price),
                    "steam_id": info.steam_id,
                }
                text = json.dumps({"in_database": False, "provider": data}, indent=2)
                self.stdout.write(
                    text if options["json"] else f"Not in our database; {code} knows it: {data}"
                )
                return
        answered = [code for code in codes if code not in unasked]
        if unasked:
            said = f"; {_names(answered)} does not know it" if answered else ""
            raise CommandError(
                f"No purchase {custom_id} in our database; {_names(unasked)} could not be asked{said}.",
                returncode=2,
            )
        if options["provider"]:
            raise CommandError(
                f"No purchase {custom_id}: not in our database, and {_names(codes)} does not know it "
                "(no other provider was asked)."
            )
        raise CommandError(
            f"No purchase {custom_id}: not in our database, and no provider knows it "
            f"({_names(codes)} were asked about the custom_id {custom_id})."
        )

    def _print_matches(self, term: str, found: list[Purchase], more_users: bool, as_json: bool) -> None:
        """Several purchases match: one line each (at most MATCH_LIMIT), newest first."""
        rows = [_match(purchase) for purchase in found[:MATCH_LIMIT]]
        more = len(found) > MATCH_LIMIT or more_users
        if as_json:
            self.stdout.write(json.dumps({"term": term, "matches": rows, "more": more}, indent=2))
            return
        self.stdout.write(f"{len(rows)}{'+' if more else ''} purchases match “{term}”, newest first:")
        for row in rows:
            user = f"{row['steam_user']} ({row['steam_id']})"
            self.stdout.write(
                f"  {row['custom_id']}  {row['state']:<12} {row['item']} · {user} · {row['created_at']}"
            )
        if more:
            self.stdout.write(
                f"More match than shown (at most {MATCH_LIMIT}, {search.USER_LIMIT} names): narrow it."
            )
        self.stdout.write("Run lookup_purchase <custom_id> for one purchase's timeline.")


def _none_in_database(term: str, users: search.UsersFound) -> str:
    if users.found:
        names = ", ".join(f"{user.display_name} ({user.steam_id})" for user in users.found)
        return f"No purchase matches “{term}”: the Steam users it names have none ({names})."
    if users.too_short:
        return f"No purchase matches “{term}”: not an id, and names are looked up from two letters on."
    return (
        f"No purchase matches “{term}”: not an id (ids have no spaces), and no Steam user's name is or "
        "starts with it. No provider was asked: they know custom_ids only."
    )


def _names(codes: list[str]) -> str:
    return " and ".join(ProviderCode(code).label if code in ProviderCode.values else code for code in codes)


def _match(purchase: Purchase) -> dict:
    user = purchase.steam_user
    return {
        "custom_id": purchase.custom_id,
        "state": purchase.state,
        "item": purchase.item_name,
        "steam_id": user.steam_id,
        "steam_user": user.display_name,
        "created_at": purchase.created_at.isoformat(),
    }


def _entry(entry: TimelineEntry) -> dict:
    """One timeline line as plain data: our event, a provider call (redacted excerpts) or a callback."""
    base = {"at": entry.at.isoformat(), "kind": entry.kind}
    if entry.event is not None:
        e = entry.event
        actor = e.actor.get_username() if e.actor else None
        return {
            **base,
            "source": e.source,
            "old_state": e.old_state,
            "new_state": e.new_state,
            "provider_status": e.new_provider_status,
            "actor": actor,
            "message": e.message,
        }
    if entry.call is not None:
        c = entry.call
        return {
            **base,
            "source": "provider",
            "method": f"{c.provider}.{c.method}",
            "outcome": c.outcome,
            "http_status": c.http_status,
            "error_code": c.error_code,
            "error_message": c.error_message,
            "duration_ms": c.duration_ms,
            # a lookup: "found" / "not_found" / ''; identical lookups in a row are one (purchases/timeline.py)
            "finding": entry.finding,
            "repeats": entry.repeats,
            "until": entry.until.isoformat() if entry.until else None,
            "request": redact_text(c.request_excerpt),
            "response": redact_text(c.response_excerpt),
        }
    w = entry.callback
    return {
        **base,
        "source": "callback",
        "event": w.event,
        "valid": w.valid,
        "processed": w.processed,
        "error": w.error,
        "body": redact_text(w.body),
        # the PurchaseEvent this callback wrote: the timeline folds it into the callback's line
        "change": _change(entry.change),
    }


def _change(event) -> dict | None:
    if event is None:
        return None
    return {
        "old_state": event.old_state,
        "new_state": event.new_state,
        "provider_status": event.new_provider_status,
        "message": event.message,
    }


def _line(e: dict) -> str:
    if e["kind"] == "event":
        change = f"{e['old_state'] or '—'} → {e['new_state'] or '—'}"
        actor = f" by {e['actor']}" if e["actor"] else ""
        return f"{e['source']:<8} {change:<28} {e['provider_status']} {e['message']}{actor}"
    if e["kind"] == "call":
        error = f" {e['error_code']} {e['error_message']}".rstrip() if e["outcome"] != "ok" else ""
        outcome = "not found" if e["finding"] == "not_found" else e["outcome"]
        asked = f" (asked {e['repeats']} times, the last at {e['until']})" if e["repeats"] > 1 else ""
        return f"{'call':<8} {e['method']:<28} {outcome} {e['duration_ms']} ms{error}{asked}"
    state = "applied" if e["processed"] else ("rejected" if not e["valid"] else "not applied")
    if e["change"]:
        c = e["change"]
        state += f": {c['old_state'] or '—'} → {c['new_state'] or '—'} {c['provider_status']} {c['message']}"
    return f"{'callback':<8} {e['event'] or '?':<28} {state.rstrip()} {e['error']}"


def _plain(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
