from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rers_core.errors import DomainError, InvalidTransition, NotAllowed
from rers_core.models import Connection, ContactConsent, Notification
from rers_core.selectors.connections import contact_for, reciprocity
from rers_core.services import connections as svc
from rers_core.services import exchanges as ex
from rers_core.services.members import consent_grant, member_withdraw
from rers_core.services.notifications import notification_send
from rers_core.testing.factories import FacilitatorFactory, ListingFactory, MemberFactory


@pytest.fixture
def pair(network):
    requester = MemberFactory(network=network, display_name="Camille")
    offerer = MemberFactory(network=network, display_name="Dominique")
    request = ListingFactory(member=requester, direction="request", title="Apprendre Excel")
    offer = ListingFactory(member=offerer, direction="offer", title="Formules du tableur")
    return request, offer


def test_requester_proposes_offerer_accepts(pair, django_capture_on_commit_callbacks):
    request, offer = pair
    with django_capture_on_commit_callbacks(execute=True):
        connection = svc.connection_propose(
            request=request, offer=offer, acting=request.member.user
        )
    assert connection.requester_answer == "accepted" and connection.requester_answered_at
    assert connection.offerer_answer == "pending"
    assert [m.to for m in mail.outbox] == [[offer.member.email]]
    with django_capture_on_commit_callbacks(execute=True):
        connection = svc.connection_answer(
            connection=connection, accept=True, acting=offer.member.user
        )
    assert connection.status == Connection.Status.ACCEPTED
    assert connection.offerer_answered_at is not None
    assert len(mail.outbox) == 3


def test_facilitator_proposal_needs_both(pair, facilitator):
    request, offer = pair
    c = svc.connection_propose(request=request, offer=offer, acting=facilitator.user)
    assert c.proposed_by == "facilitator"
    assert (c.requester_answer, c.offerer_answer) == ("pending", "pending")
    c = svc.connection_answer(connection=c, accept=True, acting=request.member.user)
    assert c.status == "proposed"
    c = svc.connection_answer(connection=c, accept=True, acting=facilitator.user, side="offerer")
    assert c.status == "accepted"


def test_strangers_cannot_propose_or_answer(pair, network, other_network):
    request, offer = pair
    stranger = MemberFactory(network=network)
    with pytest.raises(NotAllowed):
        svc.connection_propose(request=request, offer=offer, acting=stranger.user)
    c = svc.connection_propose(request=request, offer=offer, acting=request.member.user)
    with pytest.raises(NotAllowed):
        svc.connection_answer(connection=c, accept=True, acting=stranger.user)
    outsider = FacilitatorFactory(network=other_network)
    with pytest.raises(NotAllowed):
        svc.connection_answer(connection=c, accept=True, acting=outsider.user, side="offerer")


def test_decline_is_final_and_not_proposed_again(pair):
    request, offer = pair
    c = svc.connection_propose(request=request, offer=offer, acting=request.member.user)
    c = svc.connection_answer(connection=c, accept=False, acting=offer.member.user)
    assert c.status == "declined"
    with pytest.raises(DomainError):
        svc.connection_answer(connection=c, accept=True, acting=offer.member.user)
    with pytest.raises(DomainError, match="declined"):
        svc.connection_propose(request=request, offer=offer, acting=request.member.user)


def test_duplicate_active_connection_refused(pair):
    request, offer = pair
    svc.connection_propose(request=request, offer=offer, acting=request.member.user)
    with pytest.raises(DomainError, match="already"):
        svc.connection_propose(request=request, offer=offer, acting=offer.member.user)


def test_undeclared_moves_refused(pair):
    request, offer = pair
    c = svc.connection_propose(request=request, offer=offer, acting=request.member.user)
    with pytest.raises(InvalidTransition):
        c.transition(Connection.Status.DONE)
    svc.connection_cancel(connection=c, acting=offer.member.user)
    c.refresh_from_db()
    assert c.status == "cancelled"
    with pytest.raises(InvalidTransition):
        c.transition(Connection.Status.ACCEPTED)


def test_expiry_is_idempotent(pair):
    request, offer = pair
    c = svc.connection_propose(request=request, offer=offer, acting=request.member.user)
    later = timezone.now() + timedelta(days=60)
    assert svc.connection_expire_due(now=later) == 1
    assert svc.connection_expire_due(now=later) == 0
    c.refresh_from_db()
    assert c.status == "expired"


def test_full_lifecycle_with_agreement_and_reviews(pair, facilitator):
    request, offer = pair
    r_user, o_user = request.member.user, offer.member.user
    c = svc.connection_propose(request=request, offer=offer, acting=r_user)
    c = svc.connection_answer(connection=c, accept=True, acting=o_user)
    exchange = ex.exchange_from_connection(connection=c, acting=o_user)
    assert ex.exchange_from_connection(connection=c, acting=r_user) == exchange
    with pytest.raises(DomainError):
        ex.agreement_confirm(exchange=exchange, acting=r_user)
    ex.agreement_update(
        exchange=exchange,
        acting=o_user,
        content="Les formules de base",
        schedule="Lundi 10h",
        place="Agence",
    )
    ex.agreement_confirm(exchange=exchange, acting=o_user)
    ex.agreement_confirm(exchange=exchange, acting=r_user)
    c.refresh_from_db()
    assert c.status == "agreed"
    ex.session_add(exchange=exchange, starts_at=timezone.now(), acting=r_user, note="1re séance")
    ex.exchange_complete(exchange=exchange, acting=facilitator.user)
    c.refresh_from_db()
    assert c.status == "done"
    ex.review_submit(exchange=exchange, acting=r_user, interest="Utile", next_steps="Graphiques")
    ex.review_submit(
        exchange=exchange,
        acting=facilitator.user,
        member=offer.member,
        interest="Dit à l'oral : content",
    )
    c.refresh_from_db()
    assert c.status == "closed"
    assert reciprocity(offer.member).gave == 1 and reciprocity(request.member).received == 1


def test_editing_agreement_asks_again(pair):
    request, offer = pair
    c = svc.connection_propose(request=request, offer=offer, acting=request.member.user)
    c = svc.connection_answer(connection=c, accept=True, acting=offer.member.user)
    exchange = ex.exchange_from_connection(connection=c, acting=offer.member.user)
    ex.agreement_update(exchange=exchange, acting=offer.member.user, content="A")
    ex.agreement_confirm(exchange=exchange, acting=offer.member.user)
    ex.agreement_confirm(exchange=exchange, acting=request.member.user)
    ex.agreement_update(exchange=exchange, acting=request.member.user, content="B")
    exchange.refresh_from_db()
    assert exchange.status == "draft"
    assert not exchange.participants.filter(agreed_at__isnull=False).exists()


def test_notifications_are_sent_once(pair, django_capture_on_commit_callbacks):
    request, offer = pair
    with django_capture_on_commit_callbacks(execute=True):
        svc.connection_propose(request=request, offer=offer, acting=request.member.user)
    notification = Notification.objects.get()
    assert not notification_send(notification_id=notification.pk)
    assert len(mail.outbox) == 1
    assert "Apprendre Excel" in mail.outbox[0].body


def test_no_email_when_turned_off(pair, django_capture_on_commit_callbacks):
    request, offer = pair
    offer.member.notify_by_email = False
    offer.member.save()
    with django_capture_on_commit_callbacks(execute=True):
        svc.connection_propose(request=request, offer=offer, acting=request.member.user)
    assert mail.outbox == []


def test_withdrawal_cancels_and_erases(pair):
    request, offer = pair
    c = svc.connection_propose(
        request=request,
        offer=offer,
        acting=request.member.user,
        message="Je suis disponible le mardi",
    )
    member_withdraw(member=request.member, acting=None)
    c.refresh_from_db()
    assert c.status == "cancelled" and c.message == ""


CHANNELS = list(ContactConsent.Channel.values)
AUDIENCES = list(ContactConsent.Audience.values)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    consents=st.sets(st.tuples(st.sampled_from(CHANNELS), st.sampled_from(AUDIENCES))),
    accepted=st.booleans(),
)
def test_contact_details_only_with_matching_consent(pair, consents, accepted):
    request, offer = pair
    ContactConsent.objects.filter(member=offer.member).delete()
    Connection.objects.all().delete()
    offer.member.other_link = "https://example.org/profil"
    offer.member.save()
    for channel, audience in consents:
        consent_grant(
            member=offer.member, channel=channel, audience=audience, acting=offer.member.user
        )
    c = svc.connection_propose(request=request, offer=offer, acting=request.member.user)
    if accepted:
        c = svc.connection_answer(connection=c, accept=True, acting=offer.member.user)
    card = contact_for(c, request.member.user)
    if not accepted:
        assert card is None
        return
    local = {ch for ch, aud in consents if aud == "network"}
    assert bool(card.email) == ("email" in local)
    assert bool(card.phone) == ("phone" in local)
    assert bool(card.link) == ("link" in local)
    assert card.through_facilitator == (
        "via_facilitator" in local or not ({"email", "phone", "link"} & local)
    )
    assert contact_for(c, offer.member.user).display_name == request.member.display_name


def test_cancelling_a_connection_cancels_its_exchange(pair):
    request, offer = pair
    c = svc.connection_propose(request=request, offer=offer, acting=request.member.user)
    c = svc.connection_answer(connection=c, accept=True, acting=offer.member.user)
    exchange = ex.exchange_from_connection(connection=c, acting=offer.member.user)
    svc.connection_cancel(connection=c, acting=request.member.user)
    exchange.refresh_from_db()
    assert exchange.status == "cancelled"


def test_reopening_the_agreement_brings_the_connection_back(pair):
    request, offer = pair
    c = svc.connection_propose(request=request, offer=offer, acting=request.member.user)
    c = svc.connection_answer(connection=c, accept=True, acting=offer.member.user)
    exchange = ex.exchange_from_connection(connection=c, acting=offer.member.user)
    ex.agreement_update(exchange=exchange, acting=offer.member.user, content="A")
    ex.agreement_confirm(exchange=exchange, acting=offer.member.user)
    ex.agreement_confirm(exchange=exchange, acting=request.member.user)
    c.refresh_from_db()
    assert c.status == "agreed"
    ex.agreement_update(exchange=exchange, acting=request.member.user, content="B")
    c.refresh_from_db()
    assert c.status == "accepted"


def test_without_broker_the_proposal_stands_and_its_email_leaves_with_the_sweep(
    pair, monkeypatch, django_capture_on_commit_callbacks
):
    from kombu.exceptions import OperationalError as BrokerUnreachable

    from rers_core.models import ContactMessage
    from rers_core.services.notifications import unsent_emails_queue
    from rers_core.services.portal import contact_message_receive
    from rers_core.tasks import forward_contact_message, send_notification

    request, offer = pair
    offer.member.network.contact_email = "contact@example.org"
    offer.member.network.save()

    def broker_down(*args, **kwargs):
        raise BrokerUnreachable("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    with monkeypatch.context() as patch:  # Redis restarting
        patch.setattr(send_notification, "delay", broker_down)
        patch.setattr(forward_contact_message, "delay", broker_down)
        with django_capture_on_commit_callbacks(execute=True):  # no error for the person
            connection = svc.connection_propose(
                request=request, offer=offer, acting=request.member.user
            )
            contact_message_receive(
                network=offer.member.network,
                name="Alex",
                email="alex@example.org",
                subject="Bonjour",
                message="Quand a lieu la permanence ?",
            )
    assert Connection.objects.filter(pk=connection.pk).exists() and mail.outbox == []

    assert unsent_emails_queue() == 0  # the usual path still has its two minutes
    later = timezone.now() + timedelta(minutes=3)
    monkeypatch.setattr(timezone, "now", lambda: later)
    assert unsent_emails_queue() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["contact@example.org", offer.member.email]
    assert unsent_emails_queue() == 0  # sent once
    assert ContactMessage.objects.get().emailed_at is not None
