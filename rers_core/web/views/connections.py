"""Connections (mises en relation): ask for one, answer it, follow it to its exchange.

Nothing about the other person's contact details is shown before both have accepted;
then only what :func:`contact_for` returns, which follows each person's consents.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ObjectDoesNotExist
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from rers_core import permissions
from rers_core.errors import DomainError, NotFound
from rers_core.models import Connection, ContactConsent, Exchange, Listing, Member, Network
from rers_core.selectors.connections import connection_get, connection_list, contact_for
from rers_core.selectors.listings import listing_get
from rers_core.selectors.members import consents_active
from rers_core.selectors.suggestions import suggestions_for_request
from rers_core.services.connections import (
    connection_answer,
    connection_cancel,
    connection_mark_relayed,
    connection_propose,
)
from rers_core.services.exchanges import exchange_from_connection
from rers_core.web.forms import AnswerForm, ConnectionFilterForm, ProposeForm
from rers_core.web.views._common import (
    JoinFirst,
    get_network,
    portal_view,
    render_confirmation,
    render_page,
    safe_next,
)

PAGE_SIZE = 25

# What each status means for the two people, in plain words.
STATUS_HELP = {
    Connection.Status.PROPOSED: gettext_lazy(
        "Waiting for answers. Nothing is shared until both people accept."
    ),
    Connection.Status.ACCEPTED: gettext_lazy(
        "Both people accepted: they can reach each other and agree on how their exchange will go."
    ),
    Connection.Status.AGREED: gettext_lazy("The exchange is agreed: its terms are written."),
    Connection.Status.DONE: gettext_lazy(
        "The exchange took place. Each person is asked for a short review."
    ),
    Connection.Status.CLOSED: gettext_lazy("Closed: the exchange and its reviews are done."),
    Connection.Status.DECLINED: gettext_lazy(
        "Declined: one of the two people said no. Everyone is free to say no; other members "
        "may answer, and the facilitators can help find them."
    ),
    Connection.Status.EXPIRED: gettext_lazy("Expired: nobody answered in time."),
    Connection.Status.CANCELLED: gettext_lazy("Cancelled: this connection will not go ahead."),
}


def own_membership(request: HttpRequest, network: Network) -> Member:
    """The request user's membership; someone from outside is sent to the join page."""
    member = permissions.membership(request.user, network)
    if member is None:
        raise JoinFirst(network)
    return member


def _connection_url(network: Network, connection: Connection) -> str:
    return reverse("rers_core:connection_detail", args=[network.slug, connection.pk])


# --- On a listing's page -------------------------------------------------------------------


def listing_matching_context(request: HttpRequest, network: Network, listing: Listing) -> dict:
    """What a listing's page offers for connections (used by ``listing_detail``).

    On a request: its owner and the facilitators see the offers that may answer it; another
    member can say "I can help". On someone else's offer: "Ask to be put in contact". On a
    neighbouring network's offer too: the request goes to that network, which asks its
    author. A neighbouring network's request has no author here to ask: facilitators answer
    it with one of our offers from the suggested connections.
    """
    viewer = permissions.membership(request.user, network)
    is_own = viewer is not None and listing.member_id == viewer.pk
    is_facilitator = viewer is not None and viewer.is_facilitator
    can_ask = (
        viewer is not None
        and viewer.status == Member.Status.MEMBER
        and not is_own
        and listing.status == Listing.Status.OPEN
    )
    is_request = listing.direction == Listing.Direction.REQUEST
    about = Q(request=listing) | Q(offer=listing)
    connections = list(connection_list(network, request.user).filter(about)[:10])
    # Someone already in contact about this listing follows that connection instead.
    already = any(
        c.status in Connection.ACTIVE and c.side_of(viewer) is not None for c in connections
    )
    can_ask_offer = can_ask and not is_request and not already
    can_help = can_ask and is_request and not already and not listing.is_mirrored
    show_suggestions = (
        is_request
        and not listing.is_mirrored
        and (is_own or is_facilitator)
        and listing.status == Listing.Status.OPEN
    )
    return {
        "suggestions": suggestions_for_request(listing) if show_suggestions else [],
        "show_suggestions": show_suggestions,
        "ask_form": ProposeForm(initial={"offer": listing.pk}) if can_ask_offer else None,
        "help_form": ProposeForm(initial={"request": listing.pk}) if can_help else None,
        "listing_connections": connections,
        # Whether the viewer's name and presentation would go to a neighbouring network.
        "known_to_neighbours": listing.is_mirrored
        and can_ask_offer
        and any(c.audience == ContactConsent.Audience.FEDERATED for c in consents_active(viewer)),
    }


@login_required
@require_POST
@portal_view
def connection_propose_view(request: HttpRequest, slug: str) -> HttpResponse:
    """Ask for a connection: about a request, an offer, or a request and an offer."""
    network = get_network(slug)
    own_membership(request, network)
    form = ProposeForm(request.POST)
    if not form.is_valid():
        shown = _listing_page_with(request, network, form)
        if shown is not None:
            return shown
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
        return redirect(safe_next(request, reverse("rers_core:connections", args=[slug])))
    data = form.cleaned_data
    # Listings are looked up within this network and what the user may see: others → 404.
    wanted = listing_get(network, request.user, data["request"]) if data["request"] else None
    offer = listing_get(network, request.user, data["offer"]) if data["offer"] else None
    # After a refusal, back to where the person asked from (the listing's page by default).
    back = safe_next(
        request, reverse("rers_core:listing_detail", args=[network.slug, (offer or wanted).pk])
    )
    try:
        connection = connection_propose(
            request=wanted, offer=offer, message=data["message"], acting=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    if connection.proposed_by == Connection.Proposer.FACILITATOR:
        messages.success(
            request,
            _(
                "The connection between %(requester)s and %(offerer)s is proposed. Both are asked; "
                "nothing is shared until both accept."
            )
            % {"requester": connection.requester_name, "offerer": connection.offerer_name},
        )
    else:
        asked_by_requester = connection.proposed_by == Connection.Proposer.REQUESTER
        other = "offerer" if asked_by_requester else "requester"
        if other == connection.remote_side:
            text = _(
                "Your request is sent to %(network)s, which asks the person concerned. Nothing "
                "is shared until they accept."
            ) % {"network": connection.remote_network_name}
        else:
            # The name never ends the sentence: "Sam M.." would read as a typo.
            text = _("Your request is sent to %(name)s: nothing is shared until they accept.") % {
                "name": connection.party(other).display_name
            }
        messages.success(request, text)
    if request.POST.get("next"):
        return redirect(back)
    return redirect(_connection_url(network, connection))


def _listing_page_with(request: HttpRequest, network, form: ProposeForm) -> HttpResponse | None:
    """The listing's page again with the person's words and the form's errors (a message
    too long, say), where the form was sent from a listing's page that offers it."""
    from rers_core.web.views.listings import listing_page

    name = "ask_form" if request.POST.get("offer") else "help_form"
    raw = request.POST.get("offer") or request.POST.get("request") or ""
    if not raw.isdigit():
        return None
    try:
        listing = listing_get(network, request.user, raw)
    except NotFound:
        return None
    matching = listing_matching_context(request, network, listing)
    if matching[name] is None:
        return None
    path = reverse("rers_core:listing_detail", args=[network.slug, listing.pk])
    return listing_page(request, network, listing, matching, **{name: form, "next": path})


# --- Lists and detail ----------------------------------------------------------------------


@login_required
@portal_view
def connection_list_view(request: HttpRequest, slug: str) -> HttpResponse:
    """My connections; for facilitators, all of the network's, by status or by member."""
    network = get_network(slug)
    viewer = own_membership(request, network)
    form = ConnectionFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    qs = connection_list(network, request.user)
    if "status" in filters:
        qs = qs.filter(status=filters["status"])
    if "member" in filters:
        qs = qs.filter(Q(requester_id=filters["member"]) | Q(offerer_id=filters["member"]))
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "rers_core/connections/list.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(filters),
            "all_of_network": viewer.is_facilitator,
            "status_help": STATUS_HELP,
        },
        network=network,
    )


def _side_context(connection: Connection, side: str) -> dict[str, Any]:
    return {
        "side": side,
        # None for the neighbouring network's person, who answers over there.
        "person": connection.party(side),
        "name": connection.requester_name if side == "requester" else connection.offerer_name,
        "remote": side == connection.remote_side,
        "answer": getattr(connection, f"{side}_answer"),
        "answer_display": getattr(connection, f"get_{side}_answer_display")(),
        "answered_at": getattr(connection, f"{side}_answered_at"),
        "pending": getattr(connection, f"{side}_answer") == Connection.Answer.PENDING,
    }


def _exchange_of(connection: Connection) -> Exchange | None:
    try:
        return connection.exchange
    except ObjectDoesNotExist:
        return None


@login_required
@portal_view
def connection_detail(request: HttpRequest, slug: str, connection_id: int) -> HttpResponse:
    network = get_network(slug)
    viewer = own_membership(request, network)
    # Only the two people and the network's facilitators find it; anyone else gets a 404.
    connection = connection_get(network, request.user, connection_id)
    my_side = connection.side_of(viewer)
    is_facilitator = viewer.is_facilitator
    proposed = connection.status == Connection.Status.PROPOSED
    sides = [_side_context(connection, s) for s in ("requester", "offerer")]
    mine = next((s for s in sides if s["side"] == my_side), None)
    exchange = _exchange_of(connection)
    audience = (
        ContactConsent.Audience.FEDERATED
        if connection.is_cross_network
        else ContactConsent.Audience.NETWORK
    )
    return render_page(
        request,
        "rers_core/connections/detail.html",
        {
            "connection": connection,
            "status_help": STATUS_HELP.get(connection.status, ""),
            "sides": sides,
            "my_side": my_side,
            "can_answer": proposed and mine is not None and mine["pending"],
            # The channels the other person will see, should the viewer accept: across
            # networks, those chosen for members of neighbouring networks.
            "my_consents": [c for c in consents_active(viewer) if c.audience == audience]
            if my_side
            else [],
            # The other network's person answers there, never through our facilitators.
            "record_sides": [s for s in sides if s["pending"] and not s["remote"]]
            if proposed and is_facilitator
            else [],
            "remote": next((s for s in sides if s["remote"]), None),
            # A proposal from the other network's facilitators has no account of ours.
            "proposed_there": connection.is_cross_network
            and connection.proposed_by == Connection.Proposer.FACILITATOR
            and connection.proposed_by_user_id is None,
            "contact": contact_for(connection, request.user),
            "contact_open": connection.status in Connection.CONTACT_OPEN,
            # Once the exchange exists, cancelling it (on its page) also cancels the connection.
            "can_cancel": exchange is None
            and connection.can_transition(Connection.Status.CANCELLED)
            and (my_side is not None or is_facilitator),
            "can_relay": is_facilitator
            and connection.status in Connection.CONTACT_OPEN
            and connection.relayed_at is None,
            "exchange": exchange,
            "can_start_exchange": exchange is None
            and connection.status == Connection.Status.ACCEPTED
            and (my_side is not None or is_facilitator),
            "is_facilitator": is_facilitator,
        },
        network=network,
    )


# --- Actions -------------------------------------------------------------------------------


def _action(request: HttpRequest, slug: str, connection_id: int) -> tuple[Network, Connection]:
    network = get_network(slug)
    own_membership(request, network)
    return network, connection_get(network, request.user, connection_id)


@login_required
@require_POST
@portal_view
def connection_answer_view(request: HttpRequest, slug: str, connection_id: int) -> HttpResponse:
    """Accept or decline: one's own answer, or one a facilitator records for a person."""
    network, connection = _action(request, slug, connection_id)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose to accept or to decline."))
        return redirect(_connection_url(network, connection))
    side = form.cleaned_data["side"] or None
    try:
        connection = connection_answer(
            connection=connection, accept=form.accept, side=side, acting=request.user
        )
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if not form.accept:
            messages.success(request, _("The answer “no” is recorded. Thank you for saying so."))
        elif connection.status == Connection.Status.ACCEPTED:
            messages.success(
                request,
                _("Both people accepted: you can now see how to reach each other below.")
                if side is None
                else _("Both people accepted: contact is now open."),
            )
        else:
            messages.success(
                request,
                _("The answer “yes” is recorded. We are waiting for the other person's answer."),
            )
    return redirect(_connection_url(network, connection))


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def connection_cancel_view(request: HttpRequest, slug: str, connection_id: int) -> HttpResponse:
    """Cancel a connection, which cannot be taken back: the page asks first (GET), its
    button cancels (POST)."""
    network, connection = _action(request, slug, connection_id)
    if request.method == "GET":
        if not connection.can_transition(Connection.Status.CANCELLED):
            messages.info(request, _("This connection can no longer be cancelled."))
            return redirect(_connection_url(network, connection))
        return render_confirmation(
            request,
            network=network,
            question=_("Cancel the connection between %(requester)s and %(offerer)s?")
            % {"requester": connection.requester_name, "offerer": connection.offerer_name},
            consequences=[
                _(
                    "It cannot be taken back: to exchange after all, a new connection will "
                    "have to be proposed."
                ),
                _("Nobody has to justify it."),
            ],
            confirm_label=_("Yes, cancel the connection"),
            back_url=_connection_url(network, connection),
        )
    try:
        connection_cancel(connection=connection, acting=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("The connection is cancelled."))
    return redirect(_connection_url(network, connection))


@login_required
@require_POST
@portal_view
def connection_relayed_view(request: HttpRequest, slug: str, connection_id: int) -> HttpResponse:
    """A facilitator records that they passed the two people's messages on."""
    network, connection = _action(request, slug, connection_id)
    try:
        connection_mark_relayed(connection=connection, acting=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Recorded: the messages were passed on."))
    return redirect(_connection_url(network, connection))


@login_required
@require_POST
@portal_view
def connection_start_exchange(request: HttpRequest, slug: str, connection_id: int) -> HttpResponse:
    """Start the exchange of a connection both accepted (again: the same exchange)."""
    network, connection = _action(request, slug, connection_id)
    try:
        exchange = exchange_from_connection(connection=connection, acting=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(_connection_url(network, connection))
    messages.success(request, _("Now write together how your exchange will go."))
    return redirect("rers_core:exchange_detail", slug=network.slug, exchange_id=exchange.pk)
