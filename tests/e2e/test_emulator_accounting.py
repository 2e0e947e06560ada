"""The emulator never reports a loss as success: every subscription is delivered, the report's
accounting is checked on every run, FIFO deduplication is reported, and a valid config drains."""

from __future__ import annotations

import json

import boto3
import pytest
from e2e_support import DEV_CONSUMERS, REGION, Tamper, order, write_stack
from moto import mock_aws

import emulator
from emulator.aws import aws_semantics
from emulator.report import AccountingError


def test_an_sns_publish_reaches_every_one_of_101_subscriptions(monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    with mock_aws(), aws_semantics():
        sns = boto3.client("sns", region_name=REGION)
        sqs = boto3.client("sqs", region_name=REGION)
        topic = sns.create_topic(Name="events")["TopicArn"]
        urls = []
        for i in range(101):
            url = sqs.create_queue(QueueName=f"consumer-{i:03d}")["QueueUrl"]
            arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
            sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn, Attributes={"RawMessageDelivery": "true"})
            urls.append(url)

        sns.publish(TopicArn=topic, Message=json.dumps({"id": "one", "type": "OrderCreated"}))

        received = {url.rsplit("/", 1)[1]: sqs.receive_message(QueueUrl=url).get("Messages", []) for url in urls}
    assert {name for name, got in received.items() if len(got) != 1} == set()


def test_a_fifo_envelope_id_reused_in_a_later_call_is_reported_deduplicated_not_lost(tmp_path):
    stack_file = write_stack(tmp_path, [{"name": "orders"}], "point-to-point", fifo=True)
    with emulator.Stack("e2e", stack_file=stack_file) as stack:
        stack.publish([order("o-1", "OrderCreated")])
        stack.publish([order("o-1", "OrderCreated", total=2)])  # same id, new content, within five minutes
        stack.drain()
        assert stack.processed("orders") == ["o-1"]
        assert stack.deduplicated("orders") == ["o-1"]
        assert stack.dead_lettered("orders") == [] and stack.unrouted() == []
        assert stack.report()["sent"] == ["o-1", "o-1"]


def test_a_delivery_lost_inside_the_embedded_aws_fails_the_run_loudly(tmp_path, monkeypatch):
    from moto.sns.models import SNSBackend

    every = SNSBackend._get_topic_subscriptions
    monkeypatch.setattr(  # as moto itself does past a topic's 100th subscription: one is skipped
        SNSBackend,
        "_get_topic_subscriptions",
        lambda self, topic: [s for s in every(self, topic) if "analytics" not in s.endpoint],
    )
    stack_file = write_stack(tmp_path, DEV_CONSUMERS, "fanout")
    with pytest.raises(
        AccountingError, match=r"consumer analytics: its route selected created-small, which never reached it"
    ):
        emulator.run(stack="e2e", stack_file=stack_file, messages=[order("created-small", "OrderCreated")])


def test_a_valid_config_with_max_receive_count_1000_and_batch_size_1_drains(tmp_path):
    consumers = [{"name": "orders", "maxReceiveCount": 1000, "batchSize": 1}]
    stack_file = write_stack(tmp_path, consumers, "point-to-point")
    messages = [order("ok", "OrderCreated"), order("bad", "OrderCreated", valid=False)]
    report = emulator.run(stack="e2e", stack_file=stack_file, messages=messages)
    assert report["consumers"]["orders"] == {"processed": ["ok"], "dead_lettered": ["bad"]}


def test_a_message_failing_forever_on_a_queue_without_a_dlq_stops_the_run_naming_the_queue(tmp_path):
    stack_file = write_stack(tmp_path, [{"name": "orders"}], "point-to-point")
    no_dlq = Tamper("aws:sqs/queue:Queue", "orders-queue", lambda inputs: {**inputs, "redrivePolicy": None})
    with pytest.raises(emulator.EmulatorError, match=r"queue orders-queue-\w+: message bad was received 1002 times"):
        emulator.run(
            stack="e2e",
            stack_file=stack_file,
            messages=[order("bad", "OrderCreated", valid=False)],
            program_transform=no_dlq,
        )
    no_dlq.assert_applied()
