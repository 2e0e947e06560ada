"""The consumer's batch processors: Powertools' own, for standard and FIFO queues.

Both report every failure instead of raising when a whole batch failed, so the
answer always names each message. The standard-queue processor takes a leaner
per-record step than Powertools' `BatchProcessor`: Powertools documents
`_process_record` as the step a custom partial processor provides, and its own
step also serves what the consumer never uses (a Pydantic model, a record
handler that takes the Lambda context) through keyword calls, about a fifth of
a small record's cost. This one wraps the record as Powertools does
(`SQSRecord`) and reports it through Powertools' own success and failure
handlers, so the partial batch answer stays Powertools'.
"""

from __future__ import annotations

import sys

from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, SqsFifoPartialProcessor
from aws_lambda_powertools.utilities.data_classes import SQSRecord


class SqsBatchProcessor(BatchProcessor):
    """Partial batch answers for a standard queue's records."""

    def __init__(self) -> None:
        super().__init__(event_type=EventType.SQS, raise_on_entire_batch_failure=False)

    def _process_record(self, record: dict):
        data = SQSRecord(record)
        try:
            result = self.handler(data)
        except Exception:  # noqa: BLE001 - every failure fails its record alone, as in Powertools' own step
            return self.failure_handler(data, sys.exc_info())
        return self.success_handler(record, result)


def batch_processor(*, fifo: bool) -> BatchProcessor:
    """The processor for the consumer's queue: after a failure in a FIFO message group, the
    rest of that group is reported failed (order kept) and other groups go on."""
    if not fifo:
        return SqsBatchProcessor()
    processor = SqsFifoPartialProcessor(skip_group_on_error=True)
    processor.raise_on_entire_batch_failure = False  # not a constructor argument of the FIFO processor
    return processor
