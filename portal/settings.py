"""Settings of the e-BOK portal.

Everything comes from the environment (see ``.env.example``). With nothing set the
portal is in production mode and refuses to start without a real SECRET_KEY and
ALLOWED_HOSTS (fail closed); the try-out (``make run``) sets DEBUG=1 and DEMO=1
itself. Other absent variables fall back to embedded defaults: SQLite in the
project, Celery tasks run in-process, e-mail printed to the console.
"""

from __future__ import annotations

import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import environ
from django.core.management.utils import get_random_secret_key

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

# Production unless said otherwise: an operator who forgets the variable gets neither the
# debug pages nor the Profil Zaufany simulator.
DEBUG = env.bool("DEBUG", default=False)


def _required(name: str) -> str:
    """Stop start-up with one line naming the variable a production run lacks."""
    value = env.str(name, default="")
    if not value:
        sys.exit(
            f"Błąd konfiguracji: brak wymaganej zmiennej środowiskowej {name} "
            f"(wymaganej przy DEBUG=0; zob. .env.example)."
        )
    return value


SECRET_KEY_MIN_LENGTH = 50


def _production_secret_key() -> str:
    """The key signs sessions, reset links and CSRF tokens: a placeholder or a short one is refused."""
    key = _required("SECRET_KEY")
    if len(key) < SECRET_KEY_MIN_LENGTH or len(set(key)) < 5 or "change" in key.lower():
        sys.exit(
            f"Błąd konfiguracji: SECRET_KEY jest przykładowy lub za krótki (wymagane co najmniej "
            f"{SECRET_KEY_MIN_LENGTH} losowych znaków; zob. README, sekcja Production)."
        )
    return key


if DEBUG:
    # A try-out gets a random key per process; sessions do not survive a restart.
    SECRET_KEY = env.str("SECRET_KEY", default="") or get_random_secret_key()
else:
    SECRET_KEY = _production_secret_key()

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
if not DEBUG and not ALLOWED_HOSTS:
    _required("ALLOWED_HOSTS")
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "portal.apps.PortalAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "axes",
    "portal.apps.PortalConfig",
    "accounts",
    "accounts.profil_zaufany",
    "billing",
    "meters",
    "tickets",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "portal.middleware.PolishFirstLocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # axes last, as its documentation asks: it turns lockouts into responses.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "portal.urls"
WSGI_APPLICATION = "portal.wsgi.application"

TEMPLATES: list[dict[str, Any]] = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.debug",
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "portal.context_processors.portal",
            ],
            "builtins": ["portal.templatetags.pl"],
        },
    },
]

DATABASES = {"default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'var' / 'db.sqlite3'}")}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
if DATABASES["default"]["ENGINE"].endswith("postgresql"):
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    # axes first, so that a locked account is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS: list[dict[str, Any]] = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": env.int("PASSWORD_MIN_LENGTH", default=8)},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_REQUIRE_SPECIAL = env.bool("PASSWORD_REQUIRE_SPECIAL", default=False)
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "home"

# Sessions: idle timeout (seconds of inactivity), renewed by activity (section of issue 18).
SESSION_COOKIE_AGE = env.int("SESSION_IDLE_TIMEOUT", default=30 * 60)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True

# django-axes: three failed logins of one account lock it for 15 minutes.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=3)
AXES_COOLOFF_TIME = timedelta(minutes=env.int("LOGIN_LOCKOUT_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_VERBOSE = False
# The lockout is per account on purpose (A7: someone else's failures from a shared
# IP, e.g. a housing office's network, must not lock a tenant out).
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

LANGUAGE_CODE = "pl"
LANGUAGES = [("pl", "Polski"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Warsaw"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = BASE_DIR / "var" / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
# Uploaded and imported files are private: no URL serves them directly, views
# check the user's grant and stream them.
PRIVATE_MEDIA_ROOT = Path(env.str("PRIVATE_MEDIA_ROOT", default=str(BASE_DIR / "var" / "private")))
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": PRIVATE_MEDIA_ROOT, "base_url": None},
    },
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if env.bool("STATIC_MANIFEST", default=not DEBUG)
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
FILE_UPLOAD_PERMISSIONS = 0o600
FILE_UPLOAD_DIRECTORY_PERMISSIONS = 0o700
DATA_UPLOAD_MAX_MEMORY_SIZE = 12 * 1024 * 1024

# E-mail: every message goes through the outbox (portal.models.EmailMessage).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update(EMAIL_CONFIG)
EMAIL_BACKEND: str = EMAIL_CONFIG["EMAIL_BACKEND"]
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="e-BOK <ebok@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=20)
EMAIL_MAX_ATTEMPTS = env.int("EMAIL_MAX_ATTEMPTS", default=8)
EMAIL_RETRY_BASE_SECONDS = env.float("EMAIL_RETRY_BASE_SECONDS", default=30)
STAFF_NOTIFY_EMAILS = env.list("STAFF_NOTIFY_EMAILS", default=[])
PORTAL_BASE_URL = env.str("PORTAL_BASE_URL", default="http://127.0.0.1:8000")

# Celery: without a broker tasks run in-process, right after the commit that queued them.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = False
CELERY_RESULT_BACKEND = env.str("CELERY_RESULT_BACKEND", default="")
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULE: dict[str, dict] = {
    "email-requeue-stuck": {
        "task": "portal.tasks.email_requeue_stuck",
        "schedule": timedelta(minutes=10),
    },
}

# Production hardening: on unless DEBUG, each one can be turned off explicitly
# (e.g. SECURE_SSL_REDIRECT=0 behind a proxy that already redirects).
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"

LOGGING: dict[str, Any] = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Demo: the try-out (command 1) loads demo data; never on in production.
DEMO = env.bool("DEMO", default=DEBUG)

# Tickets, announcements, forms, newsletter (issue 7).
TICKETS_ATTACHMENT_MAX_MB = env.int("TICKETS_ATTACHMENT_MAX_MB", default=10)
TICKETS_ATTACHMENT_MAX_FILES = env.int("TICKETS_ATTACHMENT_MAX_FILES", default=5)
TICKETS_COMPLAINT_WORKING_DAYS = env.int("TICKETS_COMPLAINT_WORKING_DAYS", default=7)
TICKETS_ANON_REPORTS_PER_HOUR = env.int("TICKETS_ANON_REPORTS_PER_HOUR", default=5)
TICKETS_STATUS_FAILURES_PER_HOUR = env.int("TICKETS_STATUS_FAILURES_PER_HOUR", default=10)
TICKETS_NOTIFY_EMAILS = env.list("TICKETS_NOTIFY_EMAILS", default=STAFF_NOTIFY_EMAILS)
TICKETS_LIST_MONTHS = env.int("TICKETS_LIST_MONTHS", default=6)
CELERY_BEAT_SCHEDULE.update(
    {
        "tickets-announcements-email-due": {
            "task": "tickets.tasks.announcements_email_due",
            "schedule": timedelta(minutes=10),
        },
        "tickets-ratelimit-purge": {
            "task": "tickets.tasks.ratelimit_purge",
            "schedule": timedelta(hours=1),
        },
    }
)

# Profil Zaufany: login through login.gov.pl (issue 8). "simulator" is the local IdP
# for the try-out and the tests; it cannot run with DEBUG=0. "off" hides the button.
PZ_ENVIRONMENT = env.str("PZ_ENVIRONMENT", default="simulator" if DEBUG else "off")
if PZ_ENVIRONMENT not in {"off", "simulator", "int", "production"}:
    sys.exit(f"Błąd konfiguracji: PZ_ENVIRONMENT={PZ_ENVIRONMENT} (dozwolone: off, simulator, int, production).")
if PZ_ENVIRONMENT == "simulator" and not DEBUG:
    sys.exit("Błąd konfiguracji: PZ_ENVIRONMENT=simulator (symulator Profilu Zaufanego) nie może działać przy DEBUG=0.")
PZ_SP_TYPE = env.str("PZ_SP_TYPE", default="private")
PZ_SP_ENTITY_ID = env.str("PZ_SP_ENTITY_ID", default=PORTAL_BASE_URL)
PZ_SP_NAME = env.str("PZ_SP_NAME", default="e-BOK")
PZ_KEY_DIR = Path(env.str("PZ_KEY_DIR", default=str(BASE_DIR / "var" / "profil_zaufany")))
PZ_SP_SIGNING_KEY = env.str("PZ_SP_SIGNING_KEY", default="")
PZ_SP_SIGNING_CERT = env.str("PZ_SP_SIGNING_CERT", default="")
PZ_SP_ENCRYPTION_KEY = env.str("PZ_SP_ENCRYPTION_KEY", default="")
PZ_SP_ENCRYPTION_CERT = env.str("PZ_SP_ENCRYPTION_CERT", default="")
PZ_IDP_CERT = env.str("PZ_IDP_CERT", default="")
PZ_IDP_ENTITY_ID = env.str("PZ_IDP_ENTITY_ID", default="")
PZ_IDP_SSO_URL = env.str("PZ_IDP_SSO_URL", default="")
PZ_IDP_ARTIFACT_URL = env.str("PZ_IDP_ARTIFACT_URL", default="")
PZ_IDP_SLO_URL = env.str("PZ_IDP_SLO_URL", default="")
PZ_CLOCK_SKEW_SECONDS = env.int("PZ_CLOCK_SKEW_SECONDS", default=60)
PZ_HTTP_TIMEOUT = env.int("PZ_HTTP_TIMEOUT", default=10)
CELERY_BEAT_SCHEDULE["profil-zaufany-prune"] = {
    "task": "accounts.profil_zaufany.tasks.replay_store_prune",
    "schedule": timedelta(hours=6),
}

# --- Accounts: applications, passwords, lockout, terms (issue 3) ---------------------------------
# Blocked or closed accounts are logged out, a first password must be changed and new terms
# accepted before anything else (accounts.middleware). After the message middleware, so that
# its redirects can carry a message.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "accounts.middleware.AccountStateMiddleware",
)
# Password rule of the regulations (A6) beside Django's validators; each has its own Polish message.
AUTH_PASSWORD_VALIDATORS += [
    {"NAME": "accounts.password_validation.UppercaseLetterValidator"},
    {"NAME": "accounts.password_validation.DigitValidator"},
    {"NAME": "accounts.password_validation.SpecialCharacterValidator"},
    {"NAME": "accounts.password_validation.MaximumLengthValidator", "OPTIONS": {"max_length": 128}},
]
# Lockout (A7): failures counted per account; the lock opens LOGIN_LOCKOUT_MINUTES after the
# last failure; attempts refused during a lockout do not extend it; a Polish page says until when.
AXES_HANDLER = "accounts.lockout.AccountLockoutHandler"
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_LOCKOUT_CALLABLE = "accounts.views.locked_out"
# Lost password (A8): the e-mailed link is valid this long and only once.
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_MINUTES", default=60) * 60
# Applications (A1–A3): how long the e-mail confirmation link and the PDF link work, the
# activation target in working days, and a cap on applications from one address per hour.
APPLICATION_CONFIRM_DAYS = env.int("APPLICATION_CONFIRM_DAYS", default=7)
APPLICATION_PDF_LINK_DAYS = env.int("APPLICATION_PDF_LINK_DAYS", default=30)
APPLICATION_TARGET_WORKING_DAYS = env.int("APPLICATION_TARGET_WORKING_DAYS", default=5)
APPLICATION_MAX_PER_IP_HOUR = env.int("APPLICATION_MAX_PER_IP_HOUR", default=10)
CELERY_BEAT_SCHEDULE["accounts-purge-unconfirmed-applications"] = {
    "task": "accounts.tasks.applications_purge_unconfirmed",
    "schedule": timedelta(hours=24),
}
# WeasyPrint (the application PDF) logs every rendering step and axes every attempt at INFO;
# lockouts themselves are logged at WARNING and audited.
LOGGING["loggers"]["weasyprint"] = {"level": "WARNING"}
LOGGING["loggers"]["axes"] = {"level": "WARNING"}

# --- Nightly exchange with the back-office (issue 4: sync) --------------------------
from celery.schedules import crontab  # noqa: E402 - kept inside the section of issue 4

INSTALLED_APPS += ["sync"]  # the app of the import/export machinery (docs/sync.md)
# Bundles the back-office drops (a folder with manifest.json, or a .zip) are taken
# from the inbox in `sequence` order and moved to the archive when done; the
# portal's outbound bundles (tenant readings, consent changes) go to the outbox.
BUNDLE_INBOX = Path(env.str("BUNDLE_INBOX", default=str(BASE_DIR / "var" / "bundles" / "inbox")))
BUNDLE_ARCHIVE = Path(env.str("BUNDLE_ARCHIVE", default=str(BASE_DIR / "var" / "bundles" / "archive")))
BUNDLE_OUTBOX = Path(env.str("BUNDLE_OUTBOX", default=str(BASE_DIR / "var" / "bundles" / "outbox")))
_nightly_hour, _nightly_minute = (int(x) for x in env.str("BUNDLE_NIGHTLY_AT", default="02:30").split(":"))
CELERY_BEAT_SCHEDULE["sync-nightly"] = {
    "task": "sync.tasks.bundles_nightly",
    "schedule": crontab(hour=_nightly_hour, minute=_nightly_minute),
}


# --- Meters and readings (issue 6) ---------------------------------------------------------------
# The reading window: days of the month on which tenants submit readings, e.g. "20-31"
# ("25-5" runs over the turn of the month; a day past a month's end means its last day;
# empty = every day). Outside it the form says when it opens. When a window opens, users
# who opted in get one reminder per window (Celery beat, daily at READING_REMINDERS_AT).
from re import fullmatch  # noqa: E402 - kept inside the section of issue 6

READING_WINDOW_DAYS = env.str("READING_WINDOW_DAYS", default="")
if READING_WINDOW_DAYS.strip() and not fullmatch(
    r"\s*(0?[1-9]|[12]\d|3[01])\s*-\s*(0?[1-9]|[12]\d|3[01])\s*", READING_WINDOW_DAYS
):
    sys.exit(
        f"Błąd konfiguracji: READING_WINDOW_DAYS={READING_WINDOW_DAYS} (np. 20-31; dni 1–31; puste = każdy dzień)."
    )
READING_PHOTO_MAX_MB = env.int("READING_PHOTO_MAX_MB", default=10)
METERS_LEGALIZATION_WARNING_DAYS = env.int("METERS_LEGALIZATION_WARNING_DAYS", default=60)
_reminders_hour, _reminders_minute = (int(x) for x in env.str("READING_REMINDERS_AT", default="07:00").split(":"))
CELERY_BEAT_SCHEDULE["meters-reading-reminders"] = {
    "task": "meters.tasks.reading_reminders_due",
    "schedule": crontab(hour=_reminders_hour, minute=_reminders_minute),
}
CELERY_BEAT_SCHEDULE["meters-photo-stash-purge"] = {
    "task": "meters.tasks.photo_stash_purge",
    "schedule": timedelta(hours=6),
}

# --- Tenant self-service: units, ledger, invoices, statements (issue 5) -------------------------
# The invoice and statement PDFs embed DejaVu Sans from this folder (Debian: fonts-dejavu-core).
BILLING_PDF_FONT_DIR = Path(env.str("BILLING_PDF_FONT_DIR", default="/usr/share/fonts/truetype/dejavu"))
# PostgreSQL parses and plans a query again on every request unless it is prepared. The
# reads every tenant page repeats (portal.sql: the unit of a URL, the ledger, the invoices,
# the dashboard's panels) are prepared once per connection and then only executed; psycopg
# needs a threshold set on the connection for that, and server-side binding (the section of
# issue 15/16, speed). DB_PREPARED_STATEMENTS=0 behind a connection pooler
# in transaction mode (PgBouncer), which cannot keep prepared statements.
DB_PREPARED_STATEMENTS = DATABASES["default"]["ENGINE"].endswith("postgresql") and env.bool(
    "DB_PREPARED_STATEMENTS", default=True
)
if DB_PREPARED_STATEMENTS:
    DATABASES["default"].setdefault("OPTIONS", {})["prepare_threshold"] = 5
# Django's i18n template tags, with {% trans "…" %} of a literal translated once per language
# (portal/i18n_tags.py). That module takes the library's name, which Django's check W003
# reports as a second module of one name: that is the point of it.
TEMPLATES[0]["OPTIONS"].setdefault("libraries", {})["i18n"] = "portal.i18n_tags"
SILENCED_SYSTEM_CHECKS += ["templates.W003"]
# The operator (layout, transfer details) and which terms version is current are kept by
# each process this many seconds (portal/memo.py); 0 reads them on every request.
PORTAL_MEMO_SECONDS = env.int("PORTAL_MEMO_SECONDS", default=60)
# A unit's ledger totals and rendered ledger pages are kept in Django's cache this many seconds,
# keyed by the last import (billing/ledger_cache.py: a new import uses new keys); 0 keeps nothing.
LEDGER_CACHE_SECONDS = env.int("LEDGER_CACHE_SECONDS", default=3600)

# --- Issue 13, items 7 and 10: client IP behind the proxy, password-reset limits ------------------
# The client's address (portal.services.audit.client_ip): X-Forwarded-For is believed only
# from these peers (comma-separated IPs or CIDR networks of the reverse proxy); empty = trust
# no one and use the connection's address. axes asks the same helper.
import ipaddress  # noqa: E402 - kept inside the section of issue 13, items 7 and 10

TRUSTED_PROXIES = env.list("TRUSTED_PROXIES", default=[])
for _proxy in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_proxy.strip(), strict=False)
    except ValueError:
        sys.exit(
            f"Błąd konfiguracji: TRUSTED_PROXIES={_proxy} nie jest adresem IP ani siecią CIDR "
            f"(np. 127.0.0.1,172.16.0.0/12)."
        )
AXES_CLIENT_IP_CALLABLE = "portal.services.audit.client_ip"
# Lost password (A8): reset requests per address and per client in the last hour; over either
# limit the answer is the same page and no e-mail goes out.
PASSWORD_RESET_PER_ADDRESS_HOUR = env.int("PASSWORD_RESET_PER_ADDRESS_HOUR", default=3)
PASSWORD_RESET_PER_IP_HOUR = env.int("PASSWORD_RESET_PER_IP_HOUR", default=10)
# The per-client limiter's table belongs to portal now (portal.ratelimit); its purge with it.
CELERY_BEAT_SCHEDULE.pop("tickets-ratelimit-purge", None)
CELERY_BEAT_SCHEDULE["portal-ratelimit-purge"] = {
    "task": "portal.tasks.ratelimit_purge",
    "schedule": timedelta(hours=1),
}

# --- Issue 13, items 9 and 11–13: security headers, ids, uploaded images, admin login ------------
# Uploaded images (meter photos, ticket attachments) of more pixels than this are refused
# before they are decoded (a 140 kB PNG can describe 12000 × 12000 pixels); accepted ones are
# stored re-encoded, without EXIF/GPS data or anything appended (portal/files.py).
IMAGE_MAX_PIXELS = env.int("IMAGE_MAX_PIXELS", default=40_000_000)
# Content-Security-Policy (django-csp 4): scripts, styles, fonts and frames only from the portal
# itself, no inline script or style anywhere (templates keep both in static/). Images may also
# be data: URIs (the transfer QR codes). Forms post to the portal only; the Profil Zaufany
# hand-over page adds the IdP's origin for itself (accounts.profil_zaufany.views.post_binding).
# CSP_REPORT_ONLY=1 sends the same policy as Content-Security-Policy-Report-Only: browsers
# report what it would block and block nothing (to try a change in production first);
# CSP_REPORT_URI is where they send the reports (none by default).
# (The environment variable's name only: a setting named CSP_REPORT_ONLY is one of django-csp 3's,
# which django-csp 4's system check refuses.)
_csp_report_only = env.bool("CSP_REPORT_ONLY", default=False)
_csp_directives = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
if env.str("CSP_REPORT_URI", default=""):
    _csp_directives["report-uri"] = env.str("CSP_REPORT_URI")
INSTALLED_APPS += ["csp"]
if _csp_report_only:
    CONTENT_SECURITY_POLICY_REPORT_ONLY = {"DIRECTIVES": _csp_directives}
    CONTENT_SECURITY_POLICY = None
else:
    CONTENT_SECURITY_POLICY = {"DIRECTIVES": _csp_directives}
# No page of the portal uses the camera, microphone, location, payments or other device APIs
# (the payment gateway is another site): a script injected anyhow could not use them either.
PERMISSIONS_POLICY: dict[str, list[str]] = {
    feature: []
    for feature in (
        "accelerometer",
        "camera",
        "display-capture",
        "geolocation",
        "gyroscope",
        "magnetometer",
        "microphone",
        "midi",
        "payment",
        "usb",
    )
}
# Both headers are set after WhiteNoise (static files need neither); Cache-Control: private,
# no-store for a logged-in user's responses once the user is known (portal.middleware).
MIDDLEWARE.insert(MIDDLEWARE.index("whitenoise.middleware.WhiteNoiseMiddleware") + 1, "csp.middleware.CSPMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("csp.middleware.CSPMiddleware") + 1,
    "django_permissions_policy.PermissionsPolicyMiddleware",
)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "portal.middleware.PrivateCacheMiddleware",
)

# --- Issue 13, items 14–17: logs, error reports, metrics ------------------------------------------
from portal.logs import AdminsError, json_formatter_config, parse_admins  # noqa: E402 - issue 13, item 14

# Probes and metrics first of all: they answer whatever the Host header and without the HTTPS
# redirect (the container's health check calls http://127.0.0.1:8000). Then the request id,
# so that every later log line of the request carries it; the user id once authentication ran.
MIDDLEWARE.insert(0, "portal.ops_middleware.OperationsMiddleware")
MIDDLEWARE.insert(1, "portal.ops_middleware.RequestIdMiddleware")
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.auth.middleware.AuthenticationMiddleware") + 1,
    "portal.ops_middleware.LogUserMiddleware",
)
# Logs: one JSON object per line on stdout in production (time, level, logger, message,
# request_id, user_id, client_ip, task_id, exc_info); plain text for a developer.
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in {"text", "json"}:
    sys.exit(f"Błąd konfiguracji: LOG_FORMAT={LOG_FORMAT} (dozwolone: text, json).")
LOGGING["filters"] = {
    "request_context": {"()": "portal.logs.RequestContextFilter"},
    "require_debug_false": {"()": "django.utils.log.RequireDebugFalse"},
    "shutdown_cancellation": {"()": "portal.logs.ShutdownCancellationFilter"},
}
LOGGING["formatters"] = {
    "json": json_formatter_config(),
    "text": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"},
}
LOGGING["handlers"]["console"] = {
    "class": "logging.StreamHandler",
    "stream": "ext://sys.stdout",
    "formatter": LOG_FORMAT,
    "filters": ["request_context"],
}
# Django's own default sends django.* lines to a second console handler (twice in the log)
# and mails ADMINS about any django.* error; here they go to the root handler only.
LOGGING["loggers"]["django"] = {"handlers": [], "level": "INFO", "propagate": True}
# On the logger, not a handler: error reports (Sentry's logging hook) see only what passes it.
LOGGING["loggers"]["channels_redis.pubsub"] = {"filters": ["shutdown_cancellation"], "propagate": True}
# Error mail: server errors (django.request) to ADMINS, "Name <a@b.pl>,c@d.pl", in production.
try:
    ADMINS = parse_admins(env.str("ADMINS", default=""))
except AdminsError as exc:
    sys.exit(f"Błąd konfiguracji: {exc}.")
if ADMINS and not DEBUG:
    LOGGING["handlers"]["mail_admins"] = {
        "class": "django.utils.log.AdminEmailHandler",
        "level": "ERROR",
        "filters": ["require_debug_false"],
    }
    LOGGING["loggers"]["django.request"] = {"handlers": ["mail_admins"], "level": "INFO", "propagate": True}
# The worker and beat keep this logging instead of Celery's own (their lines carry the task id).
CELERY_WORKER_HIJACK_ROOT_LOGGER = False

# Error reports to Sentry, only when SENTRY_DSN is set; no personal data (portal/sentry.py).
SENTRY_DSN = env.str("SENTRY_DSN", default="")
if SENTRY_DSN:
    from portal.sentry import sentry_init

    sentry_init(
        dsn=SENTRY_DSN,
        environment=env.str("SENTRY_ENVIRONMENT", default="production"),
        release=env.str("SENTRY_RELEASE", default=""),
        traces_sample_rate=env.float("SENTRY_TRACES_SAMPLE_RATE", default=0.0),
    )

# Prometheus metrics at /metryki/ for "Authorization: Bearer <METRICS_TOKEN>"; 404 without a
# token. Under gunicorn set PROMETHEUS_MULTIPROC_DIR (read by prometheus-client itself).
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")

# Staleness watch: staff are e-mailed once when no bundle was imported for this many hours.
IMPORT_STALE_HOURS = env.int("IMPORT_STALE_HOURS", default=26)
CELERY_BEAT_SCHEDULE["sync-import-staleness"] = {
    "task": "sync.tasks.import_staleness_check",
    "schedule": timedelta(hours=1),
}

# --- Issue 13, items 6, 18 and 19: staff command, backups, personal data and retention ------------
# Staff accounts (item 6): the name authenticator apps show beside a staff member's TOTP code
# (manage.py create_staff prints the otpauth address and its QR code; admin's TOTP devices too).
OTP_TOTP_ISSUER = env.str("OTP_TOTP_ISSUER", default="e-BOK")
# Personal data (item 19, A15): what is no longer needed is pruned daily after these periods
# (days): audit entries' IP addresses, axes' login records (never an active lockout), sent
# e-mails' bodies and attachments (subject, recipients and dates stay); expired sessions too.
AUDIT_IP_RETENTION_DAYS = env.int("AUDIT_IP_RETENTION_DAYS", default=180)
AXES_RETENTION_DAYS = env.int("AXES_RETENTION_DAYS", default=90)
OUTBOX_RETENTION_DAYS = env.int("OUTBOX_RETENTION_DAYS", default=90)
CELERY_BEAT_SCHEDULE.update(
    {
        "retention-audit-ips": {"task": "portal.tasks.retention_audit_ips", "schedule": crontab(hour=4, minute=10)},
        "retention-axes-records": {
            "task": "portal.tasks.retention_axes_records",
            "schedule": crontab(hour=4, minute=15),
        },
        "retention-sessions": {"task": "portal.tasks.retention_sessions", "schedule": crontab(hour=4, minute=20)},
        "retention-outbox-bodies": {
            "task": "portal.tasks.retention_outbox_bodies",
            "schedule": crontab(hour=4, minute=25),
        },
    }
)

# --- Issue 13, items 1–5, 8 and 17: the production set ---------------------------------------------
# Beat touches this file on every pass of its loop (at least every minute); the compose health
# check of "beat" reads its age (portal/beat.py).
CELERY_BEAT_SCHEDULER = "portal.beat:HeartbeatScheduler"
CELERY_BEAT_MAX_LOOP_INTERVAL = 60
BEAT_HEARTBEAT_FILE = env.str("BEAT_HEARTBEAT_FILE", default="/tmp/ebok-beat-heartbeat")  # noqa: S108 - a flag file, no data

# --- Issue 14, figures and wording (items 1–7) ---
# Django's similarity check with its message in correct Polish ("zbyt podobne do Twojego
# nazwiska", not "do nazwisko"): the same check, the attribute named in the genitive.
AUTH_PASSWORD_VALIDATORS = [
    {**v, "NAME": "accounts.password_validation.UserAttributeSimilarityValidator"}
    if v["NAME"] == "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"
    else v
    for v in AUTH_PASSWORD_VALIDATORS
]
# --- Issue 14, the clerk in admin (items 12–17) ---
# Admin in Polish: the third-party apps a clerk sees get Polish names (portal/third_party.py),
# dates use the portal's "03.12.2026 08:46" (portal/locale_formats/pl/formats.py).
for _app, _config in {
    "axes": "portal.third_party.AxesConfig",
    "django_otp.plugins.otp_static": "portal.third_party.OTPStaticConfig",
    "django_otp.plugins.otp_totp": "portal.third_party.OTPTOTPConfig",
}.items():
    INSTALLED_APPS[INSTALLED_APPS.index(_app)] = _config
FORMAT_MODULE_PATH = ["portal.locale_formats"]
# --- Issue 14, items 19–27: accessibility statement, mailing headers, the demo ---
# Item 24: one address for every e-mail and PDF (portal/links.py). The demo serves at HOST:PORT
# (scripts/run.sh), so without PORTAL_BASE_URL its links follow them instead of a fixed port.
if DEMO and not env.str("PORTAL_BASE_URL", default=""):
    _demo_host = env.str("HOST", default="127.0.0.1")
    PORTAL_BASE_URL = (
        f"http://{'127.0.0.1' if _demo_host in ('0.0.0.0', '::') else _demo_host}:{env.int('PORT', default=8000)}"  # noqa: S104 - a listening address, mapped to one a browser opens
    )
    PZ_SP_ENTITY_ID = env.str("PZ_SP_ENTITY_ID", default=PORTAL_BASE_URL)
# Item 22: with DEBUG (the demo) a missing page still shows the portal's own Polish 404, not
# Django's technical page listing every URL pattern. Item 25: the demo's console shows one line
# per e-mail (the messages are on the staff's "Poczta demo" page).
if DEMO:
    MIDDLEWARE.append("portal.demo.DemoNotFoundMiddleware")
    if EMAIL_BACKEND == "django.core.mail.backends.console.EmailBackend":
        EMAIL_BACKEND = "portal.demo.OneLineConsoleBackend"
# Item 21: newsletters and announcements carry List-Unsubscribe (one-click link and a mailto to this
# mailbox, where a person handles the request; the operator's e-mail when empty).
MAILING_UNSUBSCRIBE_MAILTO = env.str("MAILING_UNSUBSCRIBE_MAILTO", default="")
# --- Issue 15/16, online payments (issue 17 B8: payments/, docs/payments.md) ---
# PAYMENTS_GATEWAY: off, simulator (the local gateway of payments/simulator, only with DEBUG=1),
# p24-sandbox or p24-production (Przelewy24). The demo pays through the simulator.
from decimal import Decimal as _Decimal  # noqa: E402 - kept inside the section of issue 17

INSTALLED_APPS += ["payments"]
PAYMENTS_GATEWAY = env.str("PAYMENTS_GATEWAY", default="simulator" if DEBUG else "off")
if PAYMENTS_GATEWAY not in {"off", "simulator", "p24-sandbox", "p24-production"}:
    sys.exit(
        f"Błąd konfiguracji: PAYMENTS_GATEWAY={PAYMENTS_GATEWAY} (dozwolone: off, simulator, p24-sandbox, p24-production)."
    )
if PAYMENTS_GATEWAY == "simulator" and not DEBUG:
    sys.exit(
        "Błąd konfiguracji: PAYMENTS_GATEWAY=simulator (symulator bramki płatności) nie może działać przy DEBUG=0."
    )
# Przelewy24 credentials (panel: Moje dane / Klucze API). The simulator checks signatures with
# the same values, so it has demo defaults; a real gateway without them stops start-up.
_p24_demo = PAYMENTS_GATEWAY == "simulator"
# Read as text: .env.example leaves them empty, which means "not set".
P24_MERCHANT_ID = int(env.str("P24_MERCHANT_ID", default="") or (100001 if _p24_demo else 0))
P24_POS_ID = int(env.str("P24_POS_ID", default="") or P24_MERCHANT_ID)
P24_CRC = env.str("P24_CRC", default="demo-crc-0123456789abcdef" if _p24_demo else "")
P24_API_KEY = env.str("P24_API_KEY", default="demo-api-key-0123456789abcdef" if _p24_demo else "")
if PAYMENTS_GATEWAY.startswith("p24-"):
    for _name in ("P24_MERCHANT_ID", "P24_CRC", "P24_API_KEY"):
        if not vars()[_name]:
            sys.exit(f"Błąd konfiguracji: PAYMENTS_GATEWAY={PAYMENTS_GATEWAY} wymaga zmiennej {_name}.")
# The gateway's time limit for paying (Przelewy24 timeLimit, 1–99 minutes); after it an unpaid
# payment is "porzucona" (beat task payments-expire).
PAYMENTS_TIME_LIMIT_MINUTES = env.int("PAYMENTS_TIME_LIMIT_MINUTES", default=15)
PAYMENTS_GATEWAY_TIMEOUT = env.float("PAYMENTS_GATEWAY_TIMEOUT", default=15)
# The gateway's fee passed on to the payer (0 and 0 = the operator bears it): percent of the
# amount, rounded half up to the grosz, plus a fixed part in złoty.
PAYMENTS_FEE_PERCENT = _Decimal(env.str("PAYMENTS_FEE_PERCENT", default="0"))
PAYMENTS_FEE_FIXED = _Decimal(env.str("PAYMENTS_FEE_FIXED", default="0"))
# Staff are e-mailed about payments paid but not in the ledger after this many working days.
PAYMENTS_UNBOOKED_WORKING_DAYS = env.int("PAYMENTS_UNBOOKED_WORKING_DAYS", default=3)
PAYMENTS_NOTIFY_EMAILS = env.list("PAYMENTS_NOTIFY_EMAILS", default=STAFF_NOTIFY_EMAILS)
CELERY_BEAT_SCHEDULE["payments-expire"] = {
    "task": "payments.tasks.payments_expire",
    "schedule": timedelta(minutes=5),
}
CELERY_BEAT_SCHEDULE["payments-unbooked-reminder"] = {
    "task": "payments.tasks.payments_remind_unbooked",
    "schedule": crontab(hour=8, minute=5),
}

# --- Issue 15/16, admin workflows ---
# The admin, form and formset classes are generic in django-stubs (ModelAdmin[User]); this makes
# them subscriptable at run time too, so the admin's type hints need no TYPE_CHECKING twins.
import django_stubs_ext  # noqa: E402

django_stubs_ext.monkeypatch()


# --- Issue 15/16, speed ---
# Prepared statements through Django's and psycopg's own knobs (no cursor of our own): with
# server-side binding a query's text is the same whatever its values, so psycopg prepares it
# once it ran prepare_threshold (5) times on the connection; every repeated query, the ORM's
# too (session, user), is then only executed. The known limit of server-side binding (Django
# ticket #34255: a parameter inside a nested expression in both SELECT and GROUP BY) does not
# occur in the portal's queries, and DDL must not carry parameters (sync composes them itself).
if DB_PREPARED_STATEMENTS:
    DATABASES["default"]["OPTIONS"]["server_side_binding"] = True

# --- Issue 15/16, chat ---
# Live chat with the office (D6; chat/, docs/chat.md). daphne first: its runserver serves ASGI,
# so the try-out (command 1) has the chat's sockets too; production runs daphne as the "chat"
# service and the proxy routes /ws/ to it.
INSTALLED_APPS.insert(0, "daphne")
INSTALLED_APPS += ["chat"]
ASGI_APPLICATION = "portal.asgi.application"
# Messages reach every process's sockets through Redis (the broker's server unless CHAT_REDIS_URL
# says otherwise); without Redis (the try-out) through memory, which works in one process only.
CHAT_REDIS_URL = env.str(
    "CHAT_REDIS_URL", default=CELERY_BROKER_URL if CELERY_BROKER_URL.startswith(("redis://", "rediss://")) else ""
)
CHANNEL_LAYERS = (
    {
        "default": {
            # Redis pub/sub (issue 16, speed): a message to a conversation is one PUBLISH, pushed to
            # the processes subscribed to it, instead of the list layer's four round trips per
            # group send and a blocking poll per process. Pub/sub keeps nothing for a socket that
            # is not there; nothing needs keeping: every message is stored first and a socket
            # that reconnects reads what it missed from the database (docs/chat.md).
            "BACKEND": "channels_redis.pubsub.RedisPubSubChannelLayer",
            # redis-py 8 reads with a 5 s timeout by default: an idle subscriber must not time out.
            "CONFIG": {"hosts": [{"address": CHAT_REDIS_URL, "socket_timeout": 30}], "prefix": "ebok-chat:"},
        }
    }
    if CHAT_REDIS_URL
    else {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}
)
# Office hours on working days (portal.workdays: Monday–Friday without Polish public holidays),
# local time, "HH:MM-HH:MM"; outside them a conversation is left as a ticket.
CHAT_OFFICE_HOURS = env.str("CHAT_OFFICE_HOURS", default="08:00-16:00")
if not fullmatch(r"([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d", CHAT_OFFICE_HOURS.strip()):
    sys.exit(f"Błąd konfiguracji: CHAT_OFFICE_HOURS={CHAT_OFFICE_HOURS} (np. 08:00-16:00).")
# Minutes a tenant waits for a clerk before being offered to leave the conversation as a ticket.
CHAT_WAIT_MINUTES = env.int("CHAT_WAIT_MINUTES", default=5)
# A clerk counts as present while the console reported within this many seconds.
CHAT_PRESENCE_SECONDS = env.int("CHAT_PRESENCE_SECONDS", default=90)
# A clerk's answer to a tenant whose page was gone longer than this also goes by e-mail.
CHAT_TENANT_AWAY_SECONDS = env.int("CHAT_TENANT_AWAY_SECONDS", default=60)
# Longest message (characters) and a tenant's messages per minute.
CHAT_MESSAGE_MAX_CHARS = env.int("CHAT_MESSAGE_MAX_CHARS", default=2000)
CHAT_MESSAGES_PER_MINUTE = env.int("CHAT_MESSAGES_PER_MINUTE", default=20)
# Finished conversations (closed or turned into tickets: the ticket keeps the transcript) are
# deleted this many days after they ended, daily at 04:30 (personal-data retention).
CHAT_RETENTION_DAYS = env.int("CHAT_RETENTION_DAYS", default=365)
CELERY_BEAT_SCHEDULE["chat-retention"] = {
    "task": "chat.tasks.retention_conversations",
    "schedule": crontab(hour=4, minute=30),
}

# --- Issue 18, read replica, stateless web nodes, sessions ---
# Sessions: an idle session still ends SESSION_COOKIE_AGE after the last request, but an
# unchanged session is saved (its expiry renewed) at most every SESSION_TOUCH_SECONDS instead of
# on every request (portal/idle_sessions.py; docs/operations.md, Web nodes).
SESSION_SAVE_EVERY_REQUEST = False
SESSION_TOUCH_SECONDS = env.int("SESSION_TOUCH_SECONDS", default=60)
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.sessions.middleware.SessionMiddleware") + 1,
    "portal.idle_sessions.IdleTimeoutSessionMiddleware",
)
# Django's cache, and with it the sessions, on Redis (the production set: every web node sees
# every session, no database write for a session). Empty: each process's memory and sessions
# in the database (the try-out, the tests). Nothing in the portal keeps a decision in a cache.
CACHE_REDIS_URL = env.str("CACHE_REDIS_URL", default="")
CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "default"},
    # Each process's own memory, whatever CACHE_REDIS_URL says: what a page renders the same for
    # everyone between deploys or imports (the layout's menus and links, a unit's ledger pages:
    # billing/ledger_cache.py), where a trip to Redis would cost more than rendering it again.
    # At most 2,000 entries a process (a ledger page is about 15 kB: 30 MB at most).
    "process": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "process",
        "OPTIONS": {"MAX_ENTRIES": 2000},
    },
}
if CACHE_REDIS_URL:
    CACHES["default"] = {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": CACHE_REDIS_URL,
        "KEY_PREFIX": "ebok",
        "OPTIONS": {"socket_timeout": 2, "socket_connect_timeout": 2},
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cache"
# Read replica (portal/db_router.py): tenant pages read from this streaming replica of
# DATABASE_URL; writes, admin, tasks, the import and migrations use the primary. A client that
# wrote reads from the primary for DATABASE_REPLICA_PIN_SECONDS (read-your-writes); a replica that
# does not answer is left alone by a process for DATABASE_REPLICA_RETRY_SECONDS (one warning).
DATABASE_REPLICA_URL = env.str("DATABASE_REPLICA_URL", default="")
DATABASE_REPLICA_PIN_SECONDS = env.int("DATABASE_REPLICA_PIN_SECONDS", default=10)
DATABASE_REPLICA_RETRY_SECONDS = env.int("DATABASE_REPLICA_RETRY_SECONDS", default=30)
if DATABASE_REPLICA_URL:
    _replica = env.db_url_config(DATABASE_REPLICA_URL)
    if _replica["ENGINE"] != DATABASES["default"]["ENGINE"]:
        sys.exit("Błąd konfiguracji: DATABASE_REPLICA_URL musi wskazywać ten sam rodzaj bazy co DATABASE_URL.")
    # The primary's connection settings (persistent connections, health checks, prepared
    # statements), a short connect timeout (a dead replica must not hold a page long), and
    # the primary's test database in tests.
    for _key in ("ATOMIC_REQUESTS", "CONN_MAX_AGE", "CONN_HEALTH_CHECKS"):
        if _key in DATABASES["default"]:
            _replica[_key] = DATABASES["default"][_key]
    _replica["CONN_HEALTH_CHECKS"] = True
    _replica["OPTIONS"] = {**DATABASES["default"].get("OPTIONS", {}), **_replica.get("OPTIONS", {})}
    _replica["OPTIONS"].setdefault("connect_timeout", 2)
    _replica["TEST"] = {"MIRROR": "default"}
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["portal.db_router.ReplicaRouter"]
    # Inside the session middleware: the session and the user are read where the page reads.
    MIDDLEWARE.insert(
        MIDDLEWARE.index("portal.idle_sessions.IdleTimeoutSessionMiddleware") + 1,
        "portal.db_router.ReplicaReadsMiddleware",
    )
# --- Issue 17, KSeF on invoices ---
# KOD I (B9): the base of the invoice verification link in the QR code printed on invoices
# registered in KSeF. Production https://qr.ksef.mf.gov.pl; the Ministry of Finance's test
# environment https://qr-test.ksef.mf.gov.pl, its pre-production (demo) https://qr-demo.ksef.mf.gov.pl.
KSEF_QR_BASE_URL = env.str("KSEF_QR_BASE_URL", default="https://qr.ksef.mf.gov.pl").strip().rstrip("/")
if not fullmatch(r"https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~/-]*)?", KSEF_QR_BASE_URL):
    sys.exit(f"Błąd konfiguracji: KSEF_QR_BASE_URL={KSEF_QR_BASE_URL} (np. https://qr.ksef.mf.gov.pl).")
