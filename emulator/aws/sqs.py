"""SQS: queues, their policies and redrive settings."""

from __future__ import annotations

import contextlib
import json
from copy import deepcopy
from typing import TYPE_CHECKING, Any, Iterator
from unittest import mock

from ..errors import EmulatorError
from .base import Declared, boolean, gone, json_text, num, refuse_keys, same, sbool, tags_of, upsert

if TYPE_CHECKING:
    from .dispatch import AwsMocks


QUEUE_ATTRS = {
    "fifoQueue": ("FifoQueue", sbool),
    "contentBasedDeduplication": ("ContentBasedDeduplication", sbool),
    "visibilityTimeoutSeconds": ("VisibilityTimeout", lambda v: str(num(v))),
    "messageRetentionSeconds": ("MessageRetentionPeriod", lambda v: str(num(v))),
    "delaySeconds": ("DelaySeconds", lambda v: str(num(v))),
    "maxMessageSize": ("MaximumMessageSize", lambda v: str(num(v))),
    "receiveWaitTimeSeconds": ("ReceiveMessageWaitTimeSeconds", lambda v: str(num(v))),
    "redrivePolicy": ("RedrivePolicy", json_text),
    "redriveAllowPolicy": ("RedriveAllowPolicy", json_text),
    "sqsManagedSseEnabled": ("SqsManagedSseEnabled", sbool),
    "kmsMasterKeyId": ("KmsMasterKeyId", str),
    "kmsDataKeyReusePeriodSeconds": ("KmsDataKeyReusePeriodSeconds", lambda v: str(num(v))),
    "deduplicationScope": ("DeduplicationScope", str),
    "fifoThroughputLimit": ("FifoThroughputLimit", str),
    "policy": ("Policy", json_text),
}


def queue(m: AwsMocks, typ: str, name: str, inputs: dict, prior: Declared | None = None) -> tuple[str, dict]:
    refuse_keys(typ, name, inputs, set(QUEUE_ATTRS) | {"name", "namePrefix", "tags"})
    fifo = boolean(inputs.get("fifoQueue", False))
    qname = m.physical_name(typ, name, inputs, fifo=fifo)
    if fifo and not qname.endswith(".fifo"):
        raise EmulatorError(f"{typ} {name!r}: a FIFO queue's name must end in .fifo (got {qname!r})")
    if boolean(inputs.get("sqsManagedSseEnabled", False)) and inputs.get("kmsMasterKeyId"):
        raise EmulatorError(
            f"{typ} {name!r}: sqsManagedSseEnabled and kmsMasterKeyId exclude each other (AWS rejects both)"
        )
    attrs = {}
    for key, (attr, conv) in QUEUE_ATTRS.items():
        if inputs.get(key) is not None:
            if key == "fifoQueue" and not fifo:
                continue
            attrs[attr] = conv(inputs[key])
    if attrs.get("RedrivePolicy"):
        rp = json.loads(attrs["RedrivePolicy"])
        if "maxReceiveCount" in rp:
            rp["maxReceiveCount"] = num(rp["maxReceiveCount"])
        dlq = m.queues.get(rp.get("deadLetterTargetArn"))
        if dlq is None:
            raise EmulatorError(
                f"{typ} {name!r}: redrivePolicy names dead-letter queue {rp.get('deadLetterTargetArn')!r}, "
                "which the program did not declare"
            )
        allow = dlq["attrs"].get("RedriveAllowPolicy")
        if allow:
            ap = json.loads(allow)
            perm = ap.get("redrivePermission", "allowAll")
            arn_self = m.arn("sqs", qname)
            if perm == "denyAll" or (perm == "byQueue" and arn_self not in ap.get("sourceQueueArns", [])):
                raise EmulatorError(
                    f"{typ} {name!r}: dead-letter queue {dlq['name']} does not allow this queue "
                    f"as a source (redriveAllowPolicy {perm})"
                )
        attrs["RedrivePolicy"] = json.dumps(rp)
    if prior is not None:
        # An update in place: the queue and every message in it stay (SetQueueAttributes, as AWS updates it).
        url = prior.id
        cleared = {QUEUE_ATTRS[k][0]: "" for k in CLEARABLE if prior.inputs.get(k) and not inputs.get(k)}
        m.c["sqs"].set_queue_attributes(
            QueueUrl=url, Attributes={**cleared, **{k: v for k, v in attrs.items() if k != "FifoQueue"}}
        )
    else:
        kwargs: dict[str, Any] = {"QueueName": qname, "Attributes": attrs}
        if inputs.get("tags"):
            kwargs["tags"] = tags_of(inputs)
        url = m.c["sqs"].create_queue(**kwargs)["QueueUrl"]
    arn = m.c["sqs"].get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    m.queues[arn] = {"url": url, "name": qname, "arn": arn, "resource": name, "inputs": inputs, "attrs": attrs}
    if attrs.get("Policy"):
        m.queue_policy_owner[url] = f"{name} (inline policy)"
    return url, {"arn": arn, "url": url, "name": qname, "id": url}


def queue_policy(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(typ, name, inputs, {"queueUrl", "policy"})
    url = inputs.get("queueUrl")
    queue = m.queue_by_url(url)
    if queue is None:
        raise EmulatorError(f"{typ} {name!r}: queueUrl {url!r} is not a queue the program declared")
    owner = m.queue_policy_owner.get(url)
    if owner:
        raise EmulatorError(
            f"{typ} {name!r} and {owner} both set the policy of queue {queue['name']}: "
            "one queue has one policy document, the later one silently replaces the other "
            "(collect every statement into one QueuePolicy)"
        )
    m.queue_policy_owner[url] = name
    policy = json_text(inputs.get("policy"))
    json.loads(policy)
    m.c["sqs"].set_queue_attributes(QueueUrl=url, Attributes={"Policy": policy})
    return url, {"id": url}


def redrive_policy(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(typ, name, inputs, {"queueUrl", "redrivePolicy"})
    url = inputs.get("queueUrl")
    m.c["sqs"].set_queue_attributes(QueueUrl=url, Attributes={"RedrivePolicy": json_text(inputs["redrivePolicy"])})
    return url, {"id": url}


def redrive_allow_policy(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(typ, name, inputs, {"queueUrl", "redriveAllowPolicy"})
    url = inputs.get("queueUrl")
    m.c["sqs"].set_queue_attributes(
        QueueUrl=url, Attributes={"RedriveAllowPolicy": json_text(inputs["redriveAllowPolicy"])}
    )
    queue = m.queue_by_url(url)
    if queue:
        queue["attrs"]["RedriveAllowPolicy"] = json_text(inputs["redriveAllowPolicy"])
    return url, {"id": url}


CLEARABLE = ("policy", "redrivePolicy", "redriveAllowPolicy")  # inputs an update removes by setting them empty


def update_queue(m: AwsMocks, typ: str, name: str, inputs: dict, prior: Declared) -> tuple[str, dict] | None:
    if not same(prior, inputs, "name", "namePrefix", "fifoQueue"):
        return None  # another name or queue type: AWS needs a new queue
    return queue(m, typ, name, inputs, prior)


def delete_queue(m: AwsMocks, prior: Declared) -> None:
    with gone("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
        m.c["sqs"].delete_queue(QueueUrl=prior.id)


def _clearing(attribute: str):
    def delete(m: AwsMocks, prior: Declared) -> None:
        # The queue stays (when it does): only this setting goes.
        with gone("AWS.SimpleQueueService.NonExistentQueue", "QueueDoesNotExist"):
            m.c["sqs"].set_queue_attributes(QueueUrl=prior.id, Attributes={attribute: ""})

    return delete


RESOURCES = {
    "aws:sqs/queue:Queue": queue,
    "aws:sqs/queuePolicy:QueuePolicy": queue_policy,
    "aws:sqs/redrivePolicy:RedrivePolicy": redrive_policy,
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": redrive_allow_policy,
}
UPDATES = {
    "aws:sqs/queue:Queue": update_queue,
    "aws:sqs/queuePolicy:QueuePolicy": upsert(queue_policy),
    "aws:sqs/redrivePolicy:RedrivePolicy": upsert(redrive_policy),
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": upsert(redrive_allow_policy),
}
DELETES = {
    "aws:sqs/queue:Queue": delete_queue,
    "aws:sqs/queuePolicy:QueuePolicy": _clearing("Policy"),
    "aws:sqs/redrivePolicy:RedrivePolicy": _clearing("RedrivePolicy"),
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": _clearing("RedriveAllowPolicy"),
}


# ------------------------------------------------------------ moto extension
DEDUPLICATION_INTERVAL_SECONDS = 300  # SQS FIFO: a deduplication id is remembered for five minutes


def arrivals(queue: Any) -> list[str]:
    """Bodies of every message that reached ``queue`` (a moto Queue), in order, deduplicated ones included."""
    return queue.__dict__.setdefault("emulator_arrivals", [])


def deduplicated(queue: Any) -> list[str]:
    """Bodies of the messages ``queue`` (FIFO) accepted and dropped as duplicates."""
    return queue.__dict__.setdefault("emulator_deduplicated", [])


def expected(queue: Any) -> list[str]:
    """Bodies a topic or rule selected for ``queue`` (the routes' own ledger, checked against ``arrivals``)."""
    return queue.__dict__.setdefault("emulator_expected", [])


def dead_lettered_from(queue: Any) -> list[str]:
    """Bodies SQS moved from ``queue`` to its dead-letter queue."""
    return queue.__dict__.setdefault("emulator_dead_lettered", [])


def _handles(queue: Any) -> dict[str, Any]:
    return queue.__dict__.setdefault("emulator_handles", {})


@contextlib.contextmanager
def aws_semantics() -> Iterator[None]:
    """SQS as AWS answers it, where moto differs, with an index (installed for the length of a run).

    * FIFO deduplication remembers a deduplication id for five minutes from
      its first send, whether or not that message is still in the queue (moto
      compares with the messages the queue still holds only), and records what
      it drops (``deduplicated``), so a run reports it instead of losing it;
    * every message that reaches a queue is recorded (``arrivals``): the
      report's accounting is checked against it;
    * a receive stops at the first ``MaxNumberOfMessages`` visible messages
      instead of listing every visible message first, and deleting a message
      or changing its visibility finds it by receipt handle instead of
      scanning the queue (moto keeps messages in a list and scans it), and
      the retention check of each received message reads the queue's
      retention period instead of computing every queue attribute (moto
      counts the whole queue three times for it), so a deep queue costs no
      more per call than a shallow one.
    """
    from moto.core.utils import unix_time, unix_time_millis  # noqa: PLC0415 - moto loads when a run starts
    from moto.sqs.exceptions import InvalidParameterValue  # noqa: PLC0415
    from moto.sqs.models import Queue, SQSBackend, _filter_message_attributes  # noqa: PLC0415

    original_add = Queue.add_message
    original_delete = Queue.delete_message
    original_visibility = SQSBackend.change_message_visibility
    original_receive = SQSBackend.receive_message

    def retained(self, queue_name, message):
        retain_until = self.get_queue(queue_name).message_retention_period + message.sent_timestamp / 1000
        return retain_until > unix_time()

    def add_message(self, message):
        arrivals(self).append(message.body)
        if self.fifo_queue and message.deduplication_id:
            seen = self.__dict__.setdefault("emulator_dedup", {})
            first = seen.get(message.deduplication_id)
            now = message.sent_timestamp or unix_time_millis()
            if first is not None and (now - first) / 1000 < DEDUPLICATION_INTERVAL_SECONDS:
                deduplicated(self).append(message.body)
                return
            seen[message.deduplication_id] = now
        if self.lambda_event_source_mappings:  # never created by the emulator; moto's own path
            return original_add(self, message)
        with self._messages_lock:
            self._messages.append(message)
            self._messages_lock.notify_all()

    def receive_message(
        self, queue_name, count, wait_seconds_timeout, visibility_timeout, message_attribute_names=None
    ):
        queue = self.get_queue(queue_name)
        names = message_attribute_names or []
        pending_groups = {m.group_id for m in queue.pending_messages if m.group_id is not None}
        result, to_dlq = [], []
        handles = _handles(queue)
        for message in queue._messages:
            if message.delayed or not message.visible:
                continue
            if message in queue.pending_messages:
                # Visible again: the consumer let it go (or timed out).
                queue.pending_messages.remove(message)
                pending_groups = {m.group_id for m in queue.pending_messages if m.group_id is not None}
            if queue.fifo_queue and message.group_id and message.group_id in pending_groups:
                continue  # a receive is still working on this group
            if (
                queue.dead_letter_queue is not None
                and queue.redrive_policy
                and message.approximate_receive_count >= queue.redrive_policy["maxReceiveCount"]
            ):
                to_dlq.append(message)
                continue
            queue.pending_messages.add(message)
            message.mark_received(visibility_timeout=visibility_timeout)
            handles[message.receipt_handle] = message
            copy = deepcopy(message)
            _filter_message_attributes(copy, names)
            if not self.is_message_valid_based_on_retention_period(queue_name, message):
                break
            result.append(copy)
            if len(result) >= count:
                break
        for message in to_dlq:
            queue._messages.remove(message)
            dead_lettered_from(queue).append(message.body)
            queue.dead_letter_queue.add_message(message)
        if not result and wait_seconds_timeout:
            # A long poll on an empty queue waits for a message: moto's own loop does that.
            return original_receive(
                self, queue_name, count, wait_seconds_timeout, visibility_timeout, message_attribute_names
            )
        return result

    def delete_message(self, receipt_handle):
        message = _handles(self).pop(receipt_handle, None)
        if message is None or receipt_handle in self.deleted_messages:
            return original_delete(self, receipt_handle)
        try:
            self._messages.remove(message)
        except ValueError:
            return original_delete(self, receipt_handle)
        self.pending_messages.discard(message)
        self.deleted_messages.update(message.all_receipt_handles)

    def change_message_visibility(self, queue_name, receipt_handle, visibility_timeout):
        queue = self.get_queue(queue_name)
        message = _handles(queue).get(receipt_handle)
        if message is None or message not in queue.pending_messages:
            return original_visibility(self, queue_name, receipt_handle, visibility_timeout)
        if unix_time_millis() + int(visibility_timeout) * 1000 - message.sent_timestamp > 43200 * 1000:
            raise InvalidParameterValue(
                f"Value {visibility_timeout} for parameter VisibilityTimeout is invalid. Reason: Total "
                "VisibilityTimeout for the message is beyond the limit [43200 seconds]"
            )
        message.change_visibility(visibility_timeout)
        if message.visible:
            queue.pending_messages.discard(message)

    with (
        mock.patch.object(Queue, "add_message", add_message),
        mock.patch.object(Queue, "delete_message", delete_message),
        mock.patch.object(SQSBackend, "receive_message", receive_message),
        mock.patch.object(SQSBackend, "change_message_visibility", change_message_visibility),
        mock.patch.object(SQSBackend, "is_message_valid_based_on_retention_period", retained),
    ):
        yield
