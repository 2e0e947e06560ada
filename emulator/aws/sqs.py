"""SQS: queues, their policies and redrive settings."""

from __future__ import annotations

import contextlib
import json
from typing import TYPE_CHECKING, Any, Iterator

from ..errors import EmulatorError
from .base import boolean, json_text, num, refuse_keys, sbool, tags_of

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


def queue(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
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


RESOURCES = {
    "aws:sqs/queue:Queue": queue,
    "aws:sqs/queuePolicy:QueuePolicy": queue_policy,
    "aws:sqs/redrivePolicy:RedrivePolicy": redrive_policy,
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": redrive_allow_policy,
}


# ------------------------------------------------------------ moto extension
@contextlib.contextmanager
def aws_semantics() -> Iterator[None]:
    """SQS as AWS answers it, where moto differs (installed for the length of a run)."""
    yield
