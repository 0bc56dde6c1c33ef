"""Writes on the network's portal: news, resources for members, and visitors' messages."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rers_core.errors import ValidationFailed
from rers_core.models import ContactMessage, Event, Network, NewsPost, Resource
from rers_core.services._common import full_clean, queue_for_rows, require_facilitator

MAX_DOCUMENT_BYTES = 10 * 1024 * 1024


@transaction.atomic
def news_publish(
    *,
    network: Network,
    title: str,
    text: str,
    acting,
    published_at: datetime | None = None,
    event: Event | None = None,
) -> NewsPost:
    """Publish a short news post on the network's home page and feed."""
    require_facilitator(acting, network)
    if event is not None and event.network_id != network.pk:
        raise ValidationFailed(_("This event belongs to another network."), field="event")
    post = NewsPost(
        network=network,
        title=(title or "").strip(),
        text=(text or "").strip(),
        published_at=published_at or timezone.now(),
        event=event,
        author=acting if acting is not None and acting.is_authenticated else None,
    )
    full_clean(post, exclude=["network", "event", "author"])
    post.save()
    return post


@transaction.atomic
def news_update(*, post: NewsPost, acting, **fields: Any) -> NewsPost:
    require_facilitator(acting, post.network)
    unknown = set(fields) - {"title", "text", "published_at"}
    if unknown:
        raise ValidationFailed(_("Unknown news fields: %s.") % ", ".join(sorted(unknown)))
    for key, value in fields.items():
        setattr(post, key, value.strip() if isinstance(value, str) else value)
    full_clean(post, exclude=["network", "event", "author"])
    post.save()
    return post


@transaction.atomic
def news_delete(*, post: NewsPost, acting) -> None:
    require_facilitator(acting, post.network)
    post.delete()


@transaction.atomic
def resource_create(
    *,
    network: Network,
    title: str,
    acting,
    description: str = "",
    url: str = "",
    document: UploadedFile | None = None,
    audience: str = Resource.Audience.MEMBERS,
) -> Resource:
    """Share a document or a link with the network's members (or everyone)."""
    require_facilitator(acting, network)
    if not url and document is None:
        raise ValidationFailed(_("Give a link or a document."), field="url")
    if document is not None and document.size > MAX_DOCUMENT_BYTES:
        raise ValidationFailed(_("The document is larger than 10 MB."), field="document")
    resource = Resource(
        network=network,
        title=(title or "").strip(),
        description=(description or "").strip(),
        url=(url or "").strip(),
        audience=audience,
    )
    full_clean(resource, exclude=["network", "document"])
    if document is not None:
        resource.document.save(document.name, document, save=False)
    resource.save()
    return resource


@transaction.atomic
def resource_delete(*, resource: Resource, acting) -> None:
    require_facilitator(acting, resource.network)
    if resource.document:
        transaction.on_commit(
            lambda name=resource.document.name, storage=resource.document.storage: storage.delete(
                name
            )
        )
    resource.delete()


@transaction.atomic
def contact_message_receive(
    *, network: Network, name: str, email: str, subject: str, message: str
) -> ContactMessage:
    """Store a visitor's message, then forward it by email to the network (after commit).

    The message is kept even if the email fails; facilitators see it in the portal.
    """
    received = ContactMessage(
        network=network,
        name=(name or "").strip(),
        email=(email or "").strip(),
        subject=(subject or "").strip(),
        message=(message or "").strip(),
    )
    full_clean(received, exclude=["network", "handled_by"])
    received.save()
    from rers_core.tasks import forward_contact_message

    transaction.on_commit(lambda: queue_for_rows(forward_contact_message, [received.pk]))
    return received


@transaction.atomic
def contact_message_forward(*, message_id: int) -> bool:
    """Email a stored message to the network's contact address, once."""
    received = (
        ContactMessage.objects.select_for_update()
        .select_related("network")
        .filter(pk=message_id)
        .first()
    )
    if received is None or received.emailed_at is not None or not received.network.contact_email:
        return False
    send_mail(
        f"[{received.network.name}] {received.subject}",
        f"{received.name} <{received.email}>\n\n{received.message}",
        None,
        [received.network.contact_email],
        fail_silently=False,
    )
    received.emailed_at = timezone.now()
    received.save(update_fields=["emailed_at"])
    return True


@transaction.atomic
def contact_message_mark_handled(*, received: ContactMessage, acting) -> ContactMessage:
    """A facilitator marks a visitor's message as dealt with; doing it twice changes nothing."""
    require_facilitator(acting, received.network)
    if received.handled_at is not None:
        return received
    received.handled_at = timezone.now()
    received.handled_by = acting if acting is not None and acting.is_authenticated else None
    received.save(update_fields=["handled_at", "handled_by"])
    return received
