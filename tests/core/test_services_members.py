import pytest

from rers_core.errors import DomainError, InvalidTransition, NotAllowed, ValidationFailed
from rers_core.models import ContactConsent, Listing, Member, WithdrawalRecord
from rers_core.selectors.members import user_data_export
from rers_core.services import members as svc
from rers_core.services.listings import listing_create
from rers_core.testing.factories import ListingFactory, MemberFactory, UserFactory


def test_join_accept_charter_makes_a_member(network):
    user = UserFactory()
    visitor = svc.member_join(network=network, user=user, display_name="Alex", acting=user)
    assert visitor.status == Member.Status.VISITOR
    svc.member_accept_charter(member=visitor, acting=user)
    visitor.refresh_from_db()
    assert visitor.status == Member.Status.MEMBER
    assert visitor.joined_at is not None
    assert visitor.charter_acceptances.count() == 1


def test_joining_twice_is_refused(network):
    user = UserFactory()
    svc.member_join(network=network, user=user, display_name="Alex", acting=user)
    with pytest.raises(DomainError, match="already"):
        svc.member_join(network=network, user=user, display_name="Alex", acting=user)


def test_display_name_required(network):
    user = UserFactory()
    with pytest.raises(ValidationFailed) as exc:
        svc.member_join(network=network, user=user, display_name="  ", acting=user)
    assert exc.value.field == "display_name"


def test_someone_else_cannot_update_a_profile(network, member):
    stranger = MemberFactory(network=network)
    with pytest.raises(NotAllowed):
        svc.member_update_profile(member=member, acting=stranger.user, display_name="X")


def test_facilitator_of_other_network_cannot_act(member, other_network):
    from rers_core.testing.factories import FacilitatorFactory

    outsider = FacilitatorFactory(network=other_network)
    with pytest.raises(NotAllowed):
        svc.member_update_profile(member=member, acting=outsider.user, display_name="X")


def test_consent_history_is_kept(member):
    acting = member.user
    first = svc.consent_grant(member=member, channel="email", audience="network", acting=acting)
    again = svc.consent_grant(member=member, channel="email", audience="network", acting=acting)
    assert again.pk == first.pk
    svc.consent_revoke(consent=first, acting=acting)
    svc.consent_grant(member=member, channel="email", audience="network", acting=acting)
    assert ContactConsent.objects.filter(member=member).count() == 2
    assert ContactConsent.objects.filter(member=member, revoked_at__isnull=True).count() == 1


def test_withdraw_erases_and_is_idempotent(member, facilitator):
    svc.consent_grant(
        member=member,
        channel="phone",
        audience="federated",
        scope="emplois hospitaliers",
        acting=member.user,
    )
    listing = ListingFactory(member=member, title="Mon métier d'aide-soignante")
    user_id = member.user_id
    svc.member_withdraw(member=member, acting=member.user)
    member.refresh_from_db()
    assert member.status == Member.Status.WITHDRAWN
    assert (member.display_name, member.presentation, member.email, member.phone) == (
        "",
        "",
        "",
        "",
    )
    assert member.user_id is None
    from django.contrib.auth import get_user_model

    assert not get_user_model().objects.filter(pk=user_id).exists()
    listing.refresh_from_db()
    assert listing.status == Listing.Status.CLOSED and listing.title == ""
    assert not ContactConsent.objects.filter(member=member, revoked_at__isnull=True).exists()
    assert not ContactConsent.objects.exclude(scope="").exists()
    assert WithdrawalRecord.objects.get().performed_by == "self"
    svc.member_withdraw(member=member, acting=facilitator.user)
    assert WithdrawalRecord.objects.count() == 1


def test_withdrawn_member_cannot_go_back(member):
    svc.member_withdraw(member=member, acting=None)
    with pytest.raises(InvalidTransition):
        member.transition(Member.Status.MEMBER)


def test_visitor_cannot_post_listing(network):
    visitor = MemberFactory(network=network, status=Member.Status.VISITOR)
    with pytest.raises(DomainError, match="charter"):
        listing_create(
            member=visitor,
            direction="offer",
            kind="knowledge",
            domain="numerique",
            title="Excel",
            acting=visitor.user,
        )


def test_export_contains_everything(member):
    ListingFactory(member=member, title="Cuisine du monde")
    data = user_data_export(member.user)
    assert data["account"]["email"] == member.user.email
    assert data["memberships"][0]["listings"][0]["title"] == "Cuisine du monde"


def test_facilitator_cannot_enrol_an_existing_account(network, facilitator, other_network):
    someone = MemberFactory(network=other_network)
    with pytest.raises(ValidationFailed) as exc:
        svc.member_register(
            network=network,
            email=someone.user.email.upper(),
            display_name="X",
            acting=facilitator.user,
        )
    assert exc.value.field == "email"
    assert not Member.objects.filter(network=network, user=someone.user).exists()
