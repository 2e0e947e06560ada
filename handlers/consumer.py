"""Consumer Lambda: `handlers.consumer.handler`, for SQS event source mappings.

Each record's body is unwrapped to the envelope (plain SQS, SNS raw or not,
EventBridge) and handed to the team's processor named by MESSAGING_PROCESSOR
(`module:function` in the team's code folder, beside this package), optionally
guarded by idempotency. Powertools batch processing reports partial failures:
{"batchItemFailures": [{"itemIdentifier": messageId}, ...]}.

- A record that cannot be parsed, or whose processing raises, fails alone.
- MESSAGING_FIFO=true: after a failure in a message group, the rest of that
  group is reported failed (order kept); other groups go on.
- An event with no records returns an empty report (Powertools would raise).
- Even when every record fails, the failures are reported rather than raised,
  so the answer always names each message (same effect for SQS: all retried).

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

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    SqsFifoPartialProcessor,
    process_partial_response,
)

from handlers import env
from handlers import envelope as envelopes
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
if SETTINGS.fifo:
    BATCH: BatchProcessor = SqsFifoPartialProcessor(skip_group_on_error=True)
    BATCH.raise_on_entire_batch_failure = False  # not a constructor argument of the FIFO processor
else:
    BATCH = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
_run = GUARD if GUARD is not None else PROCESS
DEBUG = logger.isEnabledFor(logging.DEBUG)  # per-record lines only at DEBUG; the level is read at cold start


def handle(record: Any) -> None:
    """One SQS record: unwrap, process (at most once with idempotency); raising fails this record alone."""
    try:
        envelope = envelopes.unwrap(record.body)
    except envelopes.EnvelopeError as exc:
        logger.error("unparseable record", extra={"message_id": record.message_id, "reason": str(exc)})
        raise
    if DEBUG:
        logger.debug(
            "received", extra={"message_id": record.message_id, "envelope_id": envelope["id"], "type": envelope["type"]}
        )
    try:
        result = _run(envelope)
    except Exception as exc:
        logger.error(
            "processing failed",
            extra={
                "message_id": record.message_id,
                "envelope_id": envelope["id"],
                "type": envelope["type"],
                "error": f"{type(exc).__name__}: {exc}",
            },
        )
        raise
    if GUARD is not None and result == DUPLICATE:
        logger.info("duplicate skipped", extra={"message_id": record.message_id, "envelope_id": envelope["id"]})
    elif DEBUG:
        logger.debug("processed", extra={"message_id": record.message_id, "envelope_id": envelope["id"]})


@logger.inject_lambda_context
def handler(event: Any, context: Any) -> dict:
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
