"""Serializers of API v1: input validation and output shapes, never writes.

Input serializers only check shapes and sizes; the rules (who may, which transitions,
which domain) are the services'. Nothing here calls ``.save()``: views pass
``validated_data`` to one service. Text inputs are bounded so that a huge string is a
400 with a message, not a database error.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from rers_core.models import AuditEntry, Charter, ContactConsent, Domain, Listing, Member, Network
from rers_core.selectors.members import consents_active, has_accepted_current_charter
from rers_core.selectors.networks import charter_current

# Upper bounds for free text stored in TextFields (the database would take anything).
LONG_TEXT = 5000
CHARTER_TEXT = 20000
# Database integer ranges: PostgreSQL's ``integer`` and ``bigint``.
MAX_POSITION = 2**31 - 1
MAX_ID = 2**63 - 1


# --- base ----------------------------------------------------------------------------


class TranslatedModelSerializer(serializers.ModelSerializer):
    """DRF's ModelSerializer with every model field labelled by its lazy verbose name.

    DRF labels a field only when the verbose name, in the language active when the fields
    are built, differs from the field name. A serializer instance built once and kept (as
    in ``extend_schema_field(XSerializer(many=True))``) would then keep the labels of the
    first language it was rendered in, and the OpenAPI schema would depend on which
    language asked for it first. Lazy labels are translated each time they are read.

    Model serializers only render (input goes through plain serializers), so an email or
    URL model field that may be blank is rendered as text: an empty string is no
    ``email`` or ``uri`` in JSON Schema, and clients checking answers against the OpenAPI
    schema would reject it.
    """

    def build_standard_field(self, field_name: str, model_field: Any) -> tuple[type, dict]:
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if model_field.verbose_name:
            kwargs.setdefault("label", capfirst(model_field.verbose_name))
        if model_field.blank and issubclass(
            field_class, serializers.EmailField | serializers.URLField
        ):
            field_class = serializers.CharField
        return field_class, kwargs


# --- errors (documentation only: the exception handler builds them) -----------------


class ErrorSerializer(serializers.Serializer):
    detail = serializers.CharField(help_text=_("What went wrong, for a person to read."))
    code = serializers.CharField(
        help_text=_("Stable machine-readable code, e.g. invalid, not_found, not_allowed.")
    )
    errors = serializers.DictField(
        child=serializers.ListField(child=serializers.CharField()),
        required=False,
        help_text=_("Messages per input field, when particular inputs are at fault."),
    )


# --- networks, charter, domains ------------------------------------------------------


class NetworkSerializer(TranslatedModelSerializer):
    """Public information about a network."""

    latitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, coerce_to_string=False, allow_null=True, read_only=True
    )
    longitude = serializers.DecimalField(
        max_digits=9, decimal_places=6, coerce_to_string=False, allow_null=True, read_only=True
    )

    class Meta:
        model = Network
        fields = [
            "slug",
            "name",
            "city",
            "postcode",
            "latitude",
            "longitude",
            "timezone",
            "contact_email",
            "description",
        ]
        read_only_fields = fields


class CoordinateField(serializers.DecimalField):
    """Degrees, rounded to the 6 decimal places stored (about 10 cm): map tools give more."""

    def __init__(self, *, limit: int, **kwargs: Any) -> None:
        super().__init__(
            max_digits=None,
            decimal_places=None,
            min_value=-limit,
            max_value=limit,
            coerce_to_string=False,
            **kwargs,
        )

    def to_internal_value(self, data: Any) -> Decimal:
        value = super().to_internal_value(data)
        return value.quantize(Decimal("0.000001"), rounding=ROUND_HALF_EVEN)


class NetworkUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    city = serializers.CharField(max_length=120, allow_blank=True)
    postcode = serializers.CharField(max_length=20, allow_blank=True)
    latitude = CoordinateField(limit=90)
    longitude = CoordinateField(limit=180)
    timezone = serializers.CharField(
        max_length=64, help_text=_("An IANA time zone name, e.g. Europe/Paris.")
    )
    contact_email = serializers.EmailField(allow_blank=True)
    description = serializers.CharField(max_length=LONG_TEXT, allow_blank=True)


class NetworkRefSerializer(TranslatedModelSerializer):
    class Meta:
        model = Network
        fields = ["slug", "name"]
        read_only_fields = fields


class CharterSerializer(TranslatedModelSerializer):
    class Meta:
        model = Charter
        fields = ["version", "text", "published_at"]
        read_only_fields = fields


class CharterPublishSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=CHARTER_TEXT)


class DomainSerializer(TranslatedModelSerializer):
    class Meta:
        model = Domain
        fields = ["id", "slug", "name", "position", "is_active"]
        read_only_fields = fields


class DomainCreateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    slug = serializers.SlugField(
        max_length=60,
        required=False,
        allow_blank=True,
        help_text=_("Short name used in addresses and filters; made from the name if empty."),
    )
    position = serializers.IntegerField(min_value=0, max_value=MAX_POSITION, required=False)


class DomainUpdateSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120, required=False)
    position = serializers.IntegerField(min_value=0, max_value=MAX_POSITION, required=False)
    is_active = serializers.BooleanField(
        required=False, help_text=_("Retired domains stay on existing listings.")
    )


class DomainRefSerializer(TranslatedModelSerializer):
    class Meta:
        model = Domain
        fields = ["slug", "name"]
        read_only_fields = fields


# --- memberships ---------------------------------------------------------------------


class ConsentSerializer(TranslatedModelSerializer):
    is_active = serializers.BooleanField(read_only=True)

    class Meta:
        model = ContactConsent
        fields = ["id", "channel", "audience", "scope", "granted_at", "revoked_at", "is_active"]
        read_only_fields = fields


class ActiveConsentSerializer(TranslatedModelSerializer):
    class Meta:
        model = ContactConsent
        fields = ["id", "channel", "audience", "scope"]
        read_only_fields = fields


class MemberSerializer(TranslatedModelSerializer):
    """A member as their network's facilitators see them: with contact details."""

    active_consents = serializers.SerializerMethodField(
        help_text=_("How this person agreed to be contacted, now.")
    )

    class Meta:
        model = Member
        fields = [
            "id",
            "display_name",
            "presentation",
            "email",
            "phone",
            "other_link",
            "status",
            "role",
            "created_at",
            "joined_at",
            "active_consents",
        ]
        read_only_fields = fields

    @extend_schema_field(ActiveConsentSerializer(many=True))
    def get_active_consents(self, member: Member) -> list[dict[str, Any]]:
        # member_list() prefetches them; a membership read another way queries them.
        consents = getattr(member, "active_consents", None)
        if consents is None:
            consents = consents_active(member)
        return ActiveConsentSerializer(consents, many=True).data


class MembershipSerializer(MemberSerializer):
    """One membership in full: the person's own view, or a facilitator's."""

    network = NetworkRefSerializer(read_only=True)
    current_charter_version = serializers.SerializerMethodField()
    has_accepted_current_charter = serializers.SerializerMethodField()

    class Meta(MemberSerializer.Meta):
        fields = [
            "id",
            "network",
            *MemberSerializer.Meta.fields[1:],
            "current_charter_version",
            "has_accepted_current_charter",
        ]
        read_only_fields = fields

    def get_current_charter_version(self, member: Member) -> int | None:
        charter = charter_current(member.network)
        return charter.version if charter is not None else None

    def get_has_accepted_current_charter(self, member: Member) -> bool:
        return has_accepted_current_charter(member)


class MembershipSummarySerializer(TranslatedModelSerializer):
    network = NetworkRefSerializer(read_only=True)

    class Meta:
        model = Member
        fields = ["id", "network", "display_name", "status", "role"]
        read_only_fields = fields


class JoinSerializer(serializers.Serializer):
    display_name = serializers.CharField(
        max_length=80, help_text=_("The name other members will see.")
    )
    presentation = serializers.CharField(
        max_length=LONG_TEXT,
        required=False,
        allow_blank=True,
        help_text=_("Who you are, in your own words."),
    )
    email = serializers.EmailField(
        required=False,
        allow_blank=True,
        help_text=_("Contact email; your account's email when empty."),
    )


class ProfileSerializer(serializers.Serializer):
    display_name = serializers.CharField(max_length=80)
    presentation = serializers.CharField(max_length=LONG_TEXT, allow_blank=True)
    email = serializers.EmailField(allow_blank=True)
    phone = serializers.CharField(max_length=40, allow_blank=True)
    other_link = serializers.CharField(max_length=300, allow_blank=True)


class RegisterSerializer(serializers.Serializer):
    # 150: the email also becomes the new account's username.
    email = serializers.EmailField(
        max_length=150,
        required=False,
        allow_blank=True,
        help_text=_("Optional: people met at a drop-in may have no email."),
    )
    display_name = serializers.CharField(max_length=80)
    presentation = serializers.CharField(max_length=LONG_TEXT, required=False, allow_blank=True)


class AcceptCharterSerializer(serializers.Serializer):
    version = serializers.IntegerField(
        min_value=1,
        max_value=MAX_POSITION,
        required=False,
        help_text=_("The version the person read; refused when it is no longer the current one."),
    )


class ConsentGrantSerializer(serializers.Serializer):
    channel = serializers.ChoiceField(choices=ContactConsent.Channel.choices)
    audience = serializers.ChoiceField(choices=ContactConsent.Audience.choices)
    scope = serializers.CharField(
        max_length=300,
        required=False,
        allow_blank=True,
        help_text=_(
            "Optional, in the person's words: for example “anyone asking about hospital jobs”."
        ),
    )


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Member.Role.choices)


class WithdrawSerializer(serializers.Serializer):
    confirm = serializers.BooleanField(
        help_text=_("Must be true: leaving erases the person's data and cannot be undone.")
    )

    def validate_confirm(self, value: bool) -> bool:
        if value is not True:
            raise serializers.ValidationError(
                _(
                    "Leaving erases the personal data and cannot be undone: send "
                    '{"confirm": true} to confirm.'
                )
            )
        return value


class WithdrawalSerializer(TranslatedModelSerializer):
    class Meta:
        model = Member
        fields = ["id", "status", "left_at"]
        read_only_fields = fields


# --- account and tokens --------------------------------------------------------------


class AccountSerializer(TranslatedModelSerializer):
    memberships = serializers.SerializerMethodField()

    class Meta:
        model = get_user_model()
        fields = ["username", "email", "first_name", "last_name", "date_joined", "memberships"]
        read_only_fields = fields

    @extend_schema_field(MembershipSummarySerializer(many=True))
    def get_memberships(self, user) -> list[dict[str, Any]]:
        return MembershipSummarySerializer(self.context["memberships"], many=True).data


class TokenObtainSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(
        max_length=4096, trim_whitespace=False, style={"input_type": "password"}
    )


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField(
        read_only=True, help_text=_("Send it as the header “Authorization: Token <token>”.")
    )


# --- listings ------------------------------------------------------------------------


class MemberRefSerializer(TranslatedModelSerializer):
    class Meta:
        model = Member
        fields = ["id", "display_name"]
        read_only_fields = fields


# --- audit trail ---------------------------------------------------------------------


class AuditEntrySerializer(TranslatedModelSerializer):
    """Who looked at a member's contact details or acted for them; never the details."""

    actor = serializers.CharField(
        source="actor_label",
        read_only=True,
        help_text=_(
            "Name of the facilitator or coordinator in the network at the time; empty for an "
            "administrator of the site."
        ),
    )
    detail_display = serializers.CharField(
        read_only=True, help_text=_("The detail in words, in the language of the request.")
    )

    class Meta:
        model = AuditEntry
        fields = ["id", "created_at", "actor", "action", "detail", "detail_display"]
        read_only_fields = fields
        extra_kwargs = {
            "detail": {
                "help_text": _(
                    "A short code: where the details were seen (portal, api, admin), the new "
                    "role, or the action done on the member's behalf (e.g. listing_create)."
                )
            }
        }


class NetworkAuditEntrySerializer(AuditEntrySerializer):
    member = MemberRefSerializer(
        read_only=True,
        allow_null=True,
        help_text=_("The member concerned; null when none, or once they left the network."),
    )

    class Meta(AuditEntrySerializer.Meta):
        fields = [*AuditEntrySerializer.Meta.fields, "member"]
        read_only_fields = fields


class ListingSerializer(TranslatedModelSerializer):
    """An offer or a request. Never carries anyone's contact details.

    A neighbouring network's listing mirrored here (``is_mirrored``) is anonymised: no
    ``member``, no availability; ``origin_name`` and ``origin_distance_km`` say whose it is
    and how far. Only its network changes it; a connection about it is asked through that
    network."""

    domain = DomainRefSerializer(read_only=True)
    member = MemberRefSerializer(
        read_only=True,
        allow_null=True,
        help_text=_("Its author; null for a neighbouring network's listing."),
    )
    is_mine = serializers.SerializerMethodField()
    is_mirrored = serializers.BooleanField(
        read_only=True, help_text=_("A neighbouring network's listing, mirrored here.")
    )

    class Meta:
        model = Listing
        fields = [
            "id",
            "direction",
            "kind",
            "domain",
            "title",
            "description",
            "one_to_one",
            "group",
            "practice_exchange",
            "setting",
            "availability",
            "visibility",
            "status",
            "created_at",
            "updated_at",
            "member",
            "is_mine",
            "is_mirrored",
            "origin_name",
            "origin_distance_km",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "origin_name": {
                "help_text": _("The neighbouring network offering or requesting it; empty here.")
            },
            "origin_distance_km": {
                "help_text": _(
                    "How far that network is, in km; null if unknown, and for this "
                    "network's own listings."
                )
            },
        }

    def get_is_mine(self, listing: Listing) -> bool:
        user = self.context["request"].user
        return (
            user.is_authenticated
            and listing.member is not None
            and listing.member.user_id == user.pk
        )


class ListingUpdateSerializer(serializers.Serializer):
    direction = serializers.ChoiceField(choices=Listing.Direction.choices)
    kind = serializers.ChoiceField(choices=Listing.Kind.choices)
    domain = serializers.CharField(
        max_length=60, help_text=_("Short name (slug) of an active domain of the network.")
    )
    title = serializers.CharField(max_length=160)
    description = serializers.CharField(max_length=LONG_TEXT, allow_blank=True, required=False)
    one_to_one = serializers.BooleanField(required=False)
    group = serializers.BooleanField(required=False)
    practice_exchange = serializers.BooleanField(required=False)
    setting = serializers.ChoiceField(choices=Listing.Setting.choices, required=False)
    availability = serializers.CharField(max_length=300, allow_blank=True, required=False)
    visibility = serializers.ChoiceField(choices=Listing.Visibility.choices, required=False)


class ListingCreateSerializer(ListingUpdateSerializer):
    member = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        required=False,
        help_text=_("Facilitators: id of the member this listing is for. Default: yourself."),
    )
