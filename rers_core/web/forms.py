"""Forms of the portal: they validate input; views then call one service.

Every form renders through :class:`PortalRenderer`: labelled fields, help texts and
errors tied to their input by ``aria-describedby``, groups of choices in a fieldset.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Iterable
from typing import Any

from django import forms
from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.core.exceptions import ValidationError
from django.forms.renderers import DjangoTemplates
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from rers_core.errors import DomainError
from rers_core.models import (
    AuditEntry,
    Charter,
    Connection,
    ContactConsent,
    Domain,
    Event,
    Exchange,
    ExchangeAgreement,
    Listing,
    Member,
    Network,
    Resource,
    Testimony,
)
from rers_core.selectors.listings import MAX_RADIUS_KM, Scope
from rers_core.selectors.networks import domain_list
from rers_core.services.members import user_for_email

User = get_user_model()


class PortalRenderer(DjangoTemplates):
    form_template_name = "rers_core/forms/form.html"
    field_template_name = "rers_core/forms/field.html"


class PortalFormMixin:
    """Shared rendering: our templates, and no colon glued to labels (French puts a space)."""

    default_renderer = PortalRenderer()
    # Service errors name model fields; a form may show them on another field.
    error_field_aliases: dict[str, str] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        if self.is_bound:
            # Browsers send a textarea's line breaks as CRLF, yet count them as one character
            # against its maxlength: count (and store) them as one here too.
            self.data = _one_character_line_breaks(self.data)

    def add_domain_error(self, error: DomainError) -> None:
        """Show a service's refusal on the field it names, or at the top of the form."""
        errors = getattr(error, "errors", None) or {error.field: [error.message]}
        for field, messages in errors.items():
            name = self.error_field_aliases.get(field, field)
            target = name if name in self.fields else None
            for message in messages if isinstance(messages, list | tuple) else [messages]:
                self.add_error(target, str(message))


def _one_character_line_breaks(data: Any) -> Any:
    def fix(value: Any) -> Any:
        return value.replace("\r\n", "\n") if isinstance(value, str) else value

    if hasattr(data, "lists"):  # a QueryDict: every value of every key
        fixed = data.copy()
        for key, values in data.lists():
            fixed.setlist(key, [fix(v) for v in values])
        return fixed
    return {key: fix(value) for key, value in data.items()}


class PortalForm(PortalFormMixin, forms.Form):
    pass


class TelInput(forms.TextInput):
    """A phone field: mobile keyboards show digits."""

    input_type = "tel"


def _html_attrs(attrs: dict[str, Any]) -> SafeString:
    """Django's ``django/forms/widgets/attrs.html``."""
    return format_html_join(
        "",
        " {}{}",
        (
            (name, "" if value is True else format_html('="{}"', value))
            for name, value in attrs.items()
            if value is not False
        ),
    )


class QuickSelect(forms.Select):
    """A select written in Python rather than through a template per option: the same HTML
    as Django's ``select.html`` and ``select_option.html`` (tests/core/test_web_forms.py
    compares them) at a fraction of the cost, for a busy page's lists of choices (the
    filters of the listings). Labels are text (no number to localise); a renderer's own
    select templates do not apply."""

    def render(self, name: str, value: Any, attrs: dict | None = None, renderer=None) -> str:
        widget = self.get_context(name, value, attrs)["widget"]
        groups = []
        for group_name, options, _index in widget["optgroups"]:
            written = format_html_join(
                "",
                '\n  <option value="{}"{}>{}</option>\n',
                ((o["value"], _html_attrs(o["attrs"]), o["label"]) for o in options),
            )
            if group_name:
                written = format_html(
                    '\n  <optgroup label="{}">{}\n  </optgroup>', group_name, written
                )
            groups.append(written)
        return format_html(
            '<select name="{}"{}>{}\n</select>',
            widget["name"],
            _html_attrs(widget["attrs"]),
            format_html_join("", "{}", ((group,) for group in groups)),
        )


# --- Accounts -------------------------------------------------------------------------------


class SignupForm(PortalForm):
    email = forms.EmailField(
        label=_("Email"),
        max_length=150,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("You will use it to log in. Other members never see it."),
    )
    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("Type the same password, to avoid a typo."),
    )
    error_field_aliases = {"password": "password1"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password1"].help_text = " ".join(
            str(text) for text in password_validation.password_validators_help_texts()
        )

    def clean_email(self) -> str:
        email = self.cleaned_data["email"].strip().lower()
        if user_for_email(email) is not None:
            raise ValidationError(
                _("An account already uses this email: log in, or ask for a new password.")
            )
        return email

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        password1, password2 = cleaned.get("password1"), cleaned.get("password2")
        if password1 and password2 and password1 != password2:
            self.add_error("password2", _("The two passwords differ."))
        elif password1:
            probe = User(username=cleaned.get("email", ""), email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(password1, user=probe)
            except ValidationError as exc:
                self.add_error("password1", exc)
        return cleaned


class LoginForm(PortalFormMixin, AuthenticationForm):
    """Log in with the account's email, whatever its case."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _(
            "This email and password do not match an account. Check them, or choose a new "
            "password with “Forgotten password?”."
        ),
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = _("Email")
        self.fields["username"].widget.attrs["autocomplete"] = "email"

    def clean_username(self) -> str:
        value = (self.cleaned_data.get("username") or "").strip()
        user = user_for_email(value) if value else None
        return user.get_username() if user is not None else value


class ResetPasswordForm(PortalFormMixin, PasswordResetForm):
    """Also reaches accounts created at a drop-in, which have no password yet."""

    def get_users(self, email: str) -> Iterable[Any]:
        field = User.get_email_field_name()
        return User._default_manager.filter(**{f"{field}__iexact": email, "is_active": True})


class NewPasswordForm(PortalFormMixin, SetPasswordForm):
    pass


# --- Membership -----------------------------------------------------------------------------

CONSENT_CHANNEL_CHOICES = [
    (ContactConsent.Channel.EMAIL, _("by email")),
    (ContactConsent.Channel.PHONE, _("by phone")),
    (ContactConsent.Channel.LINK, _("through my other contact link")),
    (
        ContactConsent.Channel.VIA_FACILITATOR,
        _("only through a facilitator, who passes the message on"),
    ),
]
CONSENT_AUDIENCE_FIELDS = {
    ContactConsent.Audience.NETWORK: "consent_network",
    ContactConsent.Audience.FEDERATED: "consent_federated",
}


def _display_name_field() -> forms.CharField:
    return forms.CharField(
        label=_("Name other members will see"),
        max_length=80,
        help_text=_("A first name or a nickname is enough."),
    )


def _presentation_field(*, on_behalf: bool = False) -> forms.CharField:
    """The person's own presentation; ``on_behalf``: worded for a facilitator writing it
    down with them."""
    if on_behalf:
        label = _("Their presentation, in their own words")
        help_text = _(
            "What they like, what they know, what they would like to learn. "
            "Never their age, their situation or their origin."
        )
    else:
        label = _("Your presentation, in your own words")
        help_text = _(
            "What you like, what you know, what you would like to learn. "
            "Nobody asks for your age, your situation or your origin."
        )
    return forms.CharField(
        label=label, required=False, widget=forms.Textarea(attrs={"rows": 5}), help_text=help_text
    )


class ConsentForm(PortalForm):
    """Every channel × audience as a checkbox, plus one optional "limited to" note."""

    consent_network = forms.MultipleChoiceField(
        label=_("Members of my network may contact me…"),
        required=False,
        choices=CONSENT_CHANNEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    consent_federated = forms.MultipleChoiceField(
        label=_("Members of neighbouring networks may contact me…"),
        required=False,
        choices=CONSENT_CHANNEL_CHOICES,
        widget=forms.CheckboxSelectMultiple,
    )
    consent_scope = forms.CharField(
        label=_("Limited to"),
        required=False,
        max_length=300,
        help_text=_("Optional, in your words: for example “anyone asking about hospital jobs”."),
    )

    @staticmethod
    def initial_from(consents: Iterable[ContactConsent]) -> dict[str, Any]:
        initial: dict[str, Any] = {name: [] for name in CONSENT_AUDIENCE_FIELDS.values()}
        for consent in consents:
            name = CONSENT_AUDIENCE_FIELDS.get(consent.audience)
            if name is not None:
                initial[name].append(consent.channel)
            if consent.scope:
                initial["consent_scope"] = consent.scope
        return initial

    def consent_choices(self) -> list[tuple[str, str]]:
        """(channel, audience) pairs ticked, as ``consent_set`` takes them."""
        return [
            (channel, audience)
            for audience, name in CONSENT_AUDIENCE_FIELDS.items()
            for channel in self.cleaned_data.get(name, [])
        ]


class JoinForm(ConsentForm):
    display_name = _display_name_field()
    presentation = _presentation_field()
    accept_charter = forms.BooleanField(
        label=_("I freely accept the charter"),
        required=False,
        help_text=_(
            "If you leave this box unticked, you stay a visitor who is discovering the "
            "network; you can accept the charter later."
        ),
    )
    # The charter version the person read; a newer version must be read first.
    charter = forms.IntegerField(required=False, widget=forms.HiddenInput)

    field_order = [
        "display_name",
        "presentation",
        "accept_charter",
        "consent_network",
        "consent_federated",
        "consent_scope",
    ]

    def __init__(self, *args: Any, charter: Charter | None, **kwargs: Any) -> None:
        self.current_charter = charter
        super().__init__(*args, **kwargs)
        if charter is None:
            del self.fields["accept_charter"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("accept_charter") and self.current_charter is not None:
            if cleaned.get("charter") != self.current_charter.pk:
                self.add_error(
                    "accept_charter",
                    _("The charter has just changed: please read the new version below."),
                )
        return cleaned


class CharterForm(PortalForm):
    accept = forms.BooleanField(
        label=_("I freely accept the charter"),
        error_messages={"required": _("Tick the box to accept the charter.")},
    )
    charter = forms.IntegerField(required=False, widget=forms.HiddenInput)
    error_field_aliases = {"charter": "accept"}

    def __init__(
        self, *args: Any, charter: Charter, on_behalf: bool = False, **kwargs: Any
    ) -> None:
        self.current_charter = charter
        super().__init__(*args, **kwargs)
        if on_behalf:
            self.fields["accept"].label = _(
                "This person read (or heard) the charter and freely accepts it"
            )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("accept") and cleaned.get("charter") != self.current_charter.pk:
            self.add_error(
                "accept", _("The charter has just changed: please read the new version below.")
            )
        return cleaned


class ProfileForm(PortalForm):
    display_name = _display_name_field()
    presentation = _presentation_field()
    email = forms.EmailField(label=_("Contact email"), required=False, max_length=254)
    phone = forms.CharField(label=_("Phone"), required=False, max_length=40, widget=TelInput)
    other_link = forms.CharField(
        label=_("Other contact link"),
        required=False,
        max_length=300,
        help_text=_("For example a professional network profile."),
    )

    def __init__(self, *args: Any, on_behalf: bool = False, **kwargs: Any) -> None:
        """``on_behalf``: a facilitator fills it in for the person, so it speaks of them."""
        super().__init__(*args, **kwargs)
        if on_behalf:
            self.fields["presentation"] = _presentation_field(on_behalf=True)

    @staticmethod
    def initial_from(member: Member) -> dict[str, str]:
        return {
            name: getattr(member, name)
            for name in ("display_name", "presentation", "email", "phone", "other_link")
        }


class MemberRegisterForm(PortalForm):
    display_name = _display_name_field()
    email = forms.EmailField(
        label=_("Email"),
        required=False,
        max_length=150,
        help_text=_(
            "If the person has one: they can then choose a password with “Forgotten "
            "password?” and log in themselves."
        ),
    )
    presentation = _presentation_field(on_behalf=True)


class AuditFilterForm(PortalForm):
    """GET filter of the network's audit trail; a wrong value is dropped, never an error page."""

    action = forms.ChoiceField(
        label=_("Action"),
        required=False,
        choices=[("", _("All")), *((v, capfirst(label)) for v, label in AuditEntry.Action.choices)],
    )

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class RoleForm(PortalForm):
    role = forms.ChoiceField(
        label=_("Role in this network"), choices=Member.Role.choices, widget=forms.RadioSelect
    )


class WithdrawForm(PortalForm):
    confirm = forms.BooleanField(
        label=_("I understand, and I want to leave the network"),
        error_messages={"required": _("Tick the box to confirm.")},
    )

    def __init__(self, *args: Any, on_behalf: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if on_behalf:
            self.fields["confirm"].label = _(
                "This person asked to leave the network, and I confirm it on their behalf"
            )


class MemberSearchForm(PortalForm):
    q = forms.CharField(label=_("Name or email contains"), required=False, max_length=200)


# --- Listings -------------------------------------------------------------------------------

DIRECTION_CHOICES = [
    (Listing.Direction.OFFER, _("An offer: something I can share")),
    (Listing.Direction.REQUEST, _("A request: something I would like to learn")),
]
KIND_CHOICES = [
    (Listing.Kind.KNOWLEDGE, _("Knowledge: knowing about something")),
    (Listing.Kind.KNOW_HOW, _("Know-how: knowing how to do something")),
    (Listing.Kind.EXPERIENCE, _("Lived experience: having been through something")),
]
MODALITY_CHOICES = [
    ("one_to_one", _("one-to-one")),
    ("group", _("in a group")),
    ("practice_exchange", _("practice exchange: peers sharing how they each do it")),
]
VISIBILITY_CHOICES = [
    (Listing.Visibility.NETWORK, _("members of my network")),
    (Listing.Visibility.FEDERATED, _("members of my network and of neighbouring networks")),
]


class DomainChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Domain) -> str:
        return obj.name


class ListingForm(PortalForm):
    direction = forms.ChoiceField(
        label=_("Offer or request"), choices=DIRECTION_CHOICES, widget=forms.RadioSelect
    )
    kind = forms.ChoiceField(
        label=_("Kind of savoir"), choices=KIND_CHOICES, widget=forms.RadioSelect
    )
    domain = DomainChoiceField(
        label=_("Domain"), queryset=Domain.objects.none(), empty_label=_("Choose a domain")
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=160,
        help_text=_("A few words, for example “Preparing a job interview”."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    modalities = forms.MultipleChoiceField(
        label=_("How to exchange"),
        choices=MODALITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one way to exchange.")},
    )
    setting = forms.ChoiceField(
        label=_("In person or remote"),
        choices=Listing.Setting.choices,
        widget=forms.RadioSelect,
        initial=Listing.Setting.IN_PERSON,
    )
    availability = forms.CharField(
        label=_("Availability"),
        required=False,
        max_length=300,
        help_text=_("For example “Monday mornings”."),
    )
    visibility = forms.ChoiceField(
        label=_("Visible to"),
        choices=VISIBILITY_CHOICES,
        widget=forms.RadioSelect,
        initial=Listing.Visibility.NETWORK,
    )
    error_field_aliases = {
        "one_to_one": "modalities",
        "group": "modalities",
        "practice_exchange": "modalities",
    }

    def __init__(
        self, *args: Any, network: Network, neighbours: bool = True, **kwargs: Any
    ) -> None:
        """``neighbours``: whether the network has neighbouring networks; without any, the
        form does not offer to show the listing to them (unless it already is: a peering
        ended), and the listing stays visible to the network."""
        super().__init__(*args, **kwargs)
        self.fields["domain"].queryset = domain_list(network)
        if not self.is_bound and not self.initial:
            self.initial["modalities"] = ["one_to_one"]
        if not neighbours and self.initial.get("visibility") != Listing.Visibility.FEDERATED:
            del self.fields["visibility"]

    @staticmethod
    def initial_from(listing: Listing) -> dict[str, Any]:
        return {
            "direction": listing.direction,
            "kind": listing.kind,
            "domain": listing.domain_id,
            "title": listing.title,
            "description": listing.description,
            "modalities": listing.modalities,
            "setting": listing.setting,
            "availability": listing.availability,
            "visibility": listing.visibility,
        }

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as ``listing_create`` / ``listing_update`` take it."""
        data = {
            name: self.cleaned_data[name]
            for name in (
                "direction",
                "kind",
                "domain",
                "title",
                "description",
                "setting",
                "availability",
            )
        }
        data["visibility"] = self.cleaned_data.get("visibility", Listing.Visibility.NETWORK)
        modalities = set(self.cleaned_data["modalities"])
        data.update({name: name in modalities for name, _label in MODALITY_CHOICES})
        return data


class ListingFilterForm(PortalForm):
    """GET filters of the browse page; invalid values are shown as errors on the form and
    ignored, never an error page. Its selects are :class:`QuickSelect`: the busiest page's
    form costs a quarter of what Django's templates would."""

    direction = forms.ChoiceField(
        label=_("Offers or requests"),
        required=False,
        choices=[("", _("Both")), *Listing.Direction.choices],
        widget=QuickSelect,
    )
    kind = forms.ChoiceField(
        label=_("Kind of savoir"),
        required=False,
        choices=[("", _("All kinds")), *Listing.Kind.choices],
        widget=QuickSelect,
    )
    # The network's active domains by id (set in __init__): choices read in one query.
    domain = forms.TypedChoiceField(
        label=_("Domain"), required=False, coerce=int, empty_value=None, widget=QuickSelect
    )
    q = forms.CharField(label=_("Words"), required=False, max_length=200)
    scope = forms.ChoiceField(
        label=_("Networks"), required=False, choices=Scope.choices, widget=QuickSelect
    )
    within_km = forms.IntegerField(
        label=_("Distance (km)"),
        required=False,
        min_value=0,
        max_value=MAX_RADIUS_KM,
        help_text=_(
            "Neighbouring networks' listings at most this many kilometres away; those whose "
            "distance is unknown are left out."
        ),
    )

    def __init__(
        self, *args: Any, network: Network, neighbours: bool = True, **kwargs: Any
    ) -> None:
        """``neighbours``: whether the network has neighbouring networks; without any, there
        is no network to choose nor distance to give."""
        super().__init__(*args, **kwargs)
        self.fields["domain"].choices = [
            ("", _("All domains")),
            *domain_list(network).values_list("pk", "name"),
        ]
        if not neighbours:
            del self.fields["scope"], self.fields["within_km"]

    def filters(self) -> dict[str, Any]:
        """Valid filters only: a wrong value in the address bar is dropped, not fatal."""
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


# --- Connections, exchanges, reviews --------------------------------------------------------


class ProposeForm(PortalForm):
    """Ask for a connection about a request, an offer, or both (ids of this network)."""

    request = forms.IntegerField(required=False, widget=forms.HiddenInput)
    offer = forms.IntegerField(required=False, widget=forms.HiddenInput)
    message = forms.CharField(
        label=_("A few words for the other person"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_(
            "Do not write your contact details here: they are shared only once both of you "
            "accept, through the channels each of you chose."
        ),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("request") and not cleaned.get("offer"):
            raise ValidationError(_("Choose a request or an offer."))
        return cleaned


ANSWER_CHOICES = [("yes", _("I accept")), ("no", _("I decline"))]
SIDE_CHOICES = [("requester", _("the requester")), ("offerer", _("the offerer"))]


class AnswerForm(PortalForm):
    """One person's answer; ``side`` is set when a facilitator records it for someone."""

    answer = forms.ChoiceField(choices=ANSWER_CHOICES)
    side = forms.ChoiceField(choices=SIDE_CHOICES, required=False)

    @property
    def accept(self) -> bool:
        return self.cleaned_data["answer"] == "yes"


class ConnectionFilterForm(PortalForm):
    """GET filters of the connections list; a wrong value is dropped, never an error page."""

    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *Connection.Status.choices],
    )
    # Set by the link on a member's page in the facilitator area.
    member = forms.IntegerField(
        required=False, min_value=1, max_value=2**63 - 1, widget=forms.HiddenInput
    )

    def filters(self) -> dict[str, Any]:
        self.is_valid()
        return {k: v for k, v in self.cleaned_data.items() if v not in (None, "")}


class ExchangeFilterForm(ConnectionFilterForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), *Exchange.Status.choices],
    )


class AgreementForm(PortalForm):
    """The terms of an exchange, written together (contrat d'échange)."""

    frequency = forms.CharField(
        label=_("Frequency"),
        required=False,
        max_length=200,
        help_text=_("For example “once a week, for a month”."),
    )
    place = forms.CharField(
        label=_("Place"),
        required=False,
        max_length=200,
        help_text=_("For example “the agency's meeting room”, or “by video call”."),
    )
    schedule = forms.CharField(
        label=_("Days and hours"),
        required=False,
        max_length=200,
        help_text=_("For example “Monday, 10 am to noon”."),
    )
    content = forms.CharField(
        label=_("Content"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What will be shared, in your own words."),
    )
    methods = forms.CharField(
        label=_("Methods"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How: showing, doing together, talking, with which material…"),
    )
    evaluation = forms.CharField(
        label=_("How we will evaluate"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("How you will know together that the exchange went well."),
    )

    @staticmethod
    def initial_from(agreement: Any) -> dict[str, str]:
        return {name: getattr(agreement, name) for name in ExchangeAgreement.FIELDS}


class SessionForm(PortalForm):
    """A date the participants met or will meet, typed in the network's time zone."""

    starts_at = forms.DateTimeField(
        label=_("Date and time"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        error_messages={"invalid": _("Give a date and a time, for example 2025-03-17 10:00.")},
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=300,
        help_text=_("For example “first session: the basics”."),
    )

    def __init__(self, *args: Any, time_zone: str, **kwargs: Any) -> None:
        self.time_zone = time_zone
        super().__init__(*args, **kwargs)

    def full_clean(self) -> None:
        # A date without offset means the network's local time, whoever types it.
        with timezone.override(zoneinfo.ZoneInfo(self.time_zone)):
            super().full_clean()


class ReviewForm(PortalForm):
    """The short review (bilan) after an exchange; only facilitators read it."""

    interest = forms.CharField(
        label=_("What did it bring you?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    obstacles = forms.CharField(
        label=_("What got in the way?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    helpers = forms.CharField(
        label=_("What helped?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    next_steps = forms.CharField(
        label=_("What next? What would you like to learn or share now?"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    @staticmethod
    def initial_from(review: Any) -> dict[str, str]:
        if review is None:
            return {}
        return {
            name: getattr(review, name)
            for name in ("interest", "obstacles", "helpers", "next_steps")
        }

    def answers(self) -> dict[str, str]:
        return {name: self.cleaned_data[name] for name in self.fields}


class MemberChoicesField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return obj.display_name

    def _check_values(self, value):
        # SQLite cannot even compare an id past 64 bits: such a value is simply not a choice.
        for pk in value:
            if str(pk).strip().isdigit() and int(pk) > 2**63 - 1:
                raise ValidationError(
                    self.error_messages["invalid_choice"],
                    code="invalid_choice",
                    params={"value": pk},
                )
        return super()._check_values(value)


EXCHANGE_KIND_CHOICES = [
    (Exchange.Kind.COLLECTIVE, _("Collective exchange: one or more givers, a group of receivers")),
    (Exchange.Kind.PRACTICE, _("Practice exchange: peers sharing how they each do something")),
    (Exchange.Kind.TALK_GROUP, _("Talk group: an open discussion")),
    (Exchange.Kind.ONE_TO_ONE, _("One-to-one: one giver, one receiver")),
]


class ExchangeCreateForm(PortalForm):
    kind = forms.ChoiceField(
        label=_("Kind of exchange"),
        choices=EXCHANGE_KIND_CHOICES,
        widget=forms.RadioSelect,
        initial=Exchange.Kind.COLLECTIVE,
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=160,
        help_text=_("For example “Workshop: writing a cover letter”."),
    )
    givers = MemberChoicesField(
        label=_("Who gives (shares their savoir)"),
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        help_text=_("In a practice exchange or a talk group, choose who leads it."),
        error_messages={"required": _("Choose at least one person who gives.")},
    )
    receivers = MemberChoicesField(
        label=_("Who receives (comes to learn)"),
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Choose at least one person who receives.")},
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["givers"].queryset = members
        self.fields["receivers"].queryset = members

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        both = set(cleaned.get("givers") or []) & set(cleaned.get("receivers") or [])
        if both:
            self.add_error(
                "receivers",
                _("%(names)s: each person takes part once, as giver or receiver.")
                % {"names": ", ".join(sorted(m.display_name for m in both))},
            )
        return cleaned


# --- Calendar, registrations, community life ------------------------------------------------

RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")
REPEAT_CHOICES = [
    ("none", _("Does not repeat")),
    ("weekly", _("Every week, on the weekday of the first date")),
    ("fortnightly", _("Every two weeks, on the weekday of the first date")),
    (
        "monthly_weekday",
        _("Every month, on the first such weekday (for example the first Thursday)"),
    ),
    ("monthly", _("Every month, on the same date")),
    ("six_monthly", _("Every six months, on the same date")),
    ("advanced", _("Another rhythm, written as a rule below (advanced)")),
]


def repeat_rule(choice: str, first: dt.date, advanced: str = "") -> str:
    """The RFC 5545 rule for a plain repetition choice, on the first date's weekday."""
    day = RRULE_DAYS[first.weekday()]
    return {
        "none": "",
        "weekly": f"FREQ=WEEKLY;BYDAY={day}",
        "fortnightly": f"FREQ=WEEKLY;INTERVAL=2;BYDAY={day}",
        "monthly_weekday": f"FREQ=MONTHLY;BYDAY=1{day}",
        "monthly": "FREQ=MONTHLY",
        "six_monthly": "FREQ=MONTHLY;INTERVAL=6",
    }.get(choice, (advanced or "").strip().upper())


def repeat_choice(rule: str, first: dt.date) -> tuple[str, str]:
    """The plain choice an existing rule matches, else ``("advanced", rule)``."""
    rule = (rule or "").strip().upper()
    for value, _label in REPEAT_CHOICES:
        if value != "advanced" and repeat_rule(value, first) == rule:
            return value, ""
    return "advanced", rule


def _date_field(label: Any, **kwargs: Any) -> forms.DateField:
    return forms.DateField(
        label=label,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("Give a date, for example 2026-03-02.")},
        **kwargs,
    )


def _time_field(label: Any, **kwargs: Any) -> forms.TimeField:
    return forms.TimeField(
        label=label,
        input_formats=["%H:%M", "%H:%M:%S", "%Hh%M", "%Hh"],
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
        error_messages={"invalid": _("Give a time, for example 09:30.")},
        **kwargs,
    )


def _local(day: dt.date, at: dt.time, time_zone: str) -> dt.datetime:
    """A wall-clock time in the network's time zone, as an aware datetime."""
    return dt.datetime.combine(day, at, tzinfo=zoneinfo.ZoneInfo(time_zone))


class MemberChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Member) -> str:
        return obj.display_name


class EventChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Event) -> str:
        return f"{obj.title} ({obj.starts_at:%Y-%m-%d})"


class EventForm(PortalForm):
    """An event: times are typed on the network's wall clock, repetition in plain words."""

    kind = forms.ChoiceField(
        label=_("Kind of event"),
        choices=[(value, capfirst(label)) for value, label in Event.Kind.choices],
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=160,
        help_text=_("For example “Monday drop-in session” or “Workshop: my CV”."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 4})
    )
    place = forms.CharField(label=_("Address"), required=False, max_length=300)
    online_url = forms.URLField(
        label=_("Online link"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("For a video call, its address."),
    )
    start_date = _date_field(_("Date (the first one, if it repeats)"))
    start_time = _time_field(_("Start time"))
    end_time = _time_field(_("End time"))
    end_date = _date_field(
        _("End date"),
        required=False,
        help_text=_("Only if it ends on another day."),
    )
    repetition = forms.ChoiceField(
        label=_("Repeats"),
        choices=REPEAT_CHOICES,
        widget=forms.RadioSelect,
        initial="none",
    )
    advanced_rule = forms.CharField(
        label=_("Repetition rule (advanced)"),
        required=False,
        max_length=300,
        help_text=_(
            "Only with “another rhythm”: an RFC 5545 rule, for example "
            "FREQ=WEEKLY;BYDAY=MO,TH or FREQ=MONTHLY;BYDAY=-1FR."
        ),
    )
    capacity = forms.IntegerField(
        label=_("Seats"),
        required=False,
        min_value=1,
        max_value=10000,
        help_text=_("Empty: no limit. When it is full, people join a waiting list."),
    )
    registration_open = forms.BooleanField(
        label=_("People can register"),
        required=False,
        initial=True,
    )
    visibility = forms.ChoiceField(
        label=_("Visible to"),
        choices=[(value, capfirst(label)) for value, label in Event.Visibility.choices],
        widget=forms.RadioSelect,
        initial=Event.Visibility.NETWORK,
    )
    co_organised = forms.BooleanField(
        label=_("Co-organised with the neighbouring networks"),
        required=False,
        help_text=_("Only for an event visible to the neighbouring networks."),
    )
    facilitators = MemberChoicesField(
        label=_("Facilitators in charge"),
        required=False,
        queryset=Member.objects.none(),
        widget=forms.CheckboxSelectMultiple,
    )
    error_field_aliases = {
        "starts_at": "start_date",
        "ends_at": "end_time",
        "rrule": "advanced_rule",
    }

    def __init__(
        self,
        *args: Any,
        network: Network,
        facilitators: Any,
        can_co_organise: bool = False,
        neighbours: bool = True,
        **kwargs: Any,
    ) -> None:
        """``neighbours``: whether the network has neighbouring networks; without any (and
        an event not already shown to them: a peering ended), the event stays the network's
        and nobody co-organises it."""
        self.network = network
        super().__init__(*args, **kwargs)
        self.fields["facilitators"].queryset = facilitators
        if not neighbours and self.initial.get("visibility") != Event.Visibility.FEDERATED:
            self.fields["visibility"].choices = [
                (Event.Visibility.NETWORK, capfirst(Event.Visibility.NETWORK.label))
            ]
            can_co_organise = False
        # Coordinators decide what the network organises with its neighbours.
        if not can_co_organise:
            del self.fields["co_organised"]

    @staticmethod
    def initial_from(event: Event) -> dict[str, Any]:
        tz = zoneinfo.ZoneInfo(event.network.timezone)
        start, end = event.starts_at.astimezone(tz), event.ends_at.astimezone(tz)
        repetition, advanced = repeat_choice(event.rrule, start.date())
        return {
            "kind": event.kind,
            "title": event.title,
            "description": event.description,
            "place": event.place,
            "online_url": event.online_url,
            "start_date": start.date(),
            "start_time": start.time().replace(second=0),
            "end_date": end.date() if end.date() != start.date() else None,
            "end_time": end.time().replace(second=0),
            "repetition": repetition,
            "advanced_rule": advanced,
            "capacity": event.capacity,
            "registration_open": event.registration_open,
            "visibility": event.visibility,
            "co_organised": event.co_organised,
            "facilitators": [m.pk for m in event.facilitators.all()],
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        day, start, end = (cleaned.get(n) for n in ("start_date", "start_time", "end_time"))
        if day is None or start is None or end is None:
            return cleaned
        repetition = cleaned.get("repetition")
        if repetition == "advanced" and not cleaned.get("advanced_rule"):
            self.add_error("advanced_rule", _("Write the rule, or choose a plain repetition."))
        if repetition == "monthly_weekday" and day.day > 7:
            self.add_error(
                "repetition",
                _(
                    "The first date is not the first such weekday of its month: choose that "
                    "date, or another repetition."
                ),
            )
        cleaned["starts_at"] = _local(day, start, self.network.timezone)
        cleaned["ends_at"] = _local(cleaned.get("end_date") or day, end, self.network.timezone)
        if cleaned["ends_at"] <= cleaned["starts_at"]:
            self.add_error("end_time", _("The end must come after the start."))
        cleaned["rrule"] = repeat_rule(repetition or "none", day, cleaned.get("advanced_rule"))
        if cleaned.get("co_organised") and cleaned.get("visibility") != Event.Visibility.FEDERATED:
            self.add_error(
                "co_organised",
                _("Only an event visible to the neighbouring networks is co-organised with them."),
            )
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        """The cleaned data as ``event_create`` / ``event_update`` take it."""
        data = {
            name: self.cleaned_data[name]
            for name in (
                "kind",
                "title",
                "description",
                "place",
                "online_url",
                "starts_at",
                "ends_at",
                "rrule",
                "capacity",
                "registration_open",
                "visibility",
                "facilitators",
            )
        }
        if "co_organised" in self.fields:
            data["co_organised"] = self.cleaned_data["co_organised"]
        return data


class OccurrenceCancelForm(PortalForm):
    note = forms.CharField(
        label=_("Reason, shown in the calendar"),
        required=False,
        max_length=300,
        help_text=_("For example “public holiday”."),
    )


class OccurrenceMoveForm(PortalForm):
    """One occurrence moved to another day or time (same day start and end)."""

    date = _date_field(_("New date"))
    start_time = _time_field(_("New start time"))
    end_time = _time_field(_("New end time"))
    note = forms.CharField(
        label=_("Note, shown in the calendar"),
        required=False,
        max_length=300,
        help_text=_("For example “moved because of the holiday”."),
    )
    error_field_aliases = {"starts_at": "date", "ends_at": "end_time"}

    def __init__(self, *args: Any, time_zone: str, **kwargs: Any) -> None:
        self.time_zone = time_zone
        super().__init__(*args, **kwargs)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        day, start, end = (cleaned.get(n) for n in ("date", "start_time", "end_time"))
        if day is not None and start is not None and end is not None:
            cleaned["starts_at"] = _local(day, start, self.time_zone)
            cleaned["ends_at"] = _local(day, end, self.time_zone)
            if cleaned["ends_at"] <= cleaned["starts_at"]:
                self.add_error("end_time", _("The end must come after the start."))
        return cleaned


class RegisterSomeoneForm(PortalForm):
    member = MemberChoiceField(
        label=_("Person to register"),
        queryset=Member.objects.none(),
        empty_label=_("Choose a person"),
    )

    def __init__(self, *args: Any, members: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["member"].queryset = members


ATTENDANCE_CHOICES = [("present", _("present")), ("absent", _("absent"))]


class AttendanceForm(PortalForm):
    attended = forms.ChoiceField(choices=ATTENDANCE_CHOICES)

    @property
    def value(self) -> bool:
        return self.cleaned_data["attended"] == "present"


PUBLICATION_CHOICES = [
    (Testimony.Publication.PRIVATE, _("Not published: only the facilitators read it")),
    (Testimony.Publication.ANONYMOUS, _("Published without a name")),
    (Testimony.Publication.FIRST_NAME, _("Published with a first name")),
]


class TestimonyPublicationForm(PortalForm):
    """The author's consent to publication, changeable at any time."""

    publication = forms.ChoiceField(
        label=_("Publication"),
        choices=PUBLICATION_CHOICES,
        widget=forms.RadioSelect,
        initial=Testimony.Publication.PRIVATE,
    )
    first_name = forms.CharField(
        label=_("First name to show"),
        required=False,
        max_length=60,
        help_text=_("Only with “published with a first name”."),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if cleaned.get("publication") == Testimony.Publication.FIRST_NAME and not cleaned.get(
            "first_name"
        ):
            self.add_error("first_name", _("Give the first name to show."))
        return cleaned


class TestimonyForm(TestimonyPublicationForm):
    """A testimony in its author's own words; facilitators also say whose and about what."""

    author = MemberChoiceField(
        label=_("Whose words"),
        queryset=Member.objects.none(),
        empty_label=_("Choose a person"),
    )
    event = EventChoiceField(
        label=_("About the event"),
        required=False,
        queryset=Event.objects.none(),
        empty_label=_("No event in particular"),
    )
    text = forms.CharField(
        label=_("Testimony"),
        widget=forms.Textarea(attrs={"rows": 5}),
        max_length=5000,
        help_text=_("In the person's own words, as they said it."),
    )
    field_order = ["author", "event", "text", "publication", "first_name"]

    def __init__(self, *args: Any, members: Any = None, events: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if members is None:  # a member writes their own
            del self.fields["author"]
            self.fields["text"].help_text = _("What the network changed for you, in your words.")
        else:
            self.fields["author"].queryset = members
        if events is None:
            del self.fields["event"]
        else:
            self.fields["event"].queryset = events


class NewsForm(PortalForm):
    title = forms.CharField(label=_("Title"), max_length=160)
    text = forms.CharField(label=_("Text"), widget=forms.Textarea(attrs={"rows": 8}))
    published_at = forms.DateTimeField(
        label=_("Publication date"),
        required=False,
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"],
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        help_text=_("Empty: now. A later date publishes it then."),
        error_messages={"invalid": _("Give a date and a time, for example 2026-03-02 09:00.")},
    )

    def __init__(self, *args: Any, time_zone: str, **kwargs: Any) -> None:
        self.time_zone = time_zone
        super().__init__(*args, **kwargs)

    def full_clean(self) -> None:
        with timezone.override(zoneinfo.ZoneInfo(self.time_zone)):
            super().full_clean()


MAX_RESOURCE_BYTES = 10 * 1024 * 1024


class ResourceForm(PortalForm):
    title = forms.CharField(label=_("Title"), max_length=160)
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    url = forms.URLField(
        label=_("Link"),
        required=False,
        max_length=200,
        assume_scheme="https",
        help_text=_("A web page, or leave empty and add a document."),
    )
    document = forms.FileField(
        label=_("Document"),
        required=False,
        help_text=_("A file of at most 10 MB (PDF, text, spreadsheet…)."),
    )
    audience = forms.ChoiceField(
        label=_("Visible to"),
        choices=[
            (Resource.Audience.MEMBERS, _("members of the network only")),
            (Resource.Audience.PUBLIC, _("everyone, even without an account")),
        ],
        widget=forms.RadioSelect,
        initial=Resource.Audience.MEMBERS,
    )

    def clean_document(self) -> Any:
        document = self.cleaned_data.get("document")
        if document is not None and document.size > MAX_RESOURCE_BYTES:
            raise ValidationError(_("The document is larger than 10 MB."))
        return document

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("url") and not cleaned.get("document") and not self.errors:
            self.add_error("url", _("Give a link or a document."))
        return cleaned


class ContactForm(PortalForm):
    name = forms.CharField(
        label=_("Your name"),
        max_length=120,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label=_("Your email"),
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
        help_text=_("To answer you; it is used for nothing else."),
    )
    subject = forms.CharField(label=_("Subject"), max_length=200)
    message = forms.CharField(
        label=_("Message"), max_length=5000, widget=forms.Textarea(attrs={"rows": 6})
    )
    # A trap for robots: people never see it (and its label tells them to leave it empty).
    website = forms.CharField(
        label=_("Leave this field empty"),
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
        template_name="rers_core/forms/honeypot_field.html",
    )

    @property
    def is_trap(self) -> bool:
        return bool(self.cleaned_data.get("website"))
