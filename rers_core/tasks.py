"""Celery tasks: thin, idempotent; each takes ids and calls one service."""

from __future__ import annotations

from celery import shared_task


@shared_task(acks_late=True)
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
def forward_contact_message(message_id: int) -> bool:
    from rers_core.services.portal import contact_message_forward

    return contact_message_forward(message_id=message_id)
