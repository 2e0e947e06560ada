"""``ops dlq peek | redrive | tasks | purge``: a consumer's dead-letter queue, through SQS's own API.

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
from datetime import datetime, timezone
from typing import Any

from . import envelopes
from .errors import OpsError
from .render import Output, table
from .stack import Consumer, Forward, Stack

PEEK_VISIBILITY_SECONDS = 30  # s: if a peek is interrupted, its messages are visible again after this
POLL_SECONDS = 0.5  # s: how often --wait asks for progress


def _iso(ms: str | None) -> str | None:
    if not ms:
        return None
    return (
        datetime.fromtimestamp(int(ms) / 1000, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def _dlq_checked(stack: Stack, c: Consumer | Forward) -> dict[str, str]:
    attrs = stack.queue_attributes(c.dlq_url, "QueueArn", "RedrivePolicy", "ApproximateNumberOfMessages")
    if attrs.get("RedrivePolicy"):
        raise OpsError(
            f"{c.dlq_name} has a redrive policy of its own: receiving from it could move its messages, so peek refuses"
        )
    return attrs


def peek(stack: Stack, c: Consumer | Forward, limit: int) -> dict[str, Any]:
    if limit < 1:
        raise OpsError(f"--limit {limit}: must be at least 1")
    _dlq_checked(stack, c)
    sqs = stack.client("sqs")
    received: list[dict[str, Any]] = []
    try:
        while len(received) < limit:
            batch = sqs.receive_message(
                QueueUrl=c.dlq_url,
                MaxNumberOfMessages=min(10, limit - len(received)),
                VisibilityTimeout=PEEK_VISIBILITY_SECONDS,
                WaitTimeSeconds=0,
                MessageSystemAttributeNames=["All"],
                MessageAttributeNames=["All"],
            ).get("Messages", [])
            if not batch:
                break
            for m in batch:
                m["_received_at"] = int(time.time() * 1000)
            received += batch
    finally:
        for start in range(0, len(received), 10):
            part = received[start : start + 10]
            sqs.change_message_visibility_batch(
                QueueUrl=c.dlq_url,
                Entries=[
                    {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0}
                    for i, m in enumerate(part)
                ],
            )
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
                "sent": _iso(a.get("SentTimestamp")),
                "first_receive": _iso(a.get("ApproximateFirstReceiveTimestamp")),
                "last_receive": _iso(str(m["_received_at"])),
                "excerpt": envelopes.excerpt(m["Body"]),
            }
        )
    return {"consumer": c.name, "dlq": c.dlq_name, "count": len(messages), "messages": messages}


def run_peek(stack: Stack, out: Output, name: str, limit: int) -> int:
    data = peek(stack, stack.consumer_or_forward(name), limit)
    rows = [
        [m["id"], m["type"], m["receive_count"], m["first_receive"], m["last_receive"], m["excerpt"]]
        for m in data["messages"]
    ]
    out.result(
        data,
        [
            f"{data['count']} message(s) in {data['dlq']} (left in place)",
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
        "started": _iso(str(t["StartedTimestamp"])) if t.get("StartedTimestamp") else None,
        "failure": t.get("FailureReason"),
        "handle": t.get("TaskHandle"),
    }


def tasks(stack: Stack, c: Consumer, limit: int = 10) -> list[dict[str, Any]]:
    arn = stack.queue_arn(c.dlq_url)
    return [_task(t) for t in stack.client("sqs").list_message_move_tasks(SourceArn=arn, MaxResults=limit)["Results"]]


def run_tasks(stack: Stack, out: Output, name: str) -> int:
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
        raise OpsError(
            f"SQS refused the redrive of {c.dlq_name}: {exc.response['Error'].get('Message', exc)}"
        ) from None
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
    data = redrive(stack, out, name, rate, wait)
    t = data["task"]
    out.result(
        data, [f"redrive of {data['dlq']} to its source queue: {t['status']}, moved {t['moved']} of {t['to_move']}"]
    )
    return 1 if t["status"] == "FAILED" else 0


def run_cancel(stack: Stack, out: Output, name: str) -> int:
    c = stack.consumer(name)
    running = [t for t in tasks(stack, c) if t["status"] == "RUNNING"]
    if not running:
        raise OpsError(f"no redrive of {c.dlq_name} is running (see `dlq tasks {c.name}`)")
    moved = stack.client("sqs").cancel_message_move_task(TaskHandle=running[0]["handle"])[
        "ApproximateNumberOfMessagesMoved"
    ]
    out.result(
        {"consumer": c.name, "dlq": c.dlq_name, "cancelled": True, "moved": moved},
        [f"cancelled the redrive of {c.dlq_name} after {moved} message(s); those stay in the source queue"],
    )
    return 0


def run_purge(stack: Stack, out: Output, name: str, yes: bool) -> int:
    c = stack.consumer_or_forward(name)
    if not yes:
        raise OpsError(f"dlq purge deletes every message in {c.dlq_name} for good: add --yes to confirm")
    attrs = stack.queue_attributes(c.dlq_url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
    count = int(attrs["ApproximateNumberOfMessages"]) + int(attrs["ApproximateNumberOfMessagesNotVisible"])
    stack.client("sqs").purge_queue(QueueUrl=c.dlq_url)
    out.result(
        {"consumer": c.name, "dlq": c.dlq_name, "purged": count},
        [f"purged {c.dlq_name}: about {count} message(s) deleted (SQS may take up to 60 s to finish)"],
    )
    return 0
