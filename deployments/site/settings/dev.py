"""Settings for one machine: the embedded default (SQLite, Celery in-process)."""

from deployments.site.settings.base import *  # noqa: F403
from deployments.site.settings.base import DATA_DIR, env

DEBUG = env.bool("DEBUG", default=True)
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])

DATA_DIR.mkdir(parents=True, exist_ok=True)
