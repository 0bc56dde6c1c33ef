"""Writes on exchanges: creation, the co-written agreement, sessions, completion, reviews."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from rers_core import permissions
from rers_core.errors import DomainError, NotAllowed, ValidationFailed
from rers_core.models import (
    AuditEntry,
    Connection,
    Exchange,
    ExchangeAgreement,
    ExchangeSession,
    Member,
    Network,
    Notification,
    Participant,
    Review,
)
from rers_core.services._common import full_clean, is_instance_admin, require_facilitator
from rers_core.services.audit import audit_record
from rers_core.services.connections import announce
from rers_core.services.notifications import notify

REVIEW_FIELDS = ("interest", "obstacles", "helpers", "next_steps")


def _participant(exchange: Exchange, acting) -> Participant | None:
    member = permissions.membership(acting, exchange.network_id)
    if member is None:
        return None
    return exchange.participants.filter(member=member).first()


def _require_participant_or_facilitator(exchange: Exchange, acting) -> Participant | None:
    participant = _participant(exchange, acting)
    if participant is None and not (
        acting is None
        or is_instance_admin(acting)
        or permissions.is_facilitator(acting, exchange.network_id)
    ):
        raise NotAllowed(_("Only the exchange's participants, or a facilitator, can do this."))
    return participant


def _refuse_non_participant(exchange: Exchange, acting, member: Member | None) -> None:
    """A facilitator acting for someone must name a participant: say so precisely."""
    facilitating = (
        acting is None
        or is_instance_admin(acting)
        or permissions.is_facilitator(acting, exchange.network_id)
    )
    if facilitating:
        if member is None:
            raise ValidationFailed(_("Choose the participant you act for."), field="member")
        raise ValidationFailed(_("This person does not take part in the exchange."), field="member")


def erase_exchange_texts(exchanges) -> None:
    """Erase what a person who left co-wrote: an exchange's title (copied from a listing),
    its agreement and its sessions' notes."""
    for exchange in exchanges:
        exchange.title = _("Exchange #%d") % exchange.pk
        exchange.save(update_fields=["title"])
    ExchangeAgreement.objects.filter(exchange__in=exchanges).update(
        frequency="", place="", schedule="", content="", methods="", evaluation=""
    )
    ExchangeSession.objects.filter(exchange__in=exchanges).update(note="")


def _require_open(exchange: Exchange) -> None:
    if exchange.status in (Exchange.Status.DONE, Exchange.Status.CANCELLED):
        raise DomainError(_("This exchange is over."))


@transaction.atomic
def exchange_from_connection(
    *, connection: Connection, acting, kind: str = Exchange.Kind.ONE_TO_ONE, title: str = ""
) -> Exchange:
    """Start the exchange of two people who both accepted their connection.

    The offerer gives, the requester receives; they then write their agreement together.
    Starting it twice returns the same exchange. Across networks each network holds the
    exchange with its own member, and the agreement is kept the same on both sides.
    """
    connection = (
        Connection.objects.select_for_update(of=("self",))
        .select_related("request", "offer")
        .get(pk=connection.pk)
    )
    side = connection.side_of(permissions.membership(acting, connection.network_id))
    if side is None:
        require_facilitator(acting, connection.network)
    existing = Exchange.objects.filter(connection=connection).first()
    if existing is not None:
        return existing
    if connection.status != Connection.Status.ACCEPTED:
        raise DomainError(_("Both people must accept the connection before their exchange starts."))
    title = (title or "").strip() or (connection.offer or connection.request).title
    exchange = _create(
        network=connection.network,
        kind=kind,
        title=title,
        givers=[p for p in [connection.offerer] if p is not None],
        receivers=[p for p in [connection.requester] if p is not None],
        acting=acting,
        connection=connection,
    )
    announce(connection)
    return exchange


@transaction.atomic
def exchange_create(
    *,
    network: Network,
    kind: str,
    title: str,
    givers: Iterable[Member],
    receivers: Iterable[Member],
    acting,
) -> Exchange:
    """A facilitator sets up an exchange, for example a collective one with several receivers."""
    require_facilitator(acting, network)
    return _create(
        network=network, kind=kind, title=title, givers=givers, receivers=receivers, acting=acting
    )


def _create(*, network, kind, title, givers, receivers, acting, connection=None) -> Exchange:
    givers, receivers = list(givers), list(receivers)
    if kind not in Exchange.Kind.values:
        raise ValidationFailed(_("Unknown kind of exchange “%s”.") % kind, field="kind")
    across = connection is not None and connection.is_cross_network
    if across:  # the other person takes part from their own network
        if kind != Exchange.Kind.ONE_TO_ONE or len(givers) + len(receivers) != 1:
            raise ValidationFailed(_("An exchange across networks is one-to-one."), field="kind")
    elif not givers or not receivers:
        raise ValidationFailed(
            _("An exchange needs at least one giver and one receiver."), field="givers"
        )
    everyone = givers + receivers
    if len({m.pk for m in everyone}) != len(everyone):
        raise ValidationFailed(
            _("Each person takes part once, as giver or receiver."), field="givers"
        )
    if not across and kind == Exchange.Kind.ONE_TO_ONE and (len(givers), len(receivers)) != (1, 1):
        raise ValidationFailed(
            _("A one-to-one exchange has one giver and one receiver."), field="kind"
        )
    for member in everyone:
        if member.network_id != network.pk or member.status != Member.Status.MEMBER:
            raise DomainError(_("Every participant must be a member of this network."))
    exchange = Exchange(
        network=network,
        connection=connection,
        kind=kind,
        title=(title or "").strip(),
        created_by=acting if acting is not None and acting.is_authenticated else None,
    )
    if not exchange.title:
        raise ValidationFailed(_("Give the exchange a title."), field="title")
    full_clean(exchange, exclude=["network", "connection", "created_by"])
    exchange.save()
    ExchangeAgreement.objects.create(exchange=exchange)
    Participant.objects.bulk_create(
        [Participant(exchange=exchange, member=m, role=Participant.Role.GIVER) for m in givers]
        + [
            Participant(exchange=exchange, member=m, role=Participant.Role.RECEIVER)
            for m in receivers
        ]
    )
    return exchange


@transaction.atomic
def agreement_update(*, exchange: Exchange, acting, **fields: str) -> ExchangeAgreement:
    """Edit the agreement; everyone is asked to confirm it again after a change."""
    exchange = Exchange.objects.select_for_update().get(pk=exchange.pk)
    participant = _require_participant_or_facilitator(exchange, acting)
    _require_open(exchange)
    unknown = set(fields) - set(ExchangeAgreement.FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown agreement fields: %s.") % ", ".join(sorted(unknown)))
    agreement = exchange.agreement
    changed = False
    for key, value in fields.items():
        value = (value or "").strip()
        if getattr(agreement, key) != value:
            setattr(agreement, key, value)
            changed = True
    if not changed:
        return agreement
    agreement.updated_by = participant.member if participant else None
    full_clean(agreement, exclude=["exchange", "updated_by"])
    agreement.save()
    _reopen(exchange)
    _announce(exchange)
    return agreement


def _reopen(exchange: Exchange) -> None:
    """The agreement changed: everyone confirms it again."""
    exchange.participants.update(agreed_at=None)
    Connection.objects.filter(pk=exchange.connection_id).update(remote_agreed_at=None)
    if exchange.status == Exchange.Status.AGREED:
        exchange.transition(Exchange.Status.DRAFT)
        exchange.save(update_fields=["status"])
        _move_connection(exchange, Connection.Status.ACCEPTED)


def _announce(exchange: Exchange) -> None:
    if exchange.connection_id is not None:
        announce(Connection.objects.get(pk=exchange.connection_id))


@transaction.atomic
def agreement_confirm(*, exchange: Exchange, acting, member: Member | None = None) -> Exchange:
    """A participant confirms the agreement as written; when all have, the exchange is agreed.

    A facilitator may record the confirmation of a participant (``member``).
    """
    exchange = Exchange.objects.select_for_update().get(pk=exchange.pk)
    participant = _participant(exchange, acting)
    if member is not None and (participant is None or participant.member_id != member.pk):
        require_facilitator(acting, exchange.network)
        participant = exchange.participants.filter(member=member).first()
    if participant is None:
        _refuse_non_participant(exchange, acting, member)
        raise NotAllowed(_("Only the exchange's participants confirm its agreement."))
    _require_open(exchange)
    agreement = exchange.agreement
    if not (agreement.content or agreement.schedule or agreement.place):
        raise DomainError(_("Write at least the content, the place or the days and hours first."))
    if participant.agreed_at is None:
        participant.agreed_at = timezone.now()
        participant.save(update_fields=["agreed_at"])
        _audit(acting, member, "agreement_confirm")
    _agree_if_everyone_did(exchange)
    _announce(exchange)
    return exchange


def _audit(acting, member: Member | None, service: str) -> None:
    """A facilitator wrote down what the participant ``member`` said: they see it in their
    trail. Without ``member`` the participant spoke for themself: nothing to record."""
    if member is not None:
        audit_record(
            acting=acting, action=AuditEntry.Action.ACTED_FOR, member=member, detail=service
        )


def _agree_if_everyone_did(exchange: Exchange) -> None:
    if exchange.status != Exchange.Status.DRAFT:
        return
    if exchange.participants.filter(agreed_at__isnull=True).exists():
        return
    connection = exchange.connection
    if connection is not None and connection.is_cross_network and not connection.remote_agreed_at:
        return  # the person of the other network has not confirmed this text yet
    exchange.transition(Exchange.Status.AGREED)
    exchange.save(update_fields=["status"])
    _move_connection(exchange, Connection.Status.AGREED)


def _move_connection(exchange: Exchange, to: str) -> None:
    if exchange.connection_id is None:
        return
    connection = Connection.objects.select_for_update().get(pk=exchange.connection_id)
    if connection.status != to and connection.can_transition(to):
        connection.transition(to)
        connection.save(update_fields=["status", "updated_at"])
        announce(connection)


@transaction.atomic
def session_add(
    *, exchange: Exchange, starts_at: datetime, acting, note: str = ""
) -> ExchangeSession:
    """Record a date the participants met (or will meet)."""
    _require_participant_or_facilitator(exchange, acting)
    _require_open(exchange)
    if starts_at is None:
        raise ValidationFailed(_("Give the date of the session."), field="starts_at")
    session = ExchangeSession(exchange=exchange, starts_at=starts_at, note=(note or "").strip())
    full_clean(session, exclude=["exchange"])
    session.save()
    return session


@transaction.atomic
def exchange_complete(*, exchange: Exchange, acting) -> Exchange:
    """The exchange took place: each participant is asked for a short review."""
    exchange = Exchange.objects.select_for_update().get(pk=exchange.pk)
    _require_participant_or_facilitator(exchange, acting)
    if exchange.status == Exchange.Status.DONE:
        return exchange
    if exchange.status != Exchange.Status.AGREED:
        raise DomainError(_("The participants must agree on the exchange before it is done."))
    _complete(exchange)
    return exchange


def _complete(exchange: Exchange) -> None:
    exchange.transition(Exchange.Status.DONE)
    exchange.done_at = timezone.now()
    exchange.save(update_fields=["status", "done_at"])
    _move_connection(exchange, Connection.Status.DONE)
    for participant in exchange.participants.select_related("member"):
        Review.objects.get_or_create(exchange=exchange, member=participant.member)
        notify(Notification.Kind.REVIEW_REQUESTED, participant.member, exchange.pk)


@transaction.atomic
def exchange_cancel(*, exchange: Exchange, acting) -> Exchange:
    """Stop an exchange that will not take place."""
    exchange = Exchange.objects.select_for_update().get(pk=exchange.pk)
    _require_participant_or_facilitator(exchange, acting)
    if exchange.status == Exchange.Status.CANCELLED:
        return exchange
    exchange.transition(Exchange.Status.CANCELLED)
    exchange.save(update_fields=["status"])
    _move_connection(exchange, Connection.Status.CANCELLED)
    return exchange


@transaction.atomic
def review_submit(
    *, exchange: Exchange, acting, member: Member | None = None, **answers: str
) -> Review:
    """A participant gives their review (bilan); a facilitator may write down one given orally.

    When every participant has answered, the connection behind the exchange is closed.
    """
    exchange = Exchange.objects.select_for_update().get(pk=exchange.pk)
    participant = _participant(exchange, acting)
    if member is not None and (participant is None or participant.member_id != member.pk):
        require_facilitator(acting, exchange.network)
        participant = exchange.participants.filter(member=member).first()
    if participant is None:
        _refuse_non_participant(exchange, acting, member)
        raise NotAllowed(_("Only the exchange's participants give a review."))
    if exchange.status != Exchange.Status.DONE:
        raise DomainError(_("A review is given once the exchange is done."))
    unknown = set(answers) - set(REVIEW_FIELDS)
    if unknown:
        raise ValidationFailed(_("Unknown review fields: %s.") % ", ".join(sorted(unknown)))
    cleaned = {k: (v or "").strip() for k, v in answers.items()}
    if not any(cleaned.values()):
        raise ValidationFailed(_("Write at least a few words."), field="interest")
    review, _created = Review.objects.select_for_update().get_or_create(
        exchange=exchange, member=participant.member
    )
    for key, value in cleaned.items():
        setattr(review, key, value)
    review.submitted_at = timezone.now()
    review.save()
    _audit(acting, member, "review_submit")
    if not Review.objects.filter(exchange=exchange, submitted_at__isnull=True).exists():
        _move_connection(exchange, Connection.Status.CLOSED)
    return review


@transaction.atomic
def remote_exchange_update(
    *,
    connection: Connection,
    agreement: dict | None,
    agreement_updated: datetime | None,
    confirmed: bool,
    done: bool,
) -> None:
    """Apply what the other network says of the exchange of a connection across networks:
    that it started, the agreement's text (the latest edit wins), whether their member
    confirmed that very text, and that it took place. Reviews stay in each network."""
    connection = Connection.objects.select_for_update().get(pk=connection.pk)
    if agreement is None:
        return
    exchange = Exchange.objects.filter(connection=connection).first()
    if exchange is None:
        if connection.status != Connection.Status.ACCEPTED:
            return
        exchange = exchange_from_connection(connection=connection, acting=None)
    exchange = Exchange.objects.select_for_update().get(pk=exchange.pk)
    ours = exchange.agreement
    theirs = {key: str(agreement.get(key) or "")[:5000] for key in ExchangeAgreement.FIELDS}
    same = all(getattr(ours, key) == value for key, value in theirs.items())
    if not same and exchange.status in (Exchange.Status.DRAFT, Exchange.Status.AGREED):
        if agreement_updated is not None and agreement_updated > ours.updated_at:
            for key, value in theirs.items():
                setattr(ours, key, value)
            ours.updated_by = None
            ours.save()
            ExchangeAgreement.objects.filter(pk=ours.pk).update(updated_at=agreement_updated)
            _reopen(exchange)
            same = True
    connection.refresh_from_db()
    agreed_at = connection.remote_agreed_at
    if confirmed and same and agreed_at is None:
        Connection.objects.filter(pk=connection.pk).update(remote_agreed_at=timezone.now())
    elif not (confirmed and same) and agreed_at is not None:
        Connection.objects.filter(pk=connection.pk).update(remote_agreed_at=None)
    exchange.refresh_from_db()
    _agree_if_everyone_did(exchange)
    if done and exchange.status == Exchange.Status.AGREED:
        _complete(exchange)
    _announce(exchange)
