"""The instance's home, a network's page, joining it and accepting its charter."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rers_core import permissions
from rers_core.errors import DomainError
from rers_core.models import Member
from rers_core.selectors.members import has_accepted_current_charter, user_memberships
from rers_core.selectors.networks import charter_current, network_list
from rers_core.services.members import member_accept_charter, member_onboard
from rers_core.web.forms import CharterForm, JoinForm
from rers_core.web.views._common import get_network, portal_view, render_page, resolve_subject
from rers_core.web.views.community import home_context


def home(request: HttpRequest) -> HttpResponse:
    """One network here: go to it. Several (or none yet): list them."""
    networks = list(network_list()[:2])
    if len(networks) == 1:
        return redirect("rers_core:network", slug=networks[0].slug)
    return render_page(
        request,
        "rers_core/home.html",
        {
            "networks": network_list(),
            "memberships": user_memberships(request.user),
        },
    )


@portal_view
def network_detail(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_network(slug)
    viewer = permissions.membership(request.user, network)
    return render_page(
        request,
        "rers_core/network.html",
        {
            "charter": charter_current(network),
            "needs_charter": viewer is not None and not has_accepted_current_charter(viewer),
            # Latest news and next events (see views.community).
            **home_context(network),
        },
        network=network,
    )


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def join(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_network(slug)
    existing = permissions.membership(request.user, network)
    if existing is not None:
        if has_accepted_current_charter(existing):
            messages.info(request, _("You are already a member of this network."))
            return redirect("rers_core:me", slug=network.slug)
        # A visitor (or a member facing a new charter version) accepts it on its own page.
        return redirect("rers_core:charter", slug=network.slug)
    charter = charter_current(network)
    form = JoinForm(request.POST or None, charter=charter)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            member = member_onboard(
                network=network,
                user=request.user,
                display_name=data["display_name"],
                presentation=data["presentation"],
                accept_charter=bool(data.get("accept_charter")),
                charter=charter,
                consents=form.consent_choices(),
                consent_scope=data["consent_scope"],
                acting=request.user,
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            if member.status == Member.Status.MEMBER:
                messages.success(
                    request,
                    _("Welcome! You are now a member of %(network)s.") % {"network": network.name},
                )
            else:
                messages.info(
                    request,
                    _(
                        "You are a visitor discovering the network. Accept the charter whenever "
                        "you are ready to become a member."
                    ),
                )
            return redirect("rers_core:me", slug=network.slug)
    return render_page(
        request,
        "rers_core/join.html",
        {
            "form": form,
            "charter": charter,
        },
        network=network,
    )


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def charter(request: HttpRequest, slug: str, member_id: int | None = None) -> HttpResponse:
    """Read and accept the current charter: a visitor joining, or a member renewing."""
    subject = resolve_subject(request, slug, member_id)
    current = charter_current(subject.network)
    accepted = current is not None and has_accepted_current_charter(subject.member)
    form = None
    if current is not None and not accepted:
        form = CharterForm(
            request.POST or None,
            charter=current,
            on_behalf=subject.on_behalf,
            initial={"charter": current.pk},
        )
        if request.method == "POST" and form.is_valid():
            try:
                member_accept_charter(member=subject.member, charter=current, acting=request.user)
            except DomainError as exc:
                form.add_domain_error(exc)
            else:
                messages.success(request, _("The charter is accepted. Thank you!"))
                return redirect(subject.urls["space"])
    return render_page(
        request,
        "rers_core/charter.html",
        {
            "subject": subject,
            "charter": current,
            "accepted": accepted,
            "form": form,
        },
        network=subject.network,
    )
