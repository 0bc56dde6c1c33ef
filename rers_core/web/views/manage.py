"""The facilitator area of one network: find members, register visitors, assign roles,
and, for coordinators, the audit trail.

Everything else a facilitator does for a member (profile, charter, consents, listings,
data, withdrawal) reuses the member's own views with ``member_id``.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from rers_core import permissions
from rers_core.errors import DomainError
from rers_core.models import AuditEntry
from rers_core.selectors.audit import audit_for_network
from rers_core.selectors.members import member_get, member_list, member_text_filter
from rers_core.services.audit import audit_contacts_listed
from rers_core.services.members import member_assign_role, member_register
from rers_core.web.forms import AuditFilterForm, MemberRegisterForm, MemberSearchForm, RoleForm
from rers_core.web.views._common import (
    get_network,
    portal_view,
    render_page,
    require_facilitator,
)

PAGE_SIZE = 25


@login_required
@portal_view
def manage_members(request: HttpRequest, slug: str) -> HttpResponse:
    network = get_network(slug)
    require_facilitator(request, network)
    form = MemberSearchForm(request.GET or None)
    qs = member_list(network)
    if form.is_bound and form.is_valid():
        qs = member_text_filter(qs, form.cleaned_data["q"])
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    # The table shows email and phone: each person on the page sees it in their trail.
    audit_contacts_listed(acting=request.user, members=page.object_list, detail=AuditEntry.PORTAL)
    return render_page(
        request,
        "rers_core/manage/members.html",
        {
            "form": form,
            "page": page,
        },
        network=network,
    )


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def manage_member_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Register a visitor met at a drop-in session."""
    network = get_network(slug)
    require_facilitator(request, network)
    form = MemberRegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            member = member_register(network=network, acting=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(
                request,
                _(
                    "%(name)s is registered as a visitor. Read the charter together to make them "
                    "a member."
                )
                % {"name": member.display_name},
            )
            return redirect("rers_core:manage_member", slug=network.slug, member_id=member.pk)
    return render_page(
        request,
        "rers_core/manage/member_new.html",
        {
            "form": form,
        },
        network=network,
    )


@login_required
@require_POST
@portal_view
def manage_member_role(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    """Coordinators give a member the role member, facilitator or coordinator."""
    network = get_network(slug)
    if not permissions.is_coordinator(request.user, network):
        raise PermissionDenied(_("Only a coordinator of this network can assign roles."))
    member = member_get(network, member_id)
    form = RoleForm(request.POST)
    if form.is_valid():
        try:
            member_assign_role(member=member, role=form.cleaned_data["role"], acting=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("The role is saved."))
    else:
        messages.error(request, _("Choose one of the roles."))
    return redirect("rers_core:manage_member", slug=network.slug, member_id=member.pk)


@login_required
@portal_view
def manage_audit(request: HttpRequest, slug: str) -> HttpResponse:
    """The network's audit trail, newest first, by action; coordinators only, since the
    facilitators are the people it holds accountable."""
    network = get_network(slug)
    if not permissions.is_coordinator(request.user, network):
        raise PermissionDenied(_("Only a coordinator of this network can see the audit trail."))
    form = AuditFilterForm(request.GET or None)
    action = form.filters().get("action") if form.is_bound else None
    qs = audit_for_network(network, action=action)
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render_page(
        request,
        "rers_core/manage/audit.html",
        {"form": form, "page": page, "filtered": bool(action)},
        network=network,
    )
