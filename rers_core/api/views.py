"""API v1 views. Each one: resolve the network, check permissions, validate the input
with a serializer, call one service (writes) or selector (reads), render.

Domain errors raised by services become JSON responses in :mod:`rers_core.api.errors`;
scoping rules (403 for a network you may not use, 404 for objects outside it) are
described in :mod:`rers_core.api.permissions`.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ParseError, Throttled
from rest_framework.generics import GenericAPIView
from rest_framework.mixins import ListModelMixin
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer, Serializer

from rers_core import listing_cache, permissions
from rers_core.api import serializers as s
from rers_core.api.filters import AuditFilter, ListingFilter, MemberFilter
from rers_core.api.permissions import (
    IsCoordinator,
    IsFacilitator,
    IsParticipant,
    ReadOnlyOrCoordinator,
)
from rers_core.errors import NotFound, ValidationFailed
from rers_core.models import AuditEntry, Charter, ContactConsent, Domain, Listing, Member, Network
from rers_core.selectors.audit import audit_for_member, audit_for_network
from rers_core.selectors.listings import listing_get, listing_list, listing_list_audience
from rers_core.selectors.members import (
    consent_history,
    member_data_export,
    member_get,
    member_list,
    user_data_export,
    user_memberships,
)
from rers_core.selectors.networks import charter_current, domain_list, network_get, network_list
from rers_core.services import accounts as account_services
from rers_core.services import listings as listing_services
from rers_core.services import members as member_services
from rers_core.services import networks as network_services
from rers_core.services.audit import audit_contacts_listed, audit_record
from rers_core.throttling import ApiAnonymousRate, ApiMemberRate, login_wait

# --- documentation helpers -----------------------------------------------------------

_ERROR_DESCRIPTIONS = {
    400: gettext_lazy("Invalid input, or refused by a rule of the network."),
    403: gettext_lazy("Not signed in, or not allowed."),
    404: gettext_lazy("No such network or object, or not visible to you."),
    409: gettext_lazy("Not possible in the object's current state."),
    413: gettext_lazy("Request body too large."),
    429: gettext_lazy("Too many requests: retry after the seconds the Retry-After header gives."),
}


def errors(*codes: int) -> dict[int, OpenApiResponse]:
    """Documented error responses, all shaped like :class:`ErrorSerializer`."""
    return {
        code: OpenApiResponse(s.ErrorSerializer, description=_ERROR_DESCRIPTIONS[code])
        for code in codes
    }


# Public reads on endpoints that also have coordinator writes: signing in is optional.
PUBLIC = [{"cookieAuth": []}, {"tokenAuth": []}, {}]
READ_ERRORS = (403, 404)
WRITE_ERRORS = (400, 403, 404, 413)
# Lists also answer 404 for a page past the end, and 400 for a filter's bad value.
FILTERED_LIST_ERRORS = (400, 403, 404)
EXPORT_RESPONSE = OpenApiResponse(
    OpenApiTypes.OBJECT,
    description=gettext_lazy("Everything this instance holds, as a JSON file to download."),
)


# --- bases ---------------------------------------------------------------------------


class NestingSafeJSONParser(JSONParser):
    """DRF's JSON parser, refusing JSON nested too deeply for Python's parser as malformed
    (400) rather than letting the RecursionError become a 500."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError(_("JSON parse error: nested too deeply.")) from exc


class BaseView(GenericAPIView):
    """JSON in, JSON out; helpers to validate input and render output.

    Lookups are the selectors' (``get_object`` is not used); list views add
    ``ListModelMixin`` and a ``get_queryset`` built on a selector.
    """

    parser_classes = [NestingSafeJSONParser]
    # JSON only: the schema UI at /api/schema/ui/ is the way to explore the API by hand.
    renderer_classes = [JSONRenderer]
    throttle_classes = [ApiAnonymousRate, ApiMemberRate]
    filter_backends: list = []
    serializer_class: type[BaseSerializer] | None = None

    def get_serializer_class(self) -> type[BaseSerializer]:
        # What OPTIONS describes for the methods the requester may call. Views that
        # validate with several serializers name none: they describe no fields rather than
        # fail (DRF asserts), which was a 500 for anyone allowed to call them.
        return self.serializer_class or Serializer

    def validated(self, serializer_class: type[BaseSerializer], *, partial: bool = False) -> dict:
        serializer = serializer_class(
            data=self.request.data, partial=partial, context=self.get_serializer_context()
        )
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def render(
        self, serializer_class: type[BaseSerializer], instance: Any, code: int = status.HTTP_200_OK
    ) -> Response:
        data = serializer_class(instance, context=self.get_serializer_context()).data
        return Response(data, status=code)


class NetworkView(BaseView):
    """Base of every endpoint under ``networks/{slug}/``: ``self.network``, 404 if unknown."""

    @cached_property
    def network(self) -> Network:
        return network_get(self.kwargs["slug"])

    def is_schema(self) -> bool:
        return getattr(self, "swagger_fake_view", False)


def _attachment(data: dict[str, Any], filename: str) -> Response:
    return Response(data, headers={"Content-Disposition": f'attachment; filename="{filename}"'})


# --- networks ------------------------------------------------------------------------


@extend_schema(tags=["networks"])
class NetworkListView(ListModelMixin, BaseView):
    permission_classes = [AllowAny]
    serializer_class = s.NetworkSerializer

    def get_queryset(self) -> QuerySet[Network]:
        return network_list()

    @extend_schema(
        summary=gettext_lazy("Networks of this instance (public)"),
        responses={200: s.NetworkSerializer, **errors(404)},
    )
    def get(self, request: Request) -> Response:
        return self.list(request)


@extend_schema(tags=["networks"])
class NetworkDetailView(NetworkView):
    permission_classes = [ReadOnlyOrCoordinator]

    @extend_schema(
        summary=gettext_lazy("A network (public)"),
        auth=PUBLIC,
        responses={200: s.NetworkSerializer, **errors(404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.render(s.NetworkSerializer, self.network)

    @extend_schema(
        summary=gettext_lazy("Change the network's settings (coordinators)"),
        request=s.NetworkUpdateSerializer,
        responses={200: s.NetworkSerializer, **errors(*WRITE_ERRORS)},
    )
    def patch(self, request: Request, slug: str) -> Response:
        fields = self.validated(s.NetworkUpdateSerializer, partial=True)
        network = network_services.network_update(
            network=self.network, acting=request.user, **fields
        )
        return self.render(s.NetworkSerializer, network)


@extend_schema(tags=["networks"])
class CharterView(NetworkView):
    permission_classes = [ReadOnlyOrCoordinator]

    @extend_schema(
        summary=gettext_lazy("The current charter (public)"),
        auth=PUBLIC,
        responses={200: s.CharterSerializer, **errors(404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        charter = charter_current(self.network)
        if charter is None:
            raise NotFound(_("This network has no charter yet."))
        return self.render(s.CharterSerializer, charter)

    @extend_schema(
        summary=gettext_lazy("Publish a new version of the charter (coordinators)"),
        request=s.CharterPublishSerializer,
        responses={201: s.CharterSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.validated(s.CharterPublishSerializer)
        charter = network_services.charter_publish(
            network=self.network, text=data["text"], acting=request.user
        )
        return self.render(s.CharterSerializer, charter, status.HTTP_201_CREATED)


@extend_schema(tags=["domains"])
class DomainListView(ListModelMixin, NetworkView):
    """Knowledge areas are public: they are not personal data and help people decide to join.

    Coordinators also see retired domains.
    """

    permission_classes = [ReadOnlyOrCoordinator]
    serializer_class = s.DomainSerializer

    def get_queryset(self) -> QuerySet[Domain]:
        if self.is_schema():
            return Domain.objects.none()
        return domain_list(
            self.network,
            include_inactive=permissions.is_coordinator(self.request.user, self.network),
        )

    @extend_schema(
        summary=gettext_lazy("Domains of the network (public)"),
        auth=PUBLIC,
        description=gettext_lazy(
            "Knowledge areas are public: they are not personal data. Coordinators also see "
            "retired domains."
        ),
        responses={200: s.DomainSerializer, **errors(404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)

    @extend_schema(
        summary=gettext_lazy("Add a domain (coordinators)"),
        request=s.DomainCreateSerializer,
        responses={201: s.DomainSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.validated(s.DomainCreateSerializer)
        domain = network_services.domain_create(network=self.network, acting=request.user, **data)
        return self.render(s.DomainSerializer, domain, status.HTTP_201_CREATED)


@extend_schema(tags=["domains"])
class DomainDetailView(NetworkView):
    permission_classes = [ReadOnlyOrCoordinator]

    def get_domain(self) -> Domain:
        include_inactive = permissions.is_coordinator(self.request.user, self.network)
        domain = (
            domain_list(self.network, include_inactive=include_inactive)
            .filter(pk=self.kwargs["domain_id"])
            .first()
        )
        if domain is None:
            raise NotFound(_("This domain does not exist in this network."))
        return domain

    @extend_schema(
        summary=gettext_lazy("A domain (public)"),
        auth=PUBLIC,
        responses={200: s.DomainSerializer, **errors(404)},
    )
    def get(self, request: Request, slug: str, domain_id: int) -> Response:
        return self.render(s.DomainSerializer, self.get_domain())

    @extend_schema(
        summary=gettext_lazy("Rename, reorder or retire a domain (coordinators)"),
        request=s.DomainUpdateSerializer,
        responses={200: s.DomainSerializer, **errors(*WRITE_ERRORS)},
    )
    def patch(self, request: Request, slug: str, domain_id: int) -> Response:
        domain = self.get_domain()
        fields = self.validated(s.DomainUpdateSerializer, partial=True)
        domain = network_services.domain_update(domain=domain, acting=request.user, **fields)
        return self.render(s.DomainSerializer, domain)


# --- one membership: the person's own (me/) or a facilitator's view (members/{id}/) ---


class OwnMemberMixin:
    """``get_member()`` is the requesting user's membership; 404 when they have none."""

    permission_classes = [IsAuthenticated]

    def get_member(self) -> Member:
        member = permissions.membership(self.request.user, self.network)
        if member is None:
            raise NotFound(_("You have not joined this network."))
        return member

    def reload_member(self, member: Member) -> Member:
        # Services change the row; the per-request membership cache holds the old one.
        permissions.forget_memberships(self.request.user)
        return self.get_member()

    def render_member(self, member: Member) -> Response:
        return self.render(s.MembershipSerializer, member)


class ManagedMemberMixin:
    """``get_member()`` is the member ``member_id`` of the network, for its facilitators."""

    permission_classes = [IsFacilitator]

    def get_member(self) -> Member:
        return member_get(self.network, self.kwargs["member_id"])

    def reload_member(self, member: Member) -> Member:
        permissions.forget_memberships(self.request.user)
        return member_get(self.network, member.pk)

    def render_member(self, member: Member) -> Response:
        """The member with their contact details: every such answer is in the audit trail,
        writes included, so that none of them is a way to read the details unnoticed."""
        audit_record(
            acting=self.request.user,
            action=AuditEntry.Action.CONTACT_VIEWED,
            member=member,
            detail=AuditEntry.API,
        )
        return self.render(s.MembershipSerializer, member)


class ProfileView(NetworkView):
    def get(self, request: Request, **kwargs: Any) -> Response:
        return self.render_member(self.get_member())

    def patch(self, request: Request, **kwargs: Any) -> Response:
        member = self.get_member()
        fields = self.validated(s.ProfileSerializer, partial=True)
        member_services.member_update_profile(member=member, acting=request.user, **fields)
        return self.render_member(self.reload_member(member))


@extend_schema(tags=["me"])
class OwnMembershipView(OwnMemberMixin, ProfileView):
    @extend_schema(
        summary=gettext_lazy("Your membership of this network, with your contact details"),
        responses={200: s.MembershipSerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return super().get(request)

    @extend_schema(
        summary=gettext_lazy("Change your name, presentation or contact details"),
        request=s.ProfileSerializer,
        responses={200: s.MembershipSerializer, **errors(*WRITE_ERRORS)},
    )
    def patch(self, request: Request, slug: str) -> Response:
        return super().patch(request)


@extend_schema(tags=["members"])
class MemberDetailView(ManagedMemberMixin, ProfileView):
    @extend_schema(
        summary=gettext_lazy("A member, with contact details (facilitators)"),
        responses={200: s.MembershipSerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, slug: str, member_id: int) -> Response:
        return super().get(request)

    @extend_schema(
        summary=gettext_lazy("Change a member's profile on their behalf (facilitators)"),
        request=s.ProfileSerializer,
        responses={200: s.MembershipSerializer, **errors(*WRITE_ERRORS)},
    )
    def patch(self, request: Request, slug: str, member_id: int) -> Response:
        return super().patch(request)


@extend_schema(tags=["me"])
class JoinView(NetworkView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary=gettext_lazy("Join the network as a visitor"),
        description=gettext_lazy(
            "You discover the network; you become a member by accepting its charter."
        ),
        request=s.JoinSerializer,
        responses={201: s.MembershipSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.validated(s.JoinSerializer)
        member = member_services.member_join(
            network=self.network, user=request.user, acting=request.user, **data
        )
        permissions.forget_memberships(request.user)
        return self.render(s.MembershipSerializer, member, status.HTTP_201_CREATED)


class AcceptCharterView(NetworkView):
    def post(self, request: Request, **kwargs: Any) -> Response:
        member = self.get_member()
        data = self.validated(s.AcceptCharterSerializer)
        charter: Charter | None = None
        if "version" in data:
            charter = self.network.charters.filter(version=data["version"]).first()
            if charter is None:
                raise ValidationFailed(
                    _("This network's charter has no version %(version)d.")
                    % {"version": data["version"]},
                    field="version",
                )
        member_services.member_accept_charter(member=member, charter=charter, acting=request.user)
        return self.render_member(self.reload_member(member))


_ACCEPT_DESCRIPTION = gettext_lazy(
    "A visitor becomes a member. Give the `version` that was read: if a newer version "
    "was published meanwhile, the request is refused so that the new one is read first."
)


@extend_schema(tags=["me"])
class OwnAcceptCharterView(OwnMemberMixin, AcceptCharterView):
    @extend_schema(
        summary=gettext_lazy("Accept the current charter"),
        description=_ACCEPT_DESCRIPTION,
        request=s.AcceptCharterSerializer,
        responses={200: s.MembershipSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str) -> Response:
        return super().post(request)


@extend_schema(tags=["members"])
class MemberAcceptCharterView(ManagedMemberMixin, AcceptCharterView):
    @extend_schema(
        summary=gettext_lazy("Record a member's acceptance of the charter (facilitators)"),
        description=_ACCEPT_DESCRIPTION,
        request=s.AcceptCharterSerializer,
        responses={200: s.MembershipSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str, member_id: int) -> Response:
        return super().post(request)


class ConsentListView(ListModelMixin, NetworkView):
    serializer_class = s.ConsentSerializer

    def get_queryset(self) -> QuerySet[ContactConsent]:
        if self.is_schema():
            return ContactConsent.objects.none()
        return consent_history(self.get_member())

    def get(self, request: Request, **kwargs: Any) -> Response:
        return self.list(request)

    def post(self, request: Request, **kwargs: Any) -> Response:
        member = self.get_member()
        data = self.validated(s.ConsentGrantSerializer)
        consent = member_services.consent_grant(member=member, acting=request.user, **data)
        return self.render(s.ConsentSerializer, consent, status.HTTP_201_CREATED)


_CONSENTS_DESCRIPTION = gettext_lazy(
    "Full history, newest first: revoking stamps `revoked_at`, granting again adds a row."
)
_GRANT_DESCRIPTION = gettext_lazy(
    "Granting the same channel and audience again with the same scope returns the active "
    "consent unchanged; a different scope replaces it, keeping the history."
)


@extend_schema(tags=["me"])
class OwnConsentListView(OwnMemberMixin, ConsentListView):
    @extend_schema(
        summary=gettext_lazy("Your contact consents"),
        description=_CONSENTS_DESCRIPTION,
        responses={200: s.ConsentSerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return super().get(request)

    @extend_schema(
        summary=gettext_lazy("Consent to be contacted through a channel, by an audience"),
        description=_GRANT_DESCRIPTION,
        request=s.ConsentGrantSerializer,
        responses={201: s.ConsentSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str) -> Response:
        return super().post(request)


@extend_schema(tags=["members"])
class MemberConsentListView(ManagedMemberMixin, ConsentListView):
    @extend_schema(
        summary=gettext_lazy("A member's contact consents (facilitators)"),
        description=_CONSENTS_DESCRIPTION,
        responses={200: s.ConsentSerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, slug: str, member_id: int) -> Response:
        return super().get(request)

    @extend_schema(
        summary=gettext_lazy("Record a member's consent (facilitators)"),
        description=_GRANT_DESCRIPTION,
        request=s.ConsentGrantSerializer,
        responses={201: s.ConsentSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str, member_id: int) -> Response:
        return super().post(request)


class ConsentRevokeView(NetworkView):
    def post(self, request: Request, **kwargs: Any) -> Response:
        member = self.get_member()
        consent = consent_history(member).filter(pk=self.kwargs["consent_id"]).first()
        if consent is None:
            raise NotFound(_("There is no such consent for this person."))
        consent = member_services.consent_revoke(consent=consent, acting=request.user)
        return self.render(s.ConsentSerializer, consent)


@extend_schema(tags=["me"])
class OwnConsentRevokeView(OwnMemberMixin, ConsentRevokeView):
    @extend_schema(
        summary=gettext_lazy("Withdraw one of your consents (harmless if already withdrawn)"),
        request=None,
        responses={200: s.ConsentSerializer, **errors(*READ_ERRORS)},
    )
    def post(self, request: Request, slug: str, consent_id: int) -> Response:
        return super().post(request)


@extend_schema(tags=["members"])
class MemberConsentRevokeView(ManagedMemberMixin, ConsentRevokeView):
    @extend_schema(
        summary=gettext_lazy("Withdraw a member's consent (facilitators)"),
        request=None,
        responses={200: s.ConsentSerializer, **errors(*READ_ERRORS)},
    )
    def post(self, request: Request, slug: str, member_id: int, consent_id: int) -> Response:
        return super().post(request)


class WithdrawView(NetworkView):
    def post(self, request: Request, **kwargs: Any) -> Response:
        member = self.get_member()
        self.validated(s.WithdrawSerializer)
        member = member_services.member_withdraw(member=member, acting=request.user)
        permissions.forget_memberships(request.user)
        return self.render(s.WithdrawalSerializer, member)


_WITHDRAW_DESCRIPTION = gettext_lazy(
    "Erases name, presentation, contact details, consent notes and listing texts; closes "
    "the listings; deletes the account when it belongs to no other network. Anonymous "
    'counts remain. Requires `{"confirm": true}`.'
)


@extend_schema(tags=["me"])
class OwnWithdrawView(OwnMemberMixin, WithdrawView):
    @extend_schema(
        summary=gettext_lazy("Leave the network"),
        description=_WITHDRAW_DESCRIPTION,
        request=s.WithdrawSerializer,
        responses={200: s.WithdrawalSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str) -> Response:
        return super().post(request)


@extend_schema(tags=["members"])
class MemberWithdrawView(ManagedMemberMixin, WithdrawView):
    def get_member(self) -> Member:
        # Withdrawn members stay addressable here so that withdrawing twice is harmless.
        member = (
            member_list(self.network, include_withdrawn=True)
            .filter(pk=self.kwargs["member_id"])
            .first()
        )
        if member is None:
            raise NotFound(_("There is no such member in this network."))
        return member

    @extend_schema(
        summary=gettext_lazy("Withdraw a member at their request (facilitators)"),
        description=format_lazy(
            "{} {}", _WITHDRAW_DESCRIPTION, gettext_lazy("Withdrawing twice is harmless.")
        ),
        request=s.WithdrawSerializer,
        responses={200: s.WithdrawalSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str, member_id: int) -> Response:
        return super().post(request)


# --- members (facilitators) ----------------------------------------------------------


@extend_schema(tags=["members"])
class MemberListView(ListModelMixin, NetworkView):
    permission_classes = [IsFacilitator]
    serializer_class = s.MemberSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = MemberFilter

    def get_queryset(self) -> QuerySet[Member]:
        if self.is_schema():
            return Member.objects.none()
        return member_list(self.network)

    def paginate_queryset(self, queryset: QuerySet[Member]) -> list[Member] | None:
        page = super().paginate_queryset(queryset)
        if page is not None:
            # Everyone on the page is shown with contact details: each sees it in their trail.
            audit_contacts_listed(acting=self.request.user, members=page, detail=AuditEntry.API)
        return page

    @extend_schema(
        summary=gettext_lazy("Members and visitors of the network (facilitators)"),
        description=gettext_lazy(
            "Withdrawn members are not listed: their data is erased. Each person on the page "
            "is shown with contact details, which is noted in the audit trail."
        ),
        responses={200: s.MemberSerializer, **errors(*FILTERED_LIST_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)

    @extend_schema(
        summary=gettext_lazy("Register a visitor met at a drop-in session (facilitators)"),
        description=gettext_lazy(
            "Creates an account without a password when the email is new or empty."
        ),
        request=s.RegisterSerializer,
        responses={201: s.MembershipSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.validated(s.RegisterSerializer)
        data.setdefault("email", "")
        member = member_services.member_register(network=self.network, acting=request.user, **data)
        return self.render(
            s.MembershipSerializer, member_get(self.network, member.pk), status.HTTP_201_CREATED
        )


@extend_schema(tags=["members"])
class MemberRoleView(ManagedMemberMixin, NetworkView):
    permission_classes = [IsCoordinator]

    @extend_schema(
        summary=gettext_lazy(
            "Give a member the role member, facilitator or coordinator (coordinators)"
        ),
        request=s.RoleSerializer,
        responses={200: s.MembershipSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str, member_id: int) -> Response:
        member = self.get_member()
        data = self.validated(s.RoleSerializer)
        member_services.member_assign_role(member=member, role=data["role"], acting=request.user)
        return self.render_member(self.reload_member(member))


@extend_schema(tags=["members"])
class MemberExportView(ManagedMemberMixin, NetworkView):
    @extend_schema(
        summary=gettext_lazy("Everything held about a member, to hand it to them (facilitators)"),
        responses={200: EXPORT_RESPONSE, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, slug: str, member_id: int) -> Response:
        member = self.get_member()
        audit_record(
            acting=request.user,
            action=AuditEntry.Action.CONTACTS_EXPORTED,
            member=member,
            detail=AuditEntry.API,
        )
        return _attachment(member_data_export(member), f"rers-member-{member.pk}-data.json")


# --- audit trail ---------------------------------------------------------------------


@extend_schema(tags=["me"])
class OwnAuditListView(OwnMemberMixin, ListModelMixin, NetworkView):
    serializer_class = s.AuditEntrySerializer

    def get_queryset(self) -> QuerySet[AuditEntry]:
        if self.is_schema():
            return AuditEntry.objects.none()
        return audit_for_member(self.get_member())

    @extend_schema(
        summary=gettext_lazy("Who looked at your contact details or acted for you"),
        description=gettext_lazy(
            "Newest first: each time a facilitator or coordinator viewed or downloaded your "
            "contact details, changed your role or acted on your behalf. Your own visits are "
            "not recorded."
        ),
        responses={200: s.AuditEntrySerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)


@extend_schema(tags=["members"])
class NetworkAuditListView(ListModelMixin, NetworkView):
    permission_classes = [IsCoordinator]
    serializer_class = s.NetworkAuditEntrySerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = AuditFilter

    def get_queryset(self) -> QuerySet[AuditEntry]:
        if self.is_schema():
            return AuditEntry.objects.none()
        return audit_for_network(self.network)

    @extend_schema(
        summary=gettext_lazy("The network's audit trail (coordinators)"),
        description=gettext_lazy(
            "Newest first: who viewed or downloaded members' contact details, changed roles "
            "or acted on a member's behalf. No contact details, names of the people concerned "
            "or free text are recorded; entries about people who left point to nobody."
        ),
        responses={200: s.NetworkAuditEntrySerializer, **errors(*FILTERED_LIST_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)


# --- listings ------------------------------------------------------------------------


@extend_schema(tags=["listings"])
class ListingListView(ListModelMixin, NetworkView):
    """Members see their network's open listings and all of their own; visitors only their
    own; facilitators every listing of the network."""

    permission_classes = [IsParticipant]
    serializer_class = s.ListingSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ListingFilter

    def get_queryset(self) -> QuerySet[Listing]:
        if self.is_schema():
            return Listing.objects.none()
        return listing_list(self.network, self.request.user)

    @extend_schema(
        summary=gettext_lazy("Offers and requests of the network"),
        description=gettext_lazy(
            "Members see the open listings of their network and all of their own; visitors "
            "only their own; facilitators every listing of the network. Never contact details. "
            "With `scope=neighbours` or `scope=all`, the listings of neighbouring networks "
            "mirrored here too (`is_mirrored`, anonymised: no `member`), optionally within "
            "`within_km` km."
        ),
        responses={200: s.ListingSerializer, **errors(*FILTERED_LIST_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        if not listing_cache.enabled():
            return self.list(request)
        audience = listing_list_audience(self.network, request.user)
        if audience is None:
            return self.list(request)
        # The page is the same for everyone in the audience but for ``is_mine``: cached
        # once for all of them (per address and language), then marked for this person.
        data = listing_cache.cached(
            self.network.pk,
            ("api", audience, request.build_absolute_uri()),
            lambda: self.list(request).data,
        )
        own = permissions.membership(request.user, self.network)
        for listing in data["results"]:
            # As ListingSerializer.get_is_mine: a person has one membership per network.
            author = listing["member"]
            listing["is_mine"] = own is not None and author is not None and author["id"] == own.pk
        return Response(data)

    @extend_schema(
        summary=gettext_lazy("Post an offer or a request"),
        description=gettext_lazy(
            "Your own, once you accepted the charter. Facilitators may pass `member` to "
            "record one on behalf of a member of their network."
        ),
        request=s.ListingCreateSerializer,
        responses={201: s.ListingSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.validated(s.ListingCreateSerializer)
        member_id = data.pop("member", None)
        if member_id is None:
            member = permissions.membership(request.user, self.network)
        else:
            try:
                member = member_get(self.network, member_id)
            except NotFound as exc:
                raise ValidationFailed(exc.message, field="member") from exc
        listing = listing_services.listing_create(member=member, acting=request.user, **data)
        listing = listing_get(self.network, request.user, listing.pk)
        return self.render(s.ListingSerializer, listing, status.HTTP_201_CREATED)


class ListingObjectView(NetworkView):
    permission_classes = [IsParticipant]

    def get_listing(self) -> Listing:
        return listing_get(self.network, self.request.user, self.kwargs["listing_id"])

    def reload(self, listing: Listing) -> Response:
        return self.render(s.ListingSerializer, self.get_listing())


@extend_schema(tags=["listings"])
class ListingDetailView(ListingObjectView):
    """Listings are never deleted (DELETE answers 405): close them with ``close/``.

    A listing stays as the trace of what was offered or asked; a member's withdrawal
    erases its text.
    """

    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(
        summary=gettext_lazy("An offer or a request"),
        description=gettext_lazy(
            "Listings are never deleted (DELETE answers 405): close them with `close/`."
        ),
        responses={200: s.ListingSerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, slug: str, listing_id: int) -> Response:
        return self.render(s.ListingSerializer, self.get_listing())

    @extend_schema(
        summary=gettext_lazy("Edit an open or paused listing (its author or a facilitator)"),
        request=s.ListingUpdateSerializer,
        responses={200: s.ListingSerializer, **errors(*WRITE_ERRORS)},
    )
    def patch(self, request: Request, slug: str, listing_id: int) -> Response:
        listing = self.get_listing()
        fields = self.validated(s.ListingUpdateSerializer, partial=True)
        listing_services.listing_update(listing=listing, acting=request.user, **fields)
        return self.reload(listing)


class ListingTransitionView(ListingObjectView):
    service: Any = None

    def post(self, request: Request, slug: str, listing_id: int) -> Response:
        listing = self.get_listing()
        self.service(listing=listing, acting=request.user)
        return self.reload(listing)


def _transition_schema(summary: str) -> Any:
    return extend_schema(
        tags=["listings"],
        summary=summary,
        request=None,
        responses={200: s.ListingSerializer, **errors(403, 404, 409)},
    )


class ListingPauseView(ListingTransitionView):
    service = staticmethod(listing_services.listing_pause)

    @_transition_schema(gettext_lazy("Pause a listing (harmless if already paused)"))
    def post(self, request: Request, slug: str, listing_id: int) -> Response:
        return super().post(request, slug, listing_id)


class ListingReopenView(ListingTransitionView):
    service = staticmethod(listing_services.listing_reopen)

    @_transition_schema(gettext_lazy("Show a paused listing again"))
    def post(self, request: Request, slug: str, listing_id: int) -> Response:
        return super().post(request, slug, listing_id)


class ListingCloseView(ListingTransitionView):
    service = staticmethod(listing_services.listing_close)

    @_transition_schema(gettext_lazy("Close a listing for good"))
    def post(self, request: Request, slug: str, listing_id: int) -> Response:
        return super().post(request, slug, listing_id)


@extend_schema(tags=["listings"])
class ListingAskNeighboursView(ListingObjectView):
    permission_classes = [IsFacilitator]

    @extend_schema(
        summary=gettext_lazy("Ask the neighbouring networks about an open request (facilitators)"),
        description=gettext_lazy(
            "Its `visibility` becomes `federated`: the neighbouring networks this network "
            "federates with receive it anonymised, and their facilitators see it among "
            "their suggested connections and unmet requests. Its author may keep it to the "
            "network again by editing it; closing it withdraws it everywhere. Asking again "
            "changes nothing. Only for this network's own open requests."
        ),
        request=None,
        responses={200: s.ListingSerializer, **errors(400, 403, 404)},
    )
    def post(self, request: Request, slug: str, listing_id: int) -> Response:
        listing = self.get_listing()
        listing_services.request_ask_neighbours(listing=listing, acting=request.user)
        return self.reload(listing)


# --- the account ---------------------------------------------------------------------


@extend_schema(tags=["account"])
class AccountView(BaseView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary=gettext_lazy("Your account and your memberships"),
        responses={200: s.AccountSerializer, **errors(403)},
    )
    def get(self, request: Request) -> Response:
        context = {**self.get_serializer_context(), "memberships": user_memberships(request.user)}
        return Response(s.AccountSerializer(request.user, context=context).data)


@extend_schema(tags=["account"])
class AccountExportView(BaseView):
    permission_classes = [IsAuthenticated]

    @extend_schema(
        summary=gettext_lazy("Everything this instance holds about you, as a JSON file"),
        responses={200: EXPORT_RESPONSE, **errors(403)},
    )
    def get(self, request: Request) -> Response:
        return _attachment(user_data_export(request.user), "rers-my-data.json")


@extend_schema(tags=["account"])
class TokenView(BaseView):
    """API tokens, for clients that cannot keep a session cookie."""

    def get_authenticators(self) -> list:
        # Obtaining a token needs no prior authentication (and no CSRF token).
        if self.request is not None and self.request.method == "POST":
            return []
        return super().get_authenticators()

    def get_permissions(self) -> list:
        if self.request is not None and self.request.method == "POST":
            return [AllowAny()]
        return [IsAuthenticated()]

    @extend_schema(
        summary=gettext_lazy("Exchange a username and password for an API token"),
        description=gettext_lazy(
            "Send the token as the header `Authorization: Token <token>`. Asking again "
            "returns the same token until it is revoked."
        ),
        request=s.TokenObtainSerializer,
        responses={200: s.TokenSerializer, **errors(400, 413, 429)},
        auth=[],
    )
    def post(self, request: Request) -> Response:
        data = self.validated(s.TokenObtainSerializer)
        wait = login_wait(request._request, data.get("username", ""))
        if wait is not None:
            raise Throttled(wait)
        token = account_services.token_issue(request=request._request, **data)
        return Response({"token": token.key})

    @extend_schema(
        summary=gettext_lazy("Revoke your API token"),
        responses={204: None, **errors(403)},
    )
    def delete(self, request: Request) -> Response:
        account_services.token_revoke(user=request.user, acting=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


@extend_schema(tags=["account"])
class SessionsView(BaseView):
    """Logging out everywhere, as the portal's "Where I am logged in" page does."""

    @extend_schema(
        summary=gettext_lazy("Log out everywhere"),
        description=gettext_lazy(
            "Ends every portal session of your account, the one making this request included, "
            "and revokes your API token: whoever uses them (a shared computer, a lost phone) "
            "must log in again."
        ),
        responses={204: None, **errors(403)},
    )
    def delete(self, request: Request) -> Response:
        account_services.account_sessions_end(user=request.user, acting=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
