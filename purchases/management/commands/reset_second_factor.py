"""`reset_second_factor <username> --by <superuser>`: remove a staff member's second-factor devices (a lost
phone, lost backup codes). Their next login asks them to set one up again (backoffice/second_factor.py)."""

import json

from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from backoffice import second_factor


class Command(BaseCommand):
    help = (
        "Remove a user's authenticator app and backup codes (a lost device); their next login sets a new one "
        "up. --by names the active superuser who asked for it (written to the admin's history)."
    )

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--by", required=True, metavar="SUPERUSER", help="the superuser asking for it")
        parser.add_argument("--json", action="store_true")

    def handle(self, *args, username: str, by: str, **options):
        users = get_user_model().objects
        actor = users.filter(username=by, is_superuser=True, is_active=True).first()
        if actor is None:
            raise CommandError(
                f"--by {by}: not an active superuser; only a superuser may reset a second factor."
            )
        user = users.filter(username=username).first()
        if user is None:
            raise CommandError(f"No user {username}.")
        removed = second_factor.reset(user)
        LogEntry.objects.log_actions(
            user_id=actor.pk,
            queryset=[user],
            action_flag=CHANGE,
            change_message=f"Second factor reset: {removed} device(s) removed (reset_second_factor).",
            single_object=True,
        )
        if options["json"]:
            self.stdout.write(json.dumps({"username": username, "devices_removed": removed}))
        else:
            self.stdout.write(
                f"{username}: {removed} second-factor device(s) removed; their next login sets a new one up."
            )
