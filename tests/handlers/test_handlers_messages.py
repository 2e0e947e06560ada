"""What the producer refuses and the consumer reports, the same on every channel
(each topology's producer sends on one: point-to-point SQS, fanout SNS,
eventbridge PutEvents) and both FIFO settings."""

from __future__ import annotations

import json

import pytest
from handler_testkit import CallLog, failed_ids, order, sqs_event, wire

from handlers import envelope as envelopes

CHANNELS = [("sqs", False), ("sqs", True), ("sns", False), ("sns", True), ("events", False)]
IDS = ["point-to-point", "point-to-point-fifo", "fanout", "fanout-fifo", "eventbridge"]

SNS_SHAPED = {"type": "Note", "Type": "Notification", "TopicArn": "arn:aws:sns:eu-west-1:1:t", "Message": "{}"}
EVENTBRIDGE_SHAPED = {"type": "Note", "source": "com.example.x", "version": "0", "detail-type": "X", "detail": {}}


def refused(channel, fifo, lambda_env, producer, messages) -> str:
    wire(channel, lambda_env, fifo=fifo)
    calls = CallLog(channel, lambda_env)
    with pytest.raises(ValueError) as caught:
        producer.handler({"messages": messages}, None)
    assert len(calls) == 0  # refused before anything is sent
    return str(caught.value)


@pytest.mark.parametrize(("channel", "fifo"), CHANNELS, ids=IDS)
def test_an_envelope_shaped_like_an_sns_notification_is_refused_on_every_channel(
    channel, fifo, aws, lambda_env, producer
):
    message = refused(channel, fifo, lambda_env, producer, [order("ok"), SNS_SHAPED])
    assert message.startswith("messages[1]: has the top-level keys of an SNS notification")


@pytest.mark.parametrize(("channel", "fifo"), CHANNELS, ids=IDS)
def test_an_envelope_shaped_like_an_eventbridge_event_is_refused_on_every_channel(
    channel, fifo, aws, lambda_env, producer
):
    message = refused(channel, fifo, lambda_env, producer, [EVENTBRIDGE_SHAPED])
    assert message.startswith("messages[0]: has the top-level keys of an EventBridge event")


def test_the_producer_refuses_exactly_what_the_consumer_would_unwrap():
    # One definition: the producer's refusal uses unwrap's own recognisers.
    inner = json.dumps(order("inner"))
    sns = {**SNS_SHAPED, "id": "outer", "Message": inner}
    bridge = {**EVENTBRIDGE_SHAPED, "id": "outer", "detail": order("inner")}
    for shaped in (sns, bridge):
        assert envelopes.unwrap(json.dumps(shaped))["id"] == "inner"  # a consumer would take it for a wrapper
        with pytest.raises(envelopes.EnvelopeError, match="top-level keys"):
            envelopes.outgoing(shaped, 0)
    near_miss = {"type": "Note", "Type": "Reminder", "TopicArn": "t", "Message": "{}"}
    assert envelopes.outgoing(near_miss, 0) is near_miss


@pytest.mark.parametrize(("channel", "fifo"), CHANNELS, ids=IDS)
def test_two_envelopes_with_one_id_in_a_call_are_refused_on_every_channel(channel, fifo, aws, lambda_env, producer):
    message = refused(channel, fifo, lambda_env, producer, [order("a"), order("b"), order("a", "OrderShipped")])
    assert message.startswith("messages[2].id: 'a' repeats messages[0].id; ids must be unique within one call")


@pytest.mark.parametrize(("channel", "fifo"), CHANNELS, ids=IDS)
def test_a_source_starting_with_aws_is_refused_with_index_and_field(channel, fifo, aws, lambda_env, producer):
    message = refused(channel, fifo, lambda_env, producer, [order("ok"), {**order("x"), "source": "aws.orders"}])
    assert message.startswith("messages[1].source: 'aws.orders' starts with 'aws.', which EventBridge reserves")


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("type", "T" * 129, "messages[0].type: 129 characters, over the limit of 128"),
        ("source", "s" * 257, "messages[0].source: 257 characters, over the limit of 256"),
    ],
)
def test_type_and_source_longer_than_eventbridge_allows_are_refused_on_every_channel(
    field, value, expected, aws, lambda_env, producer
):
    assert refused("sqs", False, lambda_env, producer, [{**order("x"), field: value}]) == expected


@pytest.mark.parametrize("wrapper", ["plain", "sns", "eventbridge"])
def test_a_body_nested_too_deeply_to_parse_logs_unparseable_record(wrapper, consumer, capsys):
    deep = "[" * 100_000 + "]" * 100_000
    body = {
        "plain": deep,
        "sns": json.dumps({"Type": "Notification", "TopicArn": "arn:aws:sns:eu-west-1:1:t", "Message": deep}),
        "eventbridge": json.dumps({"version": "0", "detail-type": "T", "source": "s", "detail": deep}),
    }[wrapper]
    event = sqs_event([json.dumps(order("fine")), body])
    assert failed_ids(consumer.handler(event, None)) == [event["Records"][1]["messageId"]]
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (why,) = [entry for entry in logged if entry.get("message") == "unparseable record"]
    assert why["message_id"] == event["Records"][1]["messageId"]
    assert "nested too deeply" in why["reason"]


def test_a_producer_envelope_nested_too_deeply_is_refused_with_its_index(aws, lambda_env, producer):
    deep: dict = {}
    for _ in range(100_000):
        deep = {"d": deep}
    message = refused("sqs", False, lambda_env, producer, [{"type": "T", "data": deep}])
    assert message == "messages[0]: not serialisable as JSON: nested too deeply"
