"""Moving from spreadsheets: import and export of offers and requests as CSV.

The format is the header ``member_ref,member_name,email,direction,ref,title,description,domain``,
optionally followed by ``kind,status,visibility,setting,availability,modalities`` (an export
writes them all, so importing an export loses nothing). A ref written ``<slug>#N`` (or ``#N``)
designates the existing member or listing N of network ``<slug>``; an export writes it for rows
without a ref of their own. Imported into another network, it is kept as an ordinary ref, so
importing the same export twice there creates nothing twice.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Protocol

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from rers_core.errors import ValidationFailed
from rers_core.models import Domain, Listing, Member, Network
from rers_core.search import index_listings, text
from rers_core.signals import listing_changed

REQUIRED_COLUMNS = (
    "member_ref",
    "member_name",
    "email",
    "direction",
    "ref",
    "title",
    "description",
    "domain",
)
OPTIONAL_COLUMNS = ("kind", "status", "visibility", "setting", "availability", "modalities")
DIRECTIONS = {
    "offre": Listing.Direction.OFFER,
    "offer": Listing.Direction.OFFER,
    "demande": Listing.Direction.REQUEST,
    "request": Listing.Direction.REQUEST,
}
MODALITIES = ("one_to_one", "group", "practice_exchange")
UNCLASSIFIED = ("non-classe", "Non classé")
MAX_ROWS = 50_000
# Far above 50,000 rows of listings, low enough to read a file into memory in one go.
MAX_BYTES = 50 * 1024 * 1024


class SupportsWrite(Protocol):
    def write(self, text: str, /) -> object: ...


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    members_created: int = 0
    errors: list[str] = field(default_factory=list)


@dataclass
class _Row:
    line: int
    values: dict[str, str]
    listing_fields: dict = field(default_factory=dict)


def too_big_message(size: int) -> str:
    return _("The file is larger than %(limit)d MB (%(size)d MB); split it.") % {
        "limit": MAX_BYTES // 2**20,
        "size": -(-size // 2**20),
    }


def read_csv(data: bytes) -> tuple[list[str], list[tuple[int, dict[str, str]]]]:
    """Decode and parse an uploaded CSV; raise ValidationFailed with a clear message."""
    if len(data) > MAX_BYTES:
        raise ValidationFailed(too_big_message(len(data)))
    try:
        decoded = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValidationFailed(
            _("The file is not UTF-8 text (byte %(pos)d). Save it as “CSV UTF-8” and try again.")
            % {"pos": exc.start}
        ) from exc
    if "\x00" in decoded:
        raise ValidationFailed(
            _("Line %d holds a NUL character: is it really a CSV text file?")
            % (decoded.count("\n", 0, decoded.index("\x00")) + 1)
        )
    # Old Macintosh spreadsheets end lines with CR alone, which the csv module refuses.
    decoded = decoded.replace("\r\n", "\n").replace("\r", "\n")
    # Only the delimiter is guessed, from the header line: quotes are always ",
    # as spreadsheets write them (guessing them mistakes French apostrophes for quotes).
    first_line = decoded.split("\n", 1)[0]
    delimiter = max(",;\t", key=first_line.count)
    # strict: a quotation mark never closed is an error, not the rest of the file in a field.
    reader = csv.reader(io.StringIO(decoded), delimiter=delimiter, quotechar='"', strict=True)
    # Lines are counted as a spreadsheet shows them (a value on several lines is one row);
    # ``line`` is the last one read whole.
    line = 0
    try:
        header = [h.strip().lower() for h in next(reader, [])]
        missing = [c for c in REQUIRED_COLUMNS if c not in header]
        if missing:
            raise ValidationFailed(
                _("Missing columns: %(missing)s. The first line must be: %(header)s")
                % {"missing": ", ".join(missing), "header": ",".join(REQUIRED_COLUMNS)}
            )
        last_required = max(header.index(c) for c in REQUIRED_COLUMNS)
        line, rows = 1, []
        for line, raw in enumerate(reader, start=2):
            if line - 1 > MAX_ROWS:
                raise ValidationFailed(_("The file has more than %d rows; split it.") % MAX_ROWS)
            if len(raw) > len(header) and any(v.strip() for v in raw[len(header) :]):
                raise ValidationFailed(_("Line %d has more values than the header.") % line)
            if not any(v.strip() for v in raw):
                continue
            if len(raw) <= last_required:
                raise ValidationFailed(_("Line %d has fewer values than the header.") % line)
            rows.append((line, {k: v.strip() for k, v in zip(header, raw, strict=False)}))
    except csv.Error as exc:
        raise ValidationFailed(_csv_error_message(exc, line + 1)) from exc
    return header, rows


def _csv_error_message(exc: csv.Error, line: int) -> str:
    if "field larger than field limit" in str(exc):
        return _("Line %(line)d holds a value longer than %(limit)d characters.") % {
            "line": line,
            "limit": csv.field_size_limit(),
        }
    if "unexpected end of data" in str(exc):
        return (
            _(
                'Line %d opens a quotation mark (") that is never closed: the rest of the file '
                "would be read as one value."
            )
            % line
        )
    if "expected after" in str(exc):
        return (
            _('Line %d: a value between quotation marks (") is followed by other characters.')
            % line
        )
    return _("Line %(line)d is not valid CSV: %(error)s") % {"line": line, "error": exc}


def _resolve_domain(network: Network, value: str, domains: dict[str, Domain]) -> Domain | None:
    if not value:
        return domains.get(UNCLASSIFIED[0])
    key = slugify(value)
    if key in domains:
        return domains[key]
    folded = text.fold(value)
    for domain in domains.values():
        if text.fold(domain.name) == folded:
            return domain
    return None


def _validate(
    network: Network, rows: Iterable[tuple[int, dict[str, str]]]
) -> tuple[list[_Row], list[str]]:
    domains = {d.slug: d for d in network.domains.all()}
    errors: list[str] = []
    valid: list[_Row] = []
    seen_refs: dict[tuple[str, str | int], int] = {}
    for line, values in rows:
        problems = []
        ref = values["ref"]
        # "#12" and "<slug>#12" are the same listing.
        row_id = _row_id(network, ref)
        target = ("id", row_id) if row_id is not None else ("ref", ref)
        if not ref:
            problems.append(_("“ref” is empty"))
        elif target in seen_refs:
            problems.append(
                _("ref “%(ref)s” already on line %(line)d")
                % {"ref": ref, "line": seen_refs[target]}
            )
        else:
            seen_refs[target] = line
        if not values["member_ref"] and not values["email"]:
            problems.append(_("give “member_ref” or “email”"))
        if values["email"]:
            try:
                validate_email(values["email"])
            except ValidationError:
                problems.append(_("“%s” is not an email address") % values["email"])
        direction = DIRECTIONS.get(values["direction"].lower())
        if direction is None:
            problems.append(
                _("direction must be “offre” or “demande”, not “%s”") % values["direction"]
            )
        if not values["member_name"] and "#" not in values["member_ref"]:
            problems.append(_("“member_name” is empty"))
        domain_value = values["domain"]
        if domain_value and _resolve_domain(network, domain_value, domains) is None:
            problems.append(_("unknown domain “%s”") % domain_value)
        fields = {
            "direction": direction,
            "title": values["title"],
            "description": values["description"],
        }
        for name, choices in (
            ("kind", Listing.Kind.values),
            ("status", Listing.Status.values),
            ("visibility", Listing.Visibility.values),
            ("setting", Listing.Setting.values),
        ):
            value = values.get(name, "")
            if value and value not in choices:
                problems.append(
                    _("%(field)s “%(value)s” is not one of: %(choices)s")
                    % {"field": name, "value": value, "choices": ", ".join(choices)}
                )
            elif value:
                fields[name] = value
        if values.get("availability"):
            fields["availability"] = values["availability"]
        if values.get("modalities"):
            chosen = [m.strip() for m in values["modalities"].split("|") if m.strip()]
            wrong = [m for m in chosen if m not in MODALITIES]
            if wrong or not chosen:
                problems.append(
                    _("modalities must be among: %s, separated by |") % ", ".join(MODALITIES)
                )
            else:
                fields.update({m: m in chosen for m in MODALITIES})
        if not problems:
            problems.extend(_model_problems(network, fields, values))
        if problems:
            errors.append(
                _("line %(line)d: %(problems)s") % {"line": line, "problems": "; ".join(problems)}
            )
        else:
            valid.append(_Row(line, values, fields))
    return valid, errors


# The models' field names, as the file's columns call them.
_COLUMN_OF_FIELD = {"external_ref": "ref", "display_name": "member_name"}


def _model_problems(network: Network, fields: dict, values: dict[str, str]) -> list[str]:
    """What the models' own rules say of a row (lengths, required fields)."""
    problems = []
    member_ref = values["member_ref"] if _row_id(network, values["member_ref"]) is None else ""
    checks = [
        (
            Listing(**fields, external_ref=values["ref"]),
            ["network", "member", "domain", "created_by", "kind"],
            {},
        ),
        (
            Member(
                display_name=values["member_name"] or "-",
                email=values["email"],
                external_ref=member_ref,
            ),
            ["network", "user"],
            {"external_ref": "member_ref"},
        ),
    ]
    for instance, exclude, columns in checks:
        try:
            instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                column = columns.get(name) or _COLUMN_OF_FIELD.get(name, name)
                problems.append(f"{column}: {' '.join(messages)}")
    # A new member's account is named after their email.
    longest = get_user_model()._meta.get_field("username").max_length
    if len(values["email"]) > longest:
        problems.append(_("“email” is longer than %d characters") % longest)
    return problems


def _row_id(network: Network, ref: str) -> int | None:
    """N when ``ref`` designates row N of ``network`` (``<slug>#N``, or ``#N``)."""
    prefix, sep, number = ref.rpartition("#")
    if sep and number.isdigit() and prefix in ("", network.slug):
        return int(number)
    return None


def _by_ref(qs, network: Network, ref: str):
    row_id = _row_id(network, ref)
    if row_id is not None:
        return qs.filter(pk=row_id).first()
    return qs.filter(external_ref=ref).first()


def _check_existing(network: Network, rows: list[_Row]) -> list[str]:
    """Errors only the database can tell: refs to rows that do not exist here, and changes
    a listing's lifecycle refuses (a closed listing stays closed and unchanged)."""
    errors = []
    members = Member.objects.filter(network=network).exclude(status=Member.Status.WITHDRAWN)
    listings = Listing.objects.filter(network=network, origin_uri="")
    for row in rows:
        v = row.values
        problems = []
        if _row_id(network, v["member_ref"]) is not None and not _by_ref(
            members, network, v["member_ref"]
        ):
            problems.append(_("member %s is not a member of this network") % v["member_ref"])
        listing = _by_ref(listings, network, v["ref"])
        if listing is None and _row_id(network, v["ref"]) is not None:
            problems.append(_("listing %s does not exist in this network") % v["ref"])
        elif listing is not None:
            target = row.listing_fields.get("status", listing.status)
            if listing.status == Listing.Status.CLOSED and any(
                getattr(listing, k) != val for k, val in row.listing_fields.items()
            ):
                problems.append(_("listing %s is closed and cannot be changed") % v["ref"])
            elif target != listing.status and not listing.can_transition(target):
                problems.append(
                    _("listing %(ref)s cannot go from %(old)s to %(new)s")
                    % {"ref": v["ref"], "old": listing.status, "new": target}
                )
        if problems:
            errors.append(
                _("line %(line)d: %(problems)s")
                % {"line": row.line, "problems": "; ".join(problems)}
            )
    return errors


@transaction.atomic
def listings_import(
    *, network: Network, data: bytes, acting=None, dry_run: bool = False
) -> ImportReport:
    """Import offers and requests from CSV bytes: every row is validated first, and if any
    row is wrong nothing is written and the report lists each error with its line.

    Idempotent by (network, ref): a second run updates rows and never duplicates them.
    Members are found by ``member_ref`` (or their email) and created when new; imported
    members hold no contact consent, so nothing about them is shared until they choose.
    """
    from rers_core.services.members import member_import
    from rers_core.services.networks import domain_create

    if acting is not None:
        from rers_core.services._common import require_facilitator

        require_facilitator(acting, network)
    report = ImportReport()
    try:
        _header, rows = read_csv(data)
    except ValidationFailed as exc:
        report.errors.append(exc.message)
        return report
    valid, report.errors = _validate(network, rows)
    if not report.errors:
        report.errors = _check_existing(network, valid)
    if report.errors or dry_run:
        return report

    domains = {d.slug: d for d in network.domains.all()}
    members = Member.objects.filter(network=network).exclude(status=Member.Status.WITHDRAWN)
    listings = Listing.objects.filter(network=network, origin_uri="")
    touched: list[Listing] = []
    for row in valid:
        v = row.values
        member = _by_ref(members, network, v["member_ref"]) if v["member_ref"] else None
        if member is None:
            member, created = member_import(
                network=network,
                external_ref=v["member_ref"],
                display_name=v["member_name"],
                email=v["email"],
            )
            report.members_created += created
        domain = _resolve_domain(network, v["domain"], domains)
        if domain is None:
            domain = domains.get(UNCLASSIFIED[0]) or domain_create(
                network=network, slug=UNCLASSIFIED[0], name=UNCLASSIFIED[1], acting=None
            )
            domains[domain.slug] = domain
        fields = {**row.listing_fields, "domain": domain, "member": member}
        listing = _by_ref(listings, network, v["ref"])
        if listing is None:
            listing = Listing(
                network=network,
                kind=Listing.Kind.KNOW_HOW,
                created_by=acting,
                external_ref=v["ref"],
            )
            report.created += 1
        elif all(getattr(listing, k) == val for k, val in fields.items()):
            report.unchanged += 1
            continue
        else:
            report.updated += 1
        for key, value in fields.items():
            setattr(listing, key, value)
        listing.save()
        touched.append(listing)
    index_listings(touched)
    for listing in touched:
        listing_changed.send(sender=Listing, listing=listing)
    return report


def listings_export_rows(network: Network) -> Iterable[dict[str, str]]:
    """Rows of the import format (with the optional columns) for every listing of the
    network whose author has not withdrawn."""
    qs = (
        Listing.objects.filter(network=network, origin_uri="")
        .exclude(member__status=Member.Status.WITHDRAWN)
        .select_related("member", "domain")
        .order_by("pk")
    )
    for listing in qs.iterator(chunk_size=2000):
        member = listing.member
        yield {
            "member_ref": member.external_ref or f"{network.slug}#{member.pk}",
            "member_name": member.display_name,
            "email": member.email,
            "direction": "offre" if listing.direction == Listing.Direction.OFFER else "demande",
            "ref": listing.external_ref or f"{network.slug}#{listing.pk}",
            "title": listing.title,
            "description": listing.description,
            "domain": listing.domain.slug,
            "kind": listing.kind,
            "status": listing.status,
            "visibility": listing.visibility,
            "setting": listing.setting,
            "availability": listing.availability,
            "modalities": "|".join(listing.modalities),
        }


def listings_export_csv(network: Network, out: SupportsWrite) -> int:
    writer = csv.DictWriter(
        out, fieldnames=[*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS], lineterminator="\n"
    )
    writer.writeheader()
    count = 0
    for row in listings_export_rows(network):
        writer.writerow(row)
        count += 1
    return count
