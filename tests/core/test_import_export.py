import json

import pytest
from django.core.management import CommandError, call_command

from rers_core.models import Listing, Member
from rers_core.services.imports import listings_import

HEADER = "member_ref,member_name,email,direction,ref,title,description,domain\n"
GOOD = HEADER + (
    "M1,Camille,camille@example.org,offre,L1,Rédiger un CV,Mise en page claire,recherche-emploi\n"
    "M1,Camille,camille@example.org,demande,L2,Apprendre Excel,,numerique\n"
    "M2,Dominique,,demande,L3,Écrire un CV,Je n'ai jamais fait de curriculum vitae,\n"
)


def run_import(tmp_path, network, content: str | bytes, *extra):
    path = tmp_path / "listings.csv"
    path.write_bytes(content.encode() if isinstance(content, str) else content)
    return call_command("import_listings", str(path), "--network", network.slug, *extra)


def test_import_creates_then_updates_without_duplicates(tmp_path, network, capsys):
    run_import(tmp_path, network, GOOD)
    assert "3 created" in capsys.readouterr().out
    assert Listing.objects.filter(network=network).count() == 3
    assert Member.objects.filter(network=network).count() == 2
    camille = Member.objects.get(external_ref="M1")
    assert camille.user.email == "camille@example.org" and not camille.consents.exists()
    unclassified = Listing.objects.get(external_ref="L3").domain
    assert unclassified.slug == "non-classe"
    run_import(tmp_path, network, GOOD.replace("Apprendre Excel", "Apprendre le tableur"))
    assert "1 updated, 2 unchanged" in capsys.readouterr().out
    assert Listing.objects.filter(network=network).count() == 3


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (HEADER + "M1,Camille,,gift,L1,Titre,,\n", "line 2: direction"),
        (HEADER + "M1,Camille,not-an-email,offre,L1,Titre,,\n", "not an email"),
        (HEADER + "M1,Camille,,offre,,Titre,,\n", "“ref” is empty"),
        (HEADER + "M1,Camille,,offre,L1,Titre,,astrologie\n", "unknown domain"),
        (HEADER + "M1,Camille,,offre,L1,,,\n", "title"),
        (HEADER + "M1,Camille,,offre,L1,T,,\nM1,Camille,,offre,L1,T,,\n", "already on line 2"),
        ("member_ref,title\nM1,T\n", "Missing columns"),
        (b"member_ref,member_name\n" + b"\xff\xfe\x00broken", "not UTF-8"),
    ],
)
def test_bad_files_import_nothing(tmp_path, network, capsys, content, message):
    good_row = "M9,Alex,,offre,OK1,Un titre valable,,\n"
    if isinstance(content, str) and content.startswith(HEADER):
        content = HEADER + good_row + content[len(HEADER) :]
        message = message.replace("line 2", "line 3").replace("on line 2", "on line 3")
    with pytest.raises(SystemExit) as exit_info:
        run_import(tmp_path, network, content)
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert message in err and "nothing was imported" in err
    assert not Listing.objects.filter(network=network).exists()
    assert not Member.objects.filter(network=network).exists()


def test_export_then_import_is_lossless(tmp_path, network, member, capsys):
    from rers_core.testing.factories import ListingFactory

    ListingFactory(
        member=member,
        title="Cuisine",
        status="paused",
        visibility="federated",
        group=True,
        availability="Le soir",
    )
    ListingFactory(member=member, direction="request", title="Couture", external_ref="X-9")
    out = tmp_path / "export.csv"
    call_command("export_listings", "--network", network.slug, "--output", str(out))
    before = list(Listing.objects.order_by("pk").values())
    report = listings_import(network=network, data=out.read_bytes())
    assert (report.created, report.updated, report.errors) == (0, 0, [])
    assert report.unchanged == 2
    assert list(Listing.objects.order_by("pk").values()) == before


def test_suggest_command(network, capsys):
    from rers_core.testing.factories import ListingFactory, MemberFactory

    request = ListingFactory(
        member=MemberFactory(network=network),
        direction="request",
        title="Faire mon CV",
        description="",
        external_ref="R1",
    )
    offer = ListingFactory(
        member=MemberFactory(network=network),
        direction="offer",
        title="Relire un curriculum vitae",
        description="",
    )
    call_command("suggest", "--network", network.slug, "--format", "json", "--limit", "3")
    rows = json.loads(capsys.readouterr().out)
    assert rows == [
        {"request": "R1", "offer": offer.pk, "score": rows[0]["score"], "network": network.slug}
    ]
    assert 0 < rows[0]["score"] <= 1.1
    assert request.external_ref == "R1"


def _rows(count: int) -> str:
    return "".join(f"M{n},Membre {n},,offre,L{n},Titre {n},,\n" for n in range(count))


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (HEADER + _rows(50_001), "more than 50000 rows"),
        (HEADER + "M1,Camille,,offre,L1," + "x" * 200_000 + ",,\n", "Line 2 holds a value longer"),
        (HEADER + "M1,Camille,,offre,L1,Ti\x00tre,,\n", "Line 2 holds a NUL character"),
        ("\ufeffmember_ref;member_name\nM1;Camille\n", "Missing columns"),
        ("", "Missing columns"),
    ],
    ids=["too-many-rows", "huge-field", "nul-character", "semicolons-missing-columns", "empty"],
)
def test_huge_or_broken_files_import_nothing(tmp_path, network, capsys, content, message):
    with pytest.raises(SystemExit):
        run_import(tmp_path, network, content)
    err = capsys.readouterr().err
    assert message in err and "nothing was imported" in err
    assert not Listing.objects.filter(network=network).exists()


def test_a_file_too_big_to_read_is_refused_before_reading(tmp_path, network, monkeypatch):
    from rers_core.services import imports

    monkeypatch.setattr(imports, "MAX_BYTES", 1_000)
    with pytest.raises(CommandError, match="larger than"):
        run_import(tmp_path, network, GOOD + _rows(100))
    assert not Listing.objects.filter(network=network).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (HEADER + 'M1,Camille,,offre,L1,Titre,"desc,\nM2,Alex,,offre,L2,T,,\n', "Line 2 opens"),
        (HEADER + 'M1,Camille,,offre,L1,"Titre"bis,,\n', "Line 2: a value between"),
        (HEADER + "M1,Camille,,offre,L1,Titre\n", "Line 2 has fewer values"),
        (HEADER + "M1,Camille,,offre,L1,T,,,surplus\n", "Line 2 has more values"),
        (HEADER + f"M1,Camille,,offre,{'r' * 101},Titre,,\n", "line 2: ref:"),
        (HEADER + f"{'m' * 101},Camille,,offre,L1,Titre,,\n", "line 2: member_ref:"),
        (HEADER + f"M1,Camille,{'a' * 140}@example.org,offre,L1,T,,\n", "longer than 150"),
        (HEADER + "M1,Camille,,offre,#12,T,,\nM1,Camille,,offre,test#12,T,,\n", "on line 2"),
    ],
    ids=[
        "quote-never-closed",
        "text-after-quotes",
        "fewer-values",
        "more-values",
        "long-ref",
        "long-member-ref",
        "long-email",
        "same-listing-twice",
    ],
)
def test_malformed_rows_are_named_and_import_nothing(tmp_path, network, capsys, content, message):
    network.slug = "test"
    network.save()
    with pytest.raises(SystemExit):
        run_import(tmp_path, network, content)
    err = capsys.readouterr().err
    assert message in err and "nothing was imported" in err
    assert not Listing.objects.filter(network=network).exists()


def test_lines_are_counted_as_a_spreadsheet_shows_them(tmp_path, network, capsys):
    content = HEADER + (
        'M1,Camille,,offre,L1,Titre,"Sur\nplusieurs\nlignes",\nM1,Camille,,offre,L1,Titre,,\n'
    )
    with pytest.raises(SystemExit):
        run_import(tmp_path, network, content)
    assert "line 3: ref “L1” already on line 2" in capsys.readouterr().err


def test_old_mac_line_endings_and_capitalised_headers_are_read(tmp_path, network, capsys):
    content = HEADER.upper().replace("\n", "\r") + "M1,Camille,,Offre,L1,Titre,,\r"
    run_import(tmp_path, network, content)
    assert "1 created" in capsys.readouterr().out
    assert Listing.objects.get(network=network).title == "Titre"
