"""Repetition rules (RFC 5545 RRULE) limited to what a network's calendar needs.

The time of day comes from the event's start: rules repeat days, not hours, so a calendar
page never holds thousands of sittings, and a rule that could loop forever (a zero
interval) or search to the year 9999 (30 February) is refused before it is stored.
"""

from __future__ import annotations

import zoneinfo
from datetime import datetime

from dateutil.rrule import rrule, rrulestr
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

RRULE_PARTS = frozenset(
    {"FREQ", "INTERVAL", "COUNT", "UNTIL", "BYDAY", "BYMONTHDAY", "BYMONTH", "BYSETPOS", "WKST"}
)
RRULE_FREQUENCIES = frozenset({"DAILY", "WEEKLY", "MONTHLY", "YEARLY"})
MAX_INTERVAL = 100
_PROBE_YEAR = 9596  # a leap year some four centuries before the calendar ends


def normalise_rule(value: str) -> str:
    """The rule in canonical form (upper case, ``NAME=VALUE`` parts joined by ``;``), or
    ``ValidationError`` with a message saying what to change."""
    value = (value or "").strip().upper()
    if not value:
        return ""
    parts: dict[str, str] = {}
    # Spaces around parts and a trailing semicolon are typing slips, not errors.
    for item in filter(None, (item.strip() for item in value.split(";"))):
        name, sep, part = (text.strip() for text in item.partition("="))
        if not sep or not name or not part:
            raise ValidationError(
                _(
                    "Write the rule as NAME=VALUE parts separated by semicolons, for example "
                    "FREQ=WEEKLY;BYDAY=MO."
                )
            )
        if name not in RRULE_PARTS:
            raise ValidationError(_("The part %(part)s is not accepted here.") % {"part": name})
        if name in parts:
            raise ValidationError(_("The part %(part)s is given twice.") % {"part": name})
        parts[name] = part
    if parts.get("FREQ") not in RRULE_FREQUENCIES:
        raise ValidationError(_("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY."))
    interval = parts.get("INTERVAL", "1")
    if not (interval.isascii() and interval.isdigit()) or not 1 <= int(interval) <= MAX_INTERVAL:
        raise ValidationError(
            _("INTERVAL must be a whole number from 1 to %(max)d.") % {"max": MAX_INTERVAL}
        )
    if "COUNT" in parts and "UNTIL" in parts:
        raise ValidationError(_("Give COUNT or UNTIL, not both."))
    value = ";".join(f"{name}={part}" for name, part in parts.items())
    try:
        rrulestr(value, ignoretz=True)
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValidationError(
            _("This repetition rule is not valid: %(error)s") % {"error": exc}
        ) from exc
    return value


def local_rule(rule_text: str, starts_at: datetime, tz_name: str) -> rrule:
    """The rule running on the network's wall clock from the event's first start."""
    local = starts_at.astimezone(zoneinfo.ZoneInfo(tz_name)).replace(tzinfo=None)
    return rrulestr(rule_text, dtstart=local, ignoretz=True)


def check_rule_occurs(rule_text: str, starts_at: datetime, tz_name: str) -> None:
    """Refuse a rule that gives no date at all (30 February, a sixth Monday, an end before
    the start): computing a calendar page would otherwise search up to the year 9999.

    The pattern is first tried four centuries before the end of the calendar, which
    bounds the search; then from the event's own start, now that it is known to end.
    """
    try:
        rule = local_rule(rule_text, starts_at, tz_name)
        probe = rule.replace(
            dtstart=rule._dtstart.replace(year=_PROBE_YEAR), count=None, until=None
        )
        if next(iter(probe), None) is None:
            raise ValidationError(_("This rule never gives a date, for example 30 February."))
        if next(iter(rule), None) is None:
            raise ValidationError(
                _("This rule gives no date from the start on: check UNTIL and COUNT.")
            )
    except (ValueError, TypeError, OverflowError) as exc:
        raise ValidationError(
            _("This repetition rule is not valid: %(error)s") % {"error": exc}
        ) from exc
