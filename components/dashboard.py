"""The stack's CloudWatch dashboard and alarms as plain data: pure functions, no Pulumi.

`dashboard_body` is the JSON CloudWatch takes (its dashboard body structure);
`consumer_alarms` and `ingress_alarms` say which metric each alarm watches.
Physical names go in already resolved, so every function here is tested alone.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from components import defaults

WIDGET_WIDTH = 4  # grid columns: six consumer graphs fill CloudWatch's 24-column row
WIDGET_HEIGHT = 6  # grid rows


@dataclass(frozen=True, kw_only=True)
class ConsumerNames:
    """A consumer as its metrics name it."""

    name: str
    queue_name: str | None  # None: a direct consumer (SNS or EventBridge invokes its function; no queue)
    dlq_name: str
    function_name: str
    message_age_alarm_seconds: int


@dataclass(frozen=True, kw_only=True)
class IngressNames:
    """One topology's ingress as its metrics name it: the topic, or the bus and its rule per consumer."""

    kind: str  # a messaging:topology value
    topic_name: str | None = None  # fanout
    bus_name: str | None = None  # eventbridge
    rules: tuple[tuple[str, str], ...] = ()  # eventbridge: (consumer, its rule's name) per consumer
    queue_name: str | None = None  # point-to-point: the consumer queue the producer sends to


@dataclass(frozen=True, kw_only=True)
class AlarmSpec:
    """One CloudWatch alarm: its role in the resource name, what it watches, and when it fires."""

    role: str
    description: str
    namespace: str
    metric_name: str
    dimensions: dict[str, str]
    statistic: str
    threshold: float
    period_seconds: int = defaults.METRIC_ALARM_PERIOD_SECONDS


def dashboard_name(project: str, stack: str, component: str | None) -> str:
    """`<project>-<stack>[-<component>]`, with any character CloudWatch refuses replaced by '-'."""
    raw = "-".join(filter(None, [project, stack, component]))
    return re.sub(defaults.DASHBOARD_NAME_PATTERN, "-", raw)[: defaults.DASHBOARD_NAME_MAX_LENGTH]


def dashboard_url(region: str, name: str) -> str:
    """Where the console shows the dashboard."""
    return f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#dashboards/dashboard/{name}"


def consumer_alarms(consumer: ConsumerNames) -> list[AlarmSpec]:
    """Beside the DLQ alarm: a queue whose oldest message is too old (a direct consumer has no queue), a function
    that errors or is throttled."""
    function = {"FunctionName": consumer.function_name}
    age = [
        AlarmSpec(
            role="age-alarm",
            description=(
                f"The oldest message for consumer {consumer.name} is {consumer.message_age_alarm_seconds} s old or "
                "older: the consumer is not keeping up"
            ),
            namespace="AWS/SQS",
            metric_name="ApproximateAgeOfOldestMessage",
            dimensions={"QueueName": consumer.queue_name},
            statistic="Maximum",
            threshold=consumer.message_age_alarm_seconds,
        )
    ]
    return [
        *(age if consumer.queue_name is not None else []),
        AlarmSpec(
            role="errors-alarm",
            description=f"The function of consumer {consumer.name} failed whole invocations",
            namespace="AWS/Lambda",
            metric_name="Errors",
            dimensions=function,
            statistic="Sum",
            threshold=defaults.FUNCTION_ERRORS_ALARM_THRESHOLD,
        ),
        AlarmSpec(
            role="throttles-alarm",
            description=f"The function of consumer {consumer.name} was throttled",
            namespace="AWS/Lambda",
            metric_name="Throttles",
            dimensions=function,
            statistic="Sum",
            threshold=defaults.FUNCTION_THROTTLES_ALARM_THRESHOLD,
        ),
    ]


def ingress_alarms(ingress: IngressNames) -> list[AlarmSpec]:
    """Deliveries the ingress gave up on: SNS per topic, EventBridge per rule (point-to-point has none)."""
    if ingress.kind == "fanout":
        return [
            AlarmSpec(
                role="failed-deliveries-alarm",
                description="SNS failed to deliver messages from the fan-out topic",
                namespace="AWS/SNS",
                metric_name="NumberOfNotificationsFailed",
                dimensions={"TopicName": ingress.topic_name},
                statistic="Sum",
                threshold=defaults.FAILED_DELIVERIES_ALARM_THRESHOLD,
            )
        ]
    if ingress.kind == "eventbridge":
        return [
            AlarmSpec(
                role=f"{consumer}-failed-invocations-alarm",
                # The rule's name may still be an Output here: the description names the consumer only.
                description=f"EventBridge failed to deliver events of consumer {consumer}'s rule to its target",
                namespace="AWS/Events",
                metric_name="FailedInvocations",
                # Both dimensions: a rule on a custom bus (RuleName alone means the default bus).
                dimensions={"EventBusName": ingress.bus_name, "RuleName": rule},
                statistic="Sum",
                threshold=defaults.FAILED_DELIVERIES_ALARM_THRESHOLD,
            )
            for consumer, rule in ingress.rules
        ]
    return []


def _metric(namespace: str, metric: str, dimensions: dict[str, str], label: str, stat: str) -> list[Any]:
    flat: list[Any] = [namespace, metric]
    for key, value in dimensions.items():
        flat += [key, value]
    return [*flat, {"label": label, "stat": stat}]


def _graph(x: int, y: int, title: str, region: str, metrics: list[list[Any]], **extra: Any) -> dict[str, Any]:
    return {
        "type": "metric",
        "x": x,
        "y": y,
        "width": WIDGET_WIDTH,
        "height": WIDGET_HEIGHT,
        "properties": {
            "title": title,
            "region": region,
            "view": "timeSeries",
            "period": defaults.DASHBOARD_PERIOD_SECONDS,
            "metrics": metrics,
            **extra,
        },
    }


@dataclass(frozen=True)
class _Arrivals:
    """How a consumer's messages arrive, as the first two graphs of its row name them."""

    namespace: str
    count_title: str
    counts: tuple[tuple[str, str, str], ...]  # (metric, label, statistic)
    age_title: str
    age: tuple[str, str, str]


# A queue's depth and oldest age; for a direct consumer, the events SNS or EventBridge handed to Lambda and how
# long they waited for their invocation.
_QUEUE_ARRIVALS = _Arrivals(
    namespace="AWS/SQS",
    count_title="messages",
    counts=(
        ("ApproximateNumberOfMessagesVisible", "visible", "Maximum"),
        ("ApproximateNumberOfMessagesNotVisible", "in flight", "Maximum"),
    ),
    age_title="oldest message age (s)",
    age=("ApproximateAgeOfOldestMessage", "oldest age", "Maximum"),
)
_DIRECT_ARRIVALS = _Arrivals(
    namespace="AWS/Lambda",
    count_title="events (direct)",
    counts=(("AsyncEventsReceived", "received", "Sum"), ("AsyncEventsDropped", "dropped", "Sum")),
    age_title="event age (ms)",
    age=("AsyncEventAge", "event age", "Maximum"),
)


def _arrival_graphs(consumer: ConsumerNames) -> list[tuple[str, list[list[Any]], dict[str, Any]]]:
    """The first two graphs of a consumer's row: how many arrive, and how old the oldest is (for a queue, with
    the line where its alarm fires)."""
    if consumer.queue_name is None:
        arrivals, dimensions, age_extra = _DIRECT_ARRIVALS, {"FunctionName": consumer.function_name}, {}
    else:
        arrivals, dimensions = _QUEUE_ARRIVALS, {"QueueName": consumer.queue_name}
        age_extra = {"annotations": {"horizontal": [{"label": "alarm", "value": consumer.message_age_alarm_seconds}]}}
    age_metric, age_label, age_stat = arrivals.age
    return [
        (
            f"{consumer.name}: {arrivals.count_title}",
            [_metric(arrivals.namespace, metric, dimensions, label, stat) for metric, label, stat in arrivals.counts],
            {},
        ),
        (
            f"{consumer.name}: {arrivals.age_title}",
            [_metric(arrivals.namespace, age_metric, dimensions, age_label, age_stat)],
            age_extra,
        ),
    ]


def _consumer_row(consumer: ConsumerNames, region: str, y: int) -> list[dict[str, Any]]:
    function = {"FunctionName": consumer.function_name}
    name = consumer.name
    graphs = [
        *_arrival_graphs(consumer),
        (
            f"{name}: dead-letter queue",
            [_dlq_depth(consumer.dlq_name)],
            {},
        ),
        (
            f"{name}: function errors",
            [
                _metric("AWS/Lambda", "Errors", function, "errors", "Sum"),
                _metric("AWS/Lambda", "Throttles", function, "throttles", "Sum"),
            ],
            {},
        ),
        (
            f"{name}: duration (ms)",
            [
                _metric("AWS/Lambda", "Duration", function, "average", "Average"),
                _metric("AWS/Lambda", "Duration", function, "p99", "p99"),
            ],
            {},
        ),
        (
            f"{name}: concurrency",
            [_metric("AWS/Lambda", "ConcurrentExecutions", function, "concurrent executions", "Maximum")],
            {},
        ),
    ]
    return [
        _graph(index * WIDGET_WIDTH, y, title, region, metrics, **extra)
        for index, (title, metrics, extra) in enumerate(graphs)
    ]


def _ingress_metrics(ingress: IngressNames) -> tuple[list[list[Any]], list[list[Any]]]:
    """(published, delivered) metrics of one ingress."""
    if ingress.kind == "fanout":
        topic = {"TopicName": ingress.topic_name}
        return (
            [_metric("AWS/SNS", "NumberOfMessagesPublished", topic, "published", "Sum")],
            [
                _metric("AWS/SNS", "NumberOfNotificationsDelivered", topic, "delivered", "Sum"),
                _metric("AWS/SNS", "NumberOfNotificationsFailed", topic, "failed", "Sum"),
            ],
        )
    if ingress.kind == "eventbridge":
        published, delivered = [], []
        for consumer, rule in ingress.rules:
            dims = {"EventBusName": ingress.bus_name, "RuleName": rule}
            published.append(_metric("AWS/Events", "MatchedEvents", dims, f"{consumer} matched", "Sum"))
            delivered.append(_metric("AWS/Events", "Invocations", dims, f"{consumer} delivered", "Sum"))
            delivered.append(_metric("AWS/Events", "FailedInvocations", dims, f"{consumer} failed", "Sum"))
        return published, delivered
    queue = {"QueueName": ingress.queue_name}
    return (
        [_metric("AWS/SQS", "NumberOfMessagesSent", queue, "sent", "Sum")],
        [_metric("AWS/SQS", "NumberOfMessagesReceived", queue, "received", "Sum")],
    )


def _dlq_depth(dlq_name: str) -> list[Any]:
    """A DLQ's depth, as its alarm watches it."""
    return _metric("AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": dlq_name}, "DLQ depth", "Maximum")


def dashboard_body(
    region: str,
    consumers: Sequence[ConsumerNames],
    ingresses: Sequence[IngressNames],
    schedules_dlq_name: str | None = None,
) -> dict:
    """One row per ingress (published, delivered), then one row per consumer (six graphs), then, when the stack
    has schedules (`schedules_dlq_name`), a row with the depth of their DLQ (scheduled runs that failed)."""
    widgets: list[dict[str, Any]] = []
    y = 0
    for ingress in ingresses:
        published, delivered = _ingress_metrics(ingress)
        widgets.append(_graph(0, y, f"{ingress.kind}: published", region, published))
        widgets.append(_graph(WIDGET_WIDTH, y, f"{ingress.kind}: delivered", region, delivered))
        y += WIDGET_HEIGHT
    for consumer in consumers:
        widgets.extend(_consumer_row(consumer, region, y))
        y += WIDGET_HEIGHT
    if schedules_dlq_name is not None:
        widgets.append(_graph(0, y, "schedules: dead-letter queue", region, [_dlq_depth(schedules_dlq_name)]))
    return {"widgets": widgets}
