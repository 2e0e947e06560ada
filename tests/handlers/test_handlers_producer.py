"""producer.handler against moto, with real boto3 calls, for every channel."""

from __future__ import annotations

import json
import re
import uuid
from datetime import datetime

import pytest
from handler_testkit import CallLog, drain, load_event, make_queue, order, received_envelopes, wire

from handlers import channels
from handlers import envelope as envelopes

# ------------------------------------------------------------------ delivery


@pytest.mark.parametrize("channel", ["sqs", "sns", "events"])
def test_every_channel_delivers_completed_envelopes(channel, aws, lambda_env, producer):
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


def test_default_source_comes_from_the_environment(aws, lambda_env, producer):
    queue = wire("sqs", lambda_env)
    lambda_env.setenv("MESSAGING_DEFAULT_SOURCE", "com.example.shop")
    producer.handler({"messages": [{"type": "OrderCreated"}, {"type": "X", "source": "mine"}]}, None)
    assert sorted(e["source"] for e in received_envelopes(queue)) == ["com.example.shop", "mine"]


def test_eventbridge_event_carries_source_type_and_whole_envelope(aws, lambda_env, producer):
    queue = wire("events", lambda_env)
    result = producer.handler({"messages": [order("eb-1", "OrderShipped")]}, None)
    (message,) = drain(queue)
    event = json.loads(message["Body"])
    assert event["source"] == "com.example.orders"
    assert event["detail-type"] == "OrderShipped"
    assert event["detail"] == order("eb-1", "OrderShipped")
    assert result["sent"] == ["eb-1"]


def test_sns_message_body_is_the_envelope_for_body_filter_policies(aws, lambda_env, producer):
    queue = wire("sns", lambda_env)
    producer.handler({"messages": [order("sns-1")]}, None)
    (message,) = drain(queue)
    assert json.loads(json.loads(message["Body"])["Message"]) == order("sns-1")


def test_empty_message_list_sends_nothing(aws, lambda_env, producer):
    wire("sqs", lambda_env)
    calls = CallLog("sqs", lambda_env)
    assert producer.handler({"messages": []}, None) == {"sent": [], "failed": []}
    assert len(calls) == 0


# ------------------------------------------------------------------ FIFO


@pytest.mark.parametrize("channel", ["sqs", "sns"])
def test_fifo_group_is_order_id_and_dedup_is_envelope_id(channel, aws, lambda_env, producer):
    queue = wire(channel, lambda_env, fifo=True)
    calls = CallLog(channel, lambda_env)
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
def test_malformed_envelope_is_refused_naming_index_and_field(message, field, aws, lambda_env, producer):
    queue = wire("sqs", lambda_env)
    calls = CallLog("sqs", lambda_env)
    with pytest.raises(ValueError, match=field):
        producer.handler({"messages": [order("ok"), message, order("ok-2")]}, None)
    assert len(calls) == 0
    assert drain(queue) == []


@pytest.mark.parametrize("event", [None, [], {"messages": {"type": "T"}}, {"msgs": []}])
def test_event_without_a_message_list_is_refused(event, aws, lambda_env, producer):
    wire("sqs", lambda_env)
    with pytest.raises(ValueError, match="messages"):
        producer.handler(event, None)


PADDINGS = {"ascii": "x", "multi-byte": "ção日本"}  # 1 byte, and 2, 1, 2, 3, 3 bytes per character in UTF-8


def padded(target_bytes: int, padding: str) -> dict:
    """An envelope (id, time and source given) whose UTF-8 JSON is exactly target_bytes."""
    base = order("big", padding="")
    size = envelopes.size(envelopes.dumps(base))
    fill = ""
    while size + len((fill + padding).encode()) <= target_bytes:
        fill += padding * max(1, (target_bytes - size - len(fill.encode())) // (len(padding.encode()) * 2))
        if size + len(fill.encode()) > target_bytes:
            fill = fill[: len(fill) // 2]
            break
    while size + len(fill.encode()) < target_bytes:
        fill += "x"
    base["data"]["padding"] = fill
    assert envelopes.size(envelopes.dumps(base)) == target_bytes
    return base


@pytest.mark.parametrize("fifo", [False, True], ids=["standard", "fifo"])
@pytest.mark.parametrize("padding", PADDINGS, ids=list(PADDINGS))
@pytest.mark.parametrize("channel", ["sqs", "sns", "events"])
def test_the_largest_envelope_is_sent_and_one_byte_more_refused_the_same_on_every_channel(
    channel, padding, fifo, aws, lambda_env, producer
):
    queue = wire(channel, lambda_env, fifo=fifo and channel != "events")
    calls = CallLog(channel, lambda_env)
    too_big = padded(envelopes.MAX_ENVELOPE_BYTES + 1, PADDINGS[padding])
    with pytest.raises(ValueError, match=r"messages\[1\]: the envelope is 260,097 bytes .* limit of 260,096 bytes"):
        producer.handler({"messages": [order("small"), too_big]}, None)
    assert len(calls) == 0
    largest = padded(envelopes.MAX_ENVELOPE_BYTES, PADDINGS[padding])
    assert producer.handler({"messages": [largest]}, None) == {"sent": ["big"], "failed": []}
    (arrived,) = received_envelopes(queue)
    assert arrived == largest


def test_non_ascii_text_is_sent_as_utf8_not_as_escapes(aws, lambda_env, producer):
    queue = wire("sqs", lambda_env)
    calls = CallLog("sqs", lambda_env)
    message = order("pt-1", note="Pedido entregue à cliente, obrigado! 日本語")
    producer.handler({"messages": [message]}, None)
    (entry,) = calls.requests[0]["Entries"]
    assert "entregue à cliente" in entry["MessageBody"] and "日本語" in entry["MessageBody"]
    assert received_envelopes(queue) == [message]


def test_characters_sqs_refuses_stay_escaped_and_arrive_intact(aws, lambda_env, producer):
    queue = wire("sqs", lambda_env)
    message = order("odd-1", note="lone \ud800 and \uffff")
    assert producer.handler({"messages": [message]}, None)["failed"] == []
    assert received_envelopes(queue) == [message]


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
def test_bad_producer_environment_is_a_clear_error(name, value, message, lambda_env, producer):
    lambda_env.setenv("MESSAGING_CHANNEL", "sqs")
    lambda_env.setenv("MESSAGING_TARGET", "https://sqs.eu-west-1.amazonaws.com/123456789012/q")
    lambda_env.setenv(name, value)
    with pytest.raises(ValueError, match=message):
        producer.handler({"messages": [{"type": "T"}]}, None)


def test_producer_without_region_is_a_clear_error(lambda_env, producer):
    lambda_env.setenv("MESSAGING_CHANNEL", "sqs")
    lambda_env.setenv("MESSAGING_TARGET", "https://sqs.eu-west-1.amazonaws.com/123456789012/q")
    lambda_env.delenv("AWS_REGION")
    lambda_env.delenv("AWS_DEFAULT_REGION")
    with pytest.raises(ValueError, match="AWS_REGION"):
        producer.handler({"messages": [{"type": "T"}]}, None)


def test_target_is_read_once_per_cold_start(aws, lambda_env, producer):
    first = wire("sqs", lambda_env)
    second = make_queue("second")
    producer.handler({"messages": [order("to-first")]}, None)
    lambda_env.setenv("MESSAGING_TARGET", second)
    producer.handler({"messages": [order("still-first")]}, None)
    producer.cold_start()
    producer.handler({"messages": [order("to-second")]}, None)
    assert [e["id"] for e in received_envelopes(first)] == ["to-first", "still-first"]
    assert [e["id"] for e in received_envelopes(second)] == ["to-second"]
