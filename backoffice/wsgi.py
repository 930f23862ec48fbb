"""The WSGI application (`gunicorn backoffice.wsgi`, and `runserver` through WSGI_APPLICATION).

Two Django handlers behind one callable: the providers' callback routes (exactly `/webhooks/<code>/` of
each provider that sends callbacks) go through settings.CALLBACK_MIDDLEWARE, everything else through
settings.MIDDLEWARE. A callback is a signed POST from a provider's server: sessions, users, the second
factor, messages and the page headers (CSP, frame options) only cost it time. SecurityMiddleware stays,
so the HTTPS redirect (DEBUG off), HSTS and the other security headers are the same as on every page. The
view itself is unchanged: the signature check, the bad-callback counter (403, then 429), the storing.
"""

import os

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backoffice.settings")
site = get_wsgi_application()  # sets Django up


class CallbackHandler(WSGIHandler):
    """A WSGIHandler built with settings.CALLBACK_MIDDLEWARE instead of settings.MIDDLEWARE."""

    def load_middleware(self, is_async: bool = False) -> None:
        full = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.CALLBACK_MIDDLEWARE  # read once, by the line below; put back at once
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = full


def callback_paths() -> frozenset[str]:
    from purchases.providers import PROVIDERS

    return frozenset(f"/webhooks/{code}/" for code, cls in PROVIDERS.items() if cls.sends_callbacks)


callbacks = CallbackHandler()
CALLBACK_PATHS = callback_paths()


def application(environ, start_response):
    handler = callbacks if environ.get("PATH_INFO") in CALLBACK_PATHS else site
    return handler(environ, start_response)
