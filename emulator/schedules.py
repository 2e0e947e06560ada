"""Firing a schedule as EventBridge Scheduler would, and the asynchronous Lambda run it starts.

moto keeps the schedules the program declared but never runs them. ``fire``
runs one invocation of one schedule, now (or at a given time):

1. Scheduler assumes the schedule's execution role: its trust policy must let
   ``scheduler.amazonaws.com`` assume it for this schedule (``aws:SourceArn``,
   ``aws:SourceAccount``), and its policies must allow ``lambda:InvokeFunction``
   on the target. If not, the Invoke fails; Scheduler retries it as its retry
   policy says (to no avail: nothing changes between attempts here) and sends a
   dead-letter event to the schedule's DLQ (the role must allow
   ``sqs:SendMessage`` on it), or drops it.
2. The keywords in the target's input (``<aws.scheduler.scheduled-time>`` ...)
   are replaced as Scheduler replaces them, and the function is invoked
   asynchronously: a run that raises is retried as its asynchronous invocation
   config says (Lambda's default: twice), and its record then goes to the
   on-failure destination (sent with the function's role), or is dropped.

``run_async`` is step 2 alone: what Lambda does with any asynchronous invocation
of a function (the served Lambda API's ``Invoke`` with ``InvocationType`` ``Event``
runs it too, so a run ``ops dlq redrive schedules`` starts fails as Scheduler's would).
"""

from __future__ import annotations

import json
import traceback
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from .aws import AwsMocks, Function
from .errors import EmulatorError
from .policy import Request, decide, identity_policy_allows, statements
from .sandbox import FunctionSandbox, unhandled_error

SCHEDULER = "scheduler.amazonaws.com"
LAMBDA_ASYNC_RETRIES = 2  # Lambda's default retries of a failed asynchronous run


@dataclass
class Firing:
    """What one fired schedule did."""

    schedule: str
    scheduled_time: str
    invoked: bool  # Scheduler's Invoke succeeded (the run was queued)
    attempts: int = 0  # runs of the function
    result: Any = None  # what the last successful run returned
    error: str | None = None  # why the Invoke or the last run failed
    dead_letter: str | None = None  # the queue its failure was sent to
    sent: list[str] = field(default_factory=list)  # envelope ids the run published


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _role_policies(mocks: AwsMocks, role_arn: str) -> tuple[Any, list[Any]]:
    iam = mocks.c["iam"]
    role = role_arn.rsplit("/", 1)[-1]
    try:
        trust = iam.get_role(RoleName=role)["Role"]["AssumeRolePolicyDocument"]
    except Exception:  # noqa: BLE001 - no such role
        return None, []
    docs = [
        iam.get_role_policy(RoleName=role, PolicyName=n)["PolicyDocument"]
        for n in iam.list_role_policies(RoleName=role)["PolicyNames"]
    ]
    return trust, docs


def _can_assume(mocks: AwsMocks, trust: Any, schedule_arn: str) -> bool:
    context = {"aws:SourceArn": schedule_arn, "aws:SourceAccount": mocks.account, "aws:SecureTransport": "true"}
    if isinstance(trust, str):
        trust = json.loads(trust)
    return decide(statements(trust), Request("sts:AssumeRole", None, SCHEDULER, context)).allowed_by is not None


def _can_send(mocks: AwsMocks, policies: list[Any], queue_arn: str) -> bool:
    queue = mocks.queues.get(queue_arn) or {}
    needs = [("sqs:SendMessage", queue_arn)]
    _, key = mocks.resolve_kms_key((queue.get("attrs") or {}).get("KmsMasterKeyId"))
    if key is not None:
        needs += [("kms:GenerateDataKey", key["arn"]), ("kms:Decrypt", key["arn"])]
    return all(identity_policy_allows(policies, action, resource).allowed for action, resource in needs)


def _send(mocks: AwsMocks, queue_arn: str, body: str, attributes: dict[str, str]) -> str:
    queue = mocks.queues[queue_arn]
    mocks.c["sqs"].send_message(
        QueueUrl=queue["url"],
        MessageBody=body,
        MessageAttributes={k: {"DataType": "String", "StringValue": v} for k, v in attributes.items()},
    )
    return queue["name"]


def fire(mocks: AwsMocks, sandbox: FunctionSandbox, name: str, *, at: str | None = None) -> Firing:
    """Run schedule ``name`` once, as Scheduler and Lambda would (see the module doc)."""
    record = mocks.schedules.get(name)
    if record is None:
        known = ", ".join(sorted(mocks.schedules)) or "none"
        raise EmulatorError(f"no schedule {name!r} in this stack (schedules: {known})")
    schedule = mocks.c["scheduler"].get_schedule(Name=name, GroupName=record["group"])
    scheduled_time = at if at is not None else _now()
    firing = Firing(schedule=name, scheduled_time=scheduled_time, invoked=False)
    if schedule.get("State") == "DISABLED":
        firing.error = "the schedule is disabled"
        return firing
    target = schedule["Target"]
    execution_id = uuid.uuid4().hex[:16]
    raw_input = target.get("Input", "{}")
    for keyword, value in (
        ("<aws.scheduler.schedule-arn>", schedule["Arn"]),
        ("<aws.scheduler.scheduled-time>", scheduled_time),
        ("<aws.scheduler.execution-id>", execution_id),
        ("<aws.scheduler.attempt-number>", "1"),
    ):
        raw_input = raw_input.replace(keyword, value)
    trust, policies = _role_policies(mocks, target.get("RoleArn") or "")
    fn = next((f for f in mocks.functions if f.arn == target["Arn"]), None)
    assumed = trust is not None and _can_assume(mocks, trust, schedule["Arn"])
    if trust is None:
        firing.error = f"Scheduler cannot assume {target.get('RoleArn')!r}: no such role"
    elif not assumed:
        firing.error = (
            f"the trust policy of {target['RoleArn']} does not let {SCHEDULER} assume it for {schedule['Arn']}"
        )
    elif not identity_policy_allows(policies, "lambda:InvokeFunction", target["Arn"]).allowed:
        firing.error = f"the execution role {target['RoleArn']} does not allow lambda:InvokeFunction on {target['Arn']}"
    elif fn is None:
        firing.error = f"function {target['Arn']} does not exist"
    if firing.error is not None:
        dlq = (target.get("DeadLetterConfig") or {}).get("Arn")
        # The dead letter is sent with the execution role too: without the role, nothing is sent.
        if dlq and assumed and dlq in mocks.queues and _can_send(mocks, policies, dlq):
            firing.dead_letter = _send(
                mocks,
                dlq,
                raw_input,
                {
                    "ERROR_CODE": "AccessDeniedException",
                    "ERROR_MESSAGE": firing.error,
                    "EXECUTION_ID": execution_id,
                    "SCHEDULE_ARN": schedule["Arn"],
                    "TARGET_ARN": target["Arn"],
                },
            )
        return firing
    firing.invoked = True
    try:
        run = run_async(mocks, sandbox, fn, json.loads(raw_input))
    finally:
        sandbox.flush_logs()  # the runs' log lines, to the function's log group
    firing.attempts, firing.result, firing.error = run.attempts, run.result, run.error
    firing.dead_letter = run.dead_letter
    if run.error is None and isinstance(run.result, dict) and isinstance(run.result.get("sent"), list):
        firing.sent = [str(i) for i in run.result["sent"]]
    return firing


@dataclass
class AsyncRun:
    """What Lambda did with one asynchronous invocation."""

    attempts: int = 0  # runs of the function
    result: Any = None  # what the last successful run returned
    error: str | None = None  # why the last run failed (None: a run succeeded)
    dead_letter: str | None = None  # the on-failure destination its record was sent to


def run_async(mocks: AwsMocks, sandbox: FunctionSandbox, fn: Function, event: Any) -> AsyncRun:
    """Run ``fn`` with ``event`` as Lambda runs an asynchronous invocation: a run that raises is retried as the
    function's asynchronous invocation config says, and its record then goes to the on-failure destination."""
    config = mocks.async_configs.get(fn.arn) or {}
    runs = 1 + config.get("retries", LAMBDA_ASYNC_RETRIES)
    run = AsyncRun()
    failure: Exception | None = None
    for attempt in range(1, runs + 1):
        run.attempts = attempt
        try:
            result = sandbox.invoke(fn, json.loads(json.dumps(event)))
        except EmulatorError:
            raise
        except Exception as exc:  # noqa: BLE001 - the run failed: Lambda retries it
            sandbox.ship_logs(fn, traceback.format_exc(limit=-3))
            run.error, failure = f"{type(exc).__name__}: {exc}", exc
            continue
        run.error, run.result = None, result
        return run
    destination = config.get("on_failure")
    role = (fn.role or "").rsplit("/", 1)[-1]
    _, policies = _role_policies(mocks, fn.role or "")
    if destination and role and _can_send(mocks, policies, destination):
        record = {
            "version": "1.0",
            "timestamp": _now(),
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": f"{fn.arn}:$LATEST",
                "condition": "RetriesExhausted",
                "approximateInvokeCount": run.attempts,
            },
            "requestPayload": event,
            "responseContext": {"statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"},
            "responsePayload": unhandled_error(failure),  # what an Invoke of the failed run answered
        }
        run.dead_letter = _send(mocks, destination, json.dumps(record), {})
    return run
