"""Alarms and the dashboard: what each alarm watches and whom it notifies, what the dashboard shows
per consumer and per ingress, and the maxMessageAgeSeconds key refused when it could never fire."""

import json

import pytest
from pulumi_harness import DEMO_CONSUMERS, REGION, stack_config

from components import dashboard, defaults
from components.config import ConfigError, parse_stack_config
from components.dashboard import ConsumerNames, IngressNames

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


def consumer_names(name="inventory", age=900):
    return ConsumerNames(
        name=name,
        queue_name=f"{name}-queue-1",
        dlq_name=f"{name}-dlq-1",
        function_name=f"{name}-function-1",
        message_age_alarm_seconds=age,
    )


def alarm_view(alarm):
    i = alarm.inputs
    return (i["namespace"], i["metricName"], i["dimensions"], i["statistic"], i["threshold"], i["comparisonOperator"])


# --- the dashboard body, without Pulumi ------------------------------------------


def test_each_consumer_row_shows_visible_in_flight_age_dlq_errors_duration_and_concurrency():
    body = dashboard.dashboard_body(REGION, [consumer_names()], [IngressNames(kind="fanout", topic_name="t-1")])
    row = [w for w in body["widgets"] if w["properties"]["title"].startswith("inventory: ")]
    shown = {
        w["properties"]["title"]: [(m[0], m[1], m[3], m[-1]["stat"]) for m in w["properties"]["metrics"]] for w in row
    }
    assert shown == {
        "inventory: messages": [
            ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "inventory-queue-1", "Maximum"),
            ("AWS/SQS", "ApproximateNumberOfMessagesNotVisible", "inventory-queue-1", "Maximum"),
        ],
        "inventory: oldest message age (s)": [
            ("AWS/SQS", "ApproximateAgeOfOldestMessage", "inventory-queue-1", "Maximum")
        ],
        "inventory: dead-letter queue": [
            ("AWS/SQS", "ApproximateNumberOfMessagesVisible", "inventory-dlq-1", "Maximum")
        ],
        "inventory: function errors": [
            ("AWS/Lambda", "Errors", "inventory-function-1", "Sum"),
            ("AWS/Lambda", "Throttles", "inventory-function-1", "Sum"),
        ],
        "inventory: duration (ms)": [
            ("AWS/Lambda", "Duration", "inventory-function-1", "Average"),
            ("AWS/Lambda", "Duration", "inventory-function-1", "p99"),
        ],
        "inventory: concurrency": [("AWS/Lambda", "ConcurrentExecutions", "inventory-function-1", "Maximum")],
    }
    age = next(w for w in row if "oldest" in w["properties"]["title"])
    assert age["properties"]["annotations"] == {"horizontal": [{"label": "alarm", "value": 900}]}
    # Six graphs side by side fill one 24-column row, below the ingress row.
    assert sorted(w["x"] for w in row) == [0, 4, 8, 12, 16, 20] and {w["y"] for w in row} == {6}
    assert all(w["properties"]["region"] == REGION and w["type"] == "metric" for w in body["widgets"])


def test_consumers_get_one_row_each_in_the_order_given():
    body = dashboard.dashboard_body(REGION, [consumer_names("a"), consumer_names("b")], [])
    assert [(w["y"], w["properties"]["title"].split(":")[0]) for w in body["widgets"] if w["x"] == 0] == [
        (0, "a"),
        (6, "b"),
    ]


def test_schedules_get_a_row_below_the_consumers_with_their_dlq_depth():
    body = dashboard.dashboard_body(REGION, [consumer_names("a")], [], schedules_dlq_name="schedules-dlq-1")
    *_, last = body["widgets"]
    assert (last["x"], last["y"], last["properties"]["title"]) == (0, 6, "schedules: dead-letter queue")
    assert last["properties"]["metrics"] == [
        [
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            "schedules-dlq-1",
            {"label": "DLQ depth", "stat": "Maximum"},
        ]
    ]
    without = dashboard.dashboard_body(REGION, [consumer_names("a")], [])
    assert body["widgets"][:-1] == without["widgets"]


@pytest.mark.parametrize(
    ("ingress", "published", "delivered"),
    [
        (
            IngressNames(kind="fanout", topic_name="topic-1"),
            [("AWS/SNS", "NumberOfMessagesPublished", ["TopicName", "topic-1"])],
            [
                ("AWS/SNS", "NumberOfNotificationsDelivered", ["TopicName", "topic-1"]),
                ("AWS/SNS", "NumberOfNotificationsFailed", ["TopicName", "topic-1"]),
            ],
        ),
        (
            IngressNames(kind="eventbridge", bus_name="bus-1", rules=(("inventory", "inventory"),)),
            [("AWS/Events", "MatchedEvents", ["EventBusName", "bus-1", "RuleName", "inventory"])],
            [
                ("AWS/Events", "Invocations", ["EventBusName", "bus-1", "RuleName", "inventory"]),
                ("AWS/Events", "FailedInvocations", ["EventBusName", "bus-1", "RuleName", "inventory"]),
            ],
        ),
        (
            IngressNames(kind="point-to-point", queue_name="inventory-queue-1"),
            [("AWS/SQS", "NumberOfMessagesSent", ["QueueName", "inventory-queue-1"])],
            [("AWS/SQS", "NumberOfMessagesReceived", ["QueueName", "inventory-queue-1"])],
        ),
    ],
    ids=["fanout", "eventbridge", "point-to-point"],
)
def test_the_ingress_row_shows_what_was_published_and_what_was_delivered(ingress, published, delivered):
    body = dashboard.dashboard_body(REGION, [], [ingress])
    graphs = {w["properties"]["title"]: w["properties"]["metrics"] for w in body["widgets"]}
    assert [(m[0], m[1], m[2:-1]) for m in graphs[f"{ingress.kind}: published"]] == published
    assert [(m[0], m[1], m[2:-1]) for m in graphs[f"{ingress.kind}: delivered"]] == delivered


def test_dashboard_names_keep_only_characters_cloudwatch_allows_and_the_url_opens_it():
    assert dashboard.dashboard_name("messaging", "dev.eu", None) == "messaging-dev-eu"
    assert dashboard.dashboard_name("messaging", "dev", "shop") == "messaging-dev-shop"
    assert len(dashboard.dashboard_name("p", "s" * 300, None)) == defaults.DASHBOARD_NAME_MAX_LENGTH
    assert dashboard.dashboard_url("eu-west-1", "messaging-dev") == (
        "https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#dashboards/dashboard/messaging-dev"
    )


# --- the program under mocks ------------------------------------------------------


@pytest.mark.parametrize("topology", ["point-to-point", "fanout", "eventbridge"])
def test_every_consumer_alarms_on_oldest_age_errors_and_throttles_and_notifies_the_alarm_topic(deploy, topology):
    d = deploy(topology)
    topic = d.output("alarms-topic", "arn")
    consumers = ["inventory"] if topology == "point-to-point" else [c["name"] for c in DEMO_CONSUMERS]
    for name in consumers:
        queue = d.output(f"{name}-queue", "name")
        function = d.output(f"{name}-function", "name")
        views = {
            role: alarm_view(d.named(f"monitoring-{name}-{role}"))
            for role in ("age-alarm", "errors-alarm", "throttles-alarm")
        }
        assert views == {
            # Derived: 30 s timeout x visibility factor 6 x 5 receives.
            "age-alarm": (
                "AWS/SQS",
                "ApproximateAgeOfOldestMessage",
                {"QueueName": queue},
                "Maximum",
                900,
                "GreaterThanOrEqualToThreshold",
            ),
            "errors-alarm": (
                "AWS/Lambda",
                "Errors",
                {"FunctionName": function},
                "Sum",
                1,
                "GreaterThanOrEqualToThreshold",
            ),
            "throttles-alarm": (
                "AWS/Lambda",
                "Throttles",
                {"FunctionName": function},
                "Sum",
                1,
                "GreaterThanOrEqualToThreshold",
            ),
        }
        for role in views:
            alarm = d.named(f"monitoring-{name}-{role}")
            assert alarm.inputs["alarmActions"] == [topic] == alarm.inputs["okActions"]
            assert alarm.inputs["period"] == 60 and alarm.parent == d.named("monitoring").urn


def test_max_message_age_seconds_sets_the_age_alarm_of_that_consumer_only(deploy):
    d = deploy("fanout", [{"name": "inventory", "maxMessageAgeSeconds": 120}, {"name": "analytics"}])
    assert d.named("monitoring-inventory-age-alarm").inputs["threshold"] == 120
    assert d.named("monitoring-analytics-age-alarm").inputs["threshold"] == 900


def test_the_derived_age_follows_the_consumers_timeout_and_receive_count(deploy):
    d = deploy("fanout", [{"name": "inventory", "timeoutSeconds": 60, "maxReceiveCount": 10}])
    assert d.named("monitoring-inventory-age-alarm").inputs["threshold"] == 60 * 6 * 10


def test_fanout_alarms_on_notifications_sns_failed_to_deliver(deploy):
    d = deploy("fanout")
    alarm = d.named("fanout-failed-deliveries-alarm")
    assert alarm_view(alarm) == (
        "AWS/SNS",
        "NumberOfNotificationsFailed",
        {"TopicName": d.output("fanout-topic", "name")},
        "Sum",
        1,
        "GreaterThanOrEqualToThreshold",
    )
    assert alarm.inputs["alarmActions"] == [d.output("alarms-topic", "arn")]
    assert alarm.parent == d.named("fanout").urn


def test_eventbridge_alarms_on_each_rules_failed_invocations_on_its_custom_bus(deploy):
    d = deploy("eventbridge")
    bus = d.output("eventbridge-bus", "name")
    for consumer in DEMO_CONSUMERS:
        alarm = d.named(f"eventbridge-{consumer['name']}-failed-invocations-alarm")
        assert alarm_view(alarm) == (
            "AWS/Events",
            "FailedInvocations",
            {"EventBusName": bus, "RuleName": d.output(f"eventbridge-{consumer['name']}-rule", "name")},
            "Sum",
            1,
            "GreaterThanOrEqualToThreshold",
        )
        assert alarm.inputs["alarmActions"] == [d.output("alarms-topic", "arn")]


def test_point_to_point_has_no_delivery_alarm_beyond_the_consumers(deploy):
    d = deploy("point-to-point")
    names = sorted(a.name for a in d.of_type(ALARM))
    assert names == [
        "inventory-dlq-alarm",
        "monitoring-inventory-age-alarm",
        "monitoring-inventory-errors-alarm",
        "monitoring-inventory-throttles-alarm",
    ]


def test_a_switch_alarms_on_both_ingresses_while_the_old_one_drains(deploy):
    d = deploy("eventbridge", previousTopology="fanout")
    assert d.named("fanout-failed-deliveries-alarm").inputs["metricName"] == "NumberOfNotificationsFailed"
    assert d.named("eventbridge-inventory-failed-invocations-alarm").inputs["metricName"] == "FailedInvocations"
    body = json.loads(d.named("monitoring-dashboard").inputs["dashboardBody"])
    titles = [w["properties"]["title"] for w in body["widgets"]]
    assert titles[:4] == ["eventbridge: published", "eventbridge: delivered", "fanout: published", "fanout: delivered"]


def test_the_stack_has_one_dashboard_naming_the_real_queues_functions_and_topic(deploy):
    d = deploy("fanout")
    (board,) = d.of_type("aws:cloudwatch/dashboard:Dashboard")
    assert board.inputs["dashboardName"] == "messaging-dev"
    body = json.loads(board.inputs["dashboardBody"])
    named = {json.dumps(m) for w in body["widgets"] for m in w["properties"]["metrics"]}
    for consumer in DEMO_CONSUMERS:
        name = consumer["name"]
        for resource, key in ((f"{name}-queue", "name"), (f"{name}-dlq", "name"), (f"{name}-function", "name")):
            assert any(d.output(resource, key) in m for m in named), resource
    assert any(d.output("fanout-topic", "name") in m for m in named)
    assert len(body["widgets"]) == 2 + 6 * len(DEMO_CONSUMERS)


def test_the_dashboard_url_is_a_stack_output(deploy):
    d = deploy("fanout")
    assert d.exports["dashboardUrl"] == dashboard.dashboard_url(REGION, "messaging-dev")


# --- bad input ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("tuning", "message"),
    [
        (
            {"maxMessageAgeSeconds": 30},
            "messaging:consumers[0].maxMessageAgeSeconds: 30 is not allowed; use a whole number from 60 to 1209600",
        ),
        (
            {"maxMessageAgeSeconds": "15m"},
            'messaging:consumers[0].maxMessageAgeSeconds: "15m" is not allowed; use a whole number from 60 to 1209600',
        ),
        (
            {"maxMessageAgeSeconds": 400_000},
            "messaging:consumers[0].maxMessageAgeSeconds: 400000 is not below the queue retention of 345600 s, so the "
            "alarm could never fire; use a value from 60 to 345599",
        ),
        (
            {"timeoutSeconds": 900, "maxReceiveCount": 100},
            "messaging:consumers[0].maxMessageAgeSeconds: 540000 (derived: timeout x 6 x maxReceiveCount) is not "
            "below the queue retention of 345600 s",
        ),
    ],
    ids=["below a minute", "not a number", "past retention", "derived past retention"],
)
def test_an_age_alarm_that_could_never_fire_is_refused_before_any_resource(attempt, tuning, message):
    error, deployment = attempt(stack_config("fanout", [{"name": "inventory", **tuning}]))
    assert isinstance(error, ConfigError) and message in str(error)
    assert deployment.resources == []


def test_a_longer_queue_retention_admits_a_longer_age_alarm():
    config = parse_stack_config(
        {"consumers": [{"name": "inventory", "maxMessageAgeSeconds": 400_000}], "queueRetentionDays": 5},
        project="messaging",
        stack="dev",
        region=REGION,
    )
    assert config.consumers[0].message_age_alarm_seconds == 400_000
