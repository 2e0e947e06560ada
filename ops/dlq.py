"""``ops dlq peek | redrive | tasks | purge``: a consumer's dead-letter queue, through SQS's own API (for
``schedules``, the schedules' DLQ: ops/schedules.py).

Peek receives the messages and at once makes them visible again
(ChangeMessageVisibility 0): nothing is deleted or moved. SQS counts every
receive, so each peek raises a message's ``ApproximateReceiveCount`` by one;
this does not change a later redrive, because SQS redrives a message as a new
message (new message id, receive count 0) into its source queue. While a peek
runs (a fraction of a second) its messages are in flight: a redrive started
at that moment waits for them. On a FIFO DLQ, SQS returns no further message
of a group while one is in flight, so peek shows the oldest message of each
group.
"""

from __future__ import annotations

import time
from typing import Any

from . import envelopes, schedules
from .errors import REFUSED, OpsError, Refused
from .receiving import iso, peeked
from .render import Output, table
from .stack import Consumer, Forward, Schedules, Stack

POLL_SECONDS = 0.5  # s: how often --wait asks for progress


def peek(stack: Stack, c: Consumer | Forward, limit: int) -> dict[str, Any]:
    received, depth = peeked(stack, c, limit)
    messages = []
    for m in received:
        a = m.get("Attributes", {})
        envelope = envelopes.unwrap(m["Body"]) or {}
        messages.append(
            {
                "id": envelope.get("id"),
                "type": envelope.get("type"),
                "message_id": m["MessageId"],
                "receive_count": int(a.get("ApproximateReceiveCount", "0")),
                "sent": iso(a.get("SentTimestamp")),
                "first_receive": iso(a.get("ApproximateFirstReceiveTimestamp")),
                "last_receive": iso(str(m["_received_at"])),
                "excerpt": envelopes.excerpt(m["Body"]),
            }
        )
    return {"consumer": c.name, "dlq": c.dlq_name, "dlq_depth": depth, "count": len(messages), "messages": messages}


def run_peek(stack: Stack, out: Output, name: str, limit: int) -> int:
    owner = stack.dlq_owner(name)
    if isinstance(owner, Schedules):
        return schedules.run_peek(stack, out, limit)
    data = peek(stack, owner, limit)
    rows = [
        [m["id"], m["type"], m["receive_count"], m["first_receive"], m["last_receive"], m["excerpt"]]
        for m in data["messages"]
    ]
    out.result(
        data,
        [
            f"showing {data['count']} of {data['dlq_depth']} message(s) in {data['dlq']} (left in place)",
            table("dead letters", ["id", "type", "receives", "first receive", "last receive", "body"], rows),
        ],
    )
    return 0


def _task(t: dict[str, Any]) -> dict[str, Any]:
    return {
        "status": t["Status"],
        "moved": t.get("ApproximateNumberOfMessagesMoved", 0),
        "to_move": t.get("ApproximateNumberOfMessagesToMove"),
        "max_per_second": t.get("MaxNumberOfMessagesPerSecond"),
        "destination": t.get("DestinationArn"),
        "started": iso(str(t["StartedTimestamp"])) if t.get("StartedTimestamp") else None,
        "failure": t.get("FailureReason"),
        "handle": t.get("TaskHandle"),
    }


def tasks(stack: Stack, c: Consumer, limit: int = 10) -> list[dict[str, Any]]:
    arn = stack.queue_arn(c.dlq_url)
    return [_task(t) for t in stack.client("sqs").list_message_move_tasks(SourceArn=arn, MaxResults=limit)["Results"]]


def run_tasks(stack: Stack, out: Output, name: str) -> int:
    if isinstance(stack.dlq_owner(name), Schedules):
        raise OpsError(schedules.NO_MOVE_TASKS)
    c = stack.consumer(name)
    found = tasks(stack, c)
    rows = [[t["status"], t["moved"], t["to_move"], t["max_per_second"], t["started"], t["failure"]] for t in found]
    out.result(
        {"consumer": c.name, "dlq": c.dlq_name, "tasks": found},
        [
            table(
                f"redrives of {c.dlq_name} (newest first)",
                ["status", "moved", "to move", "max/s", "started", "failure"],
                rows,
            )
        ],
    )
    return 0


def redrive(stack: Stack, out: Output, name: str, rate: int | None, wait: bool) -> dict[str, Any]:
    c = stack.consumer(name)
    if c.direct:
        raise OpsError(
            f"consumer {c.name} is direct: SNS or EventBridge invokes its function and there is no queue to redrive "
            f"{c.dlq_name} into; see the events with `dlq peek {c.name}` and publish them again with `send`"
        )
    if rate is not None and not 1 <= rate <= 500:
        raise OpsError(f"--max-per-second {rate}: SQS allows 1..500 messages per second")
    sqs = stack.client("sqs")
    arn = stack.queue_arn(c.dlq_url)
    kwargs: dict[str, Any] = {"SourceArn": arn}
    if rate is not None:
        kwargs["MaxNumberOfMessagesPerSecond"] = rate
    try:
        sqs.start_message_move_task(**kwargs)
    except sqs.exceptions.ClientError as exc:
        raise Refused(f"SQS refused the redrive of {c.dlq_name}: {exc.response['Error'].get('Message', exc)}") from None
    task = tasks(stack, c, 1)[0]
    if wait:
        with out.progress(f"redriving {c.dlq_name}", task["to_move"]) as bar:
            while task["status"] == "RUNNING":
                bar.update(task["moved"], task["to_move"])
                time.sleep(POLL_SECONDS)
                task = tasks(stack, c, 1)[0]
            bar.update(task["moved"], task["to_move"])
    return {"consumer": c.name, "dlq": c.dlq_name, "destination": "source queue", "task": task}


def run_redrive(stack: Stack, out: Output, name: str, rate: int | None, wait: bool) -> int:
    if isinstance(stack.dlq_owner(name), Schedules):
        return schedules.run_redrive(stack, out, rate)
    data = redrive(stack, out, name, rate, wait)
    t = data["task"]
    out.result(
        data, [f"redrive of {data['dlq']} to its source queue: {t['status']}, moved {t['moved']} of {t['to_move']}"]
    )
    return REFUSED if t["status"] == "FAILED" else 0


def run_cancel(stack: Stack, out: Output, name: str) -> int:
    if isinstance(stack.dlq_owner(name), Schedules):
        raise OpsError(schedules.NOTHING_TO_CANCEL)
    c = stack.consumer(name)
    running = [t for t in tasks(stack, c) if t["status"] == "RUNNING"]
    if not running:
        raise Refused(
            f"no redrive of {c.dlq_name} is running, so there is nothing to cancel (see `dlq tasks {c.name}`)"
        )
    moved = stack.client("sqs").cancel_message_move_task(TaskHandle=running[0]["handle"])[
        "ApproximateNumberOfMessagesMoved"
    ]
    out.result(
        {"consumer": c.name, "dlq": c.dlq_name, "cancelled": True, "moved": moved},
        [f"cancelled the redrive of {c.dlq_name} after {moved} message(s); those stay in the source queue"],
    )
    return 0


def run_purge(stack: Stack, out: Output, name: str, yes: bool) -> int:
    c = stack.dlq_owner(name)
    if not yes:
        raise OpsError(f"dlq purge deletes every message in {c.dlq_name} for good: add --yes to confirm")
    count = stack.queue_depth(c.dlq_url)
    stack.client("sqs").purge_queue(QueueUrl=c.dlq_url)
    out.result(
        {"consumer": c.name, "dlq": c.dlq_name, "purged": count},
        [f"purged {c.dlq_name}: about {count} message(s) deleted (SQS may take up to 60 s to finish)"],
    )
    return 0
