"""Production settings: refuse to start when a setting would make the site unsafe."""

from django.core.exceptions import ImproperlyConfigured

from deployments.site.settings.base import *  # noqa: F403
from deployments.site.settings.base import ALLOWED_HOSTS, DEBUG, DEFAULT_SECRET_KEY, SECRET_KEY, env

_problems = []
if DEBUG:
    _problems.append("DEBUG is on: set DEBUG=false.")
if not SECRET_KEY or SECRET_KEY == DEFAULT_SECRET_KEY or len(SECRET_KEY) < 32:
    _problems.append("SECRET_KEY is missing, the default one, or shorter than 32 characters.")
if not ALLOWED_HOSTS:
    _problems.append("ALLOWED_HOSTS is empty: list the site's host names, comma-separated.")
if _problems:
    raise ImproperlyConfigured("Refusing to start with production settings: " + " ".join(_problems))

SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=False)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# Preloading HSTS is a commitment of the whole domain and its subdomains, which only the
# domain's owner can make (SECURE_HSTS_PRELOAD=true); `check --deploy` stays clean without it.
if not SECURE_HSTS_PRELOAD:
    SILENCED_SYSTEM_CHECKS = ["security.W021"]
