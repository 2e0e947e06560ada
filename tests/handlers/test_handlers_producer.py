"""producer.handler against moto, with real boto3 calls, for every channel."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime

import channels
import envelope as envelopes
import producer
import pytest
from handler_testkit import CallLog, drain, load_event, make_queue, order, received_envelopes, wire

# ------------------------------------------------------------------ delivery


@pytest.mark.parametrize("channel", ["sqs", "sns", "events"])
def test_every_channel_delivers_completed_envelopes(channel, aws, lambda_env):
    queue = wire(channel, lambda_env)
    messages = load_event("producer_event.json")["messages"]
    result = producer.handler({"messages": messages}, None)
    assert result["failed"] == []
    assert len(result["sent"]) == len(messages)
    assert result["sent"][1] == messages[1]["id"]  # a given id is kept
    got = {e["id"]: e for e in received_envelopes(queue)}
    assert set(got) == set(result["sent"])
    for sent_id, original in zip(result["sent"], messages, strict=False):
        arrived = got[sent_id]
        uuid.UUID(arrived["id"])
        assert arrived["type"] == original["type"]
        assert arrived["data"] == original["data"]
        assert arrived["source"] == original.get("source", "com.example.orders")
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", arrived["time"])
        datetime.strptime(arrived["time"], "%Y-%m-%dT%H:%M:%SZ")


def test_default_source_comes_from_the_environment(aws, lambda_env):
    queue = wire("sqs", lambda_env)
    lambda_env.setenv("MESSAGING_DEFAULT_SOURCE", "com.example.shop")
    producer.handler({"messages": [{"type": "OrderCreated"}, {"type": "X", "source": "mine"}]}, None)
    assert sorted(e["source"] for e in received_envelopes(queue)) == ["com.example.shop", "mine"]


def test_eventbridge_event_carries_source_type_and_whole_envelope(aws, lambda_env):
    queue = wire("events", lambda_env)
    result = producer.handler({"messages": [order("eb-1", "OrderShipped")]}, None)
    (message,) = drain(queue)
    event = json.loads(message["Body"])
    assert event["source"] == "com.example.orders"
    assert event["detail-type"] == "OrderShipped"
    assert event["detail"] == order("eb-1", "OrderShipped")
    assert result["sent"] == ["eb-1"]


def test_sns_message_body_is_the_envelope_for_body_filter_policies(aws, lambda_env):
    queue = wire("sns", lambda_env)
    producer.handler({"messages": [order("sns-1")]}, None)
    (message,) = drain(queue)
    assert json.loads(json.loads(message["Body"])["Message"]) == order("sns-1")


def test_empty_message_list_sends_nothing(aws, lambda_env):
    wire("sqs", lambda_env)
    calls = CallLog("sqs")
    assert producer.handler({"messages": []}, None) == {"sent": [], "failed": []}
    assert len(calls) == 0


# ------------------------------------------------------------------ FIFO


@pytest.mark.parametrize("channel", ["sqs", "sns"])
def test_fifo_group_is_order_id_and_dedup_is_envelope_id(channel, aws, lambda_env):
    queue = wire(channel, lambda_env, fifo=True)
    calls = CallLog(channel)
    messages = [order("f-1", orderId="o-7"), order("f-2", "OrderShipped", orderId="o-7"), {"id": "f-3", "type": "Ping"}]
    assert producer.handler({"messages": messages}, None)["failed"] == []
    entries = calls.requests[0].get("Entries") or calls.requests[0]["PublishBatchRequestEntries"]
    assert [(e["MessageGroupId"], e["MessageDeduplicationId"]) for e in entries] == [
        ("o-7", "f-1"),
        ("o-7", "f-2"),
        ("Ping", "f-3"),
    ]
    assert [e["id"] for e in received_envelopes(queue)] == ["f-1", "f-2", "f-3"]


def test_fifo_ids_the_service_would_refuse_are_hashed():
    assert channels.fifo_id("o-1") == "o-1"
    hashed = channels.fifo_id("has spaces")
    assert hashed != "has spaces" and re.fullmatch(r"[0-9a-f]{64}", hashed)
    assert channels.group_id({"type": "T", "data": {"orderId": ""}}) == "T"


# ------------------------------------------------------------------ refusals


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("not an object", r"messages\[1\]: must be a JSON object"),
        ({"data": {}}, r"messages\[1\]\.type"),
        ({"type": ""}, r"messages\[1\]\.type"),
        ({"type": 7}, r"messages\[1\]\.type"),
        ({"type": "T", "data": [1]}, r"messages\[1\]\.data"),
        ({"type": "T", "data": None}, r"messages\[1\]\.data"),
        ({"type": "T", "id": 5}, r"messages\[1\]\.id"),
        ({"type": "T", "source": ""}, r"messages\[1\]\.source"),
        ({"type": "T", "data": {"x": float("nan")}}, r"messages\[1\]: not serialisable"),
        ({"type": "T", "data": {"x": object()}}, r"messages\[1\]: not serialisable"),
    ],
)
def test_malformed_envelope_is_refused_naming_index_and_field(message, field, aws, lambda_env):
    queue = wire("sqs", lambda_env)
    calls = CallLog("sqs")
    with pytest.raises(ValueError, match=field):
        producer.handler({"messages": [order("ok"), message, order("ok-2")]}, None)
    assert len(calls) == 0
    assert drain(queue) == []


@pytest.mark.parametrize("event", [None, [], {"messages": {"type": "T"}}, {"msgs": []}])
def test_event_without_a_message_list_is_refused(event, aws, lambda_env):
    wire("sqs", lambda_env)
    with pytest.raises(ValueError, match="messages"):
        producer.handler(event, None)


def _padded(target_bytes: int, channel: str) -> dict:
    """An envelope whose counted size on `channel` is exactly target_bytes."""
    base = order("big", padding="")
    channel_obj = channels.get(channel)
    size = channel_obj.entry(base, envelopes.dumps(base), 0, False).size
    base["data"]["padding"] = "x" * (target_bytes - size)
    assert channel_obj.entry(base, envelopes.dumps(base), 0, False).size == target_bytes
    return base


@pytest.mark.parametrize("channel", ["sqs", "sns", "events"])
def test_envelope_over_the_size_limit_is_refused_before_any_call(channel, aws, lambda_env):
    wire(channel, lambda_env)
    calls = CallLog(channel)
    too_big = _padded(channels.MAX_REQUEST_BYTES + 1, channel)
    with pytest.raises(ValueError, match=r"messages\[1\]: 262145 bytes.*over the 262144-byte limit"):
        producer.handler({"messages": [order("small"), too_big]}, None)
    assert len(calls) == 0


@pytest.mark.parametrize("channel", ["sqs", "sns", "events"])
def test_envelope_exactly_at_the_limit_is_sent(channel, aws, lambda_env):
    queue = wire(channel, lambda_env)
    result = producer.handler({"messages": [_padded(channels.MAX_REQUEST_BYTES, channel)]}, None)
    assert result == {"sent": ["big"], "failed": []}
    assert [e["id"] for e in received_envelopes(queue)] == ["big"]


def test_eventbridge_size_counts_source_and_detail_type_like_aws():
    envelope = {"id": "i", "type": "Tipé", "source": "src", "data": {}}
    body = envelopes.dumps(envelope)
    entry = channels.get("events").entry(envelope, body, 0, False)
    assert entry.size == len("src") + len("Tipé".encode()) + len(body.encode())
    assert channels.get("sqs").entry(envelope, body, 0, False).size == len(body.encode())


# ------------------------------------------------------------------ configuration


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MESSAGING_CHANNEL", "kafka", r"MESSAGING_CHANNEL='kafka': expected one of sqs, sns, events"),
        ("MESSAGING_TARGET", "", r"MESSAGING_TARGET is not set"),
        ("MESSAGING_FIFO", "maybe", r"MESSAGING_FIFO='maybe': expected true or false"),
    ],
)
def test_bad_producer_environment_is_a_clear_error(name, value, message, lambda_env):
    lambda_env.setenv("MESSAGING_CHANNEL", "sqs")
    lambda_env.setenv("MESSAGING_TARGET", "https://sqs.eu-west-1.amazonaws.com/123456789012/q")
    lambda_env.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        producer.handler({"messages": [{"type": "T"}]}, None)


def test_producer_without_region_is_a_clear_error(lambda_env):
    lambda_env.setenv("MESSAGING_CHANNEL", "sqs")
    lambda_env.setenv("MESSAGING_TARGET", "https://sqs.eu-west-1.amazonaws.com/123456789012/q")
    lambda_env.delenv("AWS_REGION")
    lambda_env.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(ValueError, match="AWS_REGION"):
        producer.handler({"messages": [{"type": "T"}]}, None)


def test_target_is_read_at_each_invocation(aws, lambda_env):
    first = wire("sqs", lambda_env)
    second = make_queue("second")
    producer.handler({"messages": [order("to-first")]}, None)
    lambda_env.setenv("MESSAGING_TARGET", second)
    producer.handler({"messages": [order("to-second")]}, None)
    assert [e["id"] for e in received_envelopes(first)] == ["to-first"]
    assert [e["id"] for e in received_envelopes(second)] == ["to-second"]
