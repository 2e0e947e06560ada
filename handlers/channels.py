"""The channel adapters: SQS, SNS and EventBridge.

Each channel turns a completed envelope into one batch-request entry, knows the
entry's size the way the service counts it toward a request, and sends one
batch with its batch API (SendMessageBatch, PublishBatch, PutEvents), turning
the service's answer into per-entry failures. Packing entries into requests is
handlers/packing.py; the sending loop with per-entry retries is handlers/sending.py.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any, Sequence

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
