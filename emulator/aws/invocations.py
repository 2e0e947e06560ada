"""Asynchronous invocations SNS and EventBridge hand to Lambda (a direct consumer's deliveries), waiting for
the emulator's Lambda service (``emulator.async_invoker``) to run them.

The SNS and EventBridge extensions (``sns.py``, ``events.py``) push one ``Pushed`` per matching lambda
subscription or target, shaped as the service invokes Lambda; nothing is delivered to moto's own Lambda.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any, Iterator

SNS = "sns.amazonaws.com"
EVENTS = "events.amazonaws.com"


@dataclass
class Pushed:
    service: str  # who invokes: SNS or EventBridge (the permission's principal)
    source_arn: str  # the topic or rule (the permission's SourceArn)
    function_arn: str
    event: dict[str, Any]  # the invocation event, as the service sends it
    undeliverable: str  # what the service dead-letters when it cannot invoke: the notification, or the event


_PENDING: list[Pushed] = []


def push(pushed: Pushed) -> None:
    _PENDING.append(pushed)


def take() -> list[Pushed]:
    """Everything pushed since the last take, oldest first."""
    taken = list(_PENDING)
    _PENDING.clear()
    return taken


def waiting() -> int:
    return len(_PENDING)


@contextlib.contextmanager
def aws_semantics() -> Iterator[None]:
    """A fresh list per run: moto's backends are process-wide, and so is this one."""
    _PENDING.clear()
    try:
        yield
    finally:
        _PENDING.clear()
