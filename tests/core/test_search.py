import pytest

from rers_core.models import Listing, SynonymGroup
from rers_core.search import rebuild_index, search_listings, text
from rers_core.services.members import member_withdraw
from rers_core.testing.factories import ListingFactory


def found(query, **filters):
    return [li.title for li in search_listings(Listing.objects.filter(**filters), query)]


@pytest.fixture
def catalogue(member):
    titles = {
        "hopital": ("Découvrir les métiers de l'hôpital", "Vingt ans comme aide-soignante."),
        "cuisine": ("Cuisiner pour une famille avec un petit budget", "Recettes simples."),
        "tableau": ("Faire des tableaux croisés", "Je montre les formules pas à pas."),
        "cv": ("Relire votre curriculum vitae", "Conseils pour la mise en page."),
        "courriel": ("Envoyer un courriel avec pièce jointe", "Sur ordinateur ou téléphone."),
        "secours": ("Gestes de premiers secours", "Formé au PSC1."),
        "jardin": ("Jardiner sur un balcon", "Tomates et aromates."),
    }
    return {
        key: ListingFactory(member=member, title=t, description=d) for key, (t, d) in titles.items()
    }


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("hopital", "hopital"),
        ("HÔPITAL", "hopital"),
        ("cuisine", "cuisine"),
        ("tableau", "tableau"),
        ("CV", "cv"),
        ("messagerie", "courriel"),
        ("mail", "courriel"),
        ("secourisme", "secours"),
        ("Excel tableaux", "tableau"),
        ("jardinage", "jardin"),
    ],
)
def test_forms_accents_and_synonyms(catalogue, query, expected):
    results = found(query)
    assert results, f"nothing found for {query!r}"
    assert results[0] == catalogue[expected].title


def test_no_match_and_stopwords_only(catalogue):
    assert found("astrophysique") == []
    assert found("je cherche quelqu'un pour") == []
    assert found("") == []


def test_search_respects_the_queryset(catalogue, other_network):
    assert found("hopital", network=other_network) == []


def test_ranking_prefers_title(member):
    ListingFactory(member=member, title="Atelier couture", description="On parle aussi de cuisine.")
    best = ListingFactory(member=member, title="Cuisine du monde", description="Plats.")
    assert found("cuisine")[0] == best.title


def test_withdrawal_leaves_the_index(member, catalogue):
    member_withdraw(member=member, acting=None)
    assert found("hopital") == []


def test_rebuild_after_synonym_change(member):
    ListingFactory(member=member, title="Utiliser un tracteur", description="")
    assert found("agricole") == []
    SynonymGroup.objects.create(terms="tracteur, engin agricole")
    text.forget_synonyms()
    assert rebuild_index() == 1
    assert found("engin agricole") == ["Utiliser un tracteur"]


def test_text_pipeline():
    assert text.words("Les hôpitaux") == text.words("les hopitaux")
    table = text.SynonymTable.build([(1, ["feuille de calcul", "tableur"])])
    assert table.tokens_in(text.words("une feuille de calcul")) == ["zsyn1"]
    assert table.tokens_in(text.words("des feuilles de calculs")) == ["zsyn1"]
