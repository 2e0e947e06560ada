"""Reading a dead-letter queue without losing anything: receive, and make visible again what was not handled."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from .errors import OpsError
from .stack import DEPTH_ATTRIBUTES, Consumer, Forward, Schedules, Stack, depth

PEEK_VISIBILITY_SECONDS = 30  # s: if a peek is interrupted, its messages are visible again after this


def iso(ms: str | None) -> str | None:
    if not ms:
        return None
    return (
        datetime.fromtimestamp(int(ms) / 1000, timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


def dlq_checked(stack: Stack, c: Consumer | Forward | Schedules, command: str) -> dict[str, str]:
    attrs = stack.queue_attributes(c.dlq_url, "QueueArn", "RedrivePolicy", *DEPTH_ATTRIBUTES)
    if attrs.get("RedrivePolicy"):
        raise OpsError(
            f"{c.dlq_name} has a redrive policy of its own: receiving from it could move its messages, "
            f"so {command} refuses"
        )
    return attrs


def receive(stack: Stack, url: str, count: int, visibility: int) -> list[dict[str, Any]]:
    """At most ``count`` (up to 10) messages, hidden for ``visibility`` s, with every attribute."""
    batch = (
        stack.client("sqs")
        .receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(10, count),
            VisibilityTimeout=visibility,
            WaitTimeSeconds=0,
            MessageSystemAttributeNames=["All"],
            MessageAttributeNames=["All"],
        )
        .get("Messages", [])
    )
    for m in batch:
        m["_received_at"] = int(time.time() * 1000)
    return batch


def release(stack: Stack, url: str, messages: list[dict[str, Any]]) -> None:
    """Make received messages visible again at once."""
    for start in range(0, len(messages), 10):
        part = messages[start : start + 10]
        stack.client("sqs").change_message_visibility_batch(
            QueueUrl=url,
            Entries=[
                {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for i, m in enumerate(part)
            ],
        )


def peeked(stack: Stack, c: Consumer | Forward | Schedules, limit: int) -> tuple[list[dict[str, Any]], int]:
    """Up to ``limit`` messages of the DLQ, visible again once read; and the DLQ's depth (visible and in flight,
    as SQS counts them) when the peek began, so that a reader knows how many were not listed."""
    if limit < 1:
        raise OpsError(f"--limit {limit}: must be at least 1")
    total = depth(dlq_checked(stack, c, "peek"))
    received: list[dict[str, Any]] = []
    try:
        while len(received) < limit:
            batch = receive(stack, c.dlq_url, limit - len(received), PEEK_VISIBILITY_SECONDS)
            if not batch:
                break
            received += batch
    finally:
        release(stack, c.dlq_url, received)
    return received, total
