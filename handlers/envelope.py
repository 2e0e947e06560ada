"""The message envelope: completion and validation on the way out, and the one
unwrapping path on the way in.

    {"id": "uuid", "type": "OrderCreated", "source": "com.example.orders",
     "time": "2026-01-01T00:00:00Z", "data": {...}}

Whatever the transport (plain SQS body, SNS notification in raw or non-raw
delivery, EventBridge event delivered to SQS), `unwrap` returns the same dict.
"""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime, timezone
from typing import Any

REQUIRED_STRINGS = ("type",)
OPTIONAL_STRINGS = ("id", "source", "time")

# The one size limit, the same under every topology and FIFO setting: the
# envelope's UTF-8 bytes as serialised. SNS and EventBridge accept 256 KiB per
# message; EventBridge also counts the entry's Source and DetailType (copies of
# the envelope's source and type, at most 256 + 128 characters, up to 4 bytes
# each in UTF-8), so 2 KiB are kept back for them.
SERVICE_MESSAGE_BYTES = 262_144
CHANNEL_HEADROOM_BYTES = 2_048
MAX_ENVELOPE_BYTES = SERVICE_MESSAGE_BYTES - CHANNEL_HEADROOM_BYTES
MAX_TYPE_CHARS = 128  # EventBridge DetailType limit, applied under every topology
MAX_SOURCE_CHARS = 256  # EventBridge Source limit, applied under every topology
RESERVED_SOURCE_PREFIX = "aws."  # EventBridge reserves it for AWS services

# Characters SQS refuses in a message body; JSON may carry them only escaped.
_NOT_SENDABLE = re.compile("[\ud800-\udfff\ufffe\uffff]")


class EnvelopeError(ValueError):
    """An envelope is malformed; the message says which field and why."""


def _where(index: int | None) -> str:
    return "envelope" if index is None else f"messages[{index}]"


def check(envelope: Any, index: int | None = None, *, require_id: bool = False) -> dict:
    """Raise EnvelopeError naming the index and field unless the envelope is well formed."""
    if type(envelope) is dict:  # fast path for the common well-formed envelope
        kind = envelope.get("type")
        data = envelope.get("data")
        id_ = envelope.get("id", "-" if not require_id else None)
        source = envelope.get("source", "-")
        at = envelope.get("time", "-")
        if (
            type(kind) is str
            and type(id_) is str
            and type(source) is str
            and type(at) is str
            and (type(data) is dict or "data" not in envelope)
            and kind.strip()
            and id_.strip()
            and source.strip()
            and at.strip()
        ):
            return envelope
    where = _where(index)
    if not isinstance(envelope, dict):
        raise EnvelopeError(f"{where}: must be a JSON object, got {type(envelope).__name__}")
    fields = REQUIRED_STRINGS + (("id",) if require_id else ())
    for field in fields:
        value = envelope.get(field)
        if not isinstance(value, str) or not value.strip():
            raise EnvelopeError(f"{where}.{field}: required, must be a non-empty string")
    for field in OPTIONAL_STRINGS:
        if field in envelope:
            value = envelope[field]
            if not isinstance(value, str) or not value.strip():
                raise EnvelopeError(f"{where}.{field}: must be a non-empty string when present")
    if "data" in envelope and not isinstance(envelope["data"], dict):
        raise EnvelopeError(f"{where}.data: must be a JSON object when present, got {type(envelope['data']).__name__}")
    return envelope


def utc_now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def complete(envelope: dict, default_source: str) -> dict:
    """A copy with id (uuid4), time (UTC, Z) and source filled when missing."""
    done = dict(envelope)
    done.setdefault("id", str(uuid.uuid4()))
    done.setdefault("time", utc_now())
    done.setdefault("source", default_source)
    return done


def outgoing(envelope: Any, index: int) -> dict:
    """`check` plus what only a sender must refuse (same answer under every topology):

    a reserved or over-long source, an over-long type, and a top-level shape that a
    consumer would take for an SNS notification or an EventBridge event (the same
    recognisers `unwrap` uses), which would be unwrapped on some delivery paths only.
    """
    check(envelope, index)
    where = _where(index)
    source = envelope.get("source")
    if isinstance(source, str) and source.startswith(RESERVED_SOURCE_PREFIX):
        raise EnvelopeError(
            f"{where}.source: {source!r} starts with {RESERVED_SOURCE_PREFIX!r}, which EventBridge reserves for AWS; "
            "use your own name, e.g. com.example.orders"
        )
    if isinstance(source, str) and len(source) > MAX_SOURCE_CHARS:
        raise EnvelopeError(f"{where}.source: {len(source)} characters, over the limit of {MAX_SOURCE_CHARS}")
    if len(envelope["type"]) > MAX_TYPE_CHARS:
        raise EnvelopeError(f"{where}.type: {len(envelope['type'])} characters, over the limit of {MAX_TYPE_CHARS}")
    if is_sns_notification(envelope):
        raise EnvelopeError(
            f"{where}: has the top-level keys of an SNS notification (Type 'Notification', TopicArn, Message), so a "
            "consumer would unwrap it; move them under data"
        )
    if is_eventbridge_event(envelope):
        raise EnvelopeError(
            f"{where}: has the top-level keys of an EventBridge event (version, detail-type, detail, source), so a "
            "consumer would unwrap it; move them under data"
        )
    return envelope


def dumps(envelope: dict, index: int | None = None) -> str:
    """Compact JSON as UTF-8 text (so a character costs its UTF-8 bytes, not a 6-12 byte escape);
    the few characters SQS refuses stay escaped."""
    try:
        text = json.dumps(envelope, separators=(",", ":"), allow_nan=False, ensure_ascii=False)
    except (TypeError, ValueError) as exc:
        raise EnvelopeError(f"{_where(index)}: not serialisable as JSON: {exc}") from None
    except RecursionError:
        raise EnvelopeError(f"{_where(index)}: not serialisable as JSON: nested too deeply") from None
    if _NOT_SENDABLE.search(text):
        text = _NOT_SENDABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text


def size(body: str) -> int:
    """An envelope's size as every service counts it: UTF-8 bytes."""
    return len(body.encode("utf-8", "surrogatepass"))


# ---------------------------------------------------------------- unwrapping


def is_sns_notification(body: dict) -> bool:
    return body.get("Type") == "Notification" and "TopicArn" in body and isinstance(body.get("Message"), str)


def is_eventbridge_event(body: dict) -> bool:
    return "detail-type" in body and "detail" in body and "source" in body and "version" in body


# json.loads' own scanner, called without json.loads' Python wrapper (its BOM check and two
# whitespace matches are a third of the parse of a small body). Text it does not take whole, from
# the first character to the last, goes to json.loads itself, so every result and error is json.loads'.
_scan = json.JSONDecoder().scan_once


def _loads(text: Any, what: str) -> Any:
    """json.loads(text); EnvelopeError naming `what` when the text is not JSON."""
    try:
        return json.loads(text)
    except (TypeError, ValueError) as exc:
        raise EnvelopeError(f"{what} is not JSON: {exc}") from None
    except RecursionError:
        raise EnvelopeError(f"{what} is JSON nested too deeply to parse") from None


def _parse(text: Any, what: str) -> Any:
    """What `_loads` returns or raises, by the scanner when it takes the whole text."""
    try:
        value, end = _scan(text, 0)
    except Exception:  # noqa: BLE001 - StopIteration, JSONDecodeError, TypeError...: json.loads says which
        return _loads(text, what)
    return value if end == len(text) else _loads(text, what)


def from_sns_message(message: Any) -> dict:
    """The envelope SNS delivered to a function: the notification's Message is the envelope's JSON."""
    return check(_parse(message, "SNS notification Message"), require_id=True)


def from_eventbridge_detail(detail: Any) -> dict:
    """The envelope EventBridge delivered to a function: the event's detail is the envelope."""
    if isinstance(detail, str):  # an input transformer may pass detail as a string
        detail = _parse(detail, "EventBridge detail")
    return check(detail, require_id=True)


def unwrap(body: str) -> dict:
    """The envelope carried by an SQS message body, whatever the transport.

    - plain SQS, or SNS with raw message delivery: the body is the envelope;
    - SNS (non-raw): {"Type": "Notification", "Message": "<envelope JSON>", ...};
    - EventBridge target: {"version": "0", "detail-type": ..., "detail": {envelope}}.
    Raises EnvelopeError saying why when the body carries no valid envelope.
    """
    outer = _parse(body, "body")
    if not isinstance(outer, dict):
        raise EnvelopeError(f"body is JSON {type(outer).__name__}, not an object")
    if "Type" in outer and is_sns_notification(outer):
        inner = _parse(outer["Message"], "SNS notification Message")
    elif "detail-type" in outer and is_eventbridge_event(outer):
        inner = outer["detail"]
        if isinstance(inner, str):  # an input transformer may pass detail as a string
            inner = _parse(inner, "EventBridge detail")
    else:
        inner = outer
    return check(inner, require_id=True)
