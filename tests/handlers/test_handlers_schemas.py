"""The producer (and a team's publish) refuse an envelope whose data breaks its type's JSON Schema,
naming the index, the field and the rule, before anything is sent."""

import json
from pathlib import Path

import pytest
from handler_testkit import CallLog, drain, order, received_envelopes, wire

ORDER_SCHEMA = {
    "$schema": "http://json-schema.org/draft-04/schema#",
    **json.loads((Path(__file__).parent.parent / "unit" / "schemas" / "order-created.json").read_text()),
}


@pytest.fixture
def with_schemas(lambda_env):
    lambda_env.setenv("MESSAGING_SCHEMAS", json.dumps({"OrderCreated": ORDER_SCHEMA}))


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"orderId": "o-2", "customerName": "Ada"},
            "messages[1].data: data must contain ['customerAddress'] properties (rule: required)",
        ),
        (
            {"orderId": "o-2", "customerName": "Ada", "customerAddress": "x", "total": "12"},
            "messages[1].data: data.total must be number (rule: type)",
        ),
        (
            {"orderId": "o-2", "customerName": "", "customerAddress": "x"},
            "messages[1].data: data.customerName must be longer than or equal to 1 characters (rule: minLength)",
        ),
        (
            {"orderId": "o-2", "customerName": "Ada", "customerAddress": "x", "total": -1},
            "messages[1].data: data.total must be bigger than or equal to 0 (rule: minimum)",
        ),
    ],
    ids=["missing field", "wrong type", "too short", "below minimum"],
)
def test_an_envelope_breaking_its_schema_is_refused_and_nothing_of_the_batch_is_sent(
    data, message, aws, lambda_env, with_schemas, producer
):
    queue = wire("sqs", lambda_env)
    calls = CallLog("sqs", lambda_env)
    bad = {**order("bad"), "data": data}
    with pytest.raises(ValueError) as raised:
        producer.handler({"messages": [order("ok"), bad, order("ok-2")]}, None)
    assert str(raised.value) == f"{message}; the OrderCreated schema refuses it"
    assert len(calls) == 0
    assert drain(queue) == []


def test_valid_envelopes_and_types_without_a_schema_are_sent(aws, lambda_env, with_schemas, producer):
    queue = wire("sns", lambda_env)
    result = producer.handler({"messages": [order("ok"), order("s-1", "OrderShipped", valid=False)]}, None)
    assert result == {"sent": ["ok", "s-1"], "failed": []}
    assert [e["id"] for e in received_envelopes(queue)] == ["ok", "s-1"]


def test_an_envelope_without_data_is_checked_as_empty_data(aws, lambda_env, with_schemas, producer):
    wire("events", lambda_env)
    with pytest.raises(ValueError, match=r"messages\[0\]\.data: data must contain .* \(rule: required\)"):
        producer.handler({"messages": [{"type": "OrderCreated"}]}, None)


def test_a_teams_publish_checks_the_same_schemas(aws, lambda_env, with_schemas):
    queue = wire("sqs", lambda_env)
    from handlers.publisher import publish  # noqa: PLC0415 - cold start after the environment is set

    with pytest.raises(ValueError, match=r"messages\[0\]\.data: data must contain"):
        publish([{**order("x"), "data": {"orderId": "o-1"}}])
    assert drain(queue) == []
    assert publish([order("y")])["sent"] == ["y"]


def test_without_schemas_nothing_is_checked(aws, lambda_env, producer):
    wire("sqs", lambda_env)
    assert producer.handler({"messages": [{**order("x"), "data": {}}]}, None)["sent"] == ["x"]
