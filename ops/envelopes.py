"""The envelope inside a message body, whatever the transport added (SNS notification, EventBridge event, or the
SNS invocation event Lambda dead-letters for a direct consumer)."""

from __future__ import annotations

import json
from typing import Any

EXCERPT_CHARS = 80


def unwrap(body: str) -> dict[str, Any] | None:
    try:
        obj = json.loads(body)
    except (TypeError, ValueError):
        return None
    records = obj.get("Records") if isinstance(obj, dict) else None
    if isinstance(records, list) and len(records) == 1 and isinstance(records[0], dict):
        # A direct consumer's failed SNS invocation, as Lambda dead-letters it: the invocation event.
        obj = records[0].get("Sns", obj)
    if isinstance(obj, dict) and obj.get("Type") == "Notification" and isinstance(obj.get("Message"), str):
        try:
            obj = json.loads(obj["Message"])
        except ValueError:
            return None
    if isinstance(obj, dict) and "detail-type" in obj and isinstance(obj.get("detail"), dict):
        obj = obj["detail"]
    return obj if isinstance(obj, dict) else None


def excerpt(body: str) -> str:
    envelope = unwrap(body)
    text = json.dumps(envelope, ensure_ascii=False, separators=(",", ":")) if envelope is not None else body
    return text if len(text) <= EXCERPT_CHARS else text[: EXCERPT_CHARS - 1] + "…"
