"""EventBridge Scheduler's recurring schedule expressions, checked before deployment (pure, no Pulumi).

    rate(1 minute) | rate(5 minutes) | rate(1 hour) | rate(2 hours) | rate(1 day) | rate(7 days)
    cron(minutes hours day-of-month month day-of-week year)

As the Scheduler user guide (schedule types) defines them: a rate is a positive
whole number and a unit that is singular for 1 and plural otherwise; a cron
expression has six fields, each with its own values and wildcards (below), and
exactly one of day-of-month and day-of-week is `?`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from components import defaults

MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")
DAYS = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")  # 1 = SUN ... 7 = SAT
WEEK_NTH_MAX = 5  # `day#n`: a month has at most five of any weekday


@dataclass(frozen=True)
class CronField:
    name: str
    low: int
    high: int
    wildcards: str  # the wildcards AWS allows in this field
    names: tuple[str, ...] = ()  # names that stand for low, low + 1, ...

    @property
    def allowed(self) -> str:
        values = f"{self.low}-{self.high}" + (f" or {self.names[0]}-{self.names[-1]}" if self.names else "")
        return f"{values} with the wildcards {' '.join(self.wildcards)}"


CRON_FIELDS = (
    CronField("minutes", 0, 59, ",-*/"),
    CronField("hours", 0, 23, ",-*/"),
    CronField("day-of-month", 1, 31, ",-*?/LW"),
    CronField("month", 1, 12, ",-*/", MONTHS),
    CronField("day-of-week", 1, 7, ",-*?L#", DAYS),
    CronField("year", *defaults.SCHEDULE_CRON_YEARS, ",-*/"),
)
DAY_OF_MONTH, DAY_OF_WEEK = 2, 4

EXAMPLES = "e.g. rate(5 minutes), rate(1 hour) or cron(0 8 * * ? *) (08:00 UTC daily)"
_RATE = re.compile(r"^rate\((\S+) (\S+)\)$")
_CRON = re.compile(r"^cron\((.*)\)$")
_NUMBER = re.compile(r"^\d+$")


def expression_problem(expression: object) -> str | None:
    """Why EventBridge Scheduler would refuse `expression` as a recurring schedule, or None when it is valid."""
    if not isinstance(expression, str):
        return f"give a cron(...) or rate(...) expression, {EXAMPLES}"
    if expression.startswith("rate("):
        return _rate_problem(expression)
    if expression.startswith("cron("):
        return _cron_problem(expression)
    if expression.startswith("at("):
        return f"a one-time at(...) schedule is not supported; give a recurring cron(...) or rate(...), {EXAMPLES}"
    return f"give a cron(...) or rate(...) expression, {EXAMPLES}"


def _rate_problem(expression: str) -> str | None:
    match = _RATE.match(expression)
    units = ", ".join(u for unit in defaults.SCHEDULE_RATE_UNITS for u in (unit, f"{unit}s"))
    if match is None:
        return f"a rate expression is rate(value unit) with one space, e.g. rate(5 minutes); units are {units}"
    value, unit = match.groups()
    if not _NUMBER.match(value) or int(value) < 1 or value.startswith("0"):
        return f"the rate value {value!r} is not a positive whole number, e.g. rate(5 minutes)"
    singular = unit.rstrip("s") if unit.endswith("s") else unit
    if singular not in defaults.SCHEDULE_RATE_UNITS:
        return f"the rate unit {unit!r} is not one of {units}"
    if int(value) == 1 and unit != singular:
        return f"a rate of 1 takes the singular unit: rate(1 {singular})"
    if int(value) > 1 and unit == singular:
        return f"a rate over 1 takes the plural unit: rate({value} {singular}s)"
    return None


def _cron_problem(expression: str) -> str | None:
    match = _CRON.match(expression)
    fields = match.group(1).split() if match else []
    if len(fields) != len(CRON_FIELDS):
        names = " ".join(f.name for f in CRON_FIELDS)
        return f"a cron expression has six fields, cron({names}); got {len(fields)}, e.g. cron(0 8 * * ? *)"
    for index, (text, spec) in enumerate(zip(fields, CRON_FIELDS, strict=True)):
        problem = _field_problem(text, spec)
        if problem is not None:
            return f"cron field {index + 1} ({spec.name}) {text!r}: {problem}; use {spec.allowed}"
    dom, dow = fields[DAY_OF_MONTH], fields[DAY_OF_WEEK]
    if (dom == "?") == (dow == "?"):
        given = "both are ?" if dom == "?" else f"day-of-month is {dom!r} and day-of-week is {dow!r}"
        return (
            f"exactly one of day-of-month and day-of-week must be ? ({given}); e.g. cron(0 8 * * ? *) for every day "
            "or cron(0 8 ? * MON-FRI *) for weekdays"
        )
    return None


def _value(text: str, spec: CronField) -> int | None:
    """A field value (a number, or a month or day name) within the field's range, else None."""
    if _NUMBER.match(text):
        number = int(text)
    elif text.upper() in spec.names:  # names are read case-insensitively, as in Quartz cron
        number = spec.low + spec.names.index(text.upper())
    else:
        return None
    return number if spec.low <= number <= spec.high else None


def _field_problem(text: str, spec: CronField) -> str | None:
    if text == "?":
        return None if "?" in spec.wildcards else "? is allowed only in day-of-month and day-of-week"
    items = text.split(",")
    if len(items) > 1 and "," not in spec.wildcards:
        return "lists are not allowed here"
    for item in items:
        problem = _item_problem(item, spec)
        if problem is not None:
            return problem
    return None


def _item_problem(item: str, spec: CronField) -> str | None:
    if item == "":
        return "an empty list item"
    if item == "?":
        return "? stands alone, never in a list"
    if "/" in item:
        if "/" not in spec.wildcards:
            return "increments (/) are not allowed here"
        start, _, step = item.partition("/")
        if not _NUMBER.match(step) or not 1 <= int(step) <= spec.high:
            return f"the increment {step!r} is not a whole number from 1 to {spec.high}"
        if start == "*":
            return None
        return _range_problem(start, spec)
    if item == "*":
        return None
    if spec.name == "day-of-month" and ("L" in item or "W" in item):
        if item in ("L", "LW"):
            return None
        if item.endswith("W") and _value(item[:-1], spec) is not None:
            return None
        return "L, LW or nW (the weekday nearest day n) only"
    if spec.name == "day-of-week" and ("L" in item or "#" in item):
        if item == "L":
            return None
        if item.endswith("L") and _value(item[:-1], spec) is not None:
            return None  # e.g. 6L: the last Friday of the month
        day, sep, nth = item.partition("#")
        if sep and _value(day, spec) is not None and _NUMBER.match(nth) and 1 <= int(nth) <= WEEK_NTH_MAX:
            return None  # e.g. 3#2: the second Tuesday of the month
        return f"L, nL (the last day n of the month) or n#k (the k-th day n, k from 1 to {WEEK_NTH_MAX}) only"
    return _range_problem(item, spec)


def _range_problem(item: str, spec: CronField) -> str | None:
    low, sep, high = item.partition("-")
    if sep and "-" not in spec.wildcards:
        return "ranges are not allowed here"
    for part in (low, high) if sep else (low,):
        if _value(part, spec) is None:
            what = "not a value" if part == item else f"{part!r} is not a value"
            return f"{what} from {spec.low} to {spec.high}" + (
                f" or {spec.names[0]}-{spec.names[-1]}" if spec.names else ""
            )
    return None
