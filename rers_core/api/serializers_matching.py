"""Serializers of API v1 for matching: suggestions, connections, exchanges, reviews,
unmet requests and reciprocity.

As in :mod:`rers_core.api.serializers`: input serializers check shapes and sizes only (the
rules are the services'), output serializers never carry contact details except the
consent-limited contact card of a connection.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rers_core import permissions
from rers_core.api.serializers import (
    LONG_TEXT,
    MAX_ID,
    ListingSerializer,
    MemberRefSerializer,
    TranslatedModelSerializer,
)
from rers_core.models import (
    Connection,
    Exchange,
    ExchangeAgreement,
    ExchangeSession,
    Listing,
    Member,
    Participant,
    Review,
)
from rers_core.selectors.connections import contact_for

# ``?limit`` of suggestion endpoints: the engine ranks every open offer, a client asks for
# the few best.
MAX_SUGGESTIONS = 20
# People named in one exchange (a collective one may have a whole group of receivers).
MAX_PARTICIPANTS = 100
# Session dates: outside these years it is a typing error, and extreme years would
# overflow when converted to UTC.
SESSION_YEARS = (1970, 2100)
SIDES = [("requester", _("the requester")), ("offerer", _("the offerer"))]


def _own_member(context: dict[str, Any], network_id: int) -> Member | None:
    # Cached per request by ``permissions.membership``: no query per row.
    return permissions.membership(context["request"].user, network_id)


class ScoreField(serializers.FloatField):
    """A matching score, rounded to three decimals."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("read_only", True)
        kwargs.setdefault(
            "help_text",
            _(
                "How well the offer answers the request: higher is better, about 1 for a close "
                "match."
            ),
        )
        super().__init__(**kwargs)

    def to_representation(self, value: float) -> float:
        return round(float(value), 3)


# --- query strings -------------------------------------------------------------------


class SuggestionQuerySerializer(serializers.Serializer):
    limit = serializers.IntegerField(
        min_value=1,
        max_value=MAX_SUGGESTIONS,
        required=False,
        help_text=_("How many offers at most (default 5, at most 20)."),
    )


class UnmetQuerySerializer(serializers.Serializer):
    order = serializers.ChoiceField(
        choices=[
            ("age", _("oldest first")),
            ("-age", _("newest first")),
            ("domain", _("by domain")),
            ("title", _("by title")),
        ],
        required=False,
        default="age",
        help_text=_("age: oldest first (default); -age: newest first; domain; title."),
    )


# --- suggestions ---------------------------------------------------------------------


class SuggestionSerializer(serializers.Serializer):
    """An open offer that may answer a request."""

    offer = ListingSerializer(read_only=True)
    score = ScoreField()


class SuggestedConnectionSerializer(serializers.Serializer):
    """An open request of the network with the offers that may answer it, best first."""

    request = ListingSerializer(read_only=True)
    suggestions = SuggestionSerializer(many=True, read_only=True)

    def to_representation(self, instance: tuple[Listing, list[Any]]) -> dict[str, Any]:
        request, suggestions = instance
        return super().to_representation({"request": request, "suggestions": suggestions})


class UnmetRequestSerializer(serializers.Serializer):
    """A request no offer of the network answers: one row of the report (JSON or CSV)."""

    request = serializers.IntegerField(
        source="request.pk", read_only=True, help_text=_("Id of the request.")
    )
    title = serializers.CharField(source="request.title", read_only=True)
    domain = serializers.CharField(read_only=True, help_text=_("Name of its domain."))
    age_days = serializers.IntegerField(
        read_only=True, help_text=_("Days since the request was posted.")
    )
    created_at = serializers.DateTimeField(read_only=True)
    best_score = ScoreField(
        help_text=_("Score of the best offer found, below the suggestion threshold.")
    )


class NeighbourUnmetRequestSerializer(serializers.Serializer):
    """A request a neighbouring network shared with this one that none of its offers
    answers: one row of that report (JSON or CSV), anonymised like the request itself."""

    request = serializers.IntegerField(
        source="request.pk", read_only=True, help_text=_("Id of the request's copy here.")
    )
    title = serializers.CharField(source="request.title", read_only=True)
    domain = serializers.CharField(read_only=True, help_text=_("Name of its domain."))
    network = serializers.CharField(
        source="request.origin_name",
        read_only=True,
        help_text=_("The neighbouring network that shared it."),
    )
    distance_km = serializers.IntegerField(
        source="request.origin_distance_km",
        read_only=True,
        allow_null=True,
        help_text=_("How far that network is, in km; null if unknown."),
    )
    age_days = serializers.IntegerField(
        read_only=True, help_text=_("Days since the request reached this network.")
    )
    created_at = serializers.DateTimeField(
        read_only=True, help_text=_("When the request reached this network.")
    )
    best_score = ScoreField(
        help_text=_("Score of the best offer of this network, below the suggestion threshold.")
    )


# --- connections ---------------------------------------------------------------------


class ListingRefSerializer(TranslatedModelSerializer):
    class Meta:
        model = Listing
        fields = ["id", "direction", "title", "status"]
        read_only_fields = fields


class ContactCardSerializer(serializers.Serializer):
    """How to reach the other person, limited to the channels they consented to."""

    display_name = serializers.CharField(read_only=True)
    email = serializers.CharField(read_only=True, help_text=_("Empty unless they consented."))
    phone = serializers.CharField(read_only=True, help_text=_("Empty unless they consented."))
    link = serializers.CharField(read_only=True, help_text=_("Empty unless they consented."))
    through_facilitator = serializers.BooleanField(
        read_only=True,
        help_text=_(
            "True when they gave no direct channel or asked that a facilitator passes messages on."
        ),
    )
    scope = serializers.CharField(
        read_only=True, help_text=_("What they agreed to be contacted about, in their words.")
    )


class RemoteNetworkSerializer(serializers.Serializer):
    """The neighbouring network of the other person of a connection across networks."""

    name = serializers.CharField(source="remote_network_name", read_only=True)
    facilitators_email = serializers.EmailField(
        source="remote_network_email",
        read_only=True,
        allow_null=True,
        help_text=_(
            "How to reach that network's facilitators, who relay for their member; null "
            "when they gave no address."
        ),
    )

    def to_representation(self, connection: Connection) -> dict[str, Any]:
        data = super().to_representation(connection)
        data["facilitators_email"] = data["facilitators_email"] or None
        return data


class ConnectionSerializer(TranslatedModelSerializer):
    """A connection as its two people and the network's facilitators see it.

    Across networks (``remote_side`` set), the person of the neighbouring network is no
    member here: their side's ``requester`` or ``offerer`` is null, their name (or "a
    member of <network>") is in ``requester_name`` or ``offerer_name``, and they answer
    through their own network."""

    request = ListingRefSerializer(read_only=True, allow_null=True)
    offer = ListingRefSerializer(read_only=True, allow_null=True)
    requester = MemberRefSerializer(
        read_only=True,
        allow_null=True,
        help_text=_("Null when the requester is a person of a neighbouring network."),
    )
    offerer = MemberRefSerializer(
        read_only=True,
        allow_null=True,
        help_text=_("Null when the offerer is a person of a neighbouring network."),
    )
    requester_name = serializers.CharField(
        read_only=True,
        help_text=_(
            "The requester's name; for a person of a neighbouring network, the name they "
            "agreed to share, or “a member of” their network."
        ),
    )
    offerer_name = serializers.CharField(
        read_only=True,
        help_text=_(
            "The offerer's name; for a person of a neighbouring network, the name they "
            "agreed to share, or “a member of” their network."
        ),
    )
    remote_side = serializers.SerializerMethodField(
        help_text=_(
            "requester or offerer: the side of the person of a neighbouring network; null "
            "for a connection within the network."
        )
    )
    remote_network = serializers.SerializerMethodField(
        help_text=_("The neighbouring network of the other person; null within the network.")
    )
    remote_listing_title = serializers.CharField(
        read_only=True,
        help_text=_(
            "The title of the neighbouring network's listing, when that network shared it; "
            "empty within the network."
        ),
    )
    my_side = serializers.SerializerMethodField(
        help_text=_("requester or offerer when you are one of the two people, else null.")
    )
    exchange = serializers.SerializerMethodField(
        help_text=_("Id of the exchange started from this connection, if any.")
    )

    class Meta:
        model = Connection
        fields = [
            "id",
            "status",
            "request",
            "offer",
            "requester",
            "offerer",
            "requester_name",
            "offerer_name",
            "remote_side",
            "remote_network",
            "remote_listing_title",
            "proposed_by",
            "message",
            "requester_answer",
            "requester_answered_at",
            "offerer_answer",
            "offerer_answered_at",
            "relay_requested_at",
            "relayed_at",
            "expires_at",
            "created_at",
            "updated_at",
            "my_side",
            "exchange",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=SIDES, allow_null=True))
    def get_my_side(self, connection: Connection) -> str | None:
        return connection.side_of(_own_member(self.context, connection.network_id))

    @extend_schema_field(serializers.ChoiceField(choices=SIDES, allow_null=True))
    def get_remote_side(self, connection: Connection) -> str | None:
        return connection.remote_side or None

    @extend_schema_field(RemoteNetworkSerializer(allow_null=True))
    def get_remote_network(self, connection: Connection) -> dict[str, Any] | None:
        if not connection.is_cross_network:
            return None
        return RemoteNetworkSerializer(connection).data

    def get_exchange(self, connection: Connection) -> int | None:
        exchange = getattr(connection, "exchange", None)
        return exchange.pk if exchange is not None else None


class ConnectionDetailSerializer(ConnectionSerializer):
    contact = serializers.SerializerMethodField(
        help_text=_(
            "The other person's contact card, for the two people once both accepted, "
            "limited to what that person consented to; null otherwise (facilitators "
            "find members' details in the member pages)."
        )
    )

    class Meta(ConnectionSerializer.Meta):
        fields = [*ConnectionSerializer.Meta.fields, "contact"]
        read_only_fields = fields

    @extend_schema_field(ContactCardSerializer(allow_null=True))
    def get_contact(self, connection: Connection) -> dict[str, Any] | None:
        card = contact_for(connection, self.context["request"].user)
        return ContactCardSerializer(card).data if card is not None else None


class ConnectionProposeSerializer(serializers.Serializer):
    request = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=_(
            "Id of an open request; without it, the requester is you. A neighbouring "
            "network's request (`is_mirrored`) goes with one of this network's offers; its "
            "author is asked through their own network."
        ),
    )
    offer = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=_(
            "Id of an open offer; without it, the offerer is you. For a neighbouring "
            "network's offer (`is_mirrored`), the request goes to that network, which asks "
            "its author."
        ),
    )
    message = serializers.CharField(
        max_length=LONG_TEXT,
        required=False,
        allow_blank=True,
        help_text=_(
            "A few words for the other person (never contact details: those are "
            "shared once both accept)."
        ),
    )


class ConnectionAnswerSerializer(serializers.Serializer):
    side = serializers.ChoiceField(
        choices=SIDES,
        required=False,
        help_text=_(
            "Facilitators: whose answer you record (given to you in person). "
            "The two people answer for themselves and may leave it out."
        ),
    )


class StartExchangeSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(
        choices=Exchange.Kind.choices, required=False, default=Exchange.Kind.ONE_TO_ONE
    )
    title = serializers.CharField(
        max_length=160,
        required=False,
        allow_blank=True,
        help_text=_("Default: the offer's title (or the request's)."),
    )


# --- exchanges -----------------------------------------------------------------------


class ParticipantSerializer(TranslatedModelSerializer):
    member = MemberRefSerializer(read_only=True)

    class Meta:
        model = Participant
        fields = ["member", "role", "agreed_at"]
        read_only_fields = fields


class ExchangeSerializer(TranslatedModelSerializer):
    participants = ParticipantSerializer(many=True, read_only=True)
    connection = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    my_role = serializers.SerializerMethodField(
        help_text=_("giver or receiver when you take part, else null.")
    )

    class Meta:
        model = Exchange
        fields = [
            "id",
            "kind",
            "title",
            "status",
            "connection",
            "created_at",
            "done_at",
            "participants",
            "my_role",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=Participant.Role.choices, allow_null=True))
    def get_my_role(self, exchange: Exchange) -> str | None:
        member = _own_member(self.context, exchange.network_id)
        if member is None:
            return None
        # Prefetched by the selector: no query per row.
        for participant in exchange.participants.all():
            if participant.member_id == member.pk:
                return participant.role
        return None


class AgreementSerializer(TranslatedModelSerializer):
    updated_by = MemberRefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = ExchangeAgreement
        fields = [*ExchangeAgreement.FIELDS, "updated_at", "updated_by"]
        read_only_fields = fields


class AgreementUpdateSerializer(serializers.Serializer):
    frequency = serializers.CharField(max_length=200, required=False, allow_blank=True)
    place = serializers.CharField(max_length=200, required=False, allow_blank=True)
    schedule = serializers.CharField(
        max_length=200, required=False, allow_blank=True, help_text=_("Days and hours.")
    )
    content = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)
    methods = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)
    evaluation = serializers.CharField(
        max_length=LONG_TEXT,
        required=False,
        allow_blank=True,
        help_text=_("How the participants will evaluate the exchange."),
    )


class SessionSerializer(TranslatedModelSerializer):
    class Meta:
        model = ExchangeSession
        fields = ["id", "starts_at", "note"]
        read_only_fields = fields


class SessionDateField(serializers.DateTimeField):
    """A date and time within :data:`SESSION_YEARS`.

    DRF lets an extreme naive date (year 1 in a zone east of UTC) overflow while checking
    it, which would be a 500: here it is a 400 like any out-of-range date.
    """

    default_error_messages = {
        "years": _("Give a date between the years {first} and {last}."),
    }

    def to_internal_value(self, value: Any) -> datetime:
        try:
            parsed = super().to_internal_value(value)
        except OverflowError:
            self.fail("overflow")
        first, last = SESSION_YEARS
        # The year as given: converting an extreme date to another zone could overflow.
        if not first <= parsed.year <= last:
            self.fail("years", first=first, last=last)
        return parsed


class SessionCreateSerializer(serializers.Serializer):
    starts_at = SessionDateField(
        help_text=_("ISO 8601 date and time; without an offset, the site's time zone.")
    )
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


class ReviewSerializer(TranslatedModelSerializer):
    member = MemberRefSerializer(read_only=True)

    class Meta:
        model = Review
        fields = [
            "id",
            "member",
            "requested_at",
            "submitted_at",
            "interest",
            "obstacles",
            "helpers",
            "next_steps",
        ]
        read_only_fields = fields


class ExchangeRefSerializer(TranslatedModelSerializer):
    class Meta:
        model = Exchange
        fields = ["id", "kind", "title", "status"]
        read_only_fields = fields


class NetworkReviewSerializer(ReviewSerializer):
    """A review in the facilitators' list, with its exchange."""

    exchange = ExchangeRefSerializer(read_only=True)

    class Meta(ReviewSerializer.Meta):
        fields = [*ReviewSerializer.Meta.fields[:2], "exchange", *ReviewSerializer.Meta.fields[2:]]
        read_only_fields = fields


class ExchangeDetailSerializer(ExchangeSerializer):
    """One exchange: its agreement and sessions; the reviews for facilitators only."""

    agreement = AgreementSerializer(read_only=True)
    sessions = serializers.SerializerMethodField()
    reviews = serializers.SerializerMethodField(
        help_text=_("Every participant's review, for facilitators; null for others.")
    )
    my_review = serializers.SerializerMethodField(
        help_text=_("Your own review when you take part and were asked for one, else null.")
    )

    class Meta(ExchangeSerializer.Meta):
        fields = [*ExchangeSerializer.Meta.fields, "agreement", "sessions", "reviews", "my_review"]
        read_only_fields = fields

    @extend_schema_field(SessionSerializer(many=True))
    def get_sessions(self, exchange: Exchange) -> list[dict[str, Any]]:
        return SessionSerializer(exchange.sessions.all(), many=True).data

    def _reviews(self, exchange: Exchange) -> list[Review]:
        # Computed once per exchange for both fields below.
        cache = self.context.setdefault("_reviews", {})
        if exchange.pk not in cache:
            cache[exchange.pk] = list(exchange.reviews.select_related("member").order_by("id"))
        return cache[exchange.pk]

    @extend_schema_field(ReviewSerializer(many=True, allow_null=True))
    def get_reviews(self, exchange: Exchange) -> list[dict[str, Any]] | None:
        if not permissions.is_facilitator(self.context["request"].user, exchange.network_id):
            return None
        return ReviewSerializer(self._reviews(exchange), many=True).data

    @extend_schema_field(ReviewSerializer(allow_null=True))
    def get_my_review(self, exchange: Exchange) -> dict[str, Any] | None:
        if self.get_my_role(exchange) is None:
            return None
        member = _own_member(self.context, exchange.network_id)
        review = next((r for r in self._reviews(exchange) if r.member_id == member.pk), None)
        return ReviewSerializer(review).data if review is not None else None


class _ParticipantIds(serializers.ListField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            child=serializers.IntegerField(min_value=1, max_value=MAX_ID),
            allow_empty=False,
            max_length=MAX_PARTICIPANTS,
            **kwargs,
        )


class ExchangeCreateSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=Exchange.Kind.choices)
    title = serializers.CharField(max_length=160)
    givers = _ParticipantIds(help_text=_("Ids of the members who give."))
    receivers = _ParticipantIds(help_text=_("Ids of the members who receive."))


class OnBehalfSerializer(serializers.Serializer):
    member = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=_(
            "Facilitators: id of the participant on whose behalf you record this. "
            "Participants act for themselves and may leave it out."
        ),
    )


class ReviewSubmitSerializer(OnBehalfSerializer):
    interest = serializers.CharField(
        max_length=LONG_TEXT,
        required=False,
        allow_blank=True,
        help_text=_("What the exchange brought."),
    )
    obstacles = serializers.CharField(
        max_length=LONG_TEXT,
        required=False,
        allow_blank=True,
        help_text=_("What got in the way."),
    )
    helpers = serializers.CharField(
        max_length=LONG_TEXT, required=False, allow_blank=True, help_text=_("What helped.")
    )
    next_steps = serializers.CharField(
        max_length=LONG_TEXT, required=False, allow_blank=True, help_text=_("What next.")
    )


# --- reciprocity ---------------------------------------------------------------------


class ReciprocitySerializer(serializers.Serializer):
    """Encouragement, never a balance: nobody owes anything."""

    offers = serializers.IntegerField(read_only=True, help_text=_("Offers posted."))
    requests = serializers.IntegerField(read_only=True, help_text=_("Requests posted."))
    gave = serializers.IntegerField(
        read_only=True, help_text=_("Exchanges taken part in as giver (not cancelled).")
    )
    received = serializers.IntegerField(
        read_only=True, help_text=_("Exchanges taken part in as receiver (not cancelled).")
    )
