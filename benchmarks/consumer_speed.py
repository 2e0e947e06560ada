"""Consumer CPU time per record, side by side with what it must at least do.

Four sides on the same prepared SQS events, in one process, interleaved:

- "bare unwrap": a loop that only turns each record into the envelope
  (`json.loads` of the body, plus the inner `json.loads` of an SNS
  notification's Message, or the `detail` of an EventBridge event);
- "Powertools": Powertools' own `BatchProcessor` running that same bare
  unwrap as its record handler (what partial batch responses cost by themselves);
- "scanner": the bare unwrap parsing as the consumer does, with the scanner
  json.loads ends in (json.JSONDecoder.scan_once) and without json.loads'
  wrapper; the consumer's gap to it is what the runtime adds beyond the parse;
- "consumer": `handlers.consumer.handler` with a team processor that does
  nothing (so only the runtime is measured), no idempotency, Powertools log
  level INFO, logs to /dev/null.

Shapes: SQS-raw (the body is the envelope), SNS-wrapped (non-raw delivery) and
EventBridge-in-SQS; events of 10 and of 1,000 records. Each figure is the
fastest CPU time (time.process_time) per record over many slots of about 1,000
records, the sides taking turns slot by slot, each reading a slot first (from a
cold CPU cache) equally often.
"""

from __future__ import annotations

import gc
import json
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

from .common import cold_start, quiet, restored_environ, table

NOOP_PROCESSOR = "def process(envelope):\n    pass\n"


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


def _body(n: int, shape: str) -> str:
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
    if shape == "SNS-wrapped":
        return json.dumps(
            {"Type": "Notification", "MessageId": "m", "TopicArn": "arn:aws:sns:eu-west-1:1:t", "Message": text}
        )
    if shape == "EventBridge-in-SQS":
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
    """What the Lambda runtime passes (the fields Powertools' inject_lambda_context reads)."""

    function_name = "consumer"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:consumer"
    memory_limit_in_mb = 256
    aws_request_id = "req-1"


def bare_unwrap(body: str) -> dict:
    outer = json.loads(body)
    if "Type" in outer and outer.get("Type") == "Notification":
        return json.loads(outer["Message"])
    if "detail-type" in outer:
        return outer["detail"]
    return outer


def bare_loop(event: dict) -> None:
    for record in event["Records"]:
        bare_unwrap(record["body"])


_scan = json.JSONDecoder().scan_once  # the scanner json.loads ends in, as the consumer calls it


def scanner_unwrap(body: str) -> dict:
    outer = _scan(body, 0)[0]
    if "Type" in outer and outer.get("Type") == "Notification":
        return _scan(outer["Message"], 0)[0]
    if "detail-type" in outer:
        return outer["detail"]
    return outer


def scanner_loop(event: dict) -> None:
    """The bare loop with the consumer's way of parsing: what the runtime adds beyond the parse is the gap."""
    for record in event["Records"]:
        scanner_unwrap(record["body"])


def _powertools_side():
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def record_handler(record) -> None:
        bare_unwrap(record.body)

    def side(event: dict) -> None:
        process_partial_response(event=event, record_handler=record_handler, processor=processor)

    return side


SLOT_RECORDS = 1_000  # records per timed slot: short, so a burst of other work spoils few slots


def _time_all(functions: dict, events: list[dict], passes: int) -> dict[str, float]:
    """Fastest CPU seconds per record of each side, over many short slots taken in turn.

    The events are cut into slots of about SLOT_RECORDS records; every pass times
    each slot on each side in turn, so other work on a shared machine spoils a few
    slots of every side rather than a whole pass of one, and the side that reads a
    slot first changes from slot to slot and pass to pass. The minimum is the
    figure least disturbed (noise only adds), and the prepared records are frozen
    out of the garbage collector (in Lambda an invocation holds one batch, not all
    the fixtures)."""
    per_slot = max(1, SLOT_RECORDS // len(events[0]["Records"]))
    slots = [events[i : i + per_slot] for i in range(0, len(events), per_slot)]
    sides = list(functions.items())
    best = {name: float("inf") for name in functions}
    gc.collect()
    gc.freeze()
    try:
        for turn in range(passes * len(slots)):
            slot = slots[turn % len(slots)]
            records = sum(len(event["Records"]) for event in slot)
            # Each side opens a slot equally often: the first to read a slot meets it cold in the CPU cache.
            first = (turn + turn // len(slots)) % len(sides)
            for name, function in sides[first:] + sides[:first]:
                start = time.process_time()
                for event in slot:
                    function(event)
                best[name] = min(best[name], (time.process_time() - start) / records)
    finally:
        gc.unfreeze()
    return best


def run(records: int = 10_000, passes: int = 9) -> str:
    rows = []
    with restored_environ(), tempfile.TemporaryDirectory(prefix="bench-team-") as team:
        Path(team, "bench_noop.py").write_text(NOOP_PROCESSOR)
        sys.path.insert(0, team)
        os.environ.update(
            {"AWS_REGION": "eu-west-1", "MESSAGING_PROCESSOR": "bench_noop:process", "POWERTOOLS_LOG_LEVEL": "INFO"}
        )
        for name in ("MESSAGING_IDEMPOTENCY_TABLE", "MESSAGING_FIFO"):
            os.environ.pop(name, None)
        try:
            with quiet():
                consumer = cold_start("consumer")
                powertools = _powertools_side()
                for shape in ("SQS-raw", "SNS-wrapped", "EventBridge-in-SQS"):
                    for batch in (10, 1_000):
                        all_records = [_record(n, _body(n, shape)) for n in range(records)]
                        events = [{"Records": all_records[i : i + batch]} for i in range(0, records, batch)]
                        assert consumer.handler(events[0], _Context()) == {"batchItemFailures": []}
                        best = _time_all(
                            {
                                "consumer": lambda e: consumer.handler(e, _Context()),
                                "bare": bare_loop,
                                "scanner": scanner_loop,
                                "powertools": powertools,
                            },
                            events,
                            passes,
                        )
                        per = {side: seconds * 1e6 for side, seconds in best.items()}
                        target = 1.2 if batch >= 1_000 else 1.5
                        rows.append(
                            [
                                shape,
                                batch,
                                f"{per['bare']:.2f}",
                                f"{per['powertools']:.2f}",
                                f"{per['consumer']:.2f}",
                                f"{per['consumer'] / per['bare']:.2f}x (target ≤ {target}x)",
                                f"{per['consumer'] / per['powertools']:.2f}x",
                                f"{per['scanner']:.2f}",
                                f"{per['consumer'] / per['scanner']:.2f}x",
                            ]
                        )
        finally:
            sys.path.remove(team)
    return table(
        [
            "shape",
            "records per event",
            "bare unwrap µs/record",
            "Powertools BatchProcessor + bare unwrap µs/record",
            "consumer µs/record",
            "consumer vs bare",
            "consumer vs Powertools",
            "bare unwrap by json's scanner µs/record",
            "consumer vs that",
        ],
        rows,
    )
