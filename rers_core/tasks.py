"""Celery tasks: thin, idempotent; each takes ids and calls one service."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError

# A task queued once for one row (an email, a delivery) must not be lost while PostgreSQL
# restarts: it retries 20 times, waiting at random up to 5, 10, 20... then 300 seconds
# (at random, so that workers do not all come back at once): some 40 minutes in all on
# average. Periodic tasks go without: their next run is their retry.
RETRY_WHILE_DATABASE_DOWN = {
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 5,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 20,
}


@shared_task(acks_late=True, **RETRY_WHILE_DATABASE_DOWN)
def send_notification(notification_id: int) -> bool:
    from rers_core.services.notifications import notification_send

    return notification_send(notification_id=notification_id)


@shared_task(acks_late=True)
def expire_connections() -> int:
    from rers_core.services.connections import connection_expire_due

    return connection_expire_due()


@shared_task(acks_late=True)
def send_event_reminders() -> int:
    from rers_core.services.events import reminders_send_due

    return reminders_send_due()


@shared_task(acks_late=True)
def queue_unsent_emails() -> int:
    from rers_core.services.notifications import unsent_emails_queue

    return unsent_emails_queue()


@shared_task(acks_late=True)
def forget_ended_sessions() -> int:
    from rers_core.services.accounts import ended_sessions_forget

    return ended_sessions_forget()


@shared_task(acks_late=True, **RETRY_WHILE_DATABASE_DOWN)
def forward_contact_message(message_id: int) -> bool:
    from rers_core.services.portal import contact_message_forward

    return contact_message_forward(message_id=message_id)
