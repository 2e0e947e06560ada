"""The emulator against a bare moto loop, in the same process: N orders to five consumers.

Emulator: ``emulator.Stack`` deployed once per topology (not timed), then
one ``publish`` of N orders and one ``drain`` (timed). Bare loop: the moto
calls those deliveries need, made directly: one publish (SNS; SQS under
point-to-point; PutEvents under eventbridge) per order and, after every ten
orders, per queue, receives of up to ten and a batch delete until it is
empty. Every consumer accepts every order (``audit:record``), so both do the
same deliveries.
"""

from __future__ import annotations

import contextlib
import io
import json
import time

from .common import restored_environ, table

CONSUMERS = 5
REGION = "eu-west-1"


def _orders(n: int) -> list[dict]:
    return [{"id": f"o-{i:05d}", "type": "OrderCreated", "data": {"total": i}} for i in range(n)]


def _consumers(topology: str) -> list[dict]:
    count = 1 if topology == "point-to-point" else CONSUMERS
    return [{"name": f"c{i}", "processor": "audit:record"} for i in range(count)]


def emulator_seconds(topology: str, n: int) -> float:
    import emulator

    config = {"aws:region": REGION, "topology": topology, "consumers": _consumers(topology)}
    with restored_environ(), contextlib.redirect_stderr(io.StringIO()):
        with emulator.Stack("bench", config=config, log_sink=lambda fn, line: None) as stack:
            orders = _orders(n)
            started = time.perf_counter()
            stack.publish(orders)
            stack.drain()
            elapsed = time.perf_counter() - started
            processed = sum(len(stack.processed(c["name"])) for c in _consumers(topology))
    assert processed == n * len(_consumers(topology)), processed
    return elapsed


def bare_seconds(topology: str, n: int) -> float:
    import boto3
    from moto import mock_aws

    with restored_environ(), mock_aws():
        import os

        os.environ.update({"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"})
        sqs = boto3.client("sqs", region_name=REGION)
        urls, arns = [], []
        for i in range(len(_consumers(topology))):
            url = sqs.create_queue(QueueName=f"q{i}")["QueueUrl"]
            urls.append(url)
            arns.append(sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"])
        if topology == "fanout":
            sns = boto3.client("sns", region_name=REGION)
            topic = sns.create_topic(Name="t")["TopicArn"]
            for arn in arns:
                sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
            send = lambda body: sns.publish(TopicArn=topic, Message=body)  # noqa: E731
        elif topology == "eventbridge":
            events = boto3.client("events", region_name=REGION)
            events.create_event_bus(Name="b")
            for i, arn in enumerate(arns):
                events.put_rule(Name=f"r{i}", EventBusName="b", EventPattern=json.dumps({"source": ["bench"]}))
                events.put_targets(Rule=f"r{i}", EventBusName="b", Targets=[{"Id": "t", "Arn": arn}])
            send = lambda body: events.put_events(  # noqa: E731
                Entries=[{"Source": "bench", "DetailType": "OrderCreated", "Detail": body, "EventBusName": "b"}]
            )
        else:
            send = lambda body: sqs.send_message(QueueUrl=urls[0], MessageBody=body)  # noqa: E731
        started = time.perf_counter()
        received = 0
        for i, order in enumerate(_orders(n), start=1):
            send(json.dumps(order))
            if i % 10 == 0 or i == n:
                for url in urls:
                    while True:
                        got = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
                        if not got:
                            break
                        received += len(got)
                        sqs.delete_message_batch(
                            QueueUrl=url,
                            Entries=[{"Id": str(k), "ReceiptHandle": m["ReceiptHandle"]} for k, m in enumerate(got)],
                        )
        elapsed = time.perf_counter() - started
    assert received == n * len(urls), received
    return elapsed


def run(
    sizes: tuple[int, ...] = (250, 1000, 2000),
    topologies: tuple[str, ...] = ("fanout", "eventbridge", "point-to-point"),
) -> str:
    rows = []
    for topology in topologies:
        per_message = {}
        for n in sizes:
            emu, bare = emulator_seconds(topology, n), bare_seconds(topology, n)
            deliveries = n * len(_consumers(topology))
            per_message[n] = emu / deliveries
            rows.append(
                [topology, n, f"{emu:.2f} s", f"{bare:.2f} s", f"{emu / bare:.2f}x", f"{1e6 * emu / deliveries:.0f} us"]
            )
        if len(sizes) > 1:
            first, last = sizes[0], sizes[-1]
            rows.append([topology, f"{last} vs {first}", "", "", "", f"{per_message[last] / per_message[first]:.2f}x"])
    return table(["topology", "orders", "emulator", "bare moto loop", "ratio", "emulator per delivery"], rows)
