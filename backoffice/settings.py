"""Settings of the skins back-office.

Every value an operator may change is read here once, from the environment (and `.env` when present),
through django-environ. The defaults are safe development values that point at the local sandbox;
production differs only by the variables listed in `.env.example`.
"""

import os
import sys
import tempfile
from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEV_SECRET_KEY = "dev-only-insecure-key-do-not-use-in-production"  # noqa: S105 - development default

DEBUG = env.bool("DEBUG", default=True)
TESTING = env.bool("TESTING", default="pytest" in sys.modules)
SECRET_KEY = env.str("SECRET_KEY", default=DEV_SECRET_KEY)
if not DEBUG and SECRET_KEY in ("", DEV_SECRET_KEY):
    raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost", "[::1]"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "backoffice.apps.BackofficeAdminConfig",  # django.contrib.admin with our site: backoffice/admin.py
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "django_q",
    "csp",
    "purchases",
    "inventory",
    "sandbox",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "backoffice.sessions.IdleSessionMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "backoffice.second_factor.SecondFactorMiddleware",  # a session that owes a code sees only that page
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]
# the providers' callback routes (/webhooks/<code>/) are served with this stack instead (backoffice/wsgi.py):
# no session, user, second factor or page headers to build for a signed POST; the HTTPS redirect and HSTS stay
CALLBACK_MIDDLEWARE = ["django.middleware.security.SecurityMiddleware"]

ROOT_URLCONF = "backoffice.urls"
WSGI_APPLICATION = "backoffice.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

# --- database -----------------------------------------------------------------------------------------
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}")}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # web, task cluster and commands share the file: wait for locks, take write locks up front.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"timeout": 30, "transaction_mode": "IMMEDIATE", "init_command": "PRAGMA journal_mode=WAL;"}
    )
    # a file, not shared-cache memory: concurrent workers in tests then wait for locks as in production
    # (one file per test run, so parallel runs never share it)
    DATABASES["default"]["TEST"] = {"NAME": f"{tempfile.gettempdir()}/backoffice-test-{os.getpid()}.sqlite3"}
else:
    DATABASES["default"].setdefault("CONN_MAX_AGE", 60)
    DATABASES["default"].setdefault("CONN_HEALTH_CHECKS", True)
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- cache: shared between processes so rate-limit counters are per project, not per process ---------
CACHES = {"default": env.cache("CACHE_URL", default="dbcache://django_cache")}
if CACHES["default"]["BACKEND"].endswith("DatabaseCache"):
    # the same table, with an atomic incr (backoffice/cache.py): login and callback counters rely on it
    CACHES["default"]["BACKEND"] = "backoffice.cache.AtomicDatabaseCache"
    # one entry per rate-limit slot: room for a few minutes of the providers' limits before culling
    CACHES["default"].setdefault("OPTIONS", {}).setdefault("MAX_ENTRIES", 20000)

# --- task cluster (django-q2) ----------------------------------------------------------------------------
REDIS_URL = env.str("REDIS_URL", default="")
Q_CLUSTER = {
    "name": "backoffice",
    "workers": env.int("Q_WORKERS", default=2),
    # a task is killed after `timeout` seconds and re-queued only after `retry`: retry > timeout,
    # so a slow buy is never delivered twice while it still runs (checked by purchases.checks).
    "timeout": 120,
    "retry": 180,
    "max_attempts": 3,
    "catch_up": False,
    "ack_failures": True,
    "save_limit": 2000,
    "sync": TESTING,
    "label": "Task cluster",
}
if REDIS_URL:
    Q_CLUSTER["redis"] = REDIS_URL
else:
    Q_CLUSTER["orm"] = "default"

# --- providers -------------------------------------------------------------------------------------------
SANDBOX_URL = "http://127.0.0.1:8765"
SKINSBACK_API_URL = env.str("SKINSBACK_API_URL", default=f"{SANDBOX_URL}/skinsback/api.php")
SKINSBACK_CLIENT_ID = env.str("SKINSBACK_CLIENT_ID", default="sandbox")
SKINSBACK_CLIENT_SECRET = env.str("SKINSBACK_CLIENT_SECRET", default="sandbox-secret")
SKINSBACK_AUTH = env.str("SKINSBACK_AUTH", default="headers")
SKINSBACK_WEBHOOK_SECRET = env.str("SKINSBACK_WEBHOOK_SECRET", default="") or SKINSBACK_CLIENT_SECRET
SKINIFY_API_URL = env.str("SKINIFY_API_URL", default=f"{SANDBOX_URL}/skinify/api/")
SKINIFY_TOKEN = env.str("SKINIFY_TOKEN", default="sandbox-token")
# the sandbox's project currency: SkinsBack's `balance` answers in it (`run_sandbox --currency` overrides)
SANDBOX_PROJECT_CURRENCY = env.str("SANDBOX_PROJECT_CURRENCY", default="usd")
DEFAULT_PROVIDER = env.str("DEFAULT_PROVIDER", default="skinsback")
# the providers an account is kept at: with more than one, a line is bought where it is cheapest ("Best
# price") and a positive refusal fails over to another that quoted it (purchases/routing.py)
BUY_PROVIDERS = env.list("BUY_PROVIDERS", default=["skinsback", "skinify"])
# a provider whose last requests within this many minutes all failed (down, maintenance, rate limited) is
# skipped for new lines
PROVIDER_HEALTH_WINDOW_MINUTES = env.int("PROVIDER_HEALTH_WINDOW_MINUTES", default=5)
if SKINSBACK_AUTH not in ("headers", "signature"):
    raise ImproperlyConfigured("SKINSBACK_AUTH must be 'headers' or 'signature'.")

PROVIDER_CONNECT_TIMEOUT = 5.0
PROVIDER_READ_TIMEOUT = 20.0
PROVIDER_READ_RETRIES = 3
# (connect, read) seconds for reads an operator waits for in the admin (balance, search, find); no retries
PROVIDER_INTERACTIVE_TIMEOUT = (3.0, 8.0)
# documented per-minute limits of each provider's project; the client keeps below them
PROVIDER_RATE_LIMITS = {"skinsback": 500, "skinify": 300}
PROVIDER_CALL_RECORDER = "purchases.calls.record_provider_call"

# buying: default max price = price * (1 + tolerance), never above the per-item cap (USD)
BUY_PRICE_TOLERANCE = "0.10"
BUY_MAX_PRICE_PER_ITEM = "1000.00"
# payout controls (purchases/policy/): below this USD balance a provider's balance is low: a banner, /healthz,
# `sync_purchases --check` exit 2, one mail to ADMINS per crossing. "100" (every provider) or
# "skinsback=100,skinify=50"; parsed and checked by purchases.policy.balance.parse_thresholds
PROVIDER_LOW_BALANCE_USD = env.str("PROVIDER_LOW_BALANCE_USD", default="100")
# who gets the alert mails (mail_admins): comma-separated addresses; EMAIL_URL: how mail leaves
ADMINS = [(address, address) for address in env.list("ADMINS", default=[]) if address]
SERVER_EMAIL = env.str("SERVER_EMAIL", default="backoffice@localhost")
vars().update(env.email_url("EMAIL_URL", default="consolemail://" if DEBUG else "smtp://localhost:25"))

# payout controls (DESIGN section 11; README "Payout controls"): USD of max prices, over the last 24 hours
PAYOUT_REPEAT_WINDOW_HOURS = env.int("PAYOUT_REPEAT_WINDOW_HOURS", default=24)
PAYOUT_LIMIT_PER_OPERATOR_DAY_USD = env.str("PAYOUT_LIMIT_PER_OPERATOR_DAY_USD", default="5000.00")
PAYOUT_LIMIT_PER_STEAM_USER_DAY_USD = env.str("PAYOUT_LIMIT_PER_STEAM_USER_DAY_USD", default="1000.00")
PAYOUT_LIMIT_PER_BATCH_USD = env.str("PAYOUT_LIMIT_PER_BATCH_USD", default="2000.00")
PAYOUT_APPROVAL_ABOVE_USD = env.str("PAYOUT_APPROVAL_ABOVE_USD", default="500.00")
PAYOUT_APPROVAL_EXPIRES_HOURS = env.int("PAYOUT_APPROVAL_EXPIRES_HOURS", default=24)
# how long ProviderCall and WebhookEvent rows are kept
PROVIDER_CALL_RETENTION_DAYS = 30
WEBHOOK_EVENT_RETENTION_DAYS = 90
# a client address sending more unsigned or wrongly signed callbacks than this within the window gets 429
# (and nothing is stored) until the window ends; each bad one below it is kept as a 2 KB excerpt
WEBHOOK_BAD_LIMIT = 20
WEBHOOK_BAD_WINDOW = 10 * 60

# --- auth, i18n, static ----------------------------------------------------------------------------------
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# admin login throttling (backoffice/auth.py): after 5 failures for one username or client address within
# 15 minutes the login refuses without checking the password. PROXY_HOPS: reverse proxies in front of the
# web process that append to X-Forwarded-For (0: the client address is REMOTE_ADDR).
LOGIN_THROTTLE_ATTEMPTS = 5
LOGIN_THROTTLE_WINDOW = 15 * 60
LOGIN_THROTTLE_PROXY_HOPS = env.int("LOGIN_THROTTLE_PROXY_HOPS", default=0)
# second factor (backoffice/second_factor.py): staff who can buy or approve (and superusers) give a TOTP code
# after the password whenever this is on; on by default whenever DEBUG is off. The dev demo is password-only.
OTP_REQUIRED = env.bool("OTP_REQUIRED", default=not DEBUG)
OTP_TOTP_ISSUER = "Skins back-office"
OTP_ADMIN_HIDE_SENSITIVE_DATA = (
    True  # django-otp's device admins never show a key, a QR code or a backup code
)
# staff sessions end after SESSION_IDLE_HOURS without a request: a request moves the end on, writing the
# session at most once per SESSION_TOUCH_SECONDS (backoffice/sessions.py), not on every page
SESSION_IDLE_HOURS = env.float("SESSION_IDLE_HOURS", default=12)
SESSION_COOKIE_AGE = max(60, int(SESSION_IDLE_HOURS * 3600))
SESSION_TOUCH_SECONDS = 5 * 60

# --- /metrics (Prometheus): served to these client addresses or networks, or with this bearer token ---------
# the client address is read as for login throttling (LOGIN_THROTTLE_PROXY_HOPS); an empty token never matches
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=["127.0.0.1", "::1"])
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles")))  # collectstatic target
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"
        if DEBUG or TESTING
        else "whitenoise.storage.CompressedManifestStaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = DEBUG or TESTING

# --- production hardening: on whenever DEBUG is off --------------------------------------------------------
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = not DEBUG
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
SECURE_HSTS_SECONDS = 0 if DEBUG else 31536000
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Content-Security-Policy (django-csp), the same in development and production: no inline script or style
# (ours are files in static/), nothing from another origin but Steam's image CDN, which serves the
# inventory's item images (purchases.providers.base.STEAM_IMAGE_URL). Django's debug error pages are exempt.
STEAM_IMAGE_ORIGIN = "https://steamcommunity-a.akamaihd.net"
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, STEAM_IMAGE_ORIGIN],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# --- logs: JSON lines in production (LOG_FORMAT=json, the default when DEBUG is off), text otherwise --------
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in ("text", "json"):
    raise ImproperlyConfigured("LOG_FORMAT must be 'text' or 'json'.")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "line": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"},
        "json": {"()": "purchases.logging.JsonFormatter"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "json" if LOG_FORMAT == "json" else "line"}
    },
    "root": {"handlers": ["console"], "level": "INFO"},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}
