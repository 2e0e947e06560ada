"""A scheduled invocation of the producer: the envelope a schedule publishes, with its id and time filled.

EventBridge Scheduler invokes the producer (asynchronously) with the input the
stack gave the schedule (components/schedule_config.py), its keywords replaced:

    {"schedule": "daily-report", "scheduleArn": "arn:aws:scheduler:...:schedule/<group>/daily-report",
     "scheduledTime": "2026-01-01T06:00:00Z", "envelope": {"type": "ReportDue", "data": {...}}}

The envelope gets `time` = the scheduled time and `id` = a UUID derived from the
schedule ARN and that time, so a retried run publishes the same id (consumers
deduplicate it) and every other run a new one.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

from handlers.envelope import EnvelopeError

SCHEDULE = "schedule"
SCHEDULE_ARN = "scheduleArn"
SCHEDULED_TIME = "scheduledTime"
ENVELOPE = "envelope"
FILLED = ("id", "time")  # given by each run, never by the schedule
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")  # Scheduler's scheduled time, UTC


def is_scheduled(event: Any) -> bool:
    return isinstance(event, dict) and SCHEDULE in event and ENVELOPE in event


def envelope_of(event: dict) -> dict:
    """The scheduled envelope with id and time filled; EnvelopeError naming the field when the input is not one."""
    name, arn, at, envelope = (event.get(k) for k in (SCHEDULE, SCHEDULE_ARN, SCHEDULED_TIME, ENVELOPE))
    if not isinstance(name, str) or not name:
        raise EnvelopeError(f"scheduled invocation: {SCHEDULE} must be the schedule's name, got {name!r}")
    if not isinstance(arn, str) or not arn.startswith("arn:"):
        raise EnvelopeError(f"schedule {name!r}: {SCHEDULE_ARN} must be the schedule's ARN, got {arn!r}")
    if not isinstance(at, str) or not _TIME.match(at):
        raise EnvelopeError(
            f"schedule {name!r}: {SCHEDULED_TIME} must be a UTC time such as 2026-01-01T06:00:00Z, got {at!r}"
        )
    if not isinstance(envelope, dict):
        raise EnvelopeError(f"schedule {name!r}: {ENVELOPE} must be an object, got {type(envelope).__name__}")
    for field in FILLED:
        if field in envelope:
            raise EnvelopeError(
                f"schedule {name!r}: envelope.{field} is filled at each run; the schedule must not set it"
            )
    return {**envelope, "id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"{arn}#{at}")), "time": at}
