"""The emulator deploys the alarms, the dashboard and the schema registry into the embedded AWS,
and the producer it runs refuses an envelope that breaks its type's schema, sending nothing."""

from __future__ import annotations

import json

import boto3
import pytest
from e2e_support import DEV_CONSUMERS, INVENTORY, REGION, STACK, order, write_stack

import emulator
from emulator.errors import EmulatorError

SCHEMA_FILE = "tests/unit/schemas/order-created.json"


def deployed(tmp_path, consumers, topology, **options):
    return emulator.Stack(STACK, stack_file=write_stack(tmp_path, consumers, topology, **options))


def test_the_dashboard_and_every_consumer_alarm_exist_in_cloudwatch_naming_the_real_resources(tmp_path):
    with deployed(tmp_path, DEV_CONSUMERS, "fanout") as s:
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        name = s.exports["dashboardUrl"].rsplit("/", 1)[1]
        body = json.loads(cloudwatch.get_dashboard(DashboardName=name)["DashboardBody"])
        alarms = {a["AlarmName"]: a for a in cloudwatch.describe_alarms()["MetricAlarms"]}
        queues = {q.rsplit("/", 1)[1] for q in boto3.client("sqs", region_name=REGION).list_queues()["QueueUrls"]}
    graphed = {m[3] for w in body["widgets"] for m in w["properties"]["metrics"]}
    consumer_queues = {q for q in queues if "-queue-" in q}
    assert len(consumer_queues) == len(DEV_CONSUMERS) and consumer_queues <= graphed
    ages = [a for a in alarms.values() if a["MetricName"] == "ApproximateAgeOfOldestMessage"]
    assert {a["Dimensions"][0]["Value"] for a in ages} == consumer_queues
    assert {a["Threshold"] for a in ages} == {900.0}
    assert len([a for a in alarms.values() if a["MetricName"] in ("Errors", "Throttles")]) == 2 * len(DEV_CONSUMERS)
    (failed,) = [a for a in alarms.values() if a["MetricName"] == "NumberOfNotificationsFailed"]
    assert failed["AlarmActions"] and failed["AlarmActions"][0].startswith(f"arn:aws:sns:{REGION}:")


def test_an_envelope_breaking_its_schema_is_refused_by_the_producer_and_nothing_is_sent(tmp_path):
    with deployed(tmp_path, [INVENTORY], "eventbridge", schemas={"types": {"OrderCreated": SCHEMA_FILE}}) as s:
        (registry,) = s.mocks.schema_registries.values()
        assert registry["schemas"]["OrderCreated"]["type"] == "JSONSchemaDraft4"
        assert registry["schemas"]["OrderCreated"]["content"]["required"] == [
            "orderId",
            "customerName",
            "customerAddress",
        ]
        with pytest.raises(EmulatorError, match=r"messages\[1\]\.data: data must contain \['customerAddress'\]"):
            s.publish([order("good-1", "OrderCreated"), order("bad", "OrderCreated", valid=False)])
        s.drain()
        assert s.report()["consumers"]["inventory"] == {"processed": [], "dead_lettered": []}
        assert s.publish([order("good-2", "OrderCreated")]) == ["good-2"]
        s.drain()
        assert s.report()["consumers"]["inventory"]["processed"] == ["good-2"]


def test_discovery_puts_a_discoverer_on_the_stacks_bus(tmp_path):
    with deployed(tmp_path, [INVENTORY], "eventbridge", schemas={"discovery": True}) as s:
        bus = boto3.client("events", region_name=REGION).list_event_buses()["EventBuses"]
        custom = [b["Arn"] for b in bus if b["Name"] != "default"]
        assert list(s.mocks.discoverers.values()) == custom
