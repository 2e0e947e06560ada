"""``Stack.redeploy``: a changed config applied to a deployed stack as ``pulumi up`` would, in-process, so a
team can test a topology switch in its own suite (README: the emulator test API)."""

from __future__ import annotations

import json

import boto3
import pytest
from e2e_support import ANALYTICS, REGION, order, printed_in_readme

import emulator
from emulator import Stack
from emulator.errors import EmulatorError

INVENTORY_CREATED = {"name": "inventory", "match": {"type": ["OrderCreated"]}}
CONSUMERS = [INVENTORY_CREATED, ANALYTICS]


def _config(topology: str, previous: str | None = None) -> dict:
    config = {"aws:region": REGION, "topology": topology, "consumers": CONSUMERS}
    if previous:
        config["previousTopology"] = previous
    return config


def _topics() -> list[str]:
    return [t["TopicArn"] for t in boto3.client("sns", region_name=REGION).list_topics()["Topics"]]


def _buses() -> list[str]:
    return [b["Name"] for b in boto3.client("events", region_name=REGION).list_event_buses()["EventBuses"]]


def test_a_kept_queue_keeps_its_messages_across_the_update():
    with emulator.Stack("redeploy", config=_config("eventbridge", "fanout")) as stack:
        queue = stack.exports["consumers"]["inventory"]["queueUrl"]
        sqs = boto3.client("sqs", region_name=REGION)
        waiting = order("waiting-in-the-queue", "OrderCreated")
        sqs.send_message(QueueUrl=queue, MessageBody=json.dumps(waiting))  # not polled: nothing publishes
        changes = stack.redeploy(config={"previousTopology": None})
        assert "Queue inventory-queue" not in changes.names("deleted") + changes.names("updated")
        assert stack.exports["consumers"]["inventory"]["queueUrl"] == queue
        assert (
            sqs.get_queue_attributes(QueueUrl=queue, AttributeNames=["ApproximateNumberOfMessages"])["Attributes"][
                "ApproximateNumberOfMessages"
            ]
            == "1"
        )
        stack.drain()
        assert stack.processed("inventory") == ["waiting-in-the-queue"]


def test_removing_previous_topology_deletes_the_old_topic_and_its_subscriptions():
    with emulator.Stack("redeploy", config=_config("eventbridge", "fanout")) as stack:
        old = [t for t in _topics() if ":fanout-topic-" in t]
        assert len(old) == 1
        changes = stack.redeploy(config={"previousTopology": None})
        assert changes.summary() == (
            "0 created, 7 updated (Dashboard 1, Policy 1, QueuePolicy 4, RolePolicy 1), "
            "5 deleted (MetricAlarm 1, Topic 1, TopicPolicy 1, TopicSubscription 2), 35 unchanged"
        )
        assert old[0] not in _topics()
        sns = boto3.client("sns", region_name=REGION)
        assert [s for s in sns.list_subscriptions()["Subscriptions"] if s["TopicArn"] == old[0]] == []
        assert stack.exports["drainingTopology"] is None
        # The queue policy no longer lets the old topic send (SetQueueAttributes in place).
        queue = stack.exports["consumers"]["inventory"]["queueUrl"]
        policy = boto3.client("sqs", region_name=REGION).get_queue_attributes(
            QueueUrl=queue, AttributeNames=["Policy"]
        )["Attributes"]["Policy"]
        assert old[0] not in policy and "events.amazonaws.com" in policy


def test_a_config_the_program_refuses_leaves_the_stack_as_it_was():
    with emulator.Stack("redeploy", config=_config("eventbridge", "fanout")) as stack:
        mocks, exports, topics = stack.mocks, stack.exports, _topics()
        with pytest.raises(EmulatorError) as refused:
            stack.redeploy(config={"topology": "eventbus"})
        assert str(refused.value) == (
            'the Pulumi program failed: invalid stack config: messaging:topology: "eventbus" is not allowed; '
            "allowed values are point-to-point, fanout, eventbridge"
        )
        assert (stack.mocks, stack.exports, _topics()) == (mocks, exports, topics)
        assert stack.config["messaging:topology"] == "eventbridge"
        stack.publish([order("still-served", "OrderCreated")])
        stack.drain()
        assert stack.processed("inventory") == ["still-served"]


def test_fanout_to_eventbridge_and_back_routes_each_message_by_the_topology_of_its_time():
    with emulator.Stack("redeploy", config=_config("fanout")) as stack:
        stack.publish([order("fanout-1", "OrderCreated"), order("fanout-2", "OrderShipped")])
        stack.redeploy(config={"topology": "eventbridge", "previousTopology": "fanout"})
        assert stack.exports["channel"]["kind"] == "events"
        stack.publish([order("switching-1", "OrderCreated")])
        stack.redeploy(config={"previousTopology": None})
        assert [t for t in _topics() if ":fanout-topic-" in t] == []
        stack.publish([order("bus-1", "OrderCreated"), order("bus-2", "OrderShipped")])
        bus = stack.exports["channel"]["target"]
        stack.redeploy(config={"topology": "fanout", "previousTopology": "eventbridge"})
        stack.publish([order("back-1", "OrderCreated")])
        back = stack.redeploy(config={"previousTopology": None})
        assert "EventBus eventbridge-bus" in back.names("deleted")
        assert bus not in _buses()
        assert stack.exports["channel"]["kind"] == "sns"
        stack.publish([order("fanout-3", "OrderShipped")])
        stack.drain()
        report = stack.report()
        assert report["unrouted"] == [] and stack.dead_lettered("inventory") == []
        assert stack.processed("inventory") == ["fanout-1", "switching-1", "bus-1", "back-1"]
        assert sorted(stack.processed("analytics")) == sorted(report["sent"])
        assert len(report["sent"]) == 7


def test_step_two_of_the_switch_loses_nothing():
    config = {"aws:region": "eu-west-1", "topology": "eventbridge", "previousTopology": "fanout",
              "consumers": [{"name": "analytics", "processor": "audit:record"}]}  # fmt: skip
    with Stack("test", config=config) as stack:
        stack.publish([{"id": "before", "type": "OrderCreated", "data": {}}])
        stack.redeploy(config={"previousTopology": None})
        stack.publish([{"id": "after", "type": "OrderCreated", "data": {}}])
        stack.drain()
        assert stack.processed("analytics") == ["before", "after"]


def test_the_readme_prints_exactly_the_switch_example():
    assert printed_in_readme(__file__, "test_step_two_of_the_switch_loses_nothing")
