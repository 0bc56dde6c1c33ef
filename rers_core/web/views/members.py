"""A member's space: profile, contact consents, listings, data, withdrawal.

Each view serves the member themself (``/<slug>/me/...``) and, with ``member_id``, a
facilitator acting on the member's behalf (``/<slug>/manage/members/<id>/...``).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from rers_core.errors import DomainError
from rers_core.models import AuditEntry, Member
from rers_core.selectors.audit import audit_for_member
from rers_core.selectors.connections import reciprocity
from rers_core.selectors.listings import member_listings
from rers_core.selectors.members import (
    account_exists,
    consent_history,
    consents_active,
    has_accepted_current_charter,
    member_data_export,
)
from rers_core.selectors.networks import charter_current
from rers_core.services.audit import audit_record
from rers_core.services.members import consent_set, member_update_profile, member_withdraw
from rers_core.web.forms import ConsentForm, ProfileForm, RoleForm, WithdrawForm
from rers_core.web.views._common import (
    json_attachment,
    portal_view,
    render_page,
    resolve_subject,
)

AUDIT_PAGE_SIZE = 25


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def member_space(request: HttpRequest, slug: str, member_id: int | None = None) -> HttpResponse:
    """My space, or a member's page in the facilitator area: profile and everything else."""
    subject = resolve_subject(request, slug, member_id)
    member = subject.member
    form = ProfileForm(
        request.POST or None,
        initial=ProfileForm.initial_from(member),
        on_behalf=subject.on_behalf,
    )
    if request.method == "POST" and form.is_valid():
        try:
            member_update_profile(member=member, acting=request.user, **form.cleaned_data)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The profile is saved."))
            return redirect(subject.urls["space"])
    if subject.on_behalf:  # the profile form shows the contact details
        audit_record(
            acting=request.user,
            action=AuditEntry.Action.CONTACT_VIEWED,
            member=member,
            detail=AuditEntry.PORTAL,
        )
    charter = charter_current(subject.network)
    return render_page(
        request,
        "rers_core/member_space.html",
        {
            "subject": subject,
            "member": member,
            "form": form,
            "charter": charter,
            "charter_accepted": has_accepted_current_charter(member),
            "consents": consents_active(member),
            "listings": member_listings(member),
            "reciprocity": reciprocity(member),
            "role_form": RoleForm(initial={"role": member.role}) if subject.on_behalf else None,
            "next": request.get_full_path(),
        },
        network=subject.network,
    )


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def consents(request: HttpRequest, slug: str, member_id: int | None = None) -> HttpResponse:
    """Current contact choices (one form) and their dated history."""
    subject = resolve_subject(request, slug, member_id)
    member = subject.member
    initial = ConsentForm.initial_from(consents_active(member))
    form = ConsentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            consent_set(
                member=member,
                choices=form.consent_choices(),
                scope=form.cleaned_data["consent_scope"],
                acting=request.user,
            )
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            messages.success(request, _("The contact choices are saved."))
            return redirect(subject.urls["consents"])
    return render_page(
        request,
        "rers_core/consents.html",
        {
            "subject": subject,
            "member": member,
            "form": form,
            "history": consent_history(member),
        },
        network=subject.network,
    )


@login_required
@portal_view
def my_listings(request: HttpRequest, slug: str) -> HttpResponse:
    subject = resolve_subject(request, slug, None)
    return render_page(
        request,
        "rers_core/my_listings.html",
        {
            "subject": subject,
            "member": subject.member,
            "listings": member_listings(subject.member),
            "can_post": subject.member.status == Member.Status.MEMBER,
            "next": request.get_full_path(),
        },
        network=subject.network,
    )


@login_required
@portal_view
def my_audit(request: HttpRequest, slug: str) -> HttpResponse:
    """Who looked at my contact details or acted for me: the member's own trail."""
    subject = resolve_subject(request, slug, None)
    page = Paginator(audit_for_member(subject.member), AUDIT_PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render_page(
        request,
        "rers_core/my_audit.html",
        {"subject": subject, "member": subject.member, "page": page},
        network=subject.network,
    )


@login_required
@require_http_methods(["GET", "POST"])
@portal_view
def withdraw(request: HttpRequest, slug: str, member_id: int | None = None) -> HttpResponse:
    """Explain what leaving erases and keeps; on confirmation, erase and say goodbye."""
    subject = resolve_subject(request, slug, member_id)
    member = subject.member
    is_self = member.user_id == request.user.pk
    form = WithdrawForm(request.POST or None, on_behalf=not is_self)
    if request.method == "POST" and form.is_valid():
        user_id, name = member.user_id, member.display_name
        try:
            member_withdraw(member=member, acting=request.user)
        except DomainError as exc:
            form.add_domain_error(exc)
        else:
            if not is_self:
                messages.success(
                    request,
                    _("%(name)s has left the network; their personal data is erased.")
                    % {"name": name},
                )
                return redirect("rers_core:manage_members", slug=subject.network.slug)
            if not account_exists(user_id):
                logout(request)
                return redirect("rers_core:goodbye")
            messages.success(
                request,
                _(
                    "You have left %(network)s; your personal data there is erased. Your account "
                    "stays for your other networks."
                )
                % {"network": subject.network.name},
            )
            return redirect("rers_core:home")
    return render_page(
        request,
        "rers_core/withdraw.html",
        {
            "subject": subject,
            "member": member,
            "form": form,
            "is_self": is_self,
        },
        network=subject.network,
    )


@login_required
@portal_view
def member_export(request: HttpRequest, slug: str, member_id: int) -> HttpResponse:
    """A member's data, downloaded by a facilitator to hand it over."""
    subject = resolve_subject(request, slug, member_id)
    audit_record(
        acting=request.user,
        action=AuditEntry.Action.CONTACTS_EXPORTED,
        member=subject.member,
        detail=AuditEntry.PORTAL,
    )
    return json_attachment(
        member_data_export(subject.member),
        f"rers-{subject.network.slug}-member-{subject.member.pk}.json",
    )
