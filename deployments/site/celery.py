"""The Celery app of the site. Without CELERY_BROKER_URL, tasks run eagerly in-process."""

import os

from celery import Celery
from celery.signals import task_prerun
from django.db import close_old_connections

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "deployments.site.settings.dev")

app = Celery("rers")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@task_prerun.connect
def _drop_old_connections(task=None, **kwargs) -> None:
    """Workers keep their database connections between tasks (CELERY_DB_REUSE_MAX) for as
    long as CONN_MAX_AGE says, as web requests do; one that broke (PostgreSQL restarted) is
    dropped before the next task instead of failing it. A task run eagerly (no broker) runs
    inside its caller's request or transaction, whose connection stays as it is."""
    if task is not None and task.request.is_eager:
        return
    close_old_connections()
