"""Consumer Lambda: `handlers.consumer.handler`, for SQS event source mappings and direct invocations.

Each record's body is unwrapped to the envelope (plain SQS, SNS raw or not,
EventBridge) and handed to the team's processor named by MESSAGING_PROCESSOR
(`module:function` in the team's code folder, beside this package), optionally
guarded by idempotency. Powertools batch processing (handlers/batch.py) reports
partial failures: {"batchItemFailures": [{"itemIdentifier": messageId}, ...]}.

- A record that cannot be parsed, or whose processing raises, fails alone.
- MESSAGING_FIFO=true: after a failure in a message group, the rest of that
  group is reported failed (order kept); other groups go on.
- An event with no records returns an empty report (Powertools would raise).
- Even when every record fails, the failures are reported rather than raised,
  so the answer always names each message (same effect for SQS: all retried).

A direct consumer (`delivery: direct`) is invoked by SNS (an event of
`Records` whose EventSource is aws:sns) or by EventBridge (the event itself).
The delivery path, named by the invocation event, says where the envelope is:
the SNS notification's Message, or the event's detail; each goes through the
same per-record function. A failure raises (there is no partial batch answer
for these), so Lambda retries the invocation and then sends it to the
consumer's dead-letter queue.

Settings, the processor, the idempotency guard and the batch processor are made
once, when this module loads (the cold start).

Logs (Powertools Logger, JSON, with the Lambda context and the consumer name):
ERROR "unparseable record" (message_id, reason) and "processing failed"
(message_id, envelope_id, type, error) per failed record; INFO "duplicate
skipped" (message_id, envelope_id) when idempotency skips an envelope already
processed; WARNING "batch done" (received, processed, failed_message_ids) when a
batch had failures; per-record "received" / "processed" (envelope_id) and the
summary of healthy batches at DEBUG (POWERTOOLS_LOG_LEVEL=DEBUG), which keeps a
healthy consumer cheap.
"""

from __future__ import annotations

import importlib
import logging
from typing import Any, Callable

from aws_lambda_powertools.utilities.batch import process_partial_response
from aws_lambda_powertools.utilities.data_classes import EventBridgeEvent, SNSEvent

from handlers import env
from handlers import envelope as envelopes
from handlers.batch import batch_processor
from handlers.logs import logger


def load_processor(reference: str) -> Callable[[dict], Any]:
    """The team's `module:function`, imported from the code folder at the archive root."""
    module_name, sep, function = reference.partition(":")
    if not sep or not module_name or not function:
        raise env.ConfigError(f"{env.PROCESSOR}={reference!r}: expected module:function, e.g. orders:process")
    module = importlib.import_module(module_name)
    process = getattr(module, function, None)
    if not callable(process):
        raise env.ConfigError(f"{env.PROCESSOR}={reference!r}: {module_name} has no function {function!r}")
    return process


SETTINGS = env.consumer_settings()
logger.append_keys(consumer=SETTINGS.consumer)
PROCESS = load_processor(SETTINGS.processor)
if SETTINGS.idempotency:
    from handlers.idempotency import DUPLICATE, Guard  # noqa: PLC0415 - Powertools idempotency only when on

    GUARD: Any = Guard(
        PROCESS,
        region=env.region(),
        table=SETTINGS.idempotency_table,
        ttl=SETTINGS.idempotency_ttl_seconds,
        consumer=SETTINGS.consumer,
    )
else:
    DUPLICATE, GUARD = None, None
BATCH = batch_processor(fifo=SETTINGS.fifo)
_run = GUARD if GUARD is not None else PROCESS
DEBUG = logger.isEnabledFor(logging.DEBUG)  # per-record lines only at DEBUG; the level is read at cold start


SQS_SOURCE = "aws:sqs"  # eventSource of an SQS record
SNS_SOURCE = "aws:sns"  # EventSource of an SNS record (an invocation by SNS)


def delivery_path(event: Any) -> str:
    """Who invoked the function, as the invocation event says: "sqs" (a mapping's batch), "sns" or "eventbridge"."""
    if isinstance(event, dict):
        if "detail-type" in event and "detail" in event:
            return "eventbridge"
        records = event.get("Records")
        if isinstance(records, list) and records and isinstance(records[0], dict):
            if records[0].get("EventSource") == SNS_SOURCE:
                return "sns"
    return "sqs"


def handle(record: Any) -> None:
    """One SQS record: unwrap, process (at most once with idempotency); raising fails this record alone."""
    process_body(record.message_id, envelopes.unwrap, record.body)


def process_body(message_id: str, unwrap: Callable[[Any], dict], payload: Any) -> None:
    """One delivered message, whatever the path: unwrap, process (at most once with idempotency); raise on failure."""
    try:
        envelope = unwrap(payload)
    except envelopes.EnvelopeError as exc:
        logger.error("unparseable record", extra={"message_id": message_id, "reason": str(exc)})
        raise
    if DEBUG:
        logger.debug(
            "received", extra={"message_id": message_id, "envelope_id": envelope["id"], "type": envelope["type"]}
        )
    try:
        result = _run(envelope)
    except Exception as exc:
        logger.error(
            "processing failed",
            extra={
                "message_id": message_id,
                "envelope_id": envelope["id"],
                "type": envelope["type"],
                "error": f"{type(exc).__name__}: {exc}",
            },
        )
        raise
    if GUARD is not None and result == DUPLICATE:
        logger.info("duplicate skipped", extra={"message_id": message_id, "envelope_id": envelope["id"]})
    elif DEBUG:
        logger.debug("processed", extra={"message_id": message_id, "envelope_id": envelope["id"]})


def handle_direct(event: dict, path: str) -> dict:
    """An invocation by SNS or EventBridge: each message processed; the first failure raises, so Lambda retries."""
    if path == "sns":
        for record in SNSEvent(event).records:
            message = record.sns
            process_body(message.message_id, envelopes.from_sns_message, message.message)
        return {"processed": len(event["Records"])}
    bus_event = EventBridgeEvent(event)
    process_body(bus_event.get_id, envelopes.from_eventbridge_detail, bus_event.detail)
    return {"processed": 1}


@logger.inject_lambda_context
def handler(event: Any, context: Any) -> dict:
    path = delivery_path(event)
    if path != "sqs":
        if GUARD is not None:
            GUARD.register_lambda_context(context)
        return handle_direct(event, path)
    records = event.get("Records") if isinstance(event, dict) else None
    if not records:
        logger.info("empty batch", extra={"received": 0})
        return {"batchItemFailures": []}
    if GUARD is not None:
        GUARD.register_lambda_context(context)
    # No context to Powertools: the record handler does not take one, and passing
    # it costs an inspect.signature() per batch.
    response = process_partial_response(event=event, record_handler=handle, processor=BATCH)
    failed = [item["itemIdentifier"] for item in response["batchItemFailures"]]
    if failed or DEBUG:  # a healthy batch costs no INFO line
        (logger.warning if failed else logger.debug)(
            "batch done",
            extra={
                "processor": SETTINGS.processor,
                "received": len(records),
                "processed": len(records) - len(failed),
                "failed_message_ids": failed,
            },
        )
    return response
