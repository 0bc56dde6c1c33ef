"""Settings shared by every environment; the only place (with dev/test/prod) reading env vars.

Embedded default: SQLite under ``RERS_DATA_DIR`` and Celery tasks run in-process.
``DATABASE_URL`` switches to PostgreSQL, ``CELERY_BROKER_URL`` to Redis (or to
``filesystem://``, a broker without a server, as the demo's instances use).
"""

from __future__ import annotations

from pathlib import Path

import environ
from csp.constants import NONE, SELF
from django.utils.translation import gettext_lazy as _
from kombu import Exchange, Queue

env = environ.Env()

REPO_DIR = Path(__file__).resolve().parents[3]
DATA_DIR = Path(env.str("RERS_DATA_DIR", default=str(REPO_DIR / "var")))

DEFAULT_SECRET_KEY = "dev-only-insecure-key-change-me"  # noqa: S105 - refused by prod.py
SECRET_KEY = env.str("SECRET_KEY", default=DEFAULT_SECRET_KEY)
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# Browsers share cookies between ports of one host: instances side by side on one machine
# (the demo's three) each need their own names to keep their sessions apart.
SESSION_COOKIE_NAME = env.str("SESSION_COOKIE_NAME", default="sessionid")
CSRF_COOKIE_NAME = env.str("CSRF_COOKIE_NAME", default="csrftoken")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "rers_core",
    "rers_federation",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # A database out of reach: a "try again in a few minutes" page (503), not a bare 500.
    "rers_core.web.middleware.DatabaseUnavailableMiddleware",
]

ROOT_URLCONF = "deployments.site.urls"
WSGI_APPLICATION = "deployments.site.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'rers.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
DATABASES["default"].setdefault("CONN_MAX_AGE", env.int("CONN_MAX_AGE", default=0))
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "rers_core:login"
LOGIN_REDIRECT_URL = "rers_core:home"
LOGOUT_REDIRECT_URL = "rers_core:home"

# The project's catalogue first: Django's own would otherwise win for shared msgids
# ("session" must read "séance" here).
LOCALE_PATHS = [REPO_DIR / "rers_core" / "locale", REPO_DIR / "rers_federation" / "locale"]
LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
TIME_ZONE = env.str("TIME_ZONE", default="Europe/Paris")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
# Uploaded resources; served through permission-checking views, never directly.
MEDIA_ROOT = Path(env.str("MEDIA_ROOT", default=str(DATA_DIR / "media")))
STATIC_ROOT = Path(env.str("STATIC_ROOT", default=str(DATA_DIR / "static")))

# Content-Security-Policy (django-csp): everything comes from the site itself, and no inline
# script or style runs, so injected markup cannot run code; no site may frame the portal.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    },
}

EMAIL_BACKEND = env.str("EMAIL_BACKEND", default="django.core.mail.backends.console.EmailBackend")
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="rers@localhost")
# The SMTP server, read when EMAIL_BACKEND is django.core.mail.backends.smtp.EmailBackend.
EMAIL_HOST = env.str("EMAIL_HOST", default="localhost")
EMAIL_PORT = env.int("EMAIL_PORT", default=25)
EMAIL_HOST_USER = env.str("EMAIL_HOST_USER", default="")
EMAIL_HOST_PASSWORD = env.str("EMAIL_HOST_PASSWORD", default="")
EMAIL_USE_TLS = env.bool("EMAIL_USE_TLS", default=False)
EMAIL_USE_SSL = env.bool("EMAIL_USE_SSL", default=False)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.TokenAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "rers_core.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "rers_core.api.errors.exception_handler",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "rers API",
    "DESCRIPTION": "API of a reciprocal knowledge-exchange network (RERS).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    # Operation ids and tags start after the version: "networks_list", not "api_v1_...".
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    # Descriptions come from extend_schema (translatable), docstrings are for developers.
    "DISABLE_DOCSTRING_DESCRIPTIONS": True,
    # The schema UI works offline: its JavaScript and CSS come from drf-spectacular-sidecar.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    # Several models have a "status": name each set of choices after its model.
    "ENUM_NAME_OVERRIDES": {
        "MemberStatusEnum": "rers_core.models.Member.Status",
        "ListingStatusEnum": "rers_core.models.Listing.Status",
        # Listing kinds and member roles keep their first names beside exchanges' kinds
        # and participants' roles.
        "KindEnum": "rers_core.models.Listing.Kind",
        "RoleEnum": "rers_core.models.Member.Role",
        "ConnectionStatusEnum": "rers_core.models.Connection.Status",
        "ConnectionAnswerEnum": "rers_core.models.Connection.Answer",
        "ConnectionSideEnum": "rers_core.api.serializers_matching.SIDES",
        "ExchangeStatusEnum": "rers_core.models.Exchange.Status",
        "ExchangeKindEnum": "rers_core.models.Exchange.Kind",
        "ParticipantRoleEnum": "rers_core.models.Participant.Role",
        "EventKindEnum": "rers_core.models.Event.Kind",
        "RegistrationStatusEnum": "rers_core.models.Registration.Status",
    },
}

# Celery: with no broker configured, tasks run eagerly in the calling process.
CELERY_TASK_ALWAYS_EAGER = not env.str("CELERY_BROKER_URL", default="")
# An in-memory transport keeps Celery from looking for a broker it will never use.
CELERY_BROKER_URL = env.str("CELERY_BROKER_URL", default="") or "memory://localhost/"
if CELERY_BROKER_URL.startswith("filesystem://"):
    # Kombu's filesystem transport: a broker that needs no server, for processes sharing one
    # machine (the demo). Messages are files under RERS_DATA_DIR/broker, which every process
    # of the instance must share; workers' remote control needs a real broker.
    CELERY_BROKER_TRANSPORT = "deployments.site.broker:Transport"  # writes messages whole
    _BROKER_DIR = DATA_DIR / "broker"
    for _folder in ("queue", "control"):
        (_BROKER_DIR / _folder).mkdir(parents=True, exist_ok=True)
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_BROKER_DIR / "queue"),
        "data_folder_out": str(_BROKER_DIR / "queue"),
        "control_folder": str(_BROKER_DIR / "control"),
        # Seconds between looks at the folder when it is empty (default 1).
        "polling_interval": 0.25,
    }
    CELERY_WORKER_ENABLE_REMOTE_CONTROL = False
elif CELERY_BROKER_URL.startswith(("redis://", "rediss://")):
    # Redis, with workers that survive losing it while they hold tasks.
    CELERY_BROKER_TRANSPORT = "deployments.site.broker:RedisTransport"
# Celery's Django fix-up closes the database connection after every task unless this is
# set: with it, workers keep theirs as CONN_MAX_AGE says (deployments/site/celery.py).
# Measured: 1,000 federation deliveries in 9.2 s instead of 33.5 s (docs/performance.md).
CELERY_DB_REUSE_MAX = env.int("CELERY_DB_REUSE_MAX", default=100)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# Queues, so that a growing instance can give each kind of work its own workers
# (`celery worker -Q delivery`). A worker started without -Q consumes every queue declared
# here, so one worker still does everything on a single machine.
CELERY_TASK_DEFAULT_QUEUE = "default"
CELERY_TASK_QUEUES = [
    Queue(name, Exchange(name), routing_key=name)
    for name in ("default", "delivery", "inbox", "email")
]
CELERY_TASK_ROUTES = {
    # Sending activities to peers: slow or failing peers must not hold up other work.
    "rers_federation.tasks.deliver": {"queue": "delivery"},
    "rers_federation.tasks.sweep_deliveries": {"queue": "delivery"},
    # Pulling peers' logs applies their activities here.
    "rers_federation.tasks.pull_from": {"queue": "inbox"},
    "rers_federation.tasks.pull_from_peers": {"queue": "inbox"},
    # Everything that sends email waits on the SMTP server.
    "rers_core.tasks.send_notification": {"queue": "email"},
    "rers_core.tasks.forward_contact_message": {"queue": "email"},
}

# A cache shared by the processes (Redis, e.g. redis://127.0.0.1:6379/1) makes request
# rates hold across web workers; by default each process counts its own. Pages of listings
# are cached only in a shared cache (LISTINGS_CACHE_SECONDS below).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
_SHARED_CACHE = CACHES["default"]["BACKEND"].rsplit(".", 1)[-1] not in ("LocMemCache", "DummyCache")
if _SHARED_CACHE:
    # Sessions read from the shared cache, written through to the database (which keeps
    # them across a cache flush): one query less on every signed-in page.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

RERS_CORE: dict = {
    # The portal's public address, used in emails and feeds.
    "SITE_URL": env.str("SITE_URL", default="http://localhost:8000"),
    # Counted in Django's cache (per process unless CACHE_URL names a shared one). An
    # agency's drop-in session logs many people in from one address: keep that one generous.
    "THROTTLE_RATES": {
        "api_anonymous": env.str("THROTTLE_API_ANONYMOUS", default="120/minute"),
        "api_member": env.str("THROTTLE_API_MEMBER", default="1200/minute"),
        "login_address": env.str("THROTTLE_LOGIN_ADDRESS", default="60/minute"),
        "login_username": env.str("THROTTLE_LOGIN_USERNAME", default="10/minute"),
    },
    # Seconds pages of listings stay cached (0: off); see rers_core/conf.py.
    "LISTINGS_CACHE_SECONDS": env.int(
        "LISTINGS_CACHE_SECONDS", default=300 if _SHARED_CACHE else 0
    ),
}
RERS_FEDERATION: dict = {
    # Where peers reach this instance; defaults to SITE_URL.
    "BASE_URL": env.str("FEDERATION_BASE_URL", default=""),
    "KEY_ENCRYPTION_KEY": env.str("FEDERATION_KEY_ENCRYPTION_KEY", default=""),
    # Delivery timings (defaults as in rers_federation/conf.py); end-to-end tests shorten them.
    "RETRY_BASE_SECONDS": env.int("FEDERATION_RETRY_BASE_SECONDS", default=60),
    "SENDING_TIMEOUT_SECONDS": env.int("FEDERATION_SENDING_TIMEOUT_SECONDS", default=300),
    "INBOX_RATE_PER_PEER": env.str("FEDERATION_INBOX_RATE_PER_PEER", default="1200/minute"),
    "INBOX_RATE_PER_ADDRESS": env.str("FEDERATION_INBOX_RATE_PER_ADDRESS", default="3000/minute"),
    "PUBLIC_RATE_PER_ADDRESS": env.str("FEDERATION_PUBLIC_RATE_PER_ADDRESS", default="600/minute"),
    # Development only (the demo, the end-to-end tests: every instance on 127.0.0.1): peers
    # on http:// and at loopback or private addresses. Never in production (SSRF).
    "ALLOW_LOCAL_PEERS": env.bool("FEDERATION_ALLOW_LOCAL_PEERS", default=None),
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
}

# Periodic work, run by `celery beat`.
CELERY_BEAT_SCHEDULE = {
    "expire-unanswered-connections": {
        "task": "rers_core.tasks.expire_connections",
        "schedule": 3600.0,
    },
    "sweep-federation-deliveries": {
        "task": "rers_federation.tasks.sweep_deliveries",
        "schedule": env.float("FEDERATION_SWEEP_SECONDS", default=60.0),
    },
    "pull-from-peers": {
        "task": "rers_federation.tasks.pull_from_peers",
        "schedule": env.float("FEDERATION_PULL_SECONDS", default=300.0),
    },
    "send-event-reminders": {
        "task": "rers_core.tasks.send_event_reminders",
        "schedule": 900.0,
    },
    # Emails whose task the broker lost (Redis restarting) are queued again.
    "queue-unsent-emails": {
        "task": "rers_core.tasks.queue_unsent_emails",
        "schedule": 300.0,
    },
    # Expired sessions and the notes of logins that ended (Django keeps them otherwise).
    "forget-ended-sessions": {
        "task": "rers_core.tasks.forget_ended_sessions",
        "schedule": 86400.0,
    },
}
