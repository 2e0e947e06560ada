"""The stack's schedules on day 2: ``status`` lists them; ``dlq peek | purge | redrive schedules`` work on their DLQ.

The schedules' DLQ holds two kinds of dead letters, both of one scheduled run:

* Scheduler's own (an Invoke of the producer it could not make after its retry
  policy): the body is the schedule's input, the reason is in the message
  attributes ``ERROR_CODE`` and ``ERROR_MESSAGE``;
* Lambda's on-failure destination record (a producer run that kept failing):
  the body is the invocation record, whose ``requestPayload`` is the input,
  ``requestContext`` the condition and attempts, ``responsePayload`` the error.

Either way the input is ``{"schedule", "scheduleArn", "scheduledTime",
"envelope"}``. There is no queue to move a dead letter back to, so redrive runs
the producer again: it invokes it asynchronously (``InvocationType`` ``Event``,
as Scheduler does) with the input the run had, and deletes the dead letter once
Lambda accepted the invoke. The producer gives the envelope the same id
(derived from the schedule ARN and the scheduled time), so consumers drop a
run that had been published before. A run that fails again is retried by
Lambda and comes back to the DLQ as a new record. The redrive runs while the
command runs (no task in the background): ``--max-per-second`` paces the
invokes, ``--wait`` changes nothing, ``--cancel`` and ``dlq tasks`` do not apply.
"""

from __future__ import annotations

import json
import time
from typing import Any

from . import envelopes
from .errors import REFUSED, OpsError
from .receiving import dlq_checked, iso, peeked, receive, release
from .render import Output, table
from .stack import SCHEDULES, Schedules, Stack

# The producer's input from a schedule: the keys of components/schedule_config.py (INPUT_*), read back here.
INPUT_SCHEDULE = "schedule"
INPUT_SCHEDULE_ARN = "scheduleArn"
INPUT_SCHEDULED_TIME = "scheduledTime"
INPUT_ENVELOPE = "envelope"
BY_SCHEDULER = "scheduler"  # an Invoke Scheduler could not make
BY_LAMBDA = "lambda"  # a run Lambda retried to no avail
RERUN_VISIBILITY_SECONDS = 60  # s: a batch being re-run stays hidden this long (ten invokes at 1/s take 10 s)
NO_MOVE_TASKS = (
    "the schedules' DLQ has no redrive tasks: `dlq redrive schedules` runs the producer again for each dead letter "
    "while it runs, instead of an SQS move task"
)
NOTHING_TO_CANCEL = (
    "`dlq redrive schedules` runs no task in the background, so there is nothing to cancel "
    "(interrupt a running one with Ctrl-C: what was not re-run stays in the DLQ)"
)


def _required(stack: Stack) -> Schedules:
    if stack.schedules is None:
        raise OpsError(f"this stack has no messaging:schedules, so no {SCHEDULES} DLQ")
    return stack.schedules


# --------------------------------------------------------------- status
def gather(stack: Stack, alarms: dict[str, dict[str, str]]) -> dict[str, Any] | None:
    """The group, each schedule's expression and state (GetSchedule), the DLQ's depth and its alarm; None
    without schedules. ``alarms``: DLQ depth alarms by queue name."""
    s = stack.schedules
    if s is None:
        return None
    scheduler = stack.client("scheduler")
    found: dict[str, Any] = {}
    for name, arn in s.arns:
        try:
            got = scheduler.get_schedule(Name=name, GroupName=s.group)
        except scheduler.exceptions.ResourceNotFoundException:
            found[name] = {"arn": arn, "expression": None, "state": "missing"}  # deleted outside Pulumi
            continue
        found[name] = {"arn": arn, "expression": got.get("ScheduleExpression"), "state": got.get("State")}
    return {
        "group": s.group,
        "dlq": s.dlq_name,
        "dlq_depth": stack.queue_depth(s.dlq_url),
        "dlq_alarm": alarms.get(s.dlq_name, {}).get("state"),
        "schedules": found,
    }


def status_text(data: dict[str, Any]) -> list[Any]:
    rows = [[name, s["expression"], s["state"]] for name, s in data["schedules"].items()]
    return [
        table(f"schedules (group {data['group']})", ["schedule", "expression", "state"], rows),
        f"schedules DLQ {data['dlq']}: {data['dlq_depth']} dead letter(s), alarm {data['dlq_alarm'] or '-'}",
    ]


# ----------------------------------------------------------------- peek
def _attributes(m: dict[str, Any]) -> dict[str, str]:
    return {k: v.get("StringValue", "") for k, v in (m.get("MessageAttributes") or {}).items()}


def dead_letter(m: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any] | None]:
    """What one dead letter carried and why it died, whichever service sent it; and the run's input (what a
    redrive invokes the producer with), None when the body is neither kind."""
    try:
        body = json.loads(m["Body"])
    except (TypeError, ValueError):
        body = None
    attrs = _attributes(m)
    by = payload = reason = attempts = None
    if isinstance(body, dict) and isinstance(body.get("requestContext"), dict) and "requestPayload" in body:
        context, response = body["requestContext"], body.get("responsePayload")
        by, payload, attempts = BY_LAMBDA, body["requestPayload"], context.get("approximateInvokeCount")
        if isinstance(response, dict):
            error = ": ".join(str(response[k]) for k in ("errorType", "errorMessage") if response.get(k))
        else:
            error = json.dumps(response)
        reason = f"{context.get('condition')} after {attempts} attempt(s): {error}"
    elif "ERROR_CODE" in attrs or "ERROR_MESSAGE" in attrs:
        by, payload = BY_SCHEDULER, body
        reason = ": ".join(v for v in (attrs.get("ERROR_CODE"), attrs.get("ERROR_MESSAGE")) if v)
    run = payload if isinstance(payload, dict) else {}
    envelope = run.get(INPUT_ENVELOPE) if isinstance(run.get(INPUT_ENVELOPE), dict) else None
    a = m.get("Attributes", {})
    return {
        "message_id": m["MessageId"],
        "sent": iso(a.get("SentTimestamp")),
        "receive_count": int(a.get("ApproximateReceiveCount", "0")),
        "dead_lettered_by": by,
        "schedule": run.get(INPUT_SCHEDULE),
        "schedule_arn": run.get(INPUT_SCHEDULE_ARN),
        "scheduled_time": run.get(INPUT_SCHEDULED_TIME),
        "type": envelope.get("type") if envelope else None,
        "envelope": envelope,
        "reason": reason,
        "attempts": attempts,
        "excerpt": envelopes.excerpt(m["Body"]),
    }, (payload if by is not None and isinstance(payload, dict) else None)


def peek(stack: Stack, limit: int) -> dict[str, Any]:
    s = _required(stack)
    received, depth = peeked(stack, s, limit)
    letters = [dead_letter(m)[0] for m in received]
    return {"consumer": SCHEDULES, "dlq": s.dlq_name, "dlq_depth": depth, "count": len(letters), "messages": letters}


def run_peek(stack: Stack, out: Output, limit: int) -> int:
    data = peek(stack, limit)
    rows = [
        [
            m["schedule"],
            m["scheduled_time"],
            m["dead_lettered_by"],
            m["reason"],
            json.dumps(m["envelope"], separators=(",", ":")) if m["envelope"] is not None else m["excerpt"],
        ]
        for m in data["messages"]
    ]
    out.result(
        data,
        [
            f"showing {data['count']} of {data['dlq_depth']} failed scheduled run(s) in {data['dlq']} (left in place)",
            table("dead letters", ["schedule", "scheduled time", "dead-lettered by", "reason", "envelope"], rows),
        ],
    )
    return 0


# -------------------------------------------------------------- redrive
def redrive(stack: Stack, out: Output, rate: int | None) -> dict[str, Any]:
    """Run the producer again for each dead letter there was when it started (asynchronously, with that run's
    input), at most ``rate`` invokes per second; delete each once Lambda accepted its invoke."""
    s = _required(stack)
    total = int(dlq_checked(stack, s, "redrive")["ApproximateNumberOfMessages"])
    function = stack.outputs["producerFunction"]
    lam, sqs = stack.client("lambda"), stack.client("sqs")
    rerun, skipped = 0, []
    held: list[dict[str, Any]] = []  # received, not re-run: made visible again at the end
    stopped: str | None = None
    due = time.monotonic()
    with out.progress(f"re-running {s.dlq_name}", total) as bar:
        try:
            handled = 0
            while handled < total and stopped is None:
                batch = receive(stack, s.dlq_url, total - handled, RERUN_VISIBILITY_SECONDS)
                if not batch:
                    break
                for index, m in enumerate(batch):
                    handled += 1
                    _, run_input = dead_letter(m)
                    if run_input is None:
                        skipped.append(
                            {
                                "message_id": m["MessageId"],
                                "reason": "neither a Scheduler dead letter nor a Lambda destination record",
                            }
                        )
                        held.append(m)
                        continue
                    if rate is not None:
                        time.sleep(max(0.0, due - time.monotonic()))
                        due = max(due, time.monotonic()) + 1 / rate
                    try:
                        answer = lam.invoke(
                            FunctionName=function, InvocationType="Event", Payload=json.dumps(run_input).encode()
                        )
                    except lam.exceptions.ClientError as exc:
                        err = exc.response.get("Error", {})
                        stopped = f"Lambda refused the invoke: {err.get('Code')}: {err.get('Message')}"
                    else:
                        if answer.get("StatusCode") != 202:
                            stopped = f"Lambda answered the invoke with status {answer.get('StatusCode')}, not 202"
                    if stopped is not None:
                        held += batch[index:]
                        break
                    sqs.delete_message(QueueUrl=s.dlq_url, ReceiptHandle=m["ReceiptHandle"])
                    rerun += 1
                    bar.update(rerun + len(skipped), total)
        finally:
            release(stack, s.dlq_url, held)
    return {
        "consumer": SCHEDULES,
        "dlq": s.dlq_name,
        "destination": "producer function",
        "function": function,
        "found": total,
        "rerun": rerun,
        "skipped": skipped,
        "stopped": stopped,
        "max_per_second": rate,
    }


def run_redrive(stack: Stack, out: Output, rate: int | None) -> int:
    data = redrive(stack, out, rate)
    text: list[Any] = [
        f"re-ran {data['rerun']} of {data['found']} dead letter(s) of {data['dlq']}: invoked {data['function']} "
        "asynchronously with each run's input (a run that fails again comes back to the DLQ)"
    ]
    if data["skipped"]:
        text.append(
            table("left in the DLQ", ["message id", "why"], [[m["message_id"], m["reason"]] for m in data["skipped"]])
        )
    if data["stopped"]:
        text.append(f"stopped: {data['stopped']}; the rest stays in {data['dlq']}")
    out.result(data, text)
    return REFUSED if data["skipped"] or data["stopped"] else 0
