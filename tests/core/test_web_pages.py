"""Every portal page: language, accessibility basics, forms, filters, and no 500 on bad input."""

import re
from html.parser import HTMLParser

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from rers_core.models import ContactConsent, Listing, Member
from rers_core.selectors.networks import charter_current
from rers_core.services.members import member_register
from rers_core.services.networks import charter_publish
from rers_core.testing.factories import (
    PASSWORD,
    DomainFactory,
    ListingFactory,
    MemberFactory,
    NetworkFactory,
)
from tests.conftest import in_english, login
from tests.core.neighbours_support import pretend_neighbours


class _Page(HTMLParser):
    """Collects what the accessibility checks need from a page."""

    def __init__(self):
        super().__init__()
        self.html_lang = None
        self.h1 = 0
        self.landmarks = set()
        self.label_for = set()
        self.controls = []  # (tag, attrs) of inputs needing a label
        self.open_labels = 0
        self.controls_in_label = set()
        self.ids = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("id"):
            self.ids.append(attrs["id"])
        if tag == "html":
            self.html_lang = attrs.get("lang")
        elif tag == "h1":
            self.h1 += 1
        elif tag in ("header", "nav", "main", "footer"):
            self.landmarks.add(tag)
        elif tag == "label":
            self.open_labels += 1
            if attrs.get("for"):
                self.label_for.add(attrs["for"])
        elif tag in ("input", "select", "textarea"):
            if attrs.get("type") in ("hidden", "submit", "button"):
                return
            self.controls.append((tag, attrs))
            if self.open_labels and attrs.get("id"):
                self.controls_in_label.add(attrs["id"])

    def handle_endtag(self, tag):
        if tag == "label":
            self.open_labels -= 1


def _parse(response):
    page = _Page()
    page.feed(response.content.decode())
    return page


def _assert_accessible_basics(response):
    page = _parse(response)
    content = response.content.decode()
    assert page.h1 == 1, "exactly one h1"
    assert {"header", "nav", "main", "footer"} <= page.landmarks
    assert 'class="skip-link" href="#main"' in content
    assert 'id="main"' in content
    assert 'action="/i18n/setlang/"' in content
    assert 'rel="stylesheet" href="/static/rers_core/css/rers.css"' in content
    assert "style=" not in content and "<script" not in content
    for _tag, attrs in page.controls:
        control_id = attrs.get("id")
        assert control_id, attrs
        assert control_id in page.label_for or control_id in page.controls_in_label, attrs
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert not duplicates
    return page


@pytest.fixture
def pages(network, member, facilitator):
    listing = ListingFactory(member=member)
    slug = network.slug
    return {
        "anonymous": [
            reverse("rers_core:network", args=[slug]),
            reverse("rers_core:signup"),
            reverse("rers_core:login"),
            reverse("rers_core:password_reset"),
            reverse("rers_core:password_reset_done"),
            reverse("rers_core:goodbye"),
        ],
        "member": [
            reverse("rers_core:network", args=[slug]),
            reverse("rers_core:me", args=[slug]),
            reverse("rers_core:charter", args=[slug]),
            reverse("rers_core:consents", args=[slug]),
            reverse("rers_core:my_listings", args=[slug]),
            reverse("rers_core:listings", args=[slug]),
            reverse("rers_core:listing_create", args=[slug]),
            reverse("rers_core:listing_detail", args=[slug, listing.pk]),
            reverse("rers_core:listing_edit", args=[slug, listing.pk]),
            reverse("rers_core:withdraw", args=[slug]),
        ],
        "facilitator": [
            reverse("rers_core:manage_members", args=[slug]),
            reverse("rers_core:manage_member_new", args=[slug]),
            reverse("rers_core:manage_member", args=[slug, member.pk]),
            reverse("rers_core:manage_member_charter", args=[slug, member.pk]),
            reverse("rers_core:manage_member_consents", args=[slug, member.pk]),
            reverse("rers_core:manage_listing_create", args=[slug, member.pk]),
            reverse("rers_core:manage_member_withdraw", args=[slug, member.pk]),
        ],
    }


def test_every_page_has_the_accessibility_basics_and_labelled_fields(
    client, pages, member, facilitator
):
    checked = 0
    for who, urls in pages.items():
        if who == "member":
            login(client, member)
        elif who == "facilitator":
            login(client, facilitator)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            _assert_accessible_basics(response)
            checked += 1
    assert checked == sum(len(urls) for urls in pages.values())


def test_invalid_forms_show_errors_tied_to_their_fields(client, network, member):
    login(client, member)
    response = client.post(
        reverse("rers_core:listing_create", args=[network.slug]),
        {
            "title": "",
            "direction": "offer",
        },
    )
    assert response.status_code == 200
    _assert_accessible_basics(response)
    content = response.content.decode()
    assert 'class="error-summary"' in content
    assert 'id="id_title_error"' in content
    title_input = r'<input[^>]+aria-describedby="[^"]*id_title_error"[^>]*id="id_title"'
    assert re.search(title_input, content)
    assert 'aria-invalid="true"' in content
    assert re.search(r'<fieldset[^>]+aria-describedby="id_kind_error"', content)


def test_pages_are_french_by_default_and_english_on_request(client, network):
    url = reverse("rers_core:network", args=[network.slug])
    assert _parse(client.get(url)).html_lang == "fr"
    response = client.post("/i18n/setlang/", {"language": "en", "next": url})
    assert response.status_code == 302
    page = client.get(url)
    assert _parse(page).html_lang == "en"
    assert 'value="en" lang="en" aria-pressed="true"' in page.content.decode()
    client.post("/i18n/setlang/", {"language": "fr", "next": url})
    assert _parse(client.get(url)).html_lang == "fr"


def test_home_goes_straight_to_the_only_network(client, network):
    response = client.get(reverse("rers_core:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("rers_core:network", args=[network.slug])


def test_home_lists_networks_when_there_are_several(client, network):
    NetworkFactory(
        slug="montivilliers",
        name="RERS de Montivilliers",
        city="Montivilliers",
        description="Un réseau tout neuf.",
    )
    response = client.get(reverse("rers_core:home"))
    assert response.status_code == 200
    content = response.content.decode()
    expected = ("RERS de Souday", "RERS de Montivilliers", "Montivilliers", "Un réseau tout neuf.")
    for text in expected:
        assert text in content
    _assert_accessible_basics(response)


def test_network_page_call_to_action_follows_the_visitors_state(client, network, member):
    url = reverse("rers_core:network", args=[network.slug])
    join_url = reverse("rers_core:join", args=[network.slug])
    assert reverse("rers_core:signup") in client.get(url).content.decode()

    login(client, MemberFactory(network=NetworkFactory()))
    assert f'href="{join_url}"' in client.get(url).content.decode()

    login(client, MemberFactory(network=network, status=Member.Status.VISITOR, joined_at=None))
    assert reverse("rers_core:charter", args=[network.slug]) in client.get(url).content.decode()

    login(client, member)
    content = client.get(url).content.decode()
    assert reverse("rers_core:listings", args=[network.slug]) in content
    assert reverse("rers_core:me", args=[network.slug]) in content


def test_a_new_charter_version_invites_members_to_accept_it(client, network, member, coordinator):
    charter_publish(network=network, text="Nouvelle charte, version deux.", acting=coordinator.user)
    login(client, member)
    charter_url = reverse("rers_core:charter", args=[network.slug])
    assert charter_url in client.get(reverse("rers_core:me", args=[network.slug])).content.decode()
    page = client.get(charter_url)
    assert "Nouvelle charte, version deux." in page.content.decode()
    # Accepting a version read before the change is refused with an explanation.
    stale = client.post(charter_url, {"accept": "on", "charter": charter_current(network).pk - 1})
    assert stale.status_code == 200
    assert not member.charter_acceptances.filter(charter__version=2).exists()
    client.post(charter_url, {"accept": "on", "charter": charter_current(network).pk})
    assert member.charter_acceptances.filter(charter__version=2).exists()
    assert 'name="accept"' not in client.get(charter_url).content.decode()


def test_consent_page_saves_choices_and_shows_the_dated_history(client, network, member):
    login(client, member)
    url = reverse("rers_core:consents", args=[network.slug])
    client.post(url, {"consent_network": ["email", "phone"], "consent_scope": ""})
    client.post(
        url,
        {
            "consent_network": ["phone"],
            "consent_federated": ["via_facilitator"],
            "consent_scope": "questions sur les métiers de l'hôpital",
        },
    )
    active = ContactConsent.objects.filter(member=member, revoked_at__isnull=True)
    assert {(c.channel, c.audience) for c in active} == {
        ("phone", "network"),
        ("via_facilitator", "federated"),
    }
    page = client.get(url)
    content = page.content.decode()
    assert content.count("<tr>") == 1 + ContactConsent.objects.filter(member=member).count()
    assert "<time datetime=" in content
    # The form shows the current choices ticked.
    assert re.search(r'value="phone"[^>]*id="id_consent_network_1" checked', content)
    assert not re.search(r'value="email"[^>]*id="id_consent_network_0" checked', content)


def test_profile_says_contact_details_stay_private(client, network, member):
    in_english(client)  # the assertions read English messages
    login(client, member)
    url = reverse("rers_core:me", args=[network.slug])
    content = client.get(url).content.decode()
    assert "never see your contact details" in content
    response = client.post(url, {"display_name": "  ", "email": "pas-un-email"})
    assert response.status_code == 200
    assert 'id="id_display_name_error"' in response.content.decode()
    assert 'id="id_email_error"' in response.content.decode()
    response = client.post(url, {"display_name": "Nouveau nom", "phone": "07 00 00 00 00"})
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.display_name, member.phone) == ("Nouveau nom", "07 00 00 00 00")


def test_browse_filters_by_domain_and_kind_and_paginates(client, network, member):
    first, second = network.domains.order_by("position")[:2]
    ListingFactory(member=member, domain=first, kind="knowledge", title="Premier domaine")
    ListingFactory(member=member, domain=second, kind="experience", title="Second domaine")
    ListingFactory(member=member, domain=second, title="En pause", status=Listing.Status.PAUSED)
    login(client, member)
    url = reverse("rers_core:listings", args=[network.slug])
    content = client.get(url, {"domain": second.pk}).content.decode()
    assert "Second domaine" in content and "Premier domaine" not in content
    assert "En pause" not in content
    content = client.get(url, {"kind": "knowledge"}).content.decode()
    assert "Premier domaine" in content and "Second domaine" not in content

    for index in range(25):
        ListingFactory(member=member, domain=first, title=f"Lot {index:02d}")
    page_one = client.get(url).content.decode()
    assert "?page=2" in page_one
    page_two = client.get(url, {"page": 2, "domain": first.pk}).content.decode()
    assert "domain=" in page_two and "page=1" in page_two


def test_browse_query_count_does_not_grow_with_the_page(client, network, member):
    login(client, member)
    url = reverse("rers_core:listings", args=[network.slug])
    ListingFactory.create_batch(3, member=MemberFactory(network=network))
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    ListingFactory.create_batch(15, member=MemberFactory(network=network))
    with CaptureQueriesContext(connection) as many:
        client.get(url)
    assert len(many) == len(few)


@pytest.mark.parametrize(
    "url",
    [
        "/souday/listings/?domain=abc&direction=sideways&kind=%00&page=last",
        "/souday/listings/?page=-1&q=" + "x" * 500,
        "/souday/listings/99999999/",
        "/souday/listings/abc/",
        "/souday/listings/99999999/edit/",
        "/nowhere/",
        "/nowhere/listings/",
        "/souday/manage/members/abc/",
        "/souday/manage/members/99999999/",
        "/souday/manage/members/?q=%25&page=zzz",
    ],
)
def test_bad_input_never_breaks_a_page(client, network, member, facilitator, url):
    login(client, facilitator)
    response = client.get(url)
    assert response.status_code in (200, 404)


def test_bad_form_input_is_answered_with_messages(
    client, network, member, other_network, monkeypatch
):
    pretend_neighbours(monkeypatch)  # so that "visible to" is a field of the form
    login(client, member)
    foreign_domain = other_network.domains.first()
    create = reverse("rers_core:listing_create", args=[network.slug])
    response = client.post(
        create,
        {
            "direction": "offer",
            "kind": "knowledge",
            "domain": foreign_domain.pk,
            "title": "x" * 500,
            "modalities": ["teleportation"],
            "setting": "moon",
            "visibility": "everyone",
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    for field in ("domain", "title", "modalities", "setting", "visibility"):
        assert f'id="id_{field}_error"' in content
    assert not Listing.objects.filter(member=member).exists()

    retired = DomainFactory(network=network, is_active=False)
    response = client.post(
        create,
        {
            "direction": "offer",
            "kind": "knowledge",
            "domain": retired.pk,
            "title": "Ok",
            "modalities": ["group"],
            "setting": "remote",
            "visibility": "network",
        },
    )
    assert response.status_code == 200
    assert not Listing.objects.filter(member=member).exists()

    closed = ListingFactory(member=member, status=Listing.Status.CLOSED)
    args = [network.slug, closed.pk]
    response = client.post(reverse("rers_core:listing_close", args=args), follow=True)
    assert response.status_code == 200
    response = client.post(reverse("rers_core:listing_pause", args=args), follow=True)
    assert response.status_code == 200
    assert "message--error" in response.content.decode()
    closed.refresh_from_db()
    assert closed.status == Listing.Status.CLOSED
    response = client.get(reverse("rers_core:listing_edit", args=args))
    assert response.status_code == 302


def test_join_refuses_a_blank_name_and_a_second_join(client, network, member):
    other = MemberFactory(network=NetworkFactory()).user
    client.force_login(other)
    url = reverse("rers_core:join", args=[network.slug])
    response = client.post(
        url, {"display_name": "   ", "accept_charter": "on", "charter": charter_current(network).pk}
    )
    assert response.status_code == 200
    assert not Member.objects.filter(user=other, network=network).exists()
    login(client, member)
    assert client.get(url)["Location"] == reverse("rers_core:me", args=[network.slug])


def test_sign_up_checks_passwords_emails_and_the_next_address(client, network, member):
    url = reverse("rers_core:signup")
    weak = client.post(url, {"email": "a@example.org", "password1": "123", "password2": "123"})
    assert weak.status_code == 200 and 'id="id_password1_error"' in weak.content.decode()
    differ = client.post(
        url,
        {
            "email": "a@example.org",
            "password1": "long-enough-passphrase-1",
            "password2": "long-enough-passphrase-2",
        },
    )
    assert 'id="id_password2_error"' in differ.content.decode()
    taken = client.post(
        url,
        {
            "email": member.user.email.upper(),
            "password1": "long-enough-passphrase-1",
            "password2": "long-enough-passphrase-1",
        },
    )
    assert 'id="id_email_error"' in taken.content.decode()
    response = client.post(
        url + "?next=https://evil.example.org/",
        {
            "email": "b@example.org",
            "password1": "long-enough-passphrase-1",
            "password2": "long-enough-passphrase-1",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("rers_core:home")


def test_log_in_with_the_email_in_any_case_and_log_out(client, network, member):
    in_english(client)  # the assertions read English messages
    wrong = client.post(
        reverse("rers_core:login"),
        {
            "username": member.user.email,
            "password": "not-the-password",
        },
    )
    assert wrong.status_code == 200
    assert "do not match an account" in wrong.content.decode()
    response = client.post(
        reverse("rers_core:login"),
        {
            "username": member.user.email.upper(),
            "password": PASSWORD,
        },
    )
    assert response.status_code == 302
    assert client.get(reverse("rers_core:me", args=[network.slug])).status_code == 200
    assert client.get(reverse("rers_core:logout")).status_code == 405
    assert client.post(reverse("rers_core:logout")).status_code == 302
    assert client.get(reverse("rers_core:me", args=[network.slug])).status_code == 302


def test_someone_registered_at_a_drop_in_can_choose_a_password(client, network, facilitator):
    member_register(
        network=network, email="drop-in@example.org", display_name="Sasha", acting=facilitator.user
    )
    response = client.post(reverse("rers_core:password_reset"), {"email": "drop-in@example.org"})
    assert response.status_code == 302
    [message] = mail.outbox
    link = re.search(r"https?://[^/]+(/\S+)", message.body).group(1)
    page = client.get(link, follow=True)
    assert page.status_code == 200
    set_url = page.redirect_chain[-1][0]
    response = client.post(
        set_url,
        {"new_password1": "a-fresh-passphrase-77", "new_password2": "a-fresh-passphrase-77"},
    )
    assert response.status_code == 302
    assert client.login(username="drop-in@example.org", password="a-fresh-passphrase-77")


def test_facilitators_search_members(client, network, facilitator):
    MemberFactory(network=network, display_name="Bérénice")
    MemberFactory(network=network, display_name="Gaspard")
    login(client, facilitator)
    url = reverse("rers_core:manage_members", args=[network.slug])
    content = client.get(url, {"q": "béré"}).content.decode()
    assert "Bérénice" in content and "Gaspard" not in content
    assert "Gaspard" in client.get(url).content.decode()


def test_the_stylesheet_is_local_and_self_contained():
    from django.contrib.staticfiles import finders

    path = finders.find("rers_core/css/rers.css")
    assert path is not None
    css = open(path, encoding="utf-8").read()
    assert "@import" not in css and "http" not in css
    assert ":focus-visible" in css and "@media (min-width" in css
