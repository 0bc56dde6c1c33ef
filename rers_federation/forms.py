"""Forms of the coordinators' peering pages (rendered like every portal form)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from rers_core.web.forms import PortalForm


class PeerAddressForm(PortalForm):
    """Step 1 asks for the address; step 2 posts it again with ``confirm`` and the
    fingerprint the coordinator saw, so what is requested is what was previewed."""

    url = forms.CharField(
        label=_("Address of the neighbouring network"),
        max_length=500,
        help_text=_(
            "Their coordinator gives it to you. It looks like "
            "https://their-site/federation/their-network/"
        ),
        widget=forms.TextInput(
            attrs={"inputmode": "url", "autocomplete": "off", "spellcheck": "false"}
        ),
    )
    confirm = forms.BooleanField(required=False, widget=forms.HiddenInput)
    fingerprint = forms.CharField(required=False, max_length=100, widget=forms.HiddenInput)

    def clean_url(self) -> str:
        url = self.cleaned_data["url"].strip()
        # People often paste an address without its scheme; peers are reached over HTTPS.
        if url and "://" not in url:
            url = f"https://{url}"
        return url


class ConfirmForm(PortalForm):
    """A single checkbox that must be ticked before an action that is hard to undo."""

    confirm = forms.BooleanField(error_messages={"required": _("Tick the box to confirm.")})

    def __init__(self, *args: Any, label: str | Promise, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = label


def end_form(data: Any = None, *, peer_id: int | None = None) -> ConfirmForm:
    """The confirmation asked before ending a peering (one per peer on the list page)."""
    return ConfirmForm(
        data,
        label=_("Ending removes what was shared with this network"),
        auto_id=f"id_end_{peer_id}_%s" if peer_id else "id_%s",
    )


def rotate_form(data: Any = None) -> ConfirmForm:
    return ConfirmForm(
        data,
        label=_("I will read the new fingerprint to the coordinators of our neighbours"),
        auto_id="id_rotate_%s",
    )
