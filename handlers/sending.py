"""The sending loop: every entry sent with as few calls as packing finds, only failed ones retried.

Retries. Only entries the service reports as failed are retried, re-packed
together, with exponential backoff and jitter, at most MAX_ATTEMPTS attempts
per entry; under FIFO a failed entry holds back the later entries of its
message group so they never overtake it.
Sender faults (SenderFault true, or an EventBridge client-side error code) are
not retried. Entries still failing are returned, never dropped.
Whole-call retries (throttled or failed HTTP calls) are botocore's, configured
once in handlers/clients.py; this loop adds the per-entry retry botocore does not do.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from handlers.channels import Channel, Entry, Failure
from handlers.logs import logger
from handlers.packing import pack

MAX_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 0.1
BACKOFF_CAP_SECONDS = 2.0
_sleep: Callable[[float], None] = time.sleep  # tests replace this


@dataclass
class Outcome:
    sent: list[Entry] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)


def _call_error(exc: Exception) -> tuple[str, str]:
    """(code, message) for an exception raised by a whole batch call.

    botocore has already retried the call as its retry configuration allows, so
    its entries are reported failed, not retried again here."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        return str(error.get("Code") or type(exc).__name__), str(error.get("Message") or exc)
    from botocore.exceptions import BotoCoreError  # noqa: PLC0415 - loaded with the client already

    if isinstance(exc, BotoCoreError):  # transport errors (connection, read timeout) after botocore's retries
        return type(exc).__name__, str(exc)
    raise exc


def backoff(attempt: int) -> float:
    """Seconds to wait before retry round `attempt` (1-based): capped exponential, jittered."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * (2 ** (attempt - 1)))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def send_all(channel: Channel, api: Any, target: str, entries: Sequence[Entry], *, keep_order: bool = True) -> Outcome:
    """Send every entry with as few calls as possible; retry only failed ones.

    keep_order (FIFO): consecutive in-order batches, retries in input order, and
    once an entry of a message group fails transiently, later entries of that
    group wait for the next round instead of overtaking it. Otherwise batches
    may regroup entries when that saves calls.
    """
    outcome = Outcome()
    pending = list(entries)
    rounds = 0
    while pending:
        if rounds:
            _sleep(backoff(rounds))
        rounds += 1
        retry: list[Entry] = []
        blocked: set[str] = set()  # FIFO groups with an entry waiting for a retry
        for indexes in pack([e.size for e in pending], keep_order=keep_order):
            batch = [pending[i] for i in indexes]
            if blocked:
                retry.extend(e for e in batch if e.group in blocked)
                batch = [e for e in batch if e.group not in blocked]
                if not batch:
                    continue
            for e in batch:
                e.attempts += 1
            try:
                failures = channel.send(api, target, batch)
            except Exception as exc:  # noqa: BLE001 - classified below, re-raised if unknown
                code, message = _call_error(exc)
                failures = [Failure(e, code, message, False) for e in batch]
            failed = {id(f.entry) for f in failures}
            sent = [e for e in batch if id(e) not in failed]
            outcome.sent.extend(sent)
            if sent:
                logger.info(
                    "sent",
                    extra={
                        "channel": channel.name,
                        "operation": channel.operation,
                        "attempt": rounds,
                        "envelope_ids": [e.envelope_id for e in sent],
                    },
                )
            for f in failures:
                last = f.entry.attempts >= MAX_ATTEMPTS or not f.transient
                fields = {
                    "channel": channel.name,
                    "envelope_id": f.entry.envelope_id,
                    "code": f.code,
                    "error": f.message,
                    "attempt": f.entry.attempts,
                    "will_retry": not last,
                }
                if last:
                    logger.error("send failed", extra=fields)
                    outcome.failed.append(f)
                else:
                    logger.warning("send failed, will retry", extra=fields)
                    retry.append(f.entry)
                    if keep_order and f.entry.group is not None:
                        blocked.add(f.entry.group)
        pending = sorted(retry, key=lambda e: e.index) if keep_order else retry
    outcome.sent.sort(key=lambda e: e.index)
    outcome.failed.sort(key=lambda f: f.entry.index)
    return outcome
