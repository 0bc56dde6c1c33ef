"""Offers and requests: browse, read, post, edit, pause, reopen, close.

Posting for someone else is the same view with ``member_id`` (facilitator area); editing
and status changes check ``can_act_for`` on the listing's member, so they serve both.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from rers_core import listing_cache, permissions
from rers_core.errors import DomainError
from rers_core.models import Listing, Member, Network
from rers_core.selectors.listings import (
    Scope,
    listing_get,
    listing_list,
    listing_text_filter,
    listings_from,
    listings_within,
)
from rers_core.selectors.networks import network_has_neighbours
from rers_core.services.listings import (
    listing_close,
    listing_create,
    listing_pause,
    listing_reopen,
    listing_update,
)
from rers_core.web.forms import ListingFilterForm, ListingForm
from rers_core.web.views._common import (
    get_network,
    portal_view,
    render_confirmation,
    render_page,
    resolve_subject,
    safe_next,
)
from rers_core.web.views.connections import listing_matching_context

PAGE_SIZE = 20


def _charter_required(request: HttpRequest, network: Network, *, subject=None) -> HttpResponse:
    """Visitors (and outsiders) are told what to do instead of seeing an empty page."""
    return render_page(
        request,
        "rers_core/charter_required.html",
        {
            "subject": subject,
        },
        network=network,
        status=403,
    )


@login_required
@portal_view
def listing_browse(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_network(slug)
    if not permissions.can_browse(request.user, network):
        return _charter_required(request, network)
    browser = listing_cache.cached(
        network.pk,
        ("portal", request.GET.urlencode()),
        lambda: _listing_browser(request, network),
    )
    return render_page(request, "rers_core/listings.html", {"browser": browser}, network=network)


def _listing_browser(request: HttpRequest, network: Network) -> SafeString:
    """The filters and one page of the open listings, as HTML. Whoever may browse sees the
    same open listings (a facilitator's other ones, a member's paused ones are not shown
    here), so the HTML is the same for all of them, and cached per address and language
    (a SafeString stays one through the cache)."""
    # Whether the filters offer the neighbouring networks' listings depends on having any
    # (a peering's change replaces the cache's version: rers_federation.apps).
    neighbours = network_has_neighbours(network)
    form = ListingFilterForm(request.GET or None, network=network, neighbours=neighbours)
    filters = form.filters() if form.is_bound else {}
    qs = listing_list(network, request.user).filter(status=Listing.Status.OPEN)
    scope = filters.get("scope", Scope.HERE)
    qs = listings_from(qs, scope)
    if "within_km" in filters:
        qs = listings_within(qs, filters["within_km"])
    for name in ("direction", "kind", "domain"):
        if name in filters:
            qs = qs.filter(**{name: filters[name]})
    if "q" in filters:
        qs = listing_text_filter(qs, filters["q"], scope)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_to_string(
        "rers_core/includes/listing_browser.html",
        {"network": network, "form": form, "page": page, "filtered": bool(filters)},
        request=request,
    )


@login_required
@portal_view
def listing_detail(request: HttpRequest, slug: str, listing_id: int) -> HttpResponse:
    network = get_network(slug)
    if not permissions.can_browse(request.user, network):
        return _charter_required(request, network)
    listing = listing_get(network, request.user, listing_id)
    return listing_page(request, network, listing)


def listing_page(
    request: HttpRequest,
    network: Network,
    listing: Listing,
    matching: dict[str, Any] | None = None,
    **context: Any,
) -> HttpResponse:
    """A listing's page; ``matching``: its :func:`listing_matching_context` when already
    read; ``context`` replaces parts of the page (a form sent back with errors)."""
    return render_page(
        request,
        "rers_core/listing_detail.html",
        {
            "listing": listing,
            "can_edit": permissions.can_change_listing(request.user, listing),
            "next": request.get_full_path(),
            # Suggestions, "ask to be put in contact", "I can help" (see views.connections).
            **(matching or listing_matching_context(request, network, listing)),
            **context,
        },
        network=network,
    )


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def listing_new(request: HttpRequest, slug: str, member_id: int | None = None) -> HttpResponse:
    subject = resolve_subject(request, slug, member_id)
    if subject.member.status != Member.Status.MEMBER:
        return _charter_required(request, subject.network, subject=subject)
    form = ListingForm(
        request.POST or None,
        network=subject.network,
        neighbours=network_has_neighbours(subject.network),
    )
    if request.method == "POST" and form.is_valid():
        try:
            listing_create(member=subject.member, acting=request.user, **form.service_fields())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The listing is published."))
            return redirect(subject.urls["listings"])
    return render_page(
        request,
        "rers_core/listing_form.html",
        {
            "form": form,
            "subject": subject,
            "listing": None,
        },
        network=subject.network,
    )


def _owned_listing(request: HttpRequest, slug: str, listing_id: int) -> tuple[Network, Listing]:
    """A listing of this network the request user may change (their own, or as facilitator)."""
    network = get_network(slug)
    listing = listing_get(network, request.user, listing_id)
    if not permissions.can_change_listing(request.user, listing):
        raise PermissionDenied(_("You can only change your own listings."))
    return network, listing


def _return_url(request: HttpRequest, listing: Listing) -> str:
    if listing.member.user_id == request.user.pk:
        default = reverse("rers_core:my_listings", args=[listing.network.slug])
    else:
        default = reverse("rers_core:manage_member", args=[listing.network.slug, listing.member_id])
    return safe_next(request, default)


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def listing_edit(request: HttpRequest, slug: str, listing_id: int) -> HttpResponse:
    network, listing = _owned_listing(request, slug, listing_id)
    if listing.status == Listing.Status.CLOSED:
        messages.error(request, _("A closed listing cannot be edited; post a new one instead."))
        return redirect(_return_url(request, listing))
    form = ListingForm(
        request.POST or None,
        network=network,
        neighbours=network_has_neighbours(network),
        initial=ListingForm.initial_from(listing),
    )
    if request.method == "POST" and form.is_valid():
        try:
            listing_update(listing=listing, acting=request.user, **form.service_fields())
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The listing is saved."))
            return redirect(_return_url(request, listing))
    return render_page(
        request,
        "rers_core/listing_form.html",
        {
            "form": form,
            "listing": listing,
            "next": safe_next(request, ""),
            "on_behalf": listing.member.user_id != request.user.pk,
        },
        network=network,
    )


def _status_view(
    service: Callable[..., Listing], done: str | Promise
) -> Callable[[HttpRequest, str, int], HttpResponse]:
    @login_required
    @require_POST
    @portal_view
    def view(request: HttpRequest, slug: str, listing_id: int) -> HttpResponse:
        _network, listing = _owned_listing(request, slug, listing_id)
        try:
            service(listing=listing, acting=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done)
        return redirect(_return_url(request, listing))

    view.__doc__ = service.__doc__
    return view


listing_pause_view = _status_view(listing_pause, gettext_lazy("The listing is paused."))
listing_reopen_view = _status_view(listing_reopen, gettext_lazy("The listing is open again."))
_listing_close = _status_view(listing_close, gettext_lazy("The listing is closed."))


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def listing_close_view(request: HttpRequest, slug: str, listing_id: int) -> HttpResponse:
    """Close a listing for good: the page asks first (GET), its button closes it (POST)."""
    if request.method == "POST":
        return _listing_close(request, slug, listing_id)
    network, listing = _owned_listing(request, slug, listing_id)
    if listing.status == Listing.Status.CLOSED:
        messages.info(request, _("This listing is closed."))
        return redirect(_return_url(request, listing))
    consequences = [_("It cannot be reopened afterwards.")]
    if listing.status == Listing.Status.OPEN:
        consequences.append(_("To stop it for a while only, pause it instead."))
    return render_confirmation(
        request,
        network=network,
        question=_("Close “%(title)s” for good?") % {"title": listing.title},
        consequences=consequences,
        confirm_label=_("Yes, close it"),
        back_url=_return_url(request, listing),
    )
