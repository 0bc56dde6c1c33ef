"""Exchanges: the agreement written together, sessions, completion, reviews.

Participants and the network's facilitators see an exchange; anyone else gets a 404.
Reviews (bilans) are read by facilitators only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from rers_core.errors import DomainError
from rers_core.models import Exchange, Member, Network, Participant
from rers_core.selectors.connections import exchange_get, exchange_list, review_list
from rers_core.selectors.members import member_list
from rers_core.services.exchanges import (
    agreement_confirm,
    agreement_update,
    exchange_cancel,
    exchange_complete,
    exchange_create,
    review_submit,
    session_add,
)
from rers_core.web.forms import (
    AgreementForm,
    ExchangeCreateForm,
    ExchangeFilterForm,
    ReviewForm,
    SessionForm,
)
from rers_core.web.views._common import (
    get_network,
    portal_view,
    render_confirmation,
    render_page,
    require_facilitator,
)
from rers_core.web.views.connections import own_membership

PAGE_SIZE = 25
OPEN = (Exchange.Status.DRAFT, Exchange.Status.AGREED)


def _exchange_url(network: Network, exchange: Exchange) -> str:
    return reverse("rers_core:exchange_detail", args=[network.slug, exchange.pk])


@login_required
@portal_view
def exchange_list_view(request: HttpRequest, slug: str) -> HttpResponse:
    """My exchanges; for facilitators, all of the network's, by status or by member."""
    network = get_network(slug)
    viewer = own_membership(request, network)
    form = ExchangeFilterForm(request.GET or None)
    filters = form.filters() if form.is_bound else {}
    qs = exchange_list(network, request.user)
    if "status" in filters:
        qs = qs.filter(status=filters["status"])
    if "member" in filters:
        qs = qs.filter(participants__member_id=filters["member"]).distinct()
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "rers_core/exchanges/list.html",
        {
            "form": form,
            "page": page,
            "filtered": bool(filters),
            "all_of_network": viewer.is_facilitator,
        },
        network=network,
    )


def _render_detail(
    request: HttpRequest,
    network: Network,
    exchange: Exchange,
    *,
    agreement_form: AgreementForm | None = None,
    session_form: SessionForm | None = None,
    status: int = 200,
) -> HttpResponse:
    viewer = own_membership(request, network)
    participants = list(exchange.participants.all())
    mine = next((p for p in participants if p.member_id == viewer.pk), None)
    is_facilitator = viewer.is_facilitator
    is_open = exchange.status in OPEN
    reviews = (
        list(review_list(network).filter(exchange=exchange))
        if (is_facilitator or mine is not None)
        else []
    )
    my_review = next(
        (r for r in reviews if mine is not None and r.member_id == mine.member_id), None
    )
    connection = exchange.connection
    # Across networks, the other person takes part from their own network: no participant
    # here, but named on the page with their network.
    remote = None
    if connection is not None and connection.is_cross_network:
        name = (
            connection.requester_name
            if connection.remote_side == "requester"
            else connection.offerer_name
        )
        remote = {
            # Without a name shared, it already says "a member of <network>".
            "name": f"{name} ({connection.remote_network_name})"
            if connection.remote_name
            else name,
            "network": connection.remote_network_name,
            "role": Participant.Role.RECEIVER
            if connection.remote_side == "requester"
            else Participant.Role.GIVER,
            "agreed_at": connection.remote_agreed_at,
        }
    return render_page(
        request,
        "rers_core/exchanges/detail.html",
        {
            "exchange": exchange,
            "agreement": exchange.agreement,
            "givers": [p for p in participants if p.role == Participant.Role.GIVER],
            "receivers": [p for p in participants if p.role == Participant.Role.RECEIVER],
            "participants": participants,
            "remote": remote,
            "mine": mine,
            "is_facilitator": is_facilitator,
            "is_open": is_open,
            "agreement_form": agreement_form
            or (
                AgreementForm(initial=AgreementForm.initial_from(exchange.agreement))
                if is_open
                else None
            ),
            "session_form": session_form
            or (SessionForm(time_zone=network.timezone) if is_open else None),
            "sessions": list(exchange.sessions.all()),
            "to_confirm": [p for p in participants if p.agreed_at is None]
            if is_facilitator
            else [],
            # Only facilitators read the reviews; a participant sees whether theirs is given.
            "reviews": reviews if is_facilitator else [],
            "my_review": my_review,
        },
        network=network,
        status=status,
    )


def _exchange(request: HttpRequest, slug: str, exchange_id: int) -> tuple[Network, Exchange]:
    network = get_network(slug)
    own_membership(request, network)
    return network, exchange_get(network, request.user, exchange_id)


@login_required
@portal_view
def exchange_detail(request: HttpRequest, slug: str, exchange_id: int) -> HttpResponse:
    network, exchange = _exchange(request, slug, exchange_id)
    return _render_detail(request, network, exchange)


@login_required
@require_POST
@portal_view
def exchange_agreement(request: HttpRequest, slug: str, exchange_id: int) -> HttpResponse:
    """Save the agreement; every participant is then asked to confirm it again."""
    network, exchange = _exchange(request, slug, exchange_id)
    form = AgreementForm(request.POST)
    if form.is_valid():
        try:
            agreement_update(exchange=exchange, acting=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(
                request, _("The agreement is saved. Each participant now confirms it.")
            )
            return redirect(_exchange_url(network, exchange))
    return _render_detail(request, network, exchange, agreement_form=form)


@login_required
@require_POST
@portal_view
def exchange_confirm(request: HttpRequest, slug: str, exchange_id: int) -> HttpResponse:
    """ "I agree with these terms"; a facilitator may record it for a participant (``member``)."""
    network, exchange = _exchange(request, slug, exchange_id)
    member: Member | None = None
    if request.POST.get("member"):
        member = next(
            (
                p.member
                for p in exchange.participants.all()
                if str(p.member_id) == request.POST["member"]
            ),
            None,
        )
        if member is None:
            messages.error(request, _("This person does not take part in the exchange."))
            return redirect(_exchange_url(network, exchange))
    try:
        exchange = agreement_confirm(exchange=exchange, member=member, acting=request.user)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        if exchange.status == Exchange.Status.AGREED:
            messages.success(request, _("Everyone agrees: the exchange is agreed."))
        else:
            messages.success(
                request, _("The agreement is confirmed. We are waiting for the other participants.")
            )
    return redirect(_exchange_url(network, exchange))


@login_required
@require_POST
@portal_view
def exchange_session_add(request: HttpRequest, slug: str, exchange_id: int) -> HttpResponse:
    network, exchange = _exchange(request, slug, exchange_id)
    form = SessionForm(request.POST, time_zone=network.timezone)
    if form.is_valid():
        try:
            session_add(exchange=exchange, acting=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The session is added."))
            return redirect(_exchange_url(network, exchange))
    return _render_detail(request, network, exchange, session_form=form)


def _simple_action(service: Callable[..., Exchange], done: str | Promise) -> Callable[..., Any]:
    @login_required
    @require_POST
    @portal_view
    def view(request: HttpRequest, slug: str, exchange_id: int) -> HttpResponse:
        network, exchange = _exchange(request, slug, exchange_id)
        try:
            service(exchange=exchange, acting=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, done)
        return redirect(_exchange_url(network, exchange))

    view.__doc__ = service.__doc__
    return view


exchange_complete_view = _simple_action(
    exchange_complete,
    gettext_lazy("The exchange took place. Each participant is now asked for a short review."),
)
_exchange_cancel = _simple_action(exchange_cancel, gettext_lazy("The exchange is cancelled."))


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def exchange_cancel_view(request: HttpRequest, slug: str, exchange_id: int) -> HttpResponse:
    """Cancel an exchange, which cannot be taken back: the page asks first (GET), its
    button cancels (POST)."""
    if request.method == "POST":
        return _exchange_cancel(request, slug, exchange_id)
    network, exchange = _exchange(request, slug, exchange_id)
    if exchange.status not in OPEN:
        messages.info(request, _("This exchange can no longer be cancelled."))
        return redirect(_exchange_url(network, exchange))
    if exchange.connection_id is not None:
        consequence = _(
            "It cannot be taken back: the connection behind it is cancelled too; to "
            "exchange after all, a new connection will have to be proposed."
        )
    else:
        consequence = _("It cannot be taken back.")
    return render_confirmation(
        request,
        network=network,
        question=_("Cancel the exchange “%(title)s”?") % {"title": exchange.title},
        consequences=[consequence, _("Nobody has to justify it.")],
        confirm_label=_("Yes, cancel the exchange"),
        back_url=_exchange_url(network, exchange),
    )


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def exchange_review(request: HttpRequest, slug: str, exchange_id: int) -> HttpResponse:
    """A participant's review; a facilitator may write down one given orally (``?member=``)."""
    network, exchange = _exchange(request, slug, exchange_id)
    viewer = own_membership(request, network)
    participants = list(exchange.participants.all())
    wanted = request.POST.get("member") or request.GET.get("member")
    participant: Participant | None
    if wanted:
        participant = next((p for p in participants if str(p.member_id) == wanted), None)
        someone_else = participant is not None and participant.member_id != viewer.pk
        if participant is None or (someone_else and not viewer.is_facilitator):
            messages.error(request, _("This person does not take part in the exchange."))
            return redirect(_exchange_url(network, exchange))
    else:
        participant = next((p for p in participants if p.member_id == viewer.pk), None)
    on_behalf = participant is not None and participant.member_id != viewer.pk
    review = (
        review_list(network).filter(exchange=exchange, member_id=participant.member_id).first()
        if participant is not None
        else None
    )
    form = None
    if participant is not None and exchange.status == Exchange.Status.DONE:
        form = ReviewForm(request.POST or None, initial=ReviewForm.initial_from(review))
        if request.method == "POST" and form.is_valid():
            try:
                review_submit(
                    exchange=exchange,
                    member=participant.member if on_behalf else None,
                    acting=request.user,
                    **form.answers(),
                )
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(
                    request, _("Thank you: the review is saved. Only the facilitators read it.")
                )
                return redirect(_exchange_url(network, exchange))
    elif request.method == "POST":
        messages.error(request, _("A review is given once the exchange is done."))
        return redirect(_exchange_url(network, exchange))
    return render_page(
        request,
        "rers_core/exchanges/review.html",
        {
            "exchange": exchange,
            "participant": participant,
            "participants": participants,
            "on_behalf": on_behalf,
            "review": review,
            "form": form,
        },
        network=network,
    )


# --- Facilitator area ------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def manage_exchange_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Set up a collective exchange, a practice exchange or a talk group."""
    network = get_network(slug)
    require_facilitator(request, network)
    members = member_list(network).filter(status=Member.Status.MEMBER).order_by("display_name")
    form = ExchangeCreateForm(request.POST or None, members=members)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            exchange = exchange_create(
                network=network,
                kind=data["kind"],
                title=data["title"],
                givers=data["givers"],
                receivers=data["receivers"],
                acting=request.user,
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(
                request, _("The exchange is created. Write its terms with the participants.")
            )
            return redirect(_exchange_url(network, exchange))
    return render_page(
        request,
        "rers_core/exchanges/new.html",
        {
            "form": form,
        },
        network=network,
    )


@login_required
@portal_view
def manage_reviews(request: HttpRequest, slug: str) -> HttpResponse:
    """Every review of the network's exchanges, the latest first; only facilitators."""
    network = get_network(slug)
    require_facilitator(request, network)
    qs = review_list(network).order_by("submitted_at", "-exchange__done_at", "-id")
    submitted = qs.filter(submitted_at__isnull=False).order_by("-submitted_at", "-id")
    page = Paginator(submitted, PAGE_SIZE).get_page(request.GET.get("page"))
    waiting = qs.filter(submitted_at__isnull=True).order_by("-requested_at", "-id")
    return render_page(
        request,
        "rers_core/manage/reviews.html",
        {
            "page": page,
            "waiting": list(waiting[:50]),
            "waiting_count": waiting.count(),
        },
        network=network,
    )
