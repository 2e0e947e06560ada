"""Helpers shared by the handler tests (a module name unique across tests/)."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

EVENTS = Path(__file__).resolve().parent / "events"
REGION = "eu-west-1"


def load_event(name: str) -> dict:
    return json.loads((EVENTS / name).read_text())


def sqs_event(bodies: list[str], template: str = "sqs_message.json") -> dict:
    """An SQS event shaped like the fixture, one record per body, distinct message ids."""
    base = load_event(template)["Records"][0]
    records = []
    for n, body in enumerate(bodies):
        record = copy.deepcopy(base)
        record["messageId"] = f"00000000-0000-4000-8000-{n:012d}"
        record["body"] = body
        record["md5OfBody"] = hashlib.md5(body.encode()).hexdigest()
        records.append(record)
    return {"Records": records}


def order(envelope_id: str, kind: str = "OrderCreated", *, valid: bool = True, **data) -> dict:
    body = {"orderId": "o-1", "total": 10}
    if valid:
        body.update(customerName="Ada Lovelace", customerAddress="12 St James's Square, London")
    body.update(data)
    return {"id": envelope_id, "type": kind, "source": "com.example.orders", "time": "2026-01-01T00:00:00Z", "data": body}


def failed_ids(response: dict) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


class FakeContext:
    function_name = "consumer-fn"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000
