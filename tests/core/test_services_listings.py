import pytest

from rers_core.errors import DomainError, InvalidTransition, NotAllowed, NotFound, ValidationFailed
from rers_core.models import Listing
from rers_core.selectors.listings import listing_list, listing_text_filter
from rers_core.services import listings as svc
from rers_core.testing.factories import ListingFactory, MemberFactory


def make(member, acting=None, **kw):
    fields = {
        "direction": "offer",
        "kind": "know_how",
        "domain": "numerique",
        "title": "Faire un tableau Excel",
    } | kw
    return svc.listing_create(member=member, acting=acting or member.user, **fields)


def test_member_creates_an_offer(member):
    listing = make(member, description="Formules et graphiques", group=True)
    assert listing.status == Listing.Status.OPEN
    assert listing.domain.slug == "numerique"
    assert listing.modalities == ["one_to_one", "group"]


def test_facilitator_records_on_behalf(member, facilitator):
    listing = make(member, acting=facilitator.user)
    assert listing.member == member and listing.created_by == facilitator.user


def test_other_member_cannot_record_on_behalf(member, network):
    with pytest.raises(NotAllowed):
        make(member, acting=MemberFactory(network=network).user)


def test_domain_must_belong_to_the_network(member, other_network):
    with pytest.raises(NotFound):
        make(member, domain=other_network.domains.first().pk)


@pytest.mark.parametrize(
    ("kw", "field"),
    [
        ({"title": " "}, "title"),
        ({"direction": "gift"}, "direction"),
        ({"kind": "service"}, "kind"),
        ({"one_to_one": False}, "one_to_one"),
        ({"title": "x" * 500}, "title"),
    ],
)
def test_bad_input(member, kw, field):
    with pytest.raises(ValidationFailed) as exc:
        make(member, **kw)
    assert exc.value.field == field
    assert not Listing.objects.exists()


def test_external_ref_unique_per_network(member, network):
    make(member, external_ref="A-1")
    with pytest.raises(ValidationFailed) as exc:
        make(member, external_ref="A-1")
    assert exc.value.field == "external_ref"


def test_lifecycle(member):
    listing = make(member)
    svc.listing_pause(listing=listing, acting=member.user)
    svc.listing_pause(listing=listing, acting=member.user)
    listing.refresh_from_db()
    assert listing.status == "paused"
    svc.listing_reopen(listing=listing, acting=member.user)
    svc.listing_close(listing=listing, acting=member.user)
    with pytest.raises(InvalidTransition):
        svc.listing_reopen(listing=listing, acting=member.user)
    with pytest.raises(DomainError):
        svc.listing_update(listing=listing, title="Autre", acting=member.user)


def test_visibility_rules(network, member, facilitator, other_network):
    mine_paused = ListingFactory(member=member, status="paused")
    other = MemberFactory(network=network)
    theirs_open = ListingFactory(member=other)
    theirs_paused = ListingFactory(member=other, status="paused")
    foreign = ListingFactory(member=MemberFactory(network=other_network))
    seen = set(listing_list(network, member.user))
    assert seen == {mine_paused, theirs_open}
    assert set(listing_list(network, facilitator.user)) == {mine_paused, theirs_open, theirs_paused}
    assert foreign not in set(listing_list(network, facilitator.user))
    assert not listing_list(other_network, member.user).exists()


def test_text_filter(member):
    hit = ListingFactory(member=member, title="Rédiger son CV")
    ListingFactory(member=member, title="Cuisine")
    assert list(listing_text_filter(Listing.objects.all(), "cv")) == [hit]
