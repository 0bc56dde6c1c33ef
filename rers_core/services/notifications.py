"""Emails to members about their connections and exchanges, sent by Celery after commit."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from rers_core.conf import core_settings
from rers_core.models import (
    Connection,
    ContactMessage,
    Exchange,
    Member,
    Notification,
    Registration,
)
from rers_core.services._common import queue_for_rows

SUBJECTS_AND_OBJECTS = {
    Notification.Kind.CONNECTION_PROPOSED: Connection,
    Notification.Kind.CONNECTION_ACCEPTED: Connection,
    Notification.Kind.CONNECTION_DECLINED: Connection,
    Notification.Kind.RELAY_REQUESTED: Connection,
    Notification.Kind.REVIEW_REQUESTED: Exchange,
    Notification.Kind.REGISTRATION_PROMOTED: Registration,
    Notification.Kind.EVENT_REMINDER: Registration,
    Notification.Kind.REGISTRATION_ANSWERED: Registration,
}


def notify(kind: str, member: Member, object_id: int) -> Notification | None:
    """Schedule one email to ``member`` about ``object_id``, at most once, after commit.

    Members who turned emails off, withdrawn members and members without an email
    address get nothing; what they need stays visible in the portal.
    """
    if not member.notify_by_email or member.status == Member.Status.WITHDRAWN or not member.email:
        return None
    notification, created = Notification.objects.get_or_create(
        member=member, kind=kind, object_id=object_id
    )
    if created:
        from rers_core.tasks import send_notification

        transaction.on_commit(lambda: queue_for_rows(send_notification, [notification.pk]))
    return notification


# Emails left unsent (their task lost with the broker) are sent again after this delay,
# when the usual path has had its chance, and no longer once they are this old.
UNSENT_AFTER = timedelta(minutes=2)
UNSENT_UNTIL = timedelta(days=1)


def unsent_emails_queue() -> int:
    """Queue again every email whose task never ran (the broker was unreachable or lost it):
    members' notifications and visitors' messages to the network, from the last day.
    Sending is idempotent, so a row queued twice is sent once. Returns how many were queued."""
    from rers_core.tasks import forward_contact_message, send_notification

    now = timezone.now()
    window = {"created_at__lt": now - UNSENT_AFTER, "created_at__gte": now - UNSENT_UNTIL}
    # Those notification_send would refuse anyway are not queued again every five minutes.
    notifications = list(
        Notification.objects.filter(sent_at__isnull=True, member__email__gt="", **window)
        .exclude(member__status=Member.Status.WITHDRAWN)
        .values_list("pk", flat=True)
    )
    messages = list(
        ContactMessage.objects.filter(
            emailed_at__isnull=True, network__contact_email__gt="", **window
        ).values_list("pk", flat=True)
    )
    queue_for_rows(send_notification, notifications)
    queue_for_rows(forward_contact_message, messages)
    return len(notifications) + len(messages)


@transaction.atomic
def notification_send(*, notification_id: int) -> bool:
    """Send one notification email unless it was already sent; returns whether it sent."""
    notification = (
        Notification.objects.select_for_update()
        .select_related("member__network")
        .filter(pk=notification_id)
        .first()
    )
    if notification is None or notification.sent_at is not None:
        return False
    member = notification.member
    if member.status == Member.Status.WITHDRAWN or not member.email:
        return False
    about = (
        SUBJECTS_AND_OBJECTS[notification.kind].objects.filter(pk=notification.object_id).first()
    )
    if about is None:
        return False
    if (
        isinstance(about, Registration)
        and notification.kind != Notification.Kind.REGISTRATION_ANSWERED
        and about.status != Registration.Status.CONFIRMED
    ):
        return False  # the seat was given up before the email left
    context = {
        "member": member,
        "network": member.network,
        "about": about,
        "site_url": core_settings.SITE_URL,
        "starts_at": _occurrence_start(about) if isinstance(about, Registration) else None,
    }
    with translation.override(settings.LANGUAGE_CODE):
        subject = render_to_string(f"rers_core/email/{notification.kind}_subject.txt", context)
        body = render_to_string(f"rers_core/email/{notification.kind}.txt", context)
    send_mail(" ".join(subject.split()), body, None, [member.email])
    notification.sent_at = timezone.now()
    notification.save(update_fields=["sent_at"])
    return True


def _occurrence_start(registration: Registration):
    """When the registered occurrence now takes place (it may have been moved)."""
    from rers_core.errors import NotFound
    from rers_core.selectors.events import occurrence_get

    try:
        return occurrence_get(registration.event, registration.occurrence_start).starts_at
    except NotFound:
        return registration.occurrence_start
