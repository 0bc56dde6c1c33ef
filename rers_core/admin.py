"""The administration site, scoped to networks: facilitators and coordinators use it too.

Facilitators need neither ``is_staff`` nor Django model permissions: what each person may
see and do is decided per network by :mod:`rers_core.permissions`, as everywhere else.
A role in network A grants nothing in network B; superusers see everything.

Every write goes through a service with ``acting=request.user``. A service's refusal
(:class:`~rers_core.errors.DomainError`) is shown on the form or as a message, never as
a server error. Forms run the service once they are valid (see :class:`ServiceModelForm`)
so that the refusal can be shown next to the field at fault, with what was typed kept.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, ClassVar

from csp.constants import UNSAFE_INLINE
from csp.decorators import csp_update
from django import forms
from django.contrib import admin, messages
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from rers_core import permissions
from rers_core.errors import DomainError
from rers_core.models import (
    AuditEntry,
    Charter,
    CharterAcceptance,
    ContactConsent,
    Domain,
    Listing,
    Member,
    Network,
    WithdrawalRecord,
)
from rers_core.selectors.members import can_view_contact_details
from rers_core.selectors.networks import charter_current
from rers_core.services import listings as listing_services
from rers_core.services import members as member_services
from rers_core.services import networks as network_services
from rers_core.services.audit import audit_contacts_listed, audit_record
from rers_core.throttling import login_refused_form, login_wait

FACILITATOR = Member.Role.FACILITATOR
COORDINATOR = Member.Role.COORDINATOR
SUPERUSER = "superuser"  # an "at least this role" marker that only superusers meet


def _is_superuser(user) -> bool:
    return bool(user.is_active and user.is_superuser)


def network_ids(request: HttpRequest, role: str) -> frozenset[int] | None:
    """Networks where the requesting user holds at least ``role``; None means all of them."""
    user = request.user
    if _is_superuser(user):
        return None
    if role == SUPERUSER or not user.is_active:
        return frozenset()
    return permissions.network_ids_with_role(user, role)


def may_enter(user) -> bool:
    """Active superusers, and active facilitators or coordinators of at least one network."""
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    return user.is_superuser or bool(permissions.network_ids_with_role(user, FACILITATOR))


class RersAuthenticationForm(AdminAuthenticationForm):
    """Admits facilitators and coordinators, who are not "staff" in Django's sense."""

    def confirm_login_allowed(self, user) -> None:
        if not user.is_active or not may_enter(user):
            raise ValidationError(
                _(
                    "This account cannot use the administration: it is for the facilitators "
                    "and coordinators of a network. Members use the portal."
                ),
                code="invalid_login",
            )


class RersAdminSite(admin.AdminSite):
    site_header = _("RERS administration")
    site_title = _("RERS administration")
    index_title = _("Networks, members and listings")
    login_form = RersAuthenticationForm

    def has_permission(self, request: HttpRequest) -> bool:
        return may_enter(request.user)

    def admin_view(self, view, cacheable=False):
        # Django's admin scripts set a few inline styles (no inline script): allowed here only.
        return csp_update({"style-src": [UNSAFE_INLINE]})(super().admin_view(view, cacheable))

    def login(self, request: HttpRequest, extra_context=None):
        """Django's login page, with the portal's limit on attempts."""
        wait = login_wait(request, request.POST.get("username", "")) if request.POST else None
        if wait is None:
            return super().login(request, extra_context)
        context = {
            **self.each_context(request),
            "title": _("Log in"),
            "app_path": request.get_full_path(),
            "form": login_refused_form(self.login_form, request, wait),
            **(extra_context or {}),
        }
        response = TemplateResponse(
            request, self.login_template or "admin/login.html", context, status=429
        )
        response["Retry-After"] = str(wait)
        return response


site = RersAdminSite(name="admin")


def _error_messages(error: DomainError) -> dict[str | None, list[str]]:
    """A service error as {field or None: [messages]}."""
    detailed = getattr(error, "errors", None)
    if isinstance(detailed, dict) and detailed:
        return {
            (None if key == "__all__" else key): [
                str(m) for m in (v if isinstance(v, list) else [v])
            ]
            for key, v in detailed.items()
        }
    return {error.field: [str(error.message)]}


class ServiceModelForm(forms.ModelForm):
    """A model form whose saving is done by a service, as part of validating it.

    Once the form is valid, :meth:`ScopedAdmin.save_with_service` runs (inside the admin's
    transaction). A :class:`DomainError` becomes a form error, next to its field when the
    form has it, and the page is shown again with the person's input; the service's own
    transaction has rolled its writes back. On success ``self.instance`` is the saved
    object, so the admin's ``save_model`` has nothing left to do.
    """

    model_admin: ClassVar[ScopedAdmin | None] = None
    request: ClassVar[HttpRequest | None] = None

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound or self.errors or self.model_admin is None:
            return
        change = self.instance.pk is not None
        try:
            saved = self.model_admin.save_with_service(self.request, self, change)
        except DomainError as error:
            for field, field_messages in _error_messages(error).items():
                target = field if field in self.fields else None
                for message in field_messages:
                    prefix = "" if target == field or field is None else f"{field}: "
                    self.add_error(target, prefix + message)
            return
        if saved is not None:
            self.instance = saved


class ScopedAdmin(admin.ModelAdmin):
    """A ModelAdmin whose rights are roles in the object's network.

    ``network_field`` is the lookup from the model to its network. ``*_role`` name the
    least role needed (None: nobody, not even superusers, because no service does it).
    """

    form = ServiceModelForm
    network_field: ClassVar[str] = "network"
    view_role: ClassVar[str | None] = FACILITATOR
    add_role: ClassVar[str | None] = None
    change_role: ClassVar[str | None] = None
    delete_role: ClassVar[str | None] = None
    save_as = False

    # --- scoping -------------------------------------------------------------------
    def network_id_of(self, obj: models.Model) -> int | None:
        value: Any = obj
        for part in self.network_field.split("__"):
            value = getattr(value, part, None)
            if value is None:
                return None
        return value.pk

    def _allowed(self, request: HttpRequest, role: str | None, obj=None) -> bool:
        if role is None or not request.user.is_active:
            return False
        ids = network_ids(request, role)
        if ids is None:
            return True
        if obj is None:
            return bool(ids)
        return self.network_id_of(obj) in ids

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        qs = super().get_queryset(request)
        ids = network_ids(request, self.view_role or SUPERUSER)
        if ids is None:
            return qs
        return qs.filter(**{f"{self.network_field}__in": ids})

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.has_view_permission(request)

    def has_view_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request, self.view_role, obj) or self.has_change_permission(
            request, obj
        )

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self._allowed(request, self.add_role)

    def has_change_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request, self.change_role, obj)

    def has_delete_permission(self, request: HttpRequest, obj=None) -> bool:
        return self._allowed(request, self.delete_role, obj)

    # --- choices limited to the user's networks ------------------------------------
    def choice_role(self) -> str:
        return self.add_role or self.change_role or self.view_role or SUPERUSER

    def formfield_for_foreignkey(self, db_field, request: HttpRequest, **kwargs):
        ids = network_ids(request, self.choice_role())
        if db_field.related_model is Network:
            qs = Network.objects.all()
            kwargs["queryset"] = qs if ids is None else qs.filter(pk__in=ids)
        elif db_field.related_model in (Member, Domain):
            qs = db_field.related_model.objects.select_related("network")
            if db_field.related_model is Member:
                qs = qs.filter(status=Member.Status.MEMBER)
            else:
                qs = qs.filter(is_active=True)
            kwargs["queryset"] = qs if ids is None else qs.filter(network_id__in=ids)
        field = super().formfield_for_foreignkey(db_field, request, **kwargs)
        if field is not None and db_field.related_model in (Member, Domain):
            # Someone who facilitates two networks must tell their members apart.
            field.label_from_instance = lambda obj: f"{obj} ({obj.network})"
        return field

    # --- writes through services ---------------------------------------------------
    def get_form(self, request: HttpRequest, obj=None, change: bool = False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        # A subclass per request carries what the service needs to know who acts.
        return type(form.__name__, (form,), {"model_admin": self, "request": request})

    def save_with_service(self, request: HttpRequest, form: ServiceModelForm, change: bool):
        """Save the valid ``form`` through a service and return the saved object."""
        raise DomainError(str(_("This cannot be changed here.")))

    def save_model(self, request, obj, form, change) -> None:
        """Nothing to do: the service saved the object when the form was validated."""

    def save_related(self, request, form, formsets, change) -> None:
        """No many-to-many fields nor inlines are edited here."""

    def delete_model(self, request, obj) -> None:
        raise DomainError(str(_("This cannot be deleted.")))

    def delete_queryset(self, request, queryset) -> None:
        for obj in queryset:
            self.delete_model(request, obj)

    @staticmethod
    def fresh(obj: models.Model) -> models.Model:
        """The object as stored: services must not save what the form put on it."""
        return type(obj)._default_manager.get(pk=obj.pk)

    @staticmethod
    def changed_values(form: forms.ModelForm, names: Iterable[str]) -> dict[str, Any]:
        return {name: form.cleaned_data[name] for name in form.changed_data if name in names}

    def run_on_each(
        self,
        request: HttpRequest,
        queryset: QuerySet,
        service: Callable[[Any], Any],
        done: Callable[[int], str],
    ) -> None:
        """Run ``service`` on each selected object; report successes and refusals."""
        count = 0
        for obj in queryset:
            try:
                service(obj)
            except DomainError as error:
                self.message_user(request, f"{obj}: {error.message}", messages.ERROR)
            else:
                count += 1
        if count:
            self.message_user(request, done(count), messages.SUCCESS)


# --- networks --------------------------------------------------------------------------


@admin.register(Network, site=site)
class NetworkAdmin(ScopedAdmin):
    network_field = "pk"
    add_role = SUPERUSER
    change_role = COORDINATOR
    delete_role = SUPERUSER
    list_display = ("name", "slug", "city", "postcode", "agency_code", "created_at")
    search_fields = ("name", "slug", "city")
    fields = ("slug", *network_services.NETWORK_EDITABLE_FIELDS)

    def network_id_of(self, obj: Network) -> int | None:
        return obj.pk

    def get_readonly_fields(self, request, obj=None):
        return ("slug", "created_at") if obj is not None else ()

    def get_fields(self, request, obj=None):
        fields = super().get_fields(request, obj)
        return (*fields, "created_at") if obj is not None else fields

    def save_with_service(self, request, form, change):
        data = self.changed_values(form, network_services.NETWORK_EDITABLE_FIELDS)
        if change:
            return network_services.network_update(
                network=self.fresh(form.instance), acting=request.user, **data
            )
        data.pop("name", None)
        network, _created = network_services.network_create_or_update(
            slug=form.cleaned_data["slug"],
            name=form.cleaned_data["name"],
            acting=request.user,
            **data,
        )
        return network

    def delete_model(self, request, obj) -> None:
        try:
            network_services.network_delete(network=obj, acting=request.user)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)

    def get_deleted_objects(self, objs, request):
        # Django's collector would stop at the charters that acceptances protect; the
        # service deletes in the right order, so list what goes instead.
        summary = [
            _("%(network)s, with its %(members)s members and %(listings)s listings")
            % {"network": n, "members": n.members.count(), "listings": n.listings.count()}
            for n in objs
        ]
        return summary, {Network._meta.verbose_name_plural: len(summary)}, set(), []


@admin.register(Domain, site=site)
class DomainAdmin(ScopedAdmin):
    add_role = COORDINATOR
    change_role = COORDINATOR
    list_display = ("name", "slug", "network", "position", "is_active")
    list_filter = (("network", admin.RelatedOnlyFieldListFilter), "is_active")
    search_fields = ("name", "slug")
    fields = ("network", "name", "slug", "position", "is_active")
    list_select_related = ("network",)

    def get_readonly_fields(self, request, obj=None):
        return ("network", "slug") if obj is not None else ()

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        if obj is None and "slug" in form.base_fields:
            # The service makes one from the name (the form class is this request's own).
            form.base_fields["slug"].required = False
            form.base_fields["slug"].help_text = _("Leave empty to make one from the name.")
        return form

    def save_with_service(self, request, form, change):
        data = form.cleaned_data
        if change:
            return network_services.domain_update(
                domain=self.fresh(form.instance),
                name=data["name"],
                position=data["position"],
                is_active=data["is_active"],
                acting=request.user,
            )
        domain = network_services.domain_create(
            network=data["network"],
            name=data["name"],
            slug=data.get("slug") or "",
            position=data.get("position"),
            acting=request.user,
        )
        if not data.get("is_active", True):
            domain = network_services.domain_update(
                domain=domain, is_active=False, acting=request.user
            )
        return domain


class CharterForm(ServiceModelForm):
    class Meta:
        model = Charter
        fields = ("network", "text")


@admin.register(Charter, site=site)
class CharterAdmin(ScopedAdmin):
    """Coordinators publish a new version; published versions are never edited."""

    form = CharterForm
    add_role = COORDINATOR
    list_display = ("network", "version", "published_at", "published_by")
    list_filter = (("network", admin.RelatedOnlyFieldListFilter),)
    list_select_related = ("network", "published_by")
    readonly_fields = ("version", "published_at", "published_by")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("network", "text")
        return ("network", "version", "text", "published_at", "published_by")

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        ids = network_ids(request, COORDINATOR)
        if ids is not None and len(ids) == 1 and "network" not in initial:
            network = Network.objects.get(pk=next(iter(ids)))
            current = charter_current(network)
            initial.update(network=network.pk, text=current.text if current else "")
        return initial

    def save_with_service(self, request, form, change):
        return network_services.charter_publish(
            network=form.cleaned_data["network"],
            text=form.cleaned_data["text"],
            acting=request.user,
        )


# --- members ---------------------------------------------------------------------------


CONTACT_FIELDS = ("email", "phone", "other_link")


class MemberAddForm(ServiceModelForm):
    charter_accepted = forms.BooleanField(
        label=_("Has read and freely accepted the charter"),
        required=False,
        help_text=_(
            "Tick when the person accepted the charter in front of you: they become a member. "
            "Otherwise they stay a visitor discovering the network."
        ),
    )

    class Meta:
        model = Member
        fields = ("network", "display_name", "email", "presentation")


@admin.register(Member, site=site)
class MemberAdmin(ScopedAdmin):
    """Facilitators welcome and update members; nobody deletes: people withdraw."""

    add_role = FACILITATOR
    change_role = FACILITATOR
    list_display = ("display_name", "network", "status", "role", "email", "joined_at")
    list_filter = (("network", admin.RelatedOnlyFieldListFilter), "status", "role")
    search_fields = ("display_name", "email")
    list_select_related = ("network",)
    actions = ("record_charter_acceptance", "withdraw_selected")
    add_form = MemberAddForm
    add_fields = ("network", "display_name", "email", "presentation", "charter_accepted")
    dated_fields = ("status", "created_at", "joined_at", "left_at")

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == Member.Status.WITHDRAWN:
            return False
        return super().has_change_permission(request, obj)

    def may_assign_roles(self, request, obj) -> bool:
        return obj is not None and self._allowed(request, COORDINATOR, obj)

    def shows_contact(self, request, obj) -> bool:
        return (
            obj is None
            or _is_superuser(request.user)
            or can_view_contact_details(request.user, obj)
        )

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = self.add_form
        return super().get_form(request, obj, change=change, **kwargs)

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        if request.method == "GET":  # the list shows emails: each person sees it in their trail
            audit_contacts_listed(
                acting=request.user, members=changelist.result_list, detail=AuditEntry.ADMIN
            )
        return changelist

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and request.method == "GET" and self.shows_contact(request, obj):
            audit_record(
                acting=request.user,
                action=AuditEntry.Action.CONTACT_VIEWED,
                member=obj,
                detail=AuditEntry.ADMIN,
            )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def get_fields(self, request, obj=None):
        if obj is None:
            return self.add_fields
        contact = CONTACT_FIELDS if self.shows_contact(request, obj) else ()
        return (
            "network",
            "account",
            "display_name",
            "presentation",
            *contact,
            "role",
            *self.dated_fields,
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        readonly = ["network", "account", *self.dated_fields]
        if not (self.may_assign_roles(request, obj) and obj.status == Member.Status.MEMBER):
            readonly.append("role")
        return readonly

    @admin.display(description=_("user account"))
    def account(self, obj: Member) -> str:
        return obj.user.get_username() if obj.user_id else "—"

    def save_with_service(self, request, form, change):
        data = form.cleaned_data
        with transaction.atomic():
            if not change:
                member = member_services.member_register(
                    network=data["network"],
                    email=data.get("email", ""),
                    display_name=data.get("display_name", ""),
                    presentation=data.get("presentation", ""),
                    acting=request.user,
                )
                if data.get("charter_accepted"):
                    member_services.member_accept_charter(member=member, acting=request.user)
                    member.refresh_from_db()
                return member
            member = self.fresh(form.instance)
            profile = self.changed_values(form, member_services.PROFILE_FIELDS)
            if profile:
                member = member_services.member_update_profile(
                    member=member, acting=request.user, **profile
                )
            if "role" in form.changed_data:
                member = member_services.member_assign_role(
                    member=member, role=data["role"], acting=request.user
                )
            return member

    @admin.action(description=_("Record that they accepted the charter"), permissions=["change"])
    def record_charter_acceptance(self, request, queryset):
        self.run_on_each(
            request,
            queryset.exclude(status=Member.Status.WITHDRAWN),
            lambda m: member_services.member_accept_charter(member=m, acting=request.user),
            lambda n: (
                ngettext(
                    "Charter acceptance recorded for %(count)d person.",
                    "Charter acceptance recorded for %(count)d people.",
                    n,
                )
                % {"count": n}
            ),
        )

    @admin.action(description=_("Withdraw selected members"), permissions=["change"])
    def withdraw_selected(self, request, queryset):
        """Ask for confirmation, then withdraw: personal data is erased for good."""
        members = list(queryset.exclude(status=Member.Status.WITHDRAWN))
        if request.POST.get("post") != "yes":
            context = {
                **self.admin_site.each_context(request),
                "title": _("Withdraw members"),
                "members": members,
                "queryset": queryset,
                "opts": self.model._meta,
                "action_name": "withdraw_selected",
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "media": self.media,
            }
            return TemplateResponse(
                request, "admin/rers_core/member/withdraw_selected_confirmation.html", context
            )
        self.run_on_each(
            request,
            members,
            lambda m: member_services.member_withdraw(member=m, acting=request.user),
            lambda n: (
                ngettext(
                    "%(count)d member withdrawn; their personal data was erased.",
                    "%(count)d members withdrawn; their personal data was erased.",
                    n,
                )
                % {"count": n}
            ),
        )
        return None


class ReadOnlyHistoryAdmin(ScopedAdmin):
    """A history kept for accountability: facilitators read it, nobody edits it here
    (no change role: Django shows every field read-only)."""


@admin.register(ContactConsent, site=site)
class ContactConsentAdmin(ReadOnlyHistoryAdmin):
    network_field = "member__network"
    list_display = ("member", "channel", "audience", "scope", "granted_at", "revoked_at")
    list_filter = ("channel", "audience", ("revoked_at", admin.EmptyFieldListFilter))
    search_fields = ("member__display_name",)
    list_select_related = ("member", "member__network")


@admin.register(CharterAcceptance, site=site)
class CharterAcceptanceAdmin(ReadOnlyHistoryAdmin):
    network_field = "member__network"
    list_display = ("member", "charter", "accepted_at", "recorded_by")
    search_fields = ("member__display_name",)
    list_select_related = (
        "member",
        "member__network",
        "charter",
        "charter__network",
        "recorded_by",
    )


@admin.register(AuditEntry, site=site)
class AuditEntryAdmin(ReadOnlyHistoryAdmin):
    """The network's audit trail, for its coordinators (facilitators are whom it watches)."""

    view_role = COORDINATOR
    list_display = ("created_at", "network", "actor_label", "action", "detail", "member")
    list_filter = (("network", admin.RelatedOnlyFieldListFilter), "action")
    list_select_related = ("network", "member", "member__network")
    fields = ("network", "created_at", "actor_label", "action", "detail", "member")


@admin.register(WithdrawalRecord, site=site)
class WithdrawalRecordAdmin(ReadOnlyHistoryAdmin):
    list_display = ("network", "withdrawn_at", "performed_by", "facilitator")
    list_filter = (("network", admin.RelatedOnlyFieldListFilter), "performed_by")
    list_select_related = ("network", "facilitator")


# --- listings --------------------------------------------------------------------------


LISTING_FORM_FIELDS = listing_services.LISTING_EDITABLE_FIELDS


@admin.register(Listing, site=site)
class ListingAdmin(ScopedAdmin):
    """Facilitators record and correct offers and requests on members' behalf."""

    add_role = FACILITATOR
    change_role = FACILITATOR
    list_display = ("title", "direction", "kind", "domain", "member", "network", "status")
    list_filter = (
        ("network", admin.RelatedOnlyFieldListFilter),
        "status",
        "direction",
        "kind",
        ("domain", admin.RelatedOnlyFieldListFilter),
    )
    search_fields = ("title", "description", "member__display_name")
    list_select_related = ("member", "network", "domain")
    actions = ("pause_selected", "reopen_selected", "close_selected")

    def get_queryset(self, request):
        # Erased listings of withdrawn members only count; there is nothing left to manage.
        # Neighbouring networks' listings mirrored here are theirs to manage (the portal
        # shows them to browse).
        return (
            super()
            .get_queryset(request)
            .exclude(member__status=Member.Status.WITHDRAWN)
            .filter(origin_uri="")
        )

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == Listing.Status.CLOSED:
            return False
        return super().has_change_permission(request, obj)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ("member", *LISTING_FORM_FIELDS)
        return (
            "network",
            "member",
            "status",
            *LISTING_FORM_FIELDS,
            "created_by",
            "created_at",
            "updated_at",
        )

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return ()
        return ("network", "member", "status", "created_by", "created_at", "updated_at")

    def save_with_service(self, request, form, change):
        if change:
            data = self.changed_values(form, listing_services.LISTING_EDITABLE_FIELDS)
            return listing_services.listing_update(
                listing=self.fresh(form.instance), acting=request.user, **data
            )
        data = {k: v for k, v in form.cleaned_data.items() if k in LISTING_FORM_FIELDS}
        return listing_services.listing_create(
            member=form.cleaned_data["member"],
            direction=data.pop("direction"),
            kind=data.pop("kind"),
            domain=data.pop("domain"),
            title=data.pop("title"),
            acting=request.user,
            **data,
        )

    def _move(self, request, queryset, service, done):
        self.run_on_each(
            request, queryset, lambda li: service(listing=li, acting=request.user), done
        )

    @admin.action(description=_("Pause selected listings"), permissions=["change"])
    def pause_selected(self, request, queryset):
        self._move(
            request,
            queryset,
            listing_services.listing_pause,
            lambda n: (
                ngettext("%(count)d listing paused.", "%(count)d listings paused.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Reopen selected listings"), permissions=["change"])
    def reopen_selected(self, request, queryset):
        self._move(
            request,
            queryset,
            listing_services.listing_reopen,
            lambda n: (
                ngettext("%(count)d listing reopened.", "%(count)d listings reopened.", n)
                % {"count": n}
            ),
        )

    @admin.action(description=_("Close selected listings"), permissions=["change"])
    def close_selected(self, request, queryset):
        self._move(
            request,
            queryset,
            listing_services.listing_close,
            lambda n: (
                ngettext("%(count)d listing closed.", "%(count)d listings closed.", n)
                % {"count": n}
            ),
        )


# --- accounts: the instance's administrators only --------------------------------------


class SuperuserOnly:
    """Accounts and groups are the instance administrator's business, not a network's."""

    def has_module_permission(self, request):
        return _is_superuser(request.user)

    def has_view_permission(self, request, obj=None):
        return _is_superuser(request.user)

    def has_add_permission(self, request, *args):
        return _is_superuser(request.user)

    def has_change_permission(self, request, obj=None):
        return _is_superuser(request.user)

    def has_delete_permission(self, request, obj=None):
        return _is_superuser(request.user)


@admin.register(get_user_model(), site=site)
class AccountAdmin(SuperuserOnly, UserAdmin):
    pass


@admin.register(Group, site=site)
class RersGroupAdmin(SuperuserOnly, GroupAdmin):
    pass


@admin.register(TokenProxy, site=site)
class ApiTokenAdmin(SuperuserOnly, TokenAdmin):
    pass
