"""The poller: plays Lambda's event source mappings against the embedded SQS.

Every enabled SQS event source mapping is polled: batches of up to
``batchSize`` records, shaped exactly as AWS sends them, are passed to the
consumer function (in ``emulator.sandbox``); what succeeded is deleted;
failures (``batchItemFailures``, or a raised error: the whole batch) become
visible again at once (the clock is simulated: ``ChangeMessageVisibility`` 0
instead of waiting out the visibility timeout); SQS itself moves a message to
the dead-letter queue on the receive after ``maxReceiveCount``.

A processing is counted from what the consumer answers and logs: each record
it reports successful, less those it logged as "duplicate skipped"
(idempotency), is one processing of that envelope.
"""

from __future__ import annotations

import hashlib
import json
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from components import defaults, lambda_env

from .aws import AwsMocks, Function, Mapping
from .errors import EmulatorError
from .sandbox import FunctionSandbox

DUPLICATE_LOG = "duplicate skipped"  # the consumer's log line for an envelope idempotency skipped
SQS_MAX_RECEIVE = 10  # messages: the most one ReceiveMessage returns (and one DeleteMessageBatch takes)
SEQUENCE_BASE = 18_000_000_000_000_000_000  # FIFO sequence numbers are 20 digits in SQS


@dataclass
class ConsumerStats:
    name: str
    function: str
    queue: str | None  # None: a direct consumer
    queue_arn: str | None
    dlq_arn: str | None
    delivered: set[str] = field(default_factory=set)
    processed: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)  # successful records idempotency skipped as duplicates
    failed_attempts: int = 0
    invocations: int = 0

    @property
    def direct(self) -> bool:
        """SNS or EventBridge invokes this consumer's function (no queue, no mapping)."""
        return self.queue_arn is None


def envelope_id(body: str) -> str | None:
    """The envelope id inside an SQS body: plain envelope, SNS notification, or EventBridge event (or the SNS
    invocation event Lambda dead-letters for a direct consumer)."""
    try:
        obj = json.loads(body)
    except (TypeError, ValueError, RecursionError):
        return None
    records = obj.get("Records") if isinstance(obj, dict) else None
    if isinstance(records, list) and len(records) == 1 and isinstance(records[0], dict):
        obj = records[0].get("Sns", obj)
    if isinstance(obj, dict) and obj.get("Type") == "Notification" and isinstance(obj.get("Message"), str):
        try:
            obj = json.loads(obj["Message"])
        except (ValueError, RecursionError):
            return None
    if isinstance(obj, dict) and "detail-type" in obj and isinstance(obj.get("detail"), dict):
        obj = obj["detail"]
    if isinstance(obj, dict) and isinstance(obj.get("id"), str):
        return obj["id"]
    return None


class Poller:
    """The event source mappings of a deployment, with what each consumer was delivered and processed."""

    def __init__(self, mocks: AwsMocks, sandbox: FunctionSandbox, invoker: Any = None):
        self.mocks = mocks
        self.sandbox = sandbox
        self.invoker = invoker  # emulator.async_invoker.AsyncInvoker: the direct consumers' invocations
        self.region = mocks.region
        self.sqs = mocks.c["sqs"]
        self._seq: dict[str, int] = {}
        # False (``emulator serve --real-time``): a failed message waits out its visibility timeout.
        self.retry_at_once = True

    def consumers(self) -> list[tuple[Mapping, Function, ConsumerStats]]:
        out = []
        for m in self.mocks.mappings:
            fn = self.sandbox.function(m.function)
            q = self.mocks.queues[m.queue_arn]
            rp = q["attrs"].get("RedrivePolicy")
            dlq = json.loads(rp).get("deadLetterTargetArn") if rp else None
            name = fn.environment.get(lambda_env.CONSUMER) or fn.resource
            out.append((m, fn, ConsumerStats(name, fn.name, q["name"], m.queue_arn, dlq)))
        return out

    def _record(self, msg: dict[str, Any], queue_arn: str, fifo: bool) -> dict[str, Any]:
        a = msg.get("Attributes", {})
        attributes = {
            "ApproximateReceiveCount": a.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": a.get("SentTimestamp", str(int(time.time() * 1000))),
            "SenderId": a.get("SenderId", "AIDAEMULATOR"),
            "ApproximateFirstReceiveTimestamp": a.get("ApproximateFirstReceiveTimestamp", str(int(time.time() * 1000))),
        }
        if fifo:
            seq = a.get("SequenceNumber")
            if not seq:
                self._seq[msg["MessageId"]] = self._seq.get(msg["MessageId"]) or (len(self._seq) + 1)
                seq = f"{SEQUENCE_BASE + self._seq[msg['MessageId']]}"
            attributes.update(
                {
                    "SequenceNumber": seq,
                    "MessageGroupId": a.get("MessageGroupId", ""),
                    "MessageDeduplicationId": a.get("MessageDeduplicationId", ""),
                }
            )
        message_attributes = {}
        for key, value in (msg.get("MessageAttributes") or {}).items():
            message_attributes[key] = {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []),
                "dataType": value.get("DataType"),
            }
            message_attributes[key] = {k: v for k, v in message_attributes[key].items() if v is not None}
        record = {
            "messageId": msg["MessageId"],
            "receiptHandle": msg["ReceiptHandle"],
            "body": msg["Body"],
            "attributes": attributes,
            "messageAttributes": message_attributes,
            "md5OfBody": msg.get("MD5OfBody") or hashlib.md5(msg["Body"].encode()).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": self.region,
        }
        if msg.get("MD5OfMessageAttributes"):
            record["md5OfMessageAttributes"] = msg["MD5OfMessageAttributes"]
        return record

    def _receive(self, url: str, count: int) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        while len(got) < count:
            resp = self.sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(SQS_MAX_RECEIVE, count - len(got)),
                WaitTimeSeconds=0,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                MessageSystemAttributeNames=["All"],
            )
            batch = resp.get("Messages", [])
            if not batch:
                break
            got.extend(batch)
        return got

    def poll_once(self, m: Mapping, fn: Function, stats: ConsumerStats) -> int:
        q = self.mocks.queues[m.queue_arn]
        fifo = q["name"].endswith(".fifo")
        msgs = self._receive(q["url"], m.batch_size)
        if not msgs:
            return 0
        records = [self._record(msg, m.queue_arn, fifo) for msg in msgs]
        limit = self._receive_limit(m.queue_arn)
        for r in records:
            if int(r["attributes"]["ApproximateReceiveCount"]) > limit + 1:
                raise EmulatorError(
                    f"queue {q['name']}: message {envelope_id(r['body']) or r['messageId']} was received "
                    f"{r['attributes']['ApproximateReceiveCount']} times and still fails; the queue has no "
                    "dead-letter queue, so SQS would retry it until its retention period ends (a livelock)"
                )
        for r in records:
            eid = envelope_id(r["body"])
            if eid:
                stats.delivered.add(eid)
        stats.invocations += 1
        failed: set[str]
        try:
            result = self.sandbox.invoke(fn, {"Records": records})
        except EmulatorError:
            raise
        except Exception:  # noqa: BLE001 - a raising handler fails the whole batch, as in Lambda
            self.sandbox.ship_logs(fn, traceback.format_exc(limit=-3))
            failed = {r["messageId"] for r in records}
        else:
            failed = set()
            if m.report_batch_item_failures and isinstance(result, dict) and result.get("batchItemFailures"):
                ids = {r["messageId"] for r in records}
                for item in result["batchItemFailures"]:
                    ident = item.get("itemIdentifier") if isinstance(item, dict) else None
                    if not ident or ident not in ids:
                        failed = ids  # an empty or unknown identifier fails the whole batch
                        break
                    failed.add(ident)
        ok = [r for r in records if r["messageId"] not in failed]
        bad = [r for r in records if r["messageId"] in failed]
        for chunk in range(0, len(ok), SQS_MAX_RECEIVE):
            part = ok[chunk : chunk + SQS_MAX_RECEIVE]
            self.sqs.delete_message_batch(
                QueueUrl=q["url"],
                Entries=[{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(part)],
            )
        skipped = self._skipped_duplicates()
        for r in ok:
            eid = envelope_id(r["body"])
            (stats.skipped if r["messageId"] in skipped else stats.processed).append(eid if eid else r["messageId"])
        for chunk in range(0, len(bad) if self.retry_at_once else 0, SQS_MAX_RECEIVE):
            part = bad[chunk : chunk + SQS_MAX_RECEIVE]
            self.sqs.change_message_visibility_batch(
                QueueUrl=q["url"],
                Entries=[
                    {"Id": str(i), "ReceiptHandle": r["receiptHandle"], "VisibilityTimeout": 0}
                    for i, r in enumerate(part)
                ],
            )
        stats.failed_attempts += len(bad)
        return len(records)

    def _skipped_duplicates(self) -> set[str]:
        """Message ids the latest consumer invocation logged as skipped duplicates."""
        skipped = set()
        for line in self.sandbox.last_lines:
            if DUPLICATE_LOG not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("message") == DUPLICATE_LOG and entry.get("message_id"):
                skipped.add(str(entry["message_id"]))
        return skipped

    def _depth(self, url: str) -> int:
        a = self.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        return sum(int(v) for v in a.values())

    def mapping_warnings(self) -> list[str]:
        """What AWS refuses (an error) or what the docs warn about, per event source mapping."""
        warnings = []
        for m in self.mocks.mappings:
            fn = self.sandbox.function(m.function)
            q = self.mocks.queues[m.queue_arn]
            visibility = int(q["attrs"].get("VisibilityTimeout", "30"))
            if visibility < fn.timeout:
                raise EmulatorError(
                    f"event source mapping {m.resource!r}: queue {q['name']} visibility timeout {visibility}s is less "
                    f"than function {fn.resource!r} timeout {fn.timeout}s (AWS refuses the mapping)"
                )
            factor = defaults.VISIBILITY_TIMEOUT_FACTOR
            if visibility < factor * fn.timeout:
                warnings.append(
                    f"queue {q['name']}: visibility timeout {visibility}s is under {factor}x the function timeout "
                    f"({fn.timeout}s); AWS recommends at least {factor * fn.timeout}s"
                )
            if not m.report_batch_item_failures:
                warnings.append(
                    f"event source mapping {m.resource!r} lacks ReportBatchItemFailures: one failure retries the batch"
                )
            rp = q["attrs"].get("RedrivePolicy")
            least = defaults.MAX_RECEIVE_COUNT
            if rp and int(json.loads(rp).get("maxReceiveCount", 0)) < least:
                warnings.append(
                    f"queue {q['name']}: maxReceiveCount below {least} dead-letters healthy messages under throttling"
                )
        return warnings

    def start(self) -> list[ConsumerStats]:
        """Bind every mapping to its function, checked as AWS checks a mapping it creates; the consumers' stats."""
        self.bound = self.consumers()
        self.active = [(m, fn, s) for m, fn, s in self.bound if m.enabled]
        for m, fn, _ in self.active:
            verdict = self.sandbox.iam.check_mapping(fn, self.mocks.queues[m.queue_arn])
            if not verdict.allowed:
                raise EmulatorError(
                    f"event source mapping {m.resource!r} cannot poll {self.mocks.queues[m.queue_arn]['name']}: "
                    f"{verdict.reason} (AWS refuses to create the mapping)"
                )
        return [s for _, _, s in self.bound]

    def _receive_limit(self, queue_arn: str) -> int:
        """Receives a message of this queue can take: maxReceiveCount with a DLQ, else SQS's largest setting."""
        rp = self.mocks.queues[queue_arn]["attrs"].get("RedrivePolicy")
        if rp:
            return int(json.loads(rp).get("maxReceiveCount", defaults.MAX_RECEIVE_COUNT_RANGE[1]))
        return defaults.MAX_RECEIVE_COUNT_RANGE[1]

    def round_bound(self) -> int:
        """Polling rounds a drain may take: every round that is not the last receives at least one message,
        and each message that reached a mapped queue can be received at most its limit plus once more (the
        receive that moves it to its DLQ)."""
        from .aws import sqs  # noqa: PLC0415

        total = 1
        for m, _, _ in self.active:
            queue = self.backend_queue(m.queue_arn)
            if queue is not None:
                total += len(sqs.arrivals(queue)) * (self._receive_limit(m.queue_arn) + 1)
        return total

    def drain(self, consumers: list[ConsumerStats] | None = None) -> list[ConsumerStats]:
        """Poll every enabled mapping, round after round, until every mapped queue is empty."""
        try:
            return self._drain()
        finally:
            self.sandbox.flush_logs()

    def _drain(self) -> list[ConsumerStats]:
        if not hasattr(self, "bound"):
            self.start()
        rounds = 0
        while True:
            received = self.invoker.run_pending() if self.invoker is not None else 0
            received += sum(self.poll_once(m, fn, s) for m, fn, s in self.active)
            rounds += 1
            if received == 0:
                # Nothing visible; a last receive has already moved over-count messages to DLQs.
                held = [
                    self.mocks.queues[m.queue_arn]["name"]
                    for m, _, _ in self.active
                    if self._depth(self.mocks.queues[m.queue_arn]["url"])
                ]
                if not held:
                    return [s for _, _, s in self.bound]  # (direct consumers' stats are the invoker's)
                raise EmulatorError(f"queue(s) {', '.join(held)} still hold messages that no receive returns")
            if rounds > self.round_bound():
                raise EmulatorError(f"queues did not drain within {rounds} polling rounds (a consumer loop?)")

    def backend_queue(self, queue_arn: str) -> Any:
        """The embedded SQS's own queue object (moto's), or None."""
        from moto.sqs.models import sqs_backends  # noqa: PLC0415 - loaded inside the running mock

        q = self.mocks.queues.get(queue_arn)
        if q is None:
            return None
        return sqs_backends[self.mocks.account][self.region].queues.get(q["name"])

    def peek_queue_ids(self, queue_arn: str) -> list[str]:
        """Ids in a queue, read straight from the embedded SQS (no receive, nothing changes)."""
        from moto.sqs.models import sqs_backends  # noqa: PLC0415 - loaded inside the running mock

        q = self.mocks.queues.get(queue_arn)
        if q is None:
            return []
        backend = sqs_backends[self.mocks.account][self.region]
        queue = backend.get_queue(q["name"])
        out = []
        for message in list(queue._messages):
            eid = envelope_id(message.body)
            out.append(eid if eid else message.id)
        return out
