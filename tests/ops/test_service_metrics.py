"""The services' own CloudWatch metrics and the alarms on them, as ``emulator serve`` publishes and evaluates them
(emulator/metrics.py), checked in-process: failed SNS deliveries and EventBridge invocations where AWS would refuse
a route, Lambda's invocation, error and asynchronous-invocation counts, and each declared alarm's state."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import boto3
import pytest
from ops_support import REGION, order

import emulator
from components import lambda_env
from emulator.metrics import ServiceMetrics
from ops import status as ops_status
from ops import switch
from ops.stack import Stack as OpsStack

pytestmark = pytest.mark.xdist_group("service-metrics")  # the embedded AWS is one per process

CONSUMERS = [
    {"name": "inventory", "match": {"type": ["OrderCreated"]}},
    {"name": "analytics"},
    {"name": "alerts", "delivery": "direct", "match": {"type": ["OrderShipped"]}},
]
SENT = [
    order("created-1", type_="OrderCreated"),
    order("created-2", type_="OrderCreated"),
    order("shipped-1", type_="OrderShipped"),
    order("shipped-bad", valid=False, type_="OrderShipped"),  # the demo processor rejects it
]


def _dropping(*names: str):
    """A program transform that drops the named resources (a queue policy, a Lambda permission, a role policy)."""
    hits: set[str] = set()

    def transform(typ: str, name: str, inputs: dict) -> dict | None:
        if name in names:
            hits.add(name)
            return None
        return inputs

    transform.hits = hits  # type: ignore[attr-defined]
    return transform


def _observed(topology: str, *dropped: str) -> dict:
    """Deploy with ``dropped`` removed, send SENT, and read back what was published and each alarm's state."""
    transform = _dropping(*dropped)
    config = {"aws:region": REGION, "topology": topology, "consumers": CONSUMERS}
    with emulator.Stack(config=config, program_transform=transform) as stack:
        assert transform.hits == set(dropped)
        with ServiceMetrics(stack.mocks).hooked() as metrics:
            stack.publish(SENT)
            stack.drain()
            metrics.publish()
            metrics.evaluate_alarms(lambda: [])
        cloudwatch = boto3.client("cloudwatch", region_name=REGION)
        published = {}
        for page in cloudwatch.get_paginator("list_metrics").paginate():
            for m in page["Metrics"]:
                if m["Namespace"] in ("AWS/SNS", "AWS/Events", "AWS/Lambda"):
                    dims = tuple(sorted((d["Name"], d["Value"]) for d in m["Dimensions"]))
                    published[(m["Namespace"], m["MetricName"], dims)] = _sum(cloudwatch, m)
        alarms = {
            a["AlarmName"]: a["StateValue"]
            for a in cloudwatch.describe_alarms(AlarmTypes=["MetricAlarm"])["MetricAlarms"]
        }
        names = {a["resource"]: a["name"] for a in stack.mocks.alarms}
        functions = {f.environment.get(lambda_env.CONSUMER): f.name for f in stack.mocks.functions}
        topic = next((t["name"] for t in stack.mocks.topics.values() if t["resource"] == "fanout-topic"), None)
        rules = {r["resource"]: (r["bus"], r["name"]) for r in stack.mocks.rules.values()}
    return {
        "published": published,
        "alarm": lambda resource: alarms[names[resource]],
        "functions": functions,
        "topic": topic,
        "rules": rules,
    }


def _sum(cloudwatch, metric: dict) -> int:
    now = datetime.now(timezone.utc)
    points = cloudwatch.get_metric_statistics(
        Namespace=metric["Namespace"],
        MetricName=metric["MetricName"],
        Dimensions=metric["Dimensions"],
        StartTime=now - timedelta(seconds=600),
        EndTime=now + timedelta(seconds=1),
        Period=600,
        Statistics=["Sum"],
    )["Datapoints"]
    return int(sum(p["Sum"] for p in points))


@pytest.fixture(scope="module")
def fanout():
    # inventory's queue refuses the topic (its DLQ still takes what SNS gives up on); alerts' role may not
    # send to its DLQ.
    return _observed("fanout", "inventory-queue-policy", "alerts-role-policy")


@pytest.fixture(scope="module")
def eventbridge():
    # inventory's queue and DLQ refuse its rule (lost); nothing lets EventBridge invoke alerts' function.
    return _observed("eventbridge", "inventory-queue-policy", "inventory-dlq-policy", "eventbridge-alerts-permission")


def _lambda(seen: dict, consumer: str) -> dict[str, int]:
    dims = (("FunctionName", seen["functions"][consumer]),)
    return {metric: n for (ns, metric, d), n in seen["published"].items() if ns == "AWS/Lambda" and d == dims}


def test_sns_counts_a_refused_delivery_as_failed_not_delivered_even_when_its_dlq_took_it(fanout):
    dims = (("TopicName", fanout["topic"]),)
    counts = {metric: n for (ns, metric, d), n in fanout["published"].items() if ns == "AWS/SNS" and d == dims}
    # inventory selects the two OrderCreated: both fail (its queue policy is gone) and go to its DLQ;
    # analytics takes all four and alerts (direct) the two OrderShipped.
    assert counts == {
        "NumberOfMessagesPublished": len(SENT),
        "NumberOfNotificationsDelivered": len(SENT) + 2,
        "NumberOfNotificationsFailed": 2,
    }
    assert fanout["alarm"]("fanout-failed-deliveries-alarm") == "ALARM"


def test_lambda_counts_invocations_errors_and_the_asynchronous_events_of_a_direct_consumer(fanout):
    # alerts: shipped-1 once; shipped-bad raises three times (two retries), is dropped, and its DLQ send is
    # refused (the role policy that allowed it is gone).
    assert _lambda(fanout, "alerts") == {
        "Invocations": 4,
        "Errors": 3,
        "AsyncEventsReceived": 2,
        "AsyncEventsDropped": 1,
        "DeadLetterErrors": 1,
    }
    assert fanout["alarm"]("monitoring-alerts-errors-alarm") == "ALARM"


def test_a_batch_answered_with_item_failures_is_no_function_error(fanout):
    # analytics rejects shipped-bad until it is dead-lettered, but reports it in batchItemFailures.
    analytics = _lambda(fanout, "analytics")
    assert "Errors" not in analytics and analytics["Invocations"] >= 2
    assert fanout["alarm"]("monitoring-analytics-errors-alarm") == "OK"
    # inventory's queue never received anything: no invocation, no datapoint, the alarm is OK.
    assert _lambda(fanout, "inventory") == {}
    assert fanout["alarm"]("monitoring-inventory-errors-alarm") == "OK"


def test_the_emulator_never_throttles_and_publishes_no_throttles(fanout):
    for consumer in ("inventory", "analytics", "alerts"):
        assert "Throttles" not in _lambda(fanout, consumer)
        assert fanout["alarm"](f"monitoring-{consumer}-throttles-alarm") == "OK"
    # Messages waited moments only: the oldest message age alarms stay OK.
    assert fanout["alarm"]("monitoring-inventory-age-alarm") == "OK"


def test_eventbridge_counts_refused_targets_as_failed_invocations_per_rule(eventbridge):
    def counts(consumer: str) -> dict[str, int]:
        bus, rule = eventbridge["rules"][f"eventbridge-{consumer}-rule"]
        dims = (("EventBusName", bus), ("RuleName", rule))
        return {m: n for (ns, m, d), n in eventbridge["published"].items() if ns == "AWS/Events" and d == dims}

    assert counts("inventory") == {"MatchedEvents": 2, "Invocations": 2, "FailedInvocations": 2}
    assert counts("alerts") == {"MatchedEvents": 2, "Invocations": 2, "FailedInvocations": 2}
    assert counts("analytics") == {"MatchedEvents": len(SENT), "Invocations": len(SENT)}
    assert eventbridge["alarm"]("eventbridge-inventory-failed-invocations-alarm") == "ALARM"
    assert eventbridge["alarm"]("eventbridge-alerts-failed-invocations-alarm") == "ALARM"
    assert eventbridge["alarm"]("eventbridge-analytics-failed-invocations-alarm") == "OK"
    # Lambda never accepted an event for alerts: nothing received, nothing invoked.
    assert _lambda(eventbridge, "alerts") == {}


def _age_alarm(**overrides) -> dict:
    kwargs = {
        "Namespace": "AWS/SQS",
        "MetricName": "ApproximateAgeOfOldestMessage",
        "Dimensions": [{"Name": "QueueName", "Value": "orders"}],
        "Statistic": "Maximum",
        "Period": 60,
        "EvaluationPeriods": 1,
        "Threshold": 300.0,
        "ComparisonOperator": "GreaterThanOrEqualToThreshold",
        "TreatMissingData": "notBreaching",
        **overrides,
    }
    return {"name": "orders-age", "resource": "orders-age", "kwargs": kwargs}


def _ages(metrics: ServiceMetrics, now: datetime, ages: list[tuple[int, float]]) -> None:
    """Record what was published: (seconds before now, age)."""
    for before, age in ages:
        datum = {
            "MetricName": "ApproximateAgeOfOldestMessage",
            "Dimensions": [{"Name": "QueueName", "Value": "orders"}],
            "Timestamp": now - timedelta(seconds=before),
            "Value": age,
        }
        metrics._remember(datum["Timestamp"], {"AWS/SQS": [datum]})


def test_an_alarm_is_evaluated_with_its_own_statistic_period_threshold_and_missing_data_treatment():
    now = datetime.now(timezone.utc)
    alarm = _age_alarm()
    # The longest declared alarm (two periods) decides how long what was published is kept.
    metrics = ServiceMetrics(SimpleNamespace(alarms=[_age_alarm(EvaluationPeriods=2)]))  # type: ignore[arg-type]
    assert metrics.alarm_state(alarm, now)[0] == "OK"  # no data, treated as not breaching
    assert metrics.alarm_state(_age_alarm(TreatMissingData="missing"), now) is None  # keeps its state
    assert metrics.alarm_state(_age_alarm(TreatMissingData="breaching"), now)[0] == "ALARM"
    _ages(metrics, now, [(90, 999.0), (30, 120.0), (10, 310.0)])
    state, reason = metrics.alarm_state(alarm, now)
    assert state == "ALARM"  # the maximum over the last 60 s is 310 (the 999 is older than the period)
    assert reason == (
        "Maximum of ApproximateAgeOfOldestMessage over 60 s: 310; threshold GreaterThanOrEqualToThreshold 300"
    )
    assert metrics.alarm_state(_age_alarm(Statistic="Average"), now)[0] == "OK"  # (120 + 310) / 2
    assert metrics.alarm_state(_age_alarm(Threshold=310.0, ComparisonOperator="GreaterThanThreshold"), now)[0] == "OK"
    # Two periods, both must breach: the older one (999) does, the newer (310) does; with 400 the newer does not.
    assert metrics.alarm_state(_age_alarm(EvaluationPeriods=2), now)[0] == "ALARM"
    assert metrics.alarm_state(_age_alarm(EvaluationPeriods=2, Threshold=400.0), now)[0] == "OK"
    assert metrics.alarm_state(_age_alarm(EvaluationPeriods=2, DatapointsToAlarm=1, Threshold=400.0), now)[0] == "ALARM"


def test_switch_status_counts_the_old_topics_failed_deliveries_as_in_flight():
    # Mid-switch (fanout -> eventbridge): the old topic still publishes, and inventory's queue refuses it.
    config = {
        "aws:region": REGION,
        "topology": "eventbridge",
        "previousTopology": "fanout",
        "consumers": CONSUMERS[:2],
    }
    with emulator.Stack(config=config, program_transform=_dropping("inventory-queue-policy")) as stack:
        with ServiceMetrics(stack.mocks).hooked() as metrics:
            topic = next(arn for arn, t in stack.mocks.topics.items() if t["resource"] == "fanout-topic")
            boto3.client("sns", region_name=REGION).publish(TopicArn=topic, Message=json.dumps(SENT[0]))
            stack.drain()
            metrics.publish()
        status = switch.gather(OpsStack(stack.exports), window=60)  # what `ops switch status --json` prints
        consumers = ops_status.gather(OpsStack(stack.exports))["consumers"]  # what `ops status --json` prints
    (ingress,) = status["ingress"]
    assert (ingress["received"], ingress["delivered"], ingress["failed"]) == (1, 1, 1)  # analytics got it
    assert status["state"] == "in-flight"
    assert status["next_step"].startswith(
        "wait: in the last 60 s the draining fanout ingress was busy: its topic received 1 message(s) and "
        "delivered to consumers 1 time(s), 1 of its deliveries failed (to its dead-letter queues, or lost)"
    )
    # Empty queues: SQS publishes an oldest message age of 0 (not no data), and status shows it.
    assert {name: c["oldest_age_seconds"] for name, c in consumers.items()} == {"inventory": 0, "analytics": 0}
