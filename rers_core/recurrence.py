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
WEEKDAYS = frozenset({"MO", "TU", "WE", "TH", "FR", "SA", "SU"})
# RFC 5545 ranges; negative values count from the end.
BY_RANGES = {"BYMONTHDAY": (1, 31), "BYMONTH": (1, 12), "BYSETPOS": (1, 366)}


def _in_range(number: str, low: int, high: int) -> bool:
    digits = number[1:] if number[:1] in "+-" else number
    if not (digits.isascii() and digits.isdigit()):
        return False
    value = int(digits)
    if number.startswith("-") and low > 0:
        return low <= value <= high and (number != "-0")
    return low <= value <= high


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
    for name, (low, high) in BY_RANGES.items():
        for number in filter(None, parts.get(name, "").split(",")):
            if not _in_range(number, low, high):
                raise ValidationError(
                    _(
                        "%(part)s values must be from %(low)d to %(high)d "
                        "(or negative), not %(value)s."
                    )
                    % {"part": name, "low": low, "high": high, "value": number}
                )
    for day in filter(None, parts.get("BYDAY", "").split(",")):
        ordinal, code = day[:-2], day[-2:]
        if code not in WEEKDAYS or (ordinal and not _in_range(ordinal, 1, 53)):
            raise ValidationError(
                _("BYDAY takes days like MO, 1TH or -1FR, not %(value)s.") % {"value": day}
            )
    value = ";".join(f"{name}={part}" for name, part in parts.items())
    try:
        rrulestr(value, ignoretz=True)
    except (ValueError, TypeError, OverflowError, IndexError, KeyError) as exc:
        raise ValidationError(
            _("This repetition rule is not valid: %(error)s") % {"error": exc}
        ) from exc
    return value


def _parts(rule_text: str) -> dict[str, str]:
    return dict(part.split("=", 1) for part in rule_text.split(";") if "=" in part)


def local_rule(rule_text: str, starts_at: datetime, tz_name: str) -> rrule:
    """The rule running on the network's wall clock from the event's first start.

    UNTIL is read as RFC 5545 says: a time ending in Z is UTC; a bare date includes that
    whole day.
    """
    tz = zoneinfo.ZoneInfo(tz_name)
    local = starts_at.astimezone(tz).replace(tzinfo=None)
    rule = rrulestr(rule_text, dtstart=local, ignoretz=True)
    until = _parts(rule_text).get("UNTIL", "")
    if until.endswith("Z"):
        moment = rule._until.replace(tzinfo=zoneinfo.ZoneInfo("UTC")).astimezone(tz)
        rule = rule.replace(until=moment.replace(tzinfo=None))
    elif len(until) == 8:
        rule = rule.replace(until=rule._until.replace(hour=23, minute=59, second=59))
    return rule


def rule_for_feed(rule_text: str, starts_at: datetime, tz_name: str) -> str:
    """The rule as calendar applications must read it: UNTIL as a UTC time."""
    parts = _parts(rule_text)
    if "UNTIL" in parts:
        until = local_rule(rule_text, starts_at, tz_name)._until
        utc = until.replace(tzinfo=zoneinfo.ZoneInfo(tz_name)).astimezone(zoneinfo.ZoneInfo("UTC"))
        parts["UNTIL"] = utc.strftime("%Y%m%dT%H%M%SZ")
    return ";".join(f"{name}={value}" for name, value in parts.items())


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
    except (ValueError, TypeError, OverflowError, IndexError, KeyError) as exc:
        raise ValidationError(
            _("This repetition rule is not valid: %(error)s") % {"error": exc}
        ) from exc
