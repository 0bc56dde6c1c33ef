"""API v1 views for matching: suggestions, connections, exchanges, reviews, unmet requests
and reciprocity.

Same shape as :mod:`rers_core.api.views`: resolve the network, check permissions,
validate the input with a serializer, call one service (writes) or selector (reads),
render. Objects another network owns, or that the reader may not see, answer 404; the
services check every rule again when they write.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.mixins import ListModelMixin
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer

from rers_core import permissions
from rers_core.api import serializers_matching as sm
from rers_core.api.filters_matching import ConnectionFilter, ExchangeFilter, ReviewFilter
from rers_core.api.permissions import IsFacilitator, IsParticipant
from rers_core.api.views import (
    FILTERED_LIST_ERRORS,
    READ_ERRORS,
    WRITE_ERRORS,
    ManagedMemberMixin,
    NetworkView,
    OwnMemberMixin,
    errors,
)
from rers_core.errors import DomainError, NotAllowed, NotFound, ValidationFailed
from rers_core.models import Connection, Exchange, Listing, Member, Review
from rers_core.selectors.connections import (
    connection_get,
    connection_list,
    exchange_get,
    exchange_list,
    reciprocity,
    review_list,
)
from rers_core.selectors.listings import listing_get
from rers_core.selectors.members import member_list
from rers_core.selectors.suggestions import (
    neighbours_unmet_requests,
    suggested_connections,
    suggestions_for_request,
    unmet_requests,
)
from rers_core.services import connections as connection_services
from rers_core.services import exchanges as exchange_services

ACTION_ERRORS = (400, 403, 404, 409, 413)


class MatchingView(NetworkView):
    """Base of the views below."""


class QueryMixin:
    """``validated_query()``: the query string checked by a serializer (400 when invalid)."""

    def validated_query(self, serializer_class: type[BaseSerializer]) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.query_params)
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)


# --- suggestions ---------------------------------------------------------------------


@extend_schema(tags=["suggestions"])
class ListingSuggestionsView(QueryMixin, MatchingView):
    permission_classes = [IsParticipant]
    pagination_class = None

    @extend_schema(
        summary=gettext_lazy("Offers that may answer a request (its author or a facilitator)"),
        description=gettext_lazy(
            "Open offers of the network and of its neighbours, best first, with a score "
            "(higher is better; a neighbour's offer loses a little with distance); offers "
            "already put in contact with this request are left out. A closed or paused "
            "request has no suggestions. A neighbour's offer (`is_mirrored`) can be asked "
            "for like ours: the request goes to its network, which asks its author."
        ),
        parameters=[sm.SuggestionQuerySerializer],
        responses={200: sm.SuggestionSerializer(many=True), **errors(400, *READ_ERRORS)},
    )
    def get(self, request: Request, slug: str, listing_id: int) -> Response:
        listing = listing_get(self.network, request.user, listing_id)
        if listing.is_mirrored:
            raise NotAllowed(
                _(
                    "“%(title)s” belongs to %(network)s, a neighbouring network: suggestions "
                    "are made there."
                )
                % {"title": listing.title, "network": listing.origin_name}
            )
        if not permissions.can_act_for(request.user, listing.member):
            raise NotAllowed(
                _("Only the author of the request, or a facilitator, sees its suggestions.")
            )
        if listing.direction != Listing.Direction.REQUEST:
            raise DomainError(_("Suggestions are given for requests, not for offers."))
        params = self.validated_query(sm.SuggestionQuerySerializer)
        suggestions = suggestions_for_request(listing, limit=params.get("limit"))
        context = self.get_serializer_context()
        return Response(sm.SuggestionSerializer(suggestions, many=True, context=context).data)


@extend_schema(tags=["suggestions"])
class SuggestedConnectionsView(QueryMixin, MatchingView):
    permission_classes = [IsFacilitator]

    @extend_schema(
        summary=gettext_lazy("Open requests with the offers that may answer them (facilitators)"),
        description=gettext_lazy(
            "Oldest requests first; requests with no suggestion are in `unmet-requests/`. "
            "`limit` is the number of offers per request. Offers of neighbouring networks "
            "(`is_mirrored`) are suggested too. Then the open requests neighbouring networks "
            "shared with this one (the request `is_mirrored`, anonymised), each with this "
            "network's own offers that may answer it. Any of these can be proposed with "
            "`connections/`: the person of a neighbouring network is asked by their own "
            "network."
        ),
        parameters=[sm.SuggestionQuerySerializer],
        responses={200: sm.SuggestedConnectionSerializer(many=True), **errors(400, 403, 404)},
    )
    def get(self, request: Request, slug: str) -> Response:
        params = self.validated_query(sm.SuggestionQuerySerializer)
        rows = suggested_connections(self.network, limit=params.get("limit"))
        page = self.paginate_queryset(rows)
        context = self.get_serializer_context()
        data = sm.SuggestedConnectionSerializer(page, many=True, context=context).data
        return self.get_paginated_response(data)


def _cell(value: Any) -> Any:
    """Neutralise text a spreadsheet would run as a formula (CSV injection)."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


class CSVRenderer(BaseRenderer):
    """A list of flat objects as CSV, with the columns the view names in ``csv_columns``."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: dict[str, Any] | None = None,
    ) -> bytes:
        columns = renderer_context["view"].csv_columns
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(columns)
        for row in data:
            writer.writerow([_cell(row[column]) for column in columns])
        return out.getvalue().encode(self.charset)


class FormatNegotiation(DefaultContentNegotiation):
    """An unknown ``?format=`` is bad input (400), not a missing page (DRF's 404)."""

    def select_renderer(self, request: Request, renderers: list, format_suffix: Any = None):
        try:
            return super().select_renderer(request, renderers, format_suffix)
        except Http404 as exc:
            formats = ", ".join(renderer.format for renderer in renderers)
            raise ValidationFailed(
                _("Unknown format; choose one of: %(formats)s.") % {"formats": formats},
                field=self.settings.URL_FORMAT_OVERRIDE,
            ) from exc


def _json_errors(*codes: int) -> dict[tuple[int, str], OpenApiResponse]:
    return {(code, "application/json"): response for code, response in errors(*codes).items()}


class UnmetReportView(QueryMixin, MatchingView):
    """Base of the unmet-requests reports: JSON pages by default, every row as CSV on
    demand. Errors are always JSON, even when CSV was asked for."""

    permission_classes = [IsFacilitator]
    renderer_classes = [JSONRenderer, CSVRenderer]
    content_negotiation_class = FormatNegotiation
    csv_columns: list[str] = []
    row_serializer: type[BaseSerializer] = sm.UnmetRequestSerializer
    filename = ""
    report: Any = None

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        response = super().finalize_response(request, response, *args, **kwargs)
        # Errors and OPTIONS descriptions are objects, not rows.
        if isinstance(getattr(response, "accepted_renderer", None), CSVRenderer) and (
            response.status_code >= 400 or not isinstance(response.data, list)
        ):
            response.accepted_renderer = JSONRenderer()
            response.accepted_media_type = JSONRenderer.media_type
        return response

    def get(self, request: Request, slug: str) -> Response:
        params = self.validated_query(sm.UnmetQuerySerializer)
        rows = self.report(self.network, order=params["order"])
        context = self.get_serializer_context()
        if request.accepted_renderer.format == CSVRenderer.format:
            data = self.row_serializer(rows, many=True, context=context).data
            filename = f"{self.filename}-{self.network.slug}.csv"
            return Response(
                data, headers={"Content-Disposition": f'attachment; filename="{filename}"'}
            )
        page = self.paginate_queryset(rows)
        data = self.row_serializer(page, many=True, context=context).data
        return self.get_paginated_response(data)


def _unmet_schema(summary: Any, description: Any, rows: BaseSerializer) -> Any:
    return extend_schema(
        tags=["suggestions"],
        summary=summary,
        description=description,
        parameters=[sm.UnmetQuerySerializer],
        responses={
            (200, "application/json"): rows,
            (200, "text/csv"): OpenApiResponse(
                OpenApiTypes.STR, description=gettext_lazy("Every row of the report, as CSV.")
            ),
            **_json_errors(400, 403, 404),
        },
    )


class UnmetRequestsView(UnmetReportView):
    csv_columns = ["request", "title", "domain", "age_days", "created_at", "best_score"]
    row_serializer = sm.UnmetRequestSerializer
    filename = "unmet-requests"
    report = staticmethod(unmet_requests)

    @_unmet_schema(
        gettext_lazy("Requests no offer of the network answers (facilitators)"),
        gettext_lazy(
            "A signal for facilitators and for the federation. JSON pages by default; with "
            "`?format=csv` or `Accept: text/csv`, every row as a CSV file (UTF-8, comma "
            "separated, columns request, title, domain, age_days, created_at, best_score). "
            "Neighbouring networks' requests are never among them: see "
            "`unmet-requests/neighbours/`."
        ),
        sm.UnmetRequestSerializer(many=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        return super().get(request, slug)


class NeighboursUnmetRequestsView(UnmetReportView):
    csv_columns = [
        "request",
        "title",
        "domain",
        "network",
        "distance_km",
        "age_days",
        "created_at",
        "best_score",
    ]
    row_serializer = sm.NeighbourUnmetRequestSerializer
    filename = "neighbours-unmet-requests"
    report = staticmethod(neighbours_unmet_requests)

    @_unmet_schema(
        gettext_lazy(
            "Neighbouring networks' requests no offer of the network answers (facilitators)"
        ),
        gettext_lazy(
            "Open requests that neighbouring networks shared with this one (mirrored here, "
            "anonymised) and that none of its own offers answers above the suggestion "
            "threshold; those its offers answer are in `suggested-connections/`. Never "
            "counted among the network's own. Same formats as `unmet-requests/` (CSV columns "
            "request, title, domain, network, distance_km, age_days, created_at, best_score); "
            "`age_days` counts from the day the request reached this network."
        ),
        sm.NeighbourUnmetRequestSerializer(many=True),
    )
    def get(self, request: Request, slug: str) -> Response:
        return super().get(request, slug)


# --- connections ---------------------------------------------------------------------


class ConnectionRenderMixin:
    def render_connection(self, connection: Connection, code: int = status.HTTP_200_OK):
        # Read again through the selector: the service changed the row, and the reader's
        # scope applies to what is shown.
        connection = connection_get(self.network, self.request.user, connection.pk)
        return self.render(sm.ConnectionDetailSerializer, connection, code)


@extend_schema(tags=["connections"])
class ConnectionListView(ConnectionRenderMixin, ListModelMixin, MatchingView):
    """Members see the connections they are part of; facilitators every one of the network."""

    permission_classes = [IsParticipant]
    serializer_class = sm.ConnectionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ConnectionFilter

    def get_queryset(self) -> QuerySet[Connection]:
        if self.is_schema():
            return Connection.objects.none()
        # The exchange id is shown on each row: joined, not queried per row.
        return connection_list(self.network, self.request.user).select_related("exchange")

    def listing_input(self, field: str, listing_id: int | None) -> Listing | None:
        if listing_id is None:
            return None
        try:
            return listing_get(self.network, self.request.user, listing_id)
        except NotFound as exc:
            raise ValidationFailed(exc.message, field=field) from exc

    @extend_schema(
        summary=gettext_lazy("Connections you are part of (facilitators: all of the network)"),
        description=gettext_lazy(
            "Never contact details: the contact card is on each connection's own page."
        ),
        responses={200: sm.ConnectionSerializer, **errors(*FILTERED_LIST_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)

    @extend_schema(
        summary=gettext_lazy("Propose a connection between a request and an offer"),
        description=gettext_lazy(
            "Give a request, an offer or both; the missing side is you (answering a request "
            "with your own know-how, or asking an offer's author directly). Your own "
            "agreement is recorded at once; the other person (both, when a facilitator "
            "proposes) is asked. One of the two listings may be a neighbouring network's "
            "(`is_mirrored`): that network asks its author, who answers there; your name and "
            "presentation go with it only if you agreed to be known by neighbouring networks. "
            "When that network cannot be reached, the answer is a 400 asking to try again later."
        ),
        request=sm.ConnectionProposeSerializer,
        responses={201: sm.ConnectionDetailSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.validated(sm.ConnectionProposeSerializer)
        connection = connection_services.connection_propose(
            acting=request.user,
            request=self.listing_input("request", data.get("request")),
            offer=self.listing_input("offer", data.get("offer")),
            message=data.get("message", ""),
        )
        return self.render_connection(connection, status.HTTP_201_CREATED)


class ConnectionObjectView(ConnectionRenderMixin, MatchingView):
    permission_classes = [IsParticipant]

    def get_connection(self) -> Connection:
        return connection_get(self.network, self.request.user, self.kwargs["connection_id"])


@extend_schema(tags=["connections"])
class ConnectionDetailView(ConnectionObjectView):
    @extend_schema(
        summary=gettext_lazy("A connection, with each person's answer"),
        description=gettext_lazy(
            "Once both accepted, each of the two people sees the other's contact card, "
            "limited to the channels that person consented to."
        ),
        responses={200: sm.ConnectionDetailSerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, slug: str, connection_id: int) -> Response:
        return self.render(sm.ConnectionDetailSerializer, self.get_connection())


class ConnectionAnswerView(ConnectionObjectView):
    serializer_class = sm.ConnectionAnswerSerializer
    accept = True

    def post(self, request: Request, slug: str, connection_id: int) -> Response:
        connection = self.get_connection()
        side = self.validated(sm.ConnectionAnswerSerializer).get("side")
        own = connection.side_of(permissions.membership(request.user, self.network))
        if side is None and own is None and permissions.is_facilitator(request.user, self.network):
            raise ValidationFailed(
                _("Say whether you answer for the requester or the offerer."), field="side"
            )
        connection_services.connection_answer(
            connection=connection, accept=self.accept, acting=request.user, side=side
        )
        return self.render_connection(connection)


def _connection_action(summary: Any, *, description: Any = None, request: Any = None) -> Any:
    return extend_schema(
        tags=["connections"],
        summary=summary,
        description=description,
        request=request,
        responses={200: sm.ConnectionDetailSerializer, **errors(*ACTION_ERRORS)},
    )


_ANSWER_DESCRIPTION = gettext_lazy(
    "Your informed consent, stamped with its time. A facilitator may record the answer a "
    "person gave them (`side`)."
)


class ConnectionAcceptView(ConnectionAnswerView):
    accept = True

    @_connection_action(
        gettext_lazy("Accept to be put in contact"),
        description=_ANSWER_DESCRIPTION,
        request=sm.ConnectionAnswerSerializer,
    )
    def post(self, request: Request, slug: str, connection_id: int) -> Response:
        return super().post(request, slug, connection_id)


class ConnectionDeclineView(ConnectionAnswerView):
    accept = False

    @_connection_action(
        gettext_lazy("Decline a connection (it will not be proposed again)"),
        description=_ANSWER_DESCRIPTION,
        request=sm.ConnectionAnswerSerializer,
    )
    def post(self, request: Request, slug: str, connection_id: int) -> Response:
        return super().post(request, slug, connection_id)


class ConnectionCancelView(ConnectionObjectView):
    @_connection_action(
        gettext_lazy(
            "Stop a connection before its exchange is done (harmless if already cancelled)"
        )
    )
    def post(self, request: Request, slug: str, connection_id: int) -> Response:
        connection = self.get_connection()
        connection_services.connection_cancel(connection=connection, acting=request.user)
        return self.render_connection(connection)


class ConnectionRelayedView(ConnectionObjectView):
    permission_classes = [IsFacilitator]

    @_connection_action(
        gettext_lazy("Record that you passed the two people's messages on (facilitators)")
    )
    def post(self, request: Request, slug: str, connection_id: int) -> Response:
        connection = self.get_connection()
        connection_services.connection_mark_relayed(connection=connection, acting=request.user)
        return self.render_connection(connection)


# --- exchanges -----------------------------------------------------------------------


class ExchangeRenderMixin:
    def render_exchange(self, exchange: Exchange, code: int = status.HTTP_200_OK) -> Response:
        exchange = exchange_get(self.network, self.request.user, exchange.pk)
        return self.render(sm.ExchangeDetailSerializer, exchange, code)


@extend_schema(tags=["connections"])
class ConnectionExchangeView(ExchangeRenderMixin, ConnectionObjectView):
    serializer_class = sm.StartExchangeSerializer

    @extend_schema(
        summary=gettext_lazy("Start the exchange of a connection both people accepted"),
        description=gettext_lazy(
            "The offerer gives, the requester receives; they then write their agreement "
            "together. Starting it again returns the same exchange."
        ),
        request=sm.StartExchangeSerializer,
        responses={201: sm.ExchangeDetailSerializer, **errors(*ACTION_ERRORS)},
    )
    def post(self, request: Request, slug: str, connection_id: int) -> Response:
        connection = self.get_connection()
        data = self.validated(sm.StartExchangeSerializer)
        exchange = exchange_services.exchange_from_connection(
            connection=connection, acting=request.user, **data
        )
        return self.render_exchange(exchange, status.HTTP_201_CREATED)


@extend_schema(tags=["exchanges"])
class ExchangeListView(ExchangeRenderMixin, ListModelMixin, MatchingView):
    serializer_class = sm.ExchangeSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ExchangeFilter

    def get_permissions(self) -> list:
        if self.request is not None and self.request.method == "POST":
            return [IsFacilitator()]
        return [IsParticipant()]

    def get_queryset(self) -> QuerySet[Exchange]:
        if self.is_schema():
            return Exchange.objects.none()
        return exchange_list(self.network, self.request.user)

    def members_input(self, field: str, ids: list[int]) -> list[Member]:
        found = {m.pk: m for m in member_list(self.network).filter(pk__in=set(ids))}
        missing = [str(pk) for pk in ids if pk not in found]
        if missing:
            raise ValidationFailed(
                _("There is no such member in this network: %(ids)s.")
                % {"ids": ", ".join(missing)},
                field=field,
            )
        return [found[pk] for pk in ids]

    @extend_schema(
        summary=gettext_lazy("Exchanges you take part in (facilitators: all of the network)"),
        responses={200: sm.ExchangeSerializer, **errors(*FILTERED_LIST_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)

    @extend_schema(
        summary=gettext_lazy("Set up an exchange (facilitators)"),
        description=gettext_lazy(
            "For example a collective exchange with several receivers. A one-to-one "
            "exchange has one giver and one receiver; each person takes part once."
        ),
        request=sm.ExchangeCreateSerializer,
        responses={201: sm.ExchangeDetailSerializer, **errors(*WRITE_ERRORS)},
    )
    def post(self, request: Request, slug: str) -> Response:
        data = self.validated(sm.ExchangeCreateSerializer)
        exchange = exchange_services.exchange_create(
            network=self.network,
            kind=data["kind"],
            title=data["title"],
            givers=self.members_input("givers", data["givers"]),
            receivers=self.members_input("receivers", data["receivers"]),
            acting=request.user,
        )
        return self.render_exchange(exchange, status.HTTP_201_CREATED)


class ExchangeObjectView(ExchangeRenderMixin, MatchingView):
    permission_classes = [IsParticipant]

    def get_exchange(self) -> Exchange:
        return exchange_get(self.network, self.request.user, self.kwargs["exchange_id"])

    def on_behalf(self, exchange: Exchange, member_id: int | None) -> Member | None:
        """The participant ``member_id`` names (facilitators); None to act for oneself."""
        participants = exchange.participants.all()  # prefetched with their members
        if member_id is None:
            own = permissions.membership(self.request.user, self.network)
            takes_part = own is not None and any(p.member_id == own.pk for p in participants)
            if not takes_part and permissions.is_facilitator(self.request.user, self.network):
                raise ValidationFailed(
                    _("Say on whose behalf: give the participant's member id."), field="member"
                )
            return None
        for participant in participants:
            if participant.member_id == member_id:
                return participant.member
        raise ValidationFailed(
            _("This person does not take part in this exchange."), field="member"
        )


@extend_schema(tags=["exchanges"])
class ExchangeDetailView(ExchangeObjectView):
    @extend_schema(
        summary=gettext_lazy("An exchange: participants, agreement, sessions"),
        description=gettext_lazy(
            "Reviews are shown to facilitators only; a participant sees their own."
        ),
        responses={200: sm.ExchangeDetailSerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, slug: str, exchange_id: int) -> Response:
        return self.render(sm.ExchangeDetailSerializer, self.get_exchange())


def _exchange_action(
    summary: Any,
    *,
    description: Any = None,
    request: Any = None,
    response: Any = sm.ExchangeDetailSerializer,
    code: int = 200,
) -> Any:
    return extend_schema(
        tags=["exchanges"],
        summary=summary,
        description=description,
        request=request,
        responses={code: response, **errors(*ACTION_ERRORS)},
    )


class ExchangeAgreementView(ExchangeObjectView):
    serializer_class = sm.AgreementUpdateSerializer

    @_exchange_action(
        gettext_lazy("Edit the agreement (participants or a facilitator)"),
        description=gettext_lazy(
            "Frequency, place, days and hours, content, methods, evaluation. A change asks "
            "every participant to confirm again."
        ),
        request=sm.AgreementUpdateSerializer,
    )
    def patch(self, request: Request, slug: str, exchange_id: int) -> Response:
        exchange = self.get_exchange()
        fields = self.validated(sm.AgreementUpdateSerializer, partial=True)
        exchange_services.agreement_update(exchange=exchange, acting=request.user, **fields)
        return self.render_exchange(exchange)


class ExchangeAgreeView(ExchangeObjectView):
    serializer_class = sm.OnBehalfSerializer

    @_exchange_action(
        gettext_lazy("Confirm the agreement as written"),
        description=gettext_lazy(
            "When every participant confirmed, the exchange is agreed. A facilitator may "
            "record a participant's confirmation (`member`)."
        ),
        request=sm.OnBehalfSerializer,
    )
    def post(self, request: Request, slug: str, exchange_id: int) -> Response:
        exchange = self.get_exchange()
        data = self.validated(sm.OnBehalfSerializer)
        exchange_services.agreement_confirm(
            exchange=exchange,
            acting=request.user,
            member=self.on_behalf(exchange, data.get("member")),
        )
        return self.render_exchange(exchange)


class ExchangeSessionView(ExchangeObjectView):
    serializer_class = sm.SessionCreateSerializer

    @_exchange_action(
        gettext_lazy("Record a date the participants met or will meet"),
        request=sm.SessionCreateSerializer,
        response=sm.SessionSerializer,
        code=201,
    )
    def post(self, request: Request, slug: str, exchange_id: int) -> Response:
        exchange = self.get_exchange()
        data = self.validated(sm.SessionCreateSerializer)
        session = exchange_services.session_add(exchange=exchange, acting=request.user, **data)
        return self.render(sm.SessionSerializer, session, status.HTTP_201_CREATED)


class ExchangeDoneView(ExchangeObjectView):
    @_exchange_action(
        gettext_lazy("The exchange took place (harmless if already done)"),
        description=gettext_lazy("Each participant is then asked for a short review."),
    )
    def post(self, request: Request, slug: str, exchange_id: int) -> Response:
        exchange = self.get_exchange()
        exchange_services.exchange_complete(exchange=exchange, acting=request.user)
        return self.render_exchange(exchange)


class ExchangeCancelView(ExchangeObjectView):
    @_exchange_action(
        gettext_lazy("Stop an exchange that will not take place (harmless if already cancelled)")
    )
    def post(self, request: Request, slug: str, exchange_id: int) -> Response:
        exchange = self.get_exchange()
        exchange_services.exchange_cancel(exchange=exchange, acting=request.user)
        return self.render_exchange(exchange)


class ExchangeReviewView(ExchangeObjectView):
    serializer_class = sm.ReviewSubmitSerializer

    @_exchange_action(
        gettext_lazy("Give your review of a finished exchange"),
        description=gettext_lazy(
            "What it brought, what got in the way, what helped, what next: at least a few "
            "words. Facilitators read reviews, other members do not. A facilitator may "
            "write down a review given orally (`member`). When every participant has "
            "answered, the connection behind the exchange is closed."
        ),
        request=sm.ReviewSubmitSerializer,
        response=sm.ReviewSerializer,
    )
    def post(self, request: Request, slug: str, exchange_id: int) -> Response:
        exchange = self.get_exchange()
        data = self.validated(sm.ReviewSubmitSerializer)
        member = self.on_behalf(exchange, data.pop("member", None))
        review = exchange_services.review_submit(
            exchange=exchange, acting=request.user, member=member, **data
        )
        return self.render(sm.ReviewSerializer, review)


# --- reviews and reciprocity ---------------------------------------------------------


@extend_schema(tags=["exchanges"])
class ReviewListView(ListModelMixin, MatchingView):
    permission_classes = [IsFacilitator]
    serializer_class = sm.NetworkReviewSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = ReviewFilter

    def get_queryset(self) -> QuerySet[Review]:
        if self.is_schema():
            return Review.objects.none()
        return review_list(self.network).order_by("-requested_at", "-id")

    @extend_schema(
        summary=gettext_lazy("Reviews of the network's exchanges (facilitators)"),
        description=gettext_lazy("Newest first, given or still awaited."),
        responses={200: sm.NetworkReviewSerializer, **errors(*FILTERED_LIST_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return self.list(request)


class ReciprocityView(MatchingView):
    def get(self, request: Request, **kwargs: Any) -> Response:
        return self.render(sm.ReciprocitySerializer, reciprocity(self.get_member()))


_RECIPROCITY_DESCRIPTION = gettext_lazy(
    "Encouragement, never a balance: nobody owes anything. Cancelled exchanges do not count."
)


@extend_schema(tags=["me"])
class OwnReciprocityView(OwnMemberMixin, ReciprocityView):
    @extend_schema(
        summary=gettext_lazy("What you offered, asked, gave and received"),
        description=_RECIPROCITY_DESCRIPTION,
        responses={200: sm.ReciprocitySerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, slug: str) -> Response:
        return super().get(request)


@extend_schema(tags=["members"])
class MemberReciprocityView(ManagedMemberMixin, ReciprocityView):
    @extend_schema(
        summary=gettext_lazy("What a member offered, asked, gave and received (facilitators)"),
        description=_RECIPROCITY_DESCRIPTION,
        responses={200: sm.ReciprocitySerializer, **errors(*READ_ERRORS)},
    )
    def get(self, request: Request, slug: str, member_id: int) -> Response:
        return super().get(request)
