"""`messaging:schedules`: envelopes the producer publishes on a schedule, checked at preview (pure, no Pulumi).

    schedules:
      - name: daily-report
        schedule: cron(0 6 * * ? *)
        envelope: {type: ReportDue, data: {report: daily}}

Each schedule is an EventBridge Scheduler schedule that invokes the producer
with `scheduler_input(schedule)`; the producer fills the envelope's `id` and
`time` at run time (handlers/scheduled.py) and publishes it into the current
channel, so it is routed like any other message. The envelope is refused here
for everything the producer would refuse at run time (the same rules as
handlers/envelope.py, kept equal by tests), so a schedule never fires into an
error.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import jsonschema

from components import defaults
from components.config_items import config_items
from components.routing import show_value as _show
from components.schedule_expressions import expression_problem

KEYS = ("name", "schedule", "envelope")
EXAMPLE = '[{"name": "daily-report", "schedule": "cron(0 6 * * ? *)", "envelope": {"type": "ReportDue"}}]'

# The producer's invocation by a schedule (the runtime contract with handlers/scheduled.py). Scheduler
# replaces the <aws.scheduler.*> keywords in the input with the values of each invocation.
INPUT_SCHEDULE = "schedule"
INPUT_SCHEDULE_ARN = "scheduleArn"
INPUT_SCHEDULED_TIME = "scheduledTime"
INPUT_ENVELOPE = "envelope"
SCHEDULE_ARN_KEYWORD = "<aws.scheduler.schedule-arn>"
SCHEDULED_TIME_KEYWORD = "<aws.scheduler.scheduled-time>"

# The producer's envelope rules (handlers/envelope.py), for the same answer before deployment.
MAX_TYPE_CHARS = 128  # EventBridge DetailType limit, applied under every topology
MAX_SOURCE_CHARS = 256  # EventBridge Source limit, applied under every topology
MAX_ENVELOPE_BYTES = 262_144 - 2_048  # UTF-8 bytes: 256 KiB less the headroom EventBridge entries need
_EXAMPLE_TIME = "2026-01-01T00:00:00Z"  # a filled-in time has this length
_FILLED = {"id": "a new id for every run", "time": "the time the run was scheduled for"}


@dataclass(frozen=True, kw_only=True)
class ScheduleConfig:
    """One scheduled envelope (`messaging:schedules[i]`)."""

    name: str
    schedule: str  # cron(...) or rate(...), as EventBridge Scheduler takes it
    envelope: Mapping[str, Any]  # without id and time: the producer fills them at each run


def scheduler_input(schedule: ScheduleConfig) -> dict[str, Any]:
    """What the schedule passes the producer (Scheduler fills in the two keywords)."""
    return {
        INPUT_SCHEDULE: schedule.name,
        INPUT_SCHEDULE_ARN: SCHEDULE_ARN_KEYWORD,
        INPUT_SCHEDULED_TIME: SCHEDULED_TIME_KEYWORD,
        INPUT_ENVELOPE: dict(schedule.envelope),
    }


def parse_schedules(
    raw: Any, *, key: str, default_source: Any, schemas: Mapping[str, dict], errors: list[str]
) -> tuple[ScheduleConfig, ...]:
    """Validate `raw` (the key's value); each error names the key, the value and what is allowed."""
    if not isinstance(raw, (list, tuple)):
        errors.append(f"{key}: {_show(raw)} is not allowed; give a list of schedules, e.g. {EXAMPLE}")
        return ()
    schedules: list[ScheduleConfig] = []
    seen: dict[str, int] = {}
    shape = "a schedule is an object with a name, a schedule and an envelope"
    for index, path, item in config_items(raw, key=key, keys=KEYS, shape=shape, errors=errors):
        name = item.get("name")
        ok = True
        if not (
            isinstance(name, str)
            and re.match(defaults.SCHEDULE_NAME_PATTERN, name)
            and len(name) <= defaults.SCHEDULE_NAME_MAX_LENGTH
        ):
            errors.append(
                f"{path}.name: {_show(name)} is not allowed; use letters, digits, '-', '_' and '.', at most "
                f"{defaults.SCHEDULE_NAME_MAX_LENGTH} characters (EventBridge Scheduler's schedule names)"
            )
            ok = False
        elif name in seen:
            errors.append(
                f"{path}.name: {_show(name)} is a duplicate of {key}[{seen[name]}].name; schedule names must be unique"
            )
            ok = False
        else:
            seen[name] = index
        expression = item.get("schedule")
        problem = expression_problem(expression)
        if problem is not None:
            errors.append(f"{path}.schedule: {_show(expression)} is not allowed; {problem}")
            ok = False
        envelope = item.get("envelope")
        before = len(errors)
        _check_envelope(envelope, f"{path}.envelope", default_source, schemas, errors)
        if ok and len(errors) == before:
            schedules.append(ScheduleConfig(name=name, schedule=expression, envelope=envelope))
    return tuple(schedules)


def _check_envelope(
    envelope: Any, where: str, default_source: Any, schemas: Mapping[str, dict], errors: list[str]
) -> None:
    """The producer's envelope checks (handlers/envelope.py, handlers/schemas.py), with id and time not given."""
    if envelope is None:
        errors.append(f'{where}: not set; give the envelope to publish, e.g. {{"type": "ReportDue", "data": {{}}}}')
        return
    if not isinstance(envelope, Mapping):
        errors.append(f"{where}: {_show(envelope)} is not allowed; an envelope is an object with at least a type")
        return
    if envelope.get("Type") == "Notification" and "TopicArn" in envelope and isinstance(envelope.get("Message"), str):
        errors.append(
            f"{where}: has the top-level keys of an SNS notification (Type 'Notification', TopicArn, Message), so a "
            "consumer would unwrap it; move them under data"
        )
    if all(k in envelope for k in ("detail-type", "detail", "source", "version")):
        errors.append(
            f"{where}: has the top-level keys of an EventBridge event (version, detail-type, detail, source), so a "
            "consumer would unwrap it; move them under data"
        )
    for field in defaults.SCHEDULE_RUNTIME_FIELDS:
        if field in envelope:
            errors.append(
                f"{where}.{field}: {_show(envelope[field])} is not allowed; the producer fills {field} at each run "
                f"({_FILLED[field]}), so leave it out"
            )
    kind = envelope.get("type")
    if "type" not in envelope:
        errors.append(
            f"{where}.type: missing; an envelope needs a type (a non-empty string of at most {MAX_TYPE_CHARS} "
            "characters, e.g. ReportDue): it selects the consumers"
        )
        kind = None
    elif not isinstance(kind, str) or not kind.strip():
        errors.append(
            f"{where}.type: {_show(kind)} is not allowed; required, a non-empty string of at most "
            f"{MAX_TYPE_CHARS} characters, e.g. ReportDue"
        )
        kind = None
    elif len(kind) > MAX_TYPE_CHARS:
        errors.append(
            f"{where}.type: {len(kind)} characters is not allowed; at most {MAX_TYPE_CHARS} (EventBridge's detail-type)"
        )
    source = envelope.get("source")
    if "source" in envelope and (
        not isinstance(source, str)
        or not source.strip()
        or source.startswith(defaults.RESERVED_SOURCE_PREFIX)
        or len(source) > MAX_SOURCE_CHARS
    ):
        errors.append(
            f"{where}.source: {_show(source)} is not allowed; a non-empty string of at most {MAX_SOURCE_CHARS} "
            f"characters not starting with {defaults.RESERVED_SOURCE_PREFIX!r} (reserved by AWS), or leave it out "
            "for messaging:source"
        )
    data = envelope.get("data", {})
    if not isinstance(data, Mapping):
        errors.append(f"{where}.data: {_show(data)} is not allowed; data is a JSON object when present")
        return
    try:
        body = json.dumps(
            {
                "id": str(uuid.uuid4()),
                "time": _EXAMPLE_TIME,
                "source": default_source if isinstance(default_source, str) else "",
                **envelope,
            },
            separators=(",", ":"),
            ensure_ascii=False,
            allow_nan=False,
        )
    except (TypeError, ValueError) as exc:
        errors.append(f"{where}: not serialisable as JSON ({exc}); use JSON values only")
        return
    size = len(body.encode("utf-8", "surrogatepass"))
    if size > MAX_ENVELOPE_BYTES:
        errors.append(
            f"{where}: {size:,} bytes as UTF-8 JSON once id and time are filled, over the limit of "
            f"{MAX_ENVELOPE_BYTES:,} bytes; publish less, or a reference to the data"
        )
    schema = schemas.get(kind) if kind is not None else None
    if schema is not None:
        for error in sorted(jsonschema.Draft4Validator(schema).iter_errors(data), key=lambda e: list(e.path)):
            at = ".".join(str(p) for p in error.absolute_path)
            errors.append(
                f"{where}.data{'.' + at if at else ''}: {error.message} (rule: {error.validator}); the {kind} "
                "schema in messaging:schemas refuses it"
            )
