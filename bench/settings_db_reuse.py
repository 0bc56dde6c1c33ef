"""The production settings, with Celery keeping its database connections between tasks
(bench/load.py measures a delivery worker with these beside the production settings).

Without ``CELERY_DB_REUSE_MAX``, Celery's Django fixup closes every database connection
after each task, whatever ``CONN_MAX_AGE`` says; with it, a connection serves up to twice
that many tasks.
"""

from deployments.site.settings.prod import *  # noqa: F403

CELERY_DB_REUSE_MAX = 100
