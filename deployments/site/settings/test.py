"""Settings for the test suite: SQLite in memory unless DATABASE_URL names PostgreSQL."""

from deployments.site.settings.base import *  # noqa: F403
from deployments.site.settings.base import env

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
DATABASES = {"default": env.db("DATABASE_URL", default="sqlite:///:memory:")}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
CELERY_BROKER_URL = "memory://localhost/"
CELERY_TASK_ALWAYS_EAGER = True
# Rates are tested where they are the subject; elsewhere they would make tests depend on
# each other's timing.
# Pages of listings are computed each time (query counts are tested on them), whatever
# CACHE_URL says; the tests of their cache turn it on (tests/conftest.py).
RERS_CORE = {**RERS_CORE, "THROTTLE_RATES": {}, "LISTINGS_CACHE_SECONDS": 0}  # noqa: F405
RERS_FEDERATION = {  # noqa: F405
    **RERS_FEDERATION,  # noqa: F405
    "INBOX_RATE_PER_PEER": None,
    "INBOX_RATE_PER_ADDRESS": None,
    "PUBLIC_RATE_PER_ADDRESS": None,
}
