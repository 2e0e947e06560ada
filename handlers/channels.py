"""Senders for the three ingress channels: SQS, SNS and EventBridge.

Each channel turns a completed envelope into one batch-request entry, knows the
entry's size the way the service counts it, and sends batches with its batch
API (SendMessageBatch, PublishBatch, PutEvents).

Packing. Every request holds at most MAX_ENTRIES entries and at most
MAX_REQUEST_BYTES of counted payload, and the producer uses as few requests as
it can find:

- FIFO (order matters): greedy in input order; an entry joins the current batch
  while both limits hold, else opens the next. Among all ways to cut the ordered
  list into consecutive batches this is minimal. Proof (exchange argument): any
  prefix of a feasible batch is feasible, so by induction the k-th greedy batch
  ends at or after the k-th batch of any other in-order split.
- Standard channels (no order guarantee in SQS standard, SNS standard or
  EventBridge): the smallest of three packings: the in-order greedy one above
  (so never worse than in-order), first-fit decreasing, and "spread"
  (decreasing sizes, each into the open batch with the most room, for the
  fewest batch count that succeeds, found by bisection from `lower_bound`:
  max(ceil(n/10), ceil(total/limit), entries over half the limit)). When the
  result meets that lower bound it is provably minimal; the benchmark reports
  both. Within a batch, and across batches, entries keep their input order.

Retries. Only entries the service reports as failed are retried, re-packed
together, with exponential backoff and jitter, at most MAX_ATTEMPTS attempts
per entry; under FIFO a failed entry holds back the later entries of its
message group so they never overtake it.
Sender faults (SenderFault true, or an EventBridge client-side error code) are
not retried. Entries still failing are returned, never dropped.
"""

from __future__ import annotations

import hashlib
import heapq
import random
import re
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

MAX_ENTRIES = 10
# 256 KiB. SQS now accepts up to 1 MiB, but SNS and EventBridge stop at
# 256 KiB; one limit for every channel means a message accepted under one
# topology is accepted under all of them.
MAX_REQUEST_BYTES = 262_144
MAX_ATTEMPTS = 5
BACKOFF_BASE_SECONDS = 0.1
BACKOFF_CAP_SECONDS = 2.0
_sleep: Callable[[float], None] = time.sleep  # tests replace this

# EventBridge PutEvents reports per-entry ErrorCode without a sender-fault flag.
_TRANSIENT_CODES = frozenset(
    {
        "InternalException",
        "InternalFailure",
        "InternalError",
        "InternalServerError",
        "ServiceUnavailable",
        "ServiceUnavailableException",
        "ThrottlingException",
        "Throttling",
        "RequestThrottled",
        "RequestTimeout",
        "RequestTimeoutException",
        "TooManyRequestsException",
        "KMSThrottlingException",
        "KMS.ThrottlingException",
    }
)
_FIFO_ID = re.compile(r"^[!-~]{1,128}$")  # 1-128 printable ASCII, no spaces


def is_transient(code: str) -> bool:
    return code in _TRANSIENT_CODES or "Throttl" in code


class EntryTooLarge(ValueError):
    """An envelope alone exceeds the request payload limit."""


# ------------------------------------------------------------------ entries


@dataclass(eq=False)
class Entry:
    index: int  # position in the producer event
    envelope_id: str
    size: int  # bytes as the service counts them toward the request limit
    params: dict  # batch entry parameters, without the per-request Id
    attempts: int = 0

    @property
    def group(self) -> str | None:
        return self.params.get("MessageGroupId")


@dataclass
class Failure:
    entry: Entry
    code: str
    message: str
    transient: bool


def fifo_id(value: str) -> str:
    """A valid FIFO group/deduplication id: the value itself, or its SHA-256 when not allowed."""
    return value if _FIFO_ID.match(value) else hashlib.sha256(value.encode("utf-8")).hexdigest()


def group_id(envelope: dict) -> str:
    """FIFO message group: data.orderId when it is a non-empty string, else the type."""
    data = envelope.get("data") or {}
    order_id = data.get("orderId")
    if isinstance(order_id, (str, int)) and not isinstance(order_id, bool) and str(order_id).strip():
        return fifo_id(str(order_id))
    return fifo_id(envelope["type"])


def _utf8_len(text: str) -> int:
    return len(text.encode("utf-8"))


class Channel:
    name: str
    service: str
    operation: str  # botocore operation name, for call counting

    def entry(self, envelope: dict, body: str, index: int, fifo: bool) -> Entry:
        raise NotImplementedError

    def send(self, api: Any, target: str, batch: Sequence[Entry]) -> list[Failure]:
        raise NotImplementedError


class _QueueLike(Channel):
    """SQS and SNS: same entry shape, same Successful/Failed response."""

    body_key: str

    def entry(self, envelope: dict, body: str, index: int, fifo: bool) -> Entry:
        params = {self.body_key: body}
        if fifo:
            params["MessageGroupId"] = group_id(envelope)
            params["MessageDeduplicationId"] = fifo_id(envelope["id"])
        return Entry(index, envelope["id"], _utf8_len(body), params)

    def _call(self, api: Any, target: str, entries: list[dict]) -> dict:
        raise NotImplementedError

    def send(self, api: Any, target: str, batch: Sequence[Entry]) -> list[Failure]:
        request = [{"Id": str(n), **e.params} for n, e in enumerate(batch)]
        response = self._call(api, target, request)
        failures = []
        for failed in response.get("Failed") or []:
            e = batch[int(failed["Id"])]
            code = failed.get("Code") or "Unknown"
            failures.append(Failure(e, code, failed.get("Message") or "", not failed.get("SenderFault", False)))
        return failures


class SqsChannel(_QueueLike):
    name, service, operation, body_key = "sqs", "sqs", "SendMessageBatch", "MessageBody"

    def _call(self, api: Any, target: str, entries: list[dict]) -> dict:
        return api.send_message_batch(QueueUrl=target, Entries=entries)


class SnsChannel(_QueueLike):
    name, service, operation, body_key = "sns", "sns", "PublishBatch", "Message"

    def _call(self, api: Any, target: str, entries: list[dict]) -> dict:
        return api.publish_batch(TopicArn=target, PublishBatchRequestEntries=entries)


class EventsChannel(Channel):
    """PutEvents: Source = envelope source, DetailType = envelope type, Detail = whole envelope.

    Entry size as EventBridge computes it: UTF-8 bytes of Source, DetailType and
    Detail (no Time and no Resources are sent, so they add nothing).
    FIFO ordering for EventBridge is configured on the rule target by the components.
    """

    name, service, operation = "events", "events", "PutEvents"

    def entry(self, envelope: dict, body: str, index: int, fifo: bool) -> Entry:
        params = {"Source": envelope["source"], "DetailType": envelope["type"], "Detail": body}
        size = _utf8_len(envelope["source"]) + _utf8_len(envelope["type"]) + _utf8_len(body)
        return Entry(index, envelope["id"], size, params)

    def send(self, api: Any, target: str, batch: Sequence[Entry]) -> list[Failure]:
        response = api.put_events(Entries=[{**e.params, "EventBusName": target} for e in batch])
        if not response.get("FailedEntryCount"):
            return []
        failures = []
        for e, result in zip(batch, response.get("Entries") or [], strict=False):
            code = result.get("ErrorCode")
            if code:
                failures.append(Failure(e, code, result.get("ErrorMessage") or "", is_transient(code)))
        return failures


CHANNELS: dict[str, Channel] = {c.name: c for c in (SqsChannel(), SnsChannel(), EventsChannel())}


def get(name: str) -> Channel:
    try:
        return CHANNELS[name]
    except KeyError:
        raise ValueError(f"unknown channel {name!r}: expected one of {', '.join(CHANNELS)}") from None


# ------------------------------------------------------------------ packing


def pack_in_order(
    sizes: Sequence[int], max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_REQUEST_BYTES
) -> list[list[int]]:
    """Greedy in-order packing into consecutive batches (minimal for in-order; see module doc)."""
    batches: list[list[int]] = []
    current: list[int] = []
    used = 0
    for i, size in enumerate(sizes):
        if size > max_bytes:
            raise EntryTooLarge(f"entry {i} is {size} bytes, over the {max_bytes}-byte request limit")
        if current and (len(current) == max_entries or used + size > max_bytes):
            batches.append(current)
            current, used = [], 0
        current.append(i)
        used += size
    if current:
        batches.append(current)
    return batches


def lower_bound(sizes: Sequence[int], max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_REQUEST_BYTES) -> int:
    """No packing, in any order, can use fewer requests than this."""
    if not sizes:
        return 0
    halves = sum(1 for s in sizes if 2 * s > max_bytes)  # two of these never share a request
    by_count = -(-len(sizes) // max_entries)
    by_bytes = -(-sum(sizes) // max_bytes)
    return max(by_count, by_bytes, halves)


def _first_fit_decreasing(sizes: Sequence[int], max_entries: int, max_bytes: int) -> list[list[int]]:
    batches: list[list[int]] = []
    used: list[int] = []
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        for b, batch in enumerate(batches):
            if len(batch) < max_entries and used[b] + sizes[i] <= max_bytes:
                batch.append(i)
                used[b] += sizes[i]
                break
        else:
            batches.append([i])
            used.append(sizes[i])
    return batches


def _spread(sizes: Sequence[int], count: int, max_entries: int, max_bytes: int) -> list[list[int]] | None:
    """Decreasing sizes, each into the batch with the most room among `count`; None if stuck."""
    if count * max_entries < len(sizes):
        return None
    batches: list[list[int]] = [[] for _ in range(count)]
    room = [(-max_bytes, b) for b in range(count)]  # heap of (-free bytes, batch) with a free slot
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        if not room or -room[0][0] < sizes[i]:
            return None
        free, b = heapq.heappop(room)
        batches[b].append(i)
        if len(batches[b]) < max_entries:
            heapq.heappush(room, (free + sizes[i], b))
    return [batch for batch in batches if batch]


def pack(
    sizes: Sequence[int],
    *,
    keep_order: bool = True,
    max_entries: int = MAX_ENTRIES,
    max_bytes: int = MAX_REQUEST_BYTES,
) -> list[list[int]]:
    """Index lists, one per request, covering every entry once (see module doc)."""
    best = pack_in_order(sizes, max_entries, max_bytes)
    if keep_order:
        return best
    floor = lower_bound(sizes, max_entries, max_bytes)
    if len(best) > floor:
        ffd = _first_fit_decreasing(sizes, max_entries, max_bytes)
        if len(ffd) < len(best):
            best = ffd
        low, high = floor, len(best) - 1  # bisect the fewest batches "spread" manages
        while low <= high:
            middle = (low + high) // 2
            found = _spread(sizes, middle, max_entries, max_bytes)
            if found is None:
                low = middle + 1
            else:
                best, high = found, len(found) - 1
    return sorted((sorted(batch) for batch in best), key=lambda batch: batch[0])


# ------------------------------------------------------------------ sending


@dataclass
class Outcome:
    sent: list[Entry] = field(default_factory=list)
    failed: list[Failure] = field(default_factory=list)


def _call_error(exc: Exception) -> tuple[str, str, bool]:
    """(code, message, transient) for an exception raised by a whole batch call."""
    response = getattr(exc, "response", None)
    if isinstance(response, dict):
        error = response.get("Error") or {}
        code = str(error.get("Code") or type(exc).__name__)
        return code, str(error.get("Message") or exc), is_transient(code)
    # botocore transport errors (connection, read timeout): worth another try
    from botocore.exceptions import BotoCoreError  # noqa: PLC0415

    if isinstance(exc, BotoCoreError):
        return type(exc).__name__, str(exc), True
    raise exc


def backoff(attempt: int) -> float:
    """Seconds to wait before retry round `attempt` (1-based): capped exponential, jittered."""
    ceiling = min(BACKOFF_CAP_SECONDS, BACKOFF_BASE_SECONDS * (2 ** (attempt - 1)))
    return ceiling / 2 + random.uniform(0, ceiling / 2)


def publish(
    channel: Channel, api: Any, target: str, entries: Sequence[Entry], log: Any, *, keep_order: bool = True
) -> Outcome:
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
                code, message, transient = _call_error(exc)
                failures = [Failure(e, code, message, transient) for e in batch]
            failed = {id(f.entry) for f in failures}
            sent = [e for e in batch if id(e) not in failed]
            outcome.sent.extend(sent)
            if sent:
                log.info(
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
                    log.error("send failed", extra=fields)
                    outcome.failed.append(f)
                else:
                    log.warning("send failed, will retry", extra=fields)
                    retry.append(f.entry)
                    if keep_order and f.entry.group is not None:
                        blocked.add(f.entry.group)
        pending = sorted(retry, key=lambda e: e.index) if keep_order else retry
    outcome.sent.sort(key=lambda e: e.index)
    outcome.failed.sort(key=lambda f: f.entry.index)
    return outcome
