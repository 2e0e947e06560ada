"""A consumer that forwards to another event bus, in the embedded AWS: what its rule selects reaches the other
bus's own rule and target queue (a second bus the test creates with boto3), nothing else does; a role that may
not put on that bus blocks exactly that route, and what it selected is dead-lettered; so is what was selected
for a bus that does not exist."""

from __future__ import annotations

import json

import boto3
import pytest

import emulator
from emulator.errors import EmulatorError

REGION = "eu-west-1"
ACCOUNT = "123456789012"  # the embedded AWS's account
PARTNER_BUS = "partner-orders"
PARTNER_ARN = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/{PARTNER_BUS}"


def config(bus=PARTNER_ARN):
    return {
        "aws:region": REGION,
        "topology": "eventbridge",
        "consumers": [
            {"name": "inventory", "match": {"type": ["OrderCreated"]}},
            {"name": "partner", "match": {"type": ["OrderShipped"]}, "bus": bus},
        ],
    }


def order(id_, type_):
    return {
        "id": id_,
        "type": type_,
        "source": "com.example.orders",
        "data": {"orderId": f"o-{id_}", "customerName": "Ada", "customerAddress": "1 Analytical Way"},
    }


def partner_bus_with_a_queue(pattern):
    """The receiving side: another bus, its own rule and an SQS target, as a team would create them."""
    events, sqs = boto3.client("events"), boto3.client("sqs")
    events.create_event_bus(Name=PARTNER_BUS)
    url = sqs.create_queue(QueueName="partner-inbox")["QueueUrl"]
    arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
    events.put_rule(Name="inbox", EventBusName=PARTNER_BUS, EventPattern=json.dumps(pattern))
    events.put_targets(Rule="inbox", EventBusName=PARTNER_BUS, Targets=[{"Id": "inbox", "Arn": arn}])
    return url


def received(url):
    messages = boto3.client("sqs").receive_message(QueueUrl=url, MaxNumberOfMessages=10).get("Messages", [])
    return [json.loads(m["Body"]) for m in messages]


def test_a_forwarded_event_reaches_the_other_buses_rule_target_and_an_unselected_one_does_not():
    with emulator.Stack(config=config()) as stack:
        inbox = partner_bus_with_a_queue({"source": ["com.example.orders"]})
        stack.publish([order("s-1", "OrderShipped"), order("c-1", "OrderCreated")])
        stack.drain()
        (event,) = received(inbox)
        assert (event["detail-type"], event["source"], event["detail"]["id"]) == (
            "OrderShipped",
            "com.example.orders",
            "s-1",
        )
        assert event["detail"]["data"]["orderId"] == "o-s-1"  # the envelope itself, unchanged
        assert stack.forwarded("partner") == ["s-1"]
        assert stack.dead_lettered("partner") == []
        assert stack.processed("inventory") == ["c-1"]
        assert stack.unrouted() == [] and stack.blocked_routes() == []
        report = stack.report()
        assert report["consumers"]["partner"] == {
            "processed": [],
            "dead_lettered": [],
            "forwarded": ["s-1"],
            "bus": PARTNER_ARN,
        }


def test_the_other_buses_own_pattern_still_decides_what_reaches_its_target():
    with emulator.Stack(config=config()) as stack:
        inbox = partner_bus_with_a_queue({"detail": {"data": {"orderId": ["o-s-2"]}}})
        stack.publish([order("s-1", "OrderShipped"), order("s-2", "OrderShipped")])
        stack.drain()
        assert [e["detail"]["id"] for e in received(inbox)] == ["s-2"]
        assert stack.forwarded("partner") == ["s-1", "s-2"]  # both were put on the bus


def test_a_role_that_may_not_put_on_the_bus_blocks_exactly_that_route_and_its_events_are_dead_lettered():
    def tamper(typ, name, inputs):
        if typ == "aws:iam/rolePolicy:RolePolicy" and name == "partner-role-policy":
            policy = json.loads(inputs["policy"])
            policy["Statement"][0]["Resource"] = [f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/elsewhere"]
            return {**inputs, "policy": json.dumps(policy)}
        return inputs

    with emulator.Stack(config=config(), program_transform=tamper) as stack:
        inbox = partner_bus_with_a_queue({"source": ["com.example.orders"]})
        stack.publish([order("s-1", "OrderShipped"), order("c-1", "OrderCreated")])
        stack.drain()
        assert received(inbox) == []
        (blocked,) = stack.blocked_routes()
        assert blocked["kind"] == "eventbridge-bus-target"
        assert (blocked["resource"], blocked["queue"], blocked["consumer"]) == (
            "partner-target",
            PARTNER_ARN,
            "partner",
        )
        assert (
            blocked["reason"].startswith("role partner-role-")
            and f"events:PutEvents on {PARTNER_ARN}" in blocked["reason"]
        )
        assert blocked["fallback"].startswith("partner-dlq-")
        assert stack.forwarded("partner") == []
        assert stack.dead_lettered("partner") == ["s-1"]
        assert stack.processed("inventory") == ["c-1"]  # every other route delivers
        assert stack.unrouted() == []


def test_a_trust_policy_for_another_rule_blocks_the_route():
    def tamper(typ, name, inputs):
        if typ == "aws:iam/role:Role" and name == "partner-role":
            trust = json.loads(inputs["assumeRolePolicy"])
            trust["Statement"][0]["Condition"]["ArnEquals"]["aws:SourceArn"] = ["arn:aws:events:eu-west-1:1:rule/x"]
            return {**inputs, "assumeRolePolicy": json.dumps(trust)}
        return inputs

    with emulator.Stack(config=config(), program_transform=tamper) as stack:
        (blocked,) = stack.blocked_routes()
        assert "does not let events.amazonaws.com assume it" in blocked["reason"]


def test_what_is_selected_for_a_bus_that_does_not_exist_ends_in_the_forwarding_dlq():
    with emulator.Stack(config=config()) as stack:
        stack.publish([order("s-1", "OrderShipped")])
        stack.drain()
        assert stack.forwarded("partner") == []
        assert stack.dead_lettered("partner") == ["s-1"]
        assert stack.unrouted() == []


def test_forwarded_refuses_a_consumer_that_does_not_forward():
    with emulator.Stack(config=config()) as stack:
        with pytest.raises(EmulatorError, match="'inventory' does not forward to another event bus"):
            stack.forwarded("inventory")


def test_a_bus_in_another_region_receives_the_forwarded_event():
    other = f"arn:aws:events:us-west-2:{ACCOUNT}:event-bus/{PARTNER_BUS}"
    with emulator.Stack(config=config(bus=other)) as stack:
        events, sqs = boto3.client("events", region_name="us-west-2"), boto3.client("sqs", region_name="us-west-2")
        events.create_event_bus(Name=PARTNER_BUS)
        url = sqs.create_queue(QueueName="partner-inbox")["QueueUrl"]
        arn = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        events.put_rule(Name="inbox", EventBusName=PARTNER_BUS, EventPattern='{"source": ["com.example.orders"]}')
        events.put_targets(Rule="inbox", EventBusName=PARTNER_BUS, Targets=[{"Id": "inbox", "Arn": arn}])
        stack.publish([order("s-1", "OrderShipped")])
        stack.drain()
        (message,) = sqs.receive_message(QueueUrl=url).get("Messages", [])
        assert json.loads(message["Body"])["detail"]["id"] == "s-1"
        assert stack.forwarded("partner") == ["s-1"]
