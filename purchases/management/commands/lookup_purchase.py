import json

from django.core.management.base import BaseCommand, CommandError

from purchases.fields import LOOKUP_FIELDS, read
from purchases.models import Purchase
from purchases.providers import PROVIDERS
from purchases.providers.base import ProviderError
from purchases.selectors import TimelineEntry, purchase_timeline
from purchases.services import purchases_resolve
from purchases.services.importing import ask_provider
from purchases.templatetags.backoffice_tags import redact_text


class Command(BaseCommand):
    help = (
        "Print a purchase and its timeline (events, provider calls, callbacks) by custom_id; exit 1 when "
        "neither we nor a provider know it, 2 when a provider that might know it could not be asked."
    )

    def add_arguments(self, parser):
        parser.add_argument("custom_id")
        parser.add_argument("--refresh", action="store_true", help="ask the provider first")
        parser.add_argument("--provider", choices=sorted(PROVIDERS), help="where to look when we lack it")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, custom_id: str, **options):
        purchase = Purchase.objects.select_related("steam_user").filter(custom_id=custom_id.strip()).first()
        if purchase is None:
            return self._ask_provider(custom_id.strip(), options)
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
        for name, value in data.items():
            self.stdout.write(f"{name:>16}: {'' if value is None else value}")
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
        if unasked:
            raise CommandError(
                f"No purchase {custom_id} in our database; {', '.join(unasked)} could not be asked.",
                returncode=2,
            )
        raise CommandError(f"No purchase {custom_id}: not in our database, and no provider knows it.")


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
        return f"{'call':<8} {e['method']:<28} {e['outcome']} {e['duration_ms']} ms{error}"
    state = "applied" if e["processed"] else ("rejected" if not e["valid"] else "not applied")
    if e["change"]:
        c = e["change"]
        state += f": {c['old_state'] or '—'} → {c['new_state'] or '—'} {c['provider_status']} {c['message']}"
    return f"{'callback':<8} {e['event'] or '?':<28} {state.rstrip()} {e['error']}"


def _plain(value):
    if value is None or isinstance(value, bool | int | str):
        return value
    return value.isoformat() if hasattr(value, "isoformat") else str(value)
