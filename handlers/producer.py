"""Producer Lambda: `handlers.producer.handler`.

Two events: {"messages": [envelope, ...]} (a publisher's call), or a schedule's
invocation {"schedule": name, "scheduleArn": ..., "scheduledTime": ..., "envelope": {...}}
(handlers/scheduled.py), whose envelope is published with its id and time filled.

A thin handler around `handlers.publisher.publish`: returns
{"sent": [ids], "failed": [{"id", "code", "message"}]}; a bad envelope raises
before anything is sent. A scheduled run whose envelope could not be sent raises,
so Lambda retries it and then dead-letters it (nobody reads an asynchronous result).
"""

from __future__ import annotations

from typing import Any

from handlers import scheduled
from handlers.logs import logger
from handlers.publisher import publish


class ScheduledSendError(RuntimeError):
    """A scheduled envelope was not sent (the channel refused it after every retry)."""


@logger.inject_lambda_context
def handler(event: Any, context: Any) -> dict:
    if scheduled.is_scheduled(event):
        envelope = scheduled.envelope_of(event)
        result = publish([envelope])
        if result["failed"]:
            raise ScheduledSendError(f"schedule {event[scheduled.SCHEDULE]!r}: not sent: {result['failed']}")
        logger.info(
            "scheduled envelope sent", extra={"schedule": event[scheduled.SCHEDULE], "envelope_id": envelope["id"]}
        )
        return result
    if not isinstance(event, dict) or not isinstance(event.get("messages"), list):
        raise ValueError(
            'event must be an object {"messages": [envelope, ...]}, or a schedule\'s {"schedule": ..., "envelope": ...}'
        )
    return publish(event["messages"])
