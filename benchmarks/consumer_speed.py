"""Consumer time per record vs a bare loop that only json.loads the bodies.

10,000 demo order envelopes (about 300 B each) in SQS events of 10 records,
shaped as Lambda sends them; `accept-all` processor, no idempotency, Powertools
log level INFO with logs written to /dev/null. Each figure is the fastest of
several full passes, handler and bare loop interleaved.
"""

from __future__ import annotations

import gc
import itertools
import json
import os
import time
import uuid

from .common import quiet, restored_environ, table, use_handlers


def _record(n: int, body: str) -> dict:
    return {
        "messageId": str(uuid.UUID(int=n)),
        "receiptHandle": "AQEB" + "x" * 100,
        "body": body,
        "attributes": {
            "ApproximateReceiveCount": "1",
            "SentTimestamp": "1767225600000",
            "SenderId": "AROAIWPX5BD2BHG722MW4:producer",
            "ApproximateFirstReceiveTimestamp": "1767225600012",
        },
        "messageAttributes": {},
        "md5OfBody": "0" * 32,
        "eventSource": "aws:sqs",
        "eventSourceARN": "arn:aws:sqs:eu-west-1:123456789012:orders",
        "awsRegion": "eu-west-1",
    }


def _body(n: int, transport: str) -> str:
    envelope = {
        "id": str(uuid.UUID(int=n + 1)),
        "type": "OrderCreated",
        "source": "com.example.orders",
        "time": "2026-01-01T00:00:00Z",
        "data": {
            "orderId": f"o-{n}",
            "total": 120.5,
            "currency": "EUR",
            "customerName": "Ada Lovelace",
            "customerAddress": "12 St James's Square, London SW1Y 4JH",
            "items": [{"sku": "SKU-1", "qty": 2}, {"sku": "SKU-2", "qty": 1}],
        },
    }
    text = json.dumps(envelope)
    if transport == "sns":
        return json.dumps(
            {"Type": "Notification", "MessageId": "m", "TopicArn": "arn:aws:sns:eu-west-1:1:t", "Message": text}
        )
    if transport == "eventbridge":
        return json.dumps(
            {
                "version": "0",
                "id": "e",
                "detail-type": "OrderCreated",
                "source": "com.example.orders",
                "detail": envelope,
            }
        )
    return text


class _Context:
    """What the Lambda runtime passes (the fields the handler reads); a new
    request id per invocation, as in Lambda."""

    function_name = "consumer"
    _ids = itertools.count()

    def __init__(self) -> None:
        self.aws_request_id = f"req-{next(self._ids)}"

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 30_000


def _events(records: int, batch: int, transport: str) -> list[dict]:
    all_records = [_record(n, _body(n, transport)) for n in range(records)]
    return [{"Records": all_records[i : i + batch]} for i in range(0, records, batch)]


def _time_all(functions: dict, events: list[dict], passes: int) -> dict[str, float]:
    """Fastest pass (seconds over all events) of each side, passes interleaved.

    The minimum is the figure least disturbed by other work on the machine
    (noise only ever adds time), and interleaving exposes both sides to the
    same conditions. The prepared records are frozen out of the garbage
    collector: in Lambda an invocation holds one batch, not ten thousand
    records, and otherwise the collector's scans of the fixtures dominate.
    """
    timings: dict[str, list[float]] = {name: [] for name in functions}
    gc.collect()
    gc.freeze()
    try:
        for _ in range(passes):
            for name, function in functions.items():
                start = time.perf_counter()
                for event in events:
                    function(event)
                timings[name].append(time.perf_counter() - start)
    finally:
        gc.unfreeze()
    return {name: min(values) for name, values in timings.items()}


def bare_loop(event: dict) -> None:
    for record in event["Records"]:
        json.loads(record["body"])


def bare_envelope_loop(event: dict) -> None:
    """Decodes as far as the envelope: SNS needs a second json.loads of Message."""
    for record in event["Records"]:
        body = json.loads(record["body"])
        if body.get("Type") == "Notification":
            json.loads(body["Message"])


def run(records: int = 10_000, batch: int = 10, passes: int = 7) -> str:
    use_handlers()
    import consumer

    rows = []
    with restored_environ():
        os.environ.update(
            {"AWS_REGION": "eu-west-1", "MESSAGING_PROCESSOR": "accept-all", "POWERTOOLS_LOG_LEVEL": "INFO"}
        )
        os.environ.pop("MESSAGING_IDEMPOTENCY_TABLE", None)
        os.environ.pop("MESSAGING_FIFO", None)
        for transport in ("sqs", "sns", "eventbridge"):
            events = _events(records, batch, transport)
            with quiet():
                check = consumer.handler(events[0], _Context())
                assert check == {"batchItemFailures": []}, check
                best = _time_all(
                    {
                        "handler": lambda e: consumer.handler(e, _Context()),
                        "bare": bare_loop,
                        "envelope": bare_envelope_loop,
                    },
                    events,
                    passes,
                )
            per = {name: seconds / records * 1e6 for name, seconds in best.items()}
            rows.append(
                [
                    transport,
                    records,
                    batch,
                    f"{per['handler']:.1f}",
                    f"{per['bare']:.1f}",
                    f"{per['handler'] / per['bare']:.2f}x",
                    f"{per['envelope']:.1f}",
                    f"{per['handler'] / per['envelope']:.2f}x",
                ]
            )
    return table(
        [
            "transport",
            "records",
            "batch",
            "consumer µs/record",
            "bare json.loads(body) µs/record",
            "ratio (target ≤ 2x)",
            "bare decode to envelope µs/record",
            "ratio",
        ],
        rows,
    )
