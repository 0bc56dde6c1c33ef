"""QuickSelect writes the HTML Django's select templates write, at a fraction of the cost."""

import pytest
from django import forms

from rers_core.testing.factories import DomainFactory
from rers_core.web.forms import ListingFilterForm, QuickSelect

CHOICES = [
    ("", "Tous"),
    ("a", "A & <b>"),
    ("Groupe « 1 »", [("x", "X"), ("y", 'Y "quoted"')]),
    (3, "Trois"),
]


class Pair(forms.Form):
    django = forms.ChoiceField(choices=CHOICES, required=False, help_text="Aide")
    quick = forms.ChoiceField(choices=CHOICES, required=False, help_text="Aide", widget=QuickSelect)
    django_required = forms.ChoiceField(choices=CHOICES)
    quick_required = forms.ChoiceField(choices=CHOICES, widget=QuickSelect)


def _same(form: Pair, *pairs: tuple[str, str]) -> None:
    for django_name, quick_name in pairs:
        expected = str(form[django_name]).replace(django_name, "NAME")
        assert str(form[quick_name]).replace(quick_name, "NAME") == expected


@pytest.mark.parametrize(
    "data",
    [
        None,
        {"django": "a", "quick": "a", "django_required": "a", "quick_required": "a"},
        {"django": "y", "quick": "y", "django_required": "3", "quick_required": "3"},
        # Invalid: aria-invalid and the error's id in aria-describedby.
        {"django": "nope", "quick": "nope", "django_required": "", "quick_required": ""},
    ],
)
def test_quick_select_writes_what_django_writes(data):
    form = Pair(data)
    if data is not None:
        form.is_valid()
    _same(form, ("django", "quick"), ("django_required", "quick_required"))


class DjangoSelects(ListingFilterForm):
    """The filter form as it was, every select through Django's templates."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, QuickSelect):
                field.widget = forms.Select(choices=field.choices)


@pytest.mark.parametrize(
    "data",
    [None, {"q": "cv", "direction": "offer", "scope": "all"}, {"kind": "x", "within_km": "-1"}],
)
def test_the_filter_form_is_the_same_html(network, data):
    domain = DomainFactory(network=network, name="Cuisine & jardin")
    if data is not None:
        data = {**data, "domain": str(domain.pk)}
    quick, django = ListingFilterForm(data, network=network), DjangoSelects(data, network=network)
    assert str(quick) == str(django)
    assert f'<option value="{domain.pk}"' in str(quick)
