"""Staff sessions end SESSION_IDLE_HOURS after the last request.

SESSION_COOKIE_AGE is that long, and a request moves the end on by writing the session, but only when it
was last moved more than SESSION_TOUCH_SECONDS ago: writing it on every request
(SESSION_SAVE_EVERY_REQUEST) would cost an UPDATE on every page. So a session ends between
SESSION_IDLE_HOURS minus SESSION_TOUCH_SECONDS and SESSION_IDLE_HOURS after its last request.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth import SESSION_KEY

TOUCHED = "bo_touched_at"


def touch(session) -> None:
    session[TOUCHED] = int(time.time())


def note_login(sender, request, user, **kwargs) -> None:
    """On `user_logged_in`: the login wrote the session; the next requests need not."""
    if request is not None and hasattr(request, "session"):
        touch(request.session)


class IdleSessionMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        logged_in = session is not None and SESSION_KEY in session
        if logged_in and time.time() - session.get(TOUCHED, 0) >= settings.SESSION_TOUCH_SECONDS:
            touch(session)  # modified: saved with a new expiry, and the cookie re-sent
        return self.get_response(request)
