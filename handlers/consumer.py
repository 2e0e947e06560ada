"""Consumer Lambda: `consumer.handler`, for SQS event source mappings.

Each record's body is unwrapped to the envelope (plain SQS, SNS raw or not,
EventBridge) and handed to the processor named by MESSAGING_PROCESSOR,
optionally guarded by idempotency. Powertools batch processing reports partial
failures: {"batchItemFailures": [{"itemIdentifier": messageId}, ...]}.

- A record that cannot be parsed, or whose processing raises, fails alone.
- MESSAGING_FIFO=true: after a failure in a message group, the rest of that
  group is reported failed (order kept); other groups go on.
- An event with no records returns an empty report (Powertools would raise).
- Even when every record fails, the failures are reported rather than raised,
  so the answer always names each message (same effect for SQS: all retried).

Logs (Powertools Logger, JSON, keys consumer and function_request_id on each):
ERROR "unparseable record" (message_id, reason) and "processing failed"
(message_id, envelope_id, type, error) per failed record; WARNING "batch done"
(received, processed, failed_message_ids) when a batch had failures; per-record
"received" / "processed" (envelope_id) and the summary of healthy batches at
DEBUG (POWERTOOLS_LOG_LEVEL=DEBUG), which keeps a healthy consumer cheap.
"""

from __future__ import annotations

import logging
from typing import Any

import env
import envelope as envelopes
import logs
import processors
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    SqsFifoPartialProcessor,
    process_partial_response,
)

_processors: dict[bool, BatchProcessor] = {}


def _batch_processor(fifo: bool) -> BatchProcessor:
    """One Powertools processor per kind, reused: it resets itself on every batch,
    and a Lambda process runs one invocation at a time."""
    batch = _processors.get(fifo)
    if batch is None:
        if fifo:
            batch = SqsFifoPartialProcessor(skip_group_on_error=True)
            batch.raise_on_entire_batch_failure = False  # not a constructor argument of the FIFO processor
        else:
            batch = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
        _processors[fifo] = batch
    return batch


def handler(event: Any, context: Any) -> dict:
    settings = env.consumer_settings()
    log = logs.get_logger()
    logs.bind_context(log, context, consumer=settings.consumer)
    process = processors.get(settings.processor)

    records = event.get("Records") if isinstance(event, dict) else None
    if not records:
        log.info("empty batch", extra={"received": 0})
        return {"batchItemFailures": []}

    if settings.idempotency:
        import idempotency  # noqa: PLC0415 - Powertools idempotency loads only when enabled

        process = idempotency.guard(
            process,
            region=env.region(),
            table=settings.idempotency_table,
            ttl=settings.idempotency_ttl_seconds,
            consumer=settings.consumer,
            context=context,
        )

    debug = log.isEnabledFor(logging.DEBUG)  # per-record receive/processed lines are DEBUG

    def record_handler(record: Any) -> None:
        try:
            envelope = envelopes.unwrap(record.body)
        except envelopes.EnvelopeError as exc:
            log.error("unparseable record", extra={"message_id": record.message_id, "reason": str(exc)})
            raise
        if debug:
            log.debug(
                "received",
                extra={"message_id": record.message_id, "envelope_id": envelope["id"], "type": envelope["type"]},
            )
        try:
            process(envelope)
        except Exception as exc:
            log.error(
                "processing failed",
                extra={
                    "message_id": record.message_id,
                    "envelope_id": envelope["id"],
                    "type": envelope["type"],
                    "error": f"{type(exc).__name__}: {exc}",
                },
            )
            raise
        if debug:
            log.debug("processed", extra={"message_id": record.message_id, "envelope_id": envelope["id"]})

    # No context to Powertools: the record handler does not take one, and passing
    # it costs an inspect.signature() per batch.
    response = process_partial_response(
        event=event, record_handler=record_handler, processor=_batch_processor(settings.fifo)
    )
    failed = [item["itemIdentifier"] for item in response["batchItemFailures"]]
    if failed or debug:  # a healthy batch costs no INFO line; failures were also logged one by one
        (log.warning if failed else log.debug)(
            "batch done",
            extra={
                "processor": settings.processor,
                "received": len(records),
                "processed": len(records) - len(failed),
                "failed_message_ids": failed,
            },
        )
    return response
