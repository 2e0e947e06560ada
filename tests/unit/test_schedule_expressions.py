"""EventBridge Scheduler's recurring expressions, checked before deployment: what AWS takes passes, what it
refuses is refused naming the field and what is allowed (Scheduler user guide, schedule types)."""

import pytest

from components.schedule_expressions import expression_problem

VALID = [
    "rate(1 minute)",
    "rate(5 minutes)",
    "rate(1 hour)",
    "rate(12 hours)",
    "rate(1 day)",
    "rate(7 days)",
    "cron(0 8 * * ? *)",
    "cron(0 8 ? * MON-FRI *)",
    "cron(59 23 31 12 ? 2199)",  # every field at its largest value
    "cron(0 0 1 1 ? 1970)",  # and at its smallest
    "cron(*/5 * * * ? *)",
    "cron(0/15 * * * ? *)",
    "cron(0 9-17 ? * 2-6 *)",
    "cron(0 0 1 JAN,APR,JUL,OCT ? *)",
    "cron(15 10 ? * 6L *)",  # the last Friday of the month
    "cron(0 0 L * ? *)",  # the last day of the month
    "cron(0 0 LW * ? *)",
    "cron(0 0 3W * ? *)",  # the weekday nearest the 3rd
    "cron(0 0 ? * 3#2 *)",  # the second Tuesday
    "cron(0 0 ? * MON#5 *)",
    "cron(0 0 ? * L *)",
    "cron(0 0 ? * SUN,SAT 2026-2030)",
    "cron(0 12 1/7 * ? *)",
]


@pytest.mark.parametrize("expression", VALID)
def test_what_scheduler_takes_is_accepted(expression):
    assert expression_problem(expression) is None


INVALID = [
    ("rate(1 minutes)", "a rate of 1 takes the singular unit: rate(1 minute)"),
    ("rate(2 minute)", "a rate over 1 takes the plural unit: rate(2 minutes)"),
    ("rate(1 days)", "a rate of 1 takes the singular unit: rate(1 day)"),
    ("rate(0 minutes)", "the rate value '0' is not a positive whole number, e.g. rate(5 minutes)"),
    ("rate(-5 minutes)", "the rate value '-5' is not a positive whole number, e.g. rate(5 minutes)"),
    ("rate(1.5 hours)", "the rate value '1.5' is not a positive whole number, e.g. rate(5 minutes)"),
    ("rate(1 week)", "the rate unit 'week' is not one of minute, minutes, hour, hours, day, days"),
    ("rate(5 seconds)", "the rate unit 'seconds' is not one of minute, minutes, hour, hours, day, days"),
    (
        "rate(5minutes)",
        "a rate expression is rate(value unit) with one space, e.g. rate(5 minutes); units are minute, minutes, hour, "
        "hours, day, days",
    ),
    (
        "cron(0 8 * * ?)",
        "a cron expression has six fields, cron(minutes hours day-of-month month day-of-week year); got 5, "
        "e.g. cron(0 8 * * ? *)",
    ),
    (
        "cron(0 0 8 * * ? *)",
        "a cron expression has six fields, cron(minutes hours day-of-month month day-of-week year); got 7, "
        "e.g. cron(0 8 * * ? *)",
    ),
    (
        "cron(60 8 * * ? *)",
        "cron field 1 (minutes) '60': not a value from 0 to 59; use 0-59 with the wildcards , - * /",
    ),
    ("cron(0 24 * * ? *)", "cron field 2 (hours) '24': not a value from 0 to 23; use 0-23 with the wildcards , - * /"),
    (
        "cron(0 8 32 * ? *)",
        "cron field 3 (day-of-month) '32': not a value from 1 to 31; use 1-31 with the wildcards , - * ? / L W",
    ),
    (
        "cron(0 8 0 * ? *)",
        "cron field 3 (day-of-month) '0': not a value from 1 to 31; use 1-31 with the wildcards , - * ? / L W",
    ),
    (
        "cron(0 8 1 13 ? *)",
        "cron field 4 (month) '13': not a value from 1 to 12 or JAN-DEC; use 1-12 or JAN-DEC with the wildcards "
        ", - * /",
    ),
    (
        "cron(0 8 ? * 0 *)",
        "cron field 5 (day-of-week) '0': not a value from 1 to 7 or SUN-SAT; use 1-7 or SUN-SAT with the wildcards "
        ", - * ? L #",
    ),
    (
        "cron(0 8 ? * 8 *)",
        "cron field 5 (day-of-week) '8': not a value from 1 to 7 or SUN-SAT; use 1-7 or SUN-SAT with the wildcards "
        ", - * ? L #",
    ),
    (
        "cron(0 8 1 * ? 1969)",
        "cron field 6 (year) '1969': not a value from 1970 to 2199; use 1970-2199 with the wildcards , - * /",
    ),
    (
        "cron(0 8 1 * ? 2200)",
        "cron field 6 (year) '2200': not a value from 1970 to 2199; use 1970-2199 with the wildcards , - * /",
    ),
    (
        "cron(0 8 * * MON *)",
        "exactly one of day-of-month and day-of-week must be ? (day-of-month is '*' and day-of-week is 'MON'); "
        "e.g. cron(0 8 * * ? *) for every day or cron(0 8 ? * MON-FRI *) for weekdays",
    ),
    (
        "cron(0 8 * * * *)",
        "exactly one of day-of-month and day-of-week must be ? (day-of-month is '*' and day-of-week is '*'); "
        "e.g. cron(0 8 * * ? *) for every day or cron(0 8 ? * MON-FRI *) for weekdays",
    ),
    (
        "cron(0 8 ? * ? *)",
        "exactly one of day-of-month and day-of-week must be ? (both are ?); e.g. cron(0 8 * * ? *) for every day "
        "or cron(0 8 ? * MON-FRI *) for weekdays",
    ),
    (
        "cron(? 8 1 * ? *)",
        "cron field 1 (minutes) '?': ? is allowed only in day-of-month and day-of-week; use 0-59 with the wildcards "
        ", - * /",
    ),
    (
        "cron(0 8 ? * 1/2 *)",
        "cron field 5 (day-of-week) '1/2': increments (/) are not allowed here; use 1-7 or SUN-SAT with the "
        "wildcards , - * ? L #",
    ),
    (
        "cron(0/60 8 1 * ? *)",
        "cron field 1 (minutes) '0/60': the increment '60' is not a whole number from 1 to 59; use 0-59 with the "
        "wildcards , - * /",
    ),
    (
        "cron(0 8 ? * 3#6 *)",
        "cron field 5 (day-of-week) '3#6': L, nL (the last day n of the month) or n#k (the k-th day n, k from 1 to "
        "5) only; use 1-7 or SUN-SAT with the wildcards , - * ? L #",
    ),
    (
        "cron(0 8 32W * ? *)",
        "cron field 3 (day-of-month) '32W': L, LW or nW (the weekday nearest day n) only; use 1-31 with the "
        "wildcards , - * ? / L W",
    ),
    (
        "cron(0 8 1, * ? *)",
        "cron field 3 (day-of-month) '1,': an empty list item; use 1-31 with the wildcards , - * ? / L W",
    ),
    (
        "at(2026-01-01T06:00:00)",
        "a one-time at(...) schedule is not supported; give a recurring cron(...) or rate(...), e.g. rate(5 minutes), "
        "rate(1 hour) or cron(0 8 * * ? *) (08:00 UTC daily)",
    ),
    (
        "every day",
        "give a cron(...) or rate(...) expression, e.g. rate(5 minutes), rate(1 hour) or cron(0 8 * * ? *) (08:00 "
        "UTC daily)",
    ),
    (
        None,
        "give a cron(...) or rate(...) expression, e.g. rate(5 minutes), rate(1 hour) or cron(0 8 * * ? *) (08:00 "
        "UTC daily)",
    ),
]


@pytest.mark.parametrize(("expression", "problem"), INVALID, ids=[str(e) for e, _ in INVALID])
def test_what_scheduler_refuses_is_refused_naming_the_field_and_what_is_allowed(expression, problem):
    assert expression_problem(expression) == problem
