"""Helpers shared by the handler tests (a module name unique across tests/)."""

from __future__ import annotations

import copy
import hashlib
import json
from pathlib import Path

import boto3
import channels
import clients
import envelope as envelopes

EVENTS = Path(__file__).resolve().parent / "events"
REGION = "eu-west-1"
OPERATIONS = {"sqs": "SendMessageBatch", "sns": "PublishBatch", "events": "PutEvents"}


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
    return {
        "id": envelope_id,
        "type": kind,
        "source": "com.example.orders",
        "time": "2026-01-01T00:00:00Z",
        "data": body,
    }


def failed_ids(response: dict) -> list[str]:
    return [item["itemIdentifier"] for item in response["batchItemFailures"]]


class FakeContext:
    function_name = "consumer-fn"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


# ------------------------------------------------------------------ wiring in moto


def make_queue(name: str = "orders", fifo: bool = False) -> str:
    attrs = {"FifoQueue": "true"} if fifo else {}
    return boto3.client("sqs", region_name=REGION).create_queue(
        QueueName=name + (".fifo" if fifo else ""), Attributes=attrs
    )["QueueUrl"]


def queue_arn(url: str) -> str:
    sqs = boto3.client("sqs", region_name=REGION)
    return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def drain(url: str) -> list[dict]:
    sqs = boto3.client("sqs", region_name=REGION)
    messages = []
    while True:
        got = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, MessageSystemAttributeNames=["All"], VisibilityTimeout=600
        ).get("Messages", [])
        if not got:
            return messages
        messages.extend(got)
        for m in got:  # a FIFO group stays locked while its messages are in flight
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])


def received_envelopes(url: str) -> list[dict]:
    """What a consumer would get: each body unwrapped by the consumer's own path."""
    return [envelopes.unwrap(m["Body"]) for m in drain(url)]


def wire(channel: str, lambda_env, fifo: bool = False) -> str:
    """Create the channel's target and one subscribed queue; point the producer at it."""
    queue = make_queue("inbox", fifo=fifo)
    if channel == "sqs":
        target = queue
    elif channel == "sns":
        sns = boto3.client("sns", region_name=REGION)
        attrs = {"FifoTopic": "true"} if fifo else {}
        target = sns.create_topic(Name="orders" + (".fifo" if fifo else ""), Attributes=attrs)["TopicArn"]
        sns.subscribe(TopicArn=target, Protocol="sqs", Endpoint=queue_arn(queue))
    else:
        events = boto3.client("events", region_name=REGION)
        target = "orders-bus"
        events.create_event_bus(Name=target)
        events.put_rule(
            Name="all-orders", EventBusName=target, EventPattern=json.dumps({"source": ["com.example.orders"]})
        )
        events.put_targets(Rule="all-orders", EventBusName=target, Targets=[{"Id": "inbox", "Arn": queue_arn(queue)}])
    lambda_env.setenv("MESSAGING_CHANNEL", channel)
    lambda_env.setenv("MESSAGING_TARGET", target)
    if fifo:
        lambda_env.setenv("MESSAGING_FIFO", "true")
    return queue


class CallLog:
    """Every batch request the producer's client makes, counted by a botocore event hook."""

    def __init__(self, channel: str):
        self.requests: list[dict] = []
        api = clients.client(channels.get(channel).service, REGION)
        api.meta.events.register(f"before-parameter-build.*.{OPERATIONS[channel]}", self._record)

    def _record(self, params, **_):
        self.requests.append(params)

    def __len__(self) -> int:
        return len(self.requests)
