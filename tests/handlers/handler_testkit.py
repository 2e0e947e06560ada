"""Helpers shared by the handler tests (a module name unique across tests/)."""

from __future__ import annotations

import copy
import hashlib
import importlib
import json
import logging
import sys
from pathlib import Path
from types import ModuleType
from typing import Any, Callable

import boto3

from handlers import channels
from handlers import envelope as envelopes

EVENTS = Path(__file__).resolve().parent / "events"
TEAM_MODULES = ("recorder", "orders", "inventory")  # team modules the tests load beside the runtime
RECORDED: list[dict] = []  # what the `recorder` team processor saw (see conftest.py)


def fresh_modules() -> None:
    """Forget the runtime, the team modules and the Powertools loggers, so the next
    import is a cold start (what a new Lambda execution environment does)."""
    for name in [n for n in sys.modules if n.split(".")[0] in ("handlers", *TEAM_MODULES)]:
        del sys.modules[name]
    registry = logging.Logger.manager.loggerDict
    for name in [n for n, lg in registry.items() if getattr(lg, "powertools_handler", None) is not None]:
        del registry[name]


class Runtime:
    """One handler module of the runtime, cold-started on first use (after the test set its environment)."""

    def __init__(self, name: str):
        self.name = name
        self.module: ModuleType | None = None
        self.on_start: list[Callable[[], None]] = []  # run after each cold start (e.g. to patch a module)

    def cold_start(self) -> ModuleType:
        fresh_modules()
        self.module = importlib.import_module(f"handlers.{self.name}")
        for hook in self.on_start:
            hook()
        return self.module

    def handler(self, event: Any, context: Any = None) -> Any:
        module = self.module or self.cold_start()
        return module.handler(event, FakeContext() if context is None else context)


def on_client(monkeypatch, service: str, setup: Callable[[Any], None]) -> None:
    """Run `setup(client)` on every boto3 client made for `service` from now on (the runtime makes its own)."""
    real = boto3.session.Session.client

    def client(session, name, *args, **kwargs):
        api = real(session, name, *args, **kwargs)
        if name == service:
            setup(api)
        return api

    monkeypatch.setattr(boto3.session.Session, "client", client)


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
    """What the Lambda runtime passes (the attributes Powertools' inject_lambda_context reads)."""

    function_name = "consumer-fn"
    function_version = "$LATEST"
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:consumer-fn"
    memory_limit_in_mb = 256
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
    """Every batch request the producer's clients make, counted by a botocore event hook."""

    def __init__(self, channel: str, monkeypatch):
        self.requests: list[dict] = []
        hook = f"before-parameter-build.*.{OPERATIONS[channel]}"
        on_client(monkeypatch, channels.get(channel).service, lambda api: api.meta.events.register(hook, self._record))

    def _record(self, params, **_):
        self.requests.append(params)

    def __len__(self) -> int:
        return len(self.requests)
