"""CloudWatch metrics and alarm states for a served stack, as the services would publish them.

The embedded CloudWatch holds only what someone puts into it, so the emulator
counts what its SNS, EventBridge, SQS and Lambda service do (hooks on moto's
backends and on the emulator's function sandbox and asynchronous invoker) and
publishes the services' own metrics under their own namespaces and
dimensions, at most once a second:

* ``AWS/SNS`` ``NumberOfMessagesPublished``, ``NumberOfNotificationsDelivered`` and
  ``NumberOfNotificationsFailed`` (dimension ``TopicName``): a delivery fails when its route is
  blocked (``emulator.routes``: the queue policy or Lambda permission does not allow the topic), also
  when what it carried then went to the subscription's DLQ;
* ``AWS/Events`` ``MatchedEvents``, ``Invocations`` and ``FailedInvocations`` (``EventBusName``,
  ``RuleName``): an invocation fails when its target's route is blocked or its target bus does not
  exist (``Invocations`` counts failed invocations too, as EventBridge does);
* ``AWS/SQS`` ``NumberOfMessagesSent``, ``NumberOfMessagesReceived`` and
  ``NumberOfMessagesDeleted`` (``QueueName``), and the gauges
  ``ApproximateNumberOfMessagesVisible`` and ``ApproximateAgeOfOldestMessage``;
* ``AWS/Lambda`` ``Invocations`` and ``Errors`` (``FunctionName``): an error is an invocation whose
  handler raised (a batch answered with ``batchItemFailures`` is not one); for a direct consumer's
  asynchronous invocations ``AsyncEventsReceived``, ``AsyncEventsDropped``, ``DeadLetterErrors`` and
  ``DestinationDeliveryFailures`` (``emulator.async_invoker``). No ``Throttles``: the emulator runs
  every invocation, it never throttles.

Counters are published only when non-zero (as AWS does for SNS and EventBridge);
gauges while a queue holds messages, and once more (0) when it empties, which
keeps the embedded CloudWatch small over a long session.
Every alarm the program declares is set to ``ALARM`` or ``OK`` with ``SetAlarmState``: the DLQ depth
alarms from their queues' depth, the others from what was published here, with the alarm's own
metric, statistic, period, evaluation periods, threshold, comparison and missing-data treatment.
"""

from __future__ import annotations

import contextlib
import inspect
import json
import threading
from collections import Counter, deque
from datetime import datetime, timedelta, timezone
from typing import Any, Callable, Iterator
from unittest import mock

from .aws import AwsMocks, Route
from .errors import EmulatorError
from .report import COMPARISONS

Dims = tuple[tuple[str, str], ...]
STATISTICS: dict[str, Callable[[list[float]], float]] = {
    "Sum": sum,
    "Maximum": max,
    "Minimum": min,
    "Average": lambda values: sum(values) / len(values),
    "SampleCount": len,
}
DEFAULT_HISTORY_SECONDS = 60  # s: what is kept when no alarm needs more (CloudWatch's finest standard period)


def _dims(dimensions: list[dict[str, str]]) -> Dims:
    """CloudWatch's [{"Name", "Value"}] as the key a metric is kept under (order does not matter)."""
    return tuple(sorted((d["Name"], d["Value"]) for d in dimensions))


class ServiceMetrics:
    def __init__(self, mocks: AwsMocks):
        self.mocks = mocks
        self._counts: Counter[tuple[str, str, Dims]] = Counter()
        self._lock = threading.Lock()
        self._alarm_states: dict[str, str] = {}
        # What was published, per metric, for as long as the longest alarm looks back: (time, value).
        self._history: dict[tuple[str, str, Dims], deque[tuple[datetime, float]]] = {}

    def count(self, namespace: str, metric: str, dimensions: dict[str, str], value: int = 1) -> None:
        with self._lock:
            self._counts[(namespace, metric, tuple(sorted(dimensions.items())))] += value

    def _routes(self, *kinds: str) -> list[Route]:
        return [r for r in self.mocks.routes if r.kind in kinds]

    @contextlib.contextmanager
    def hooked(self) -> Iterator["ServiceMetrics"]:
        """Count what the embedded services do while the block runs."""
        from moto.events.models import Rule  # noqa: PLC0415 - moto loads with the stack
        from moto.sns.models import SNSBackend, Subscription  # noqa: PLC0415
        from moto.sns.utils import FilterPolicyMatcher  # noqa: PLC0415
        from moto.sqs.models import SQSBackend  # noqa: PLC0415

        from .async_invoker import AsyncInvoker  # noqa: PLC0415
        from .aws.events import _bus_exists, is_bus_arn  # noqa: PLC0415
        from .sandbox import FunctionSandbox  # noqa: PLC0415

        metrics = self
        sns_publish, sns_deliver = SNSBackend.publish, Subscription.publish
        rule_send = Rule.send_to_targets
        sqs_send, sqs_receive, sqs_delete = (
            SQSBackend.send_message,
            SQSBackend.receive_message,
            SQSBackend.delete_message,
        )
        sandbox_invoke = FunctionSandbox.invoke
        publish_signature = inspect.signature(sns_publish)

        def selects(route: Route, message: str, attributes: Any) -> bool:
            """Would the blocked subscription's filter policy have selected the message?"""
            policy = route.detail["attributes"].get("FilterPolicy")
            if not policy:
                return True
            scope = route.detail["attributes"].get("FilterPolicyScope")
            return FilterPolicyMatcher(json.loads(policy), scope).matches(attributes, message)

        def publish(self, message, arn=None, *args, **kwargs):
            result = sns_publish(self, message, arn, *args, **kwargs)
            call = publish_signature.bind(self, message, arn, *args, **kwargs).arguments
            topic = kwargs.get("topic_arn") or arn
            if topic and ":" in topic:
                dims = {"TopicName": topic.rsplit(":", 1)[-1]}
                metrics.count("AWS/SNS", "NumberOfMessagesPublished", dims)
                # A blocked subscription to a queue is gone from moto: SNS would have tried it and failed.
                for route in metrics._routes("sns-subscription"):
                    if route.source_arn == topic and route.detail.get("blocked"):
                        if selects(route, message, call.get("message_attributes") or {}):
                            metrics.count("AWS/SNS", "NumberOfNotificationsFailed", dims)
            return result

        deliver_signature = inspect.signature(sns_deliver)

        def deliver(self, *args, **kwargs):
            call = deliver_signature.bind(self, *args, **kwargs).arguments
            matcher = self._filter_policy_matcher
            passes = matcher is None or matcher.matches(call.get("message_attributes"), call["message"])
            result = sns_deliver(self, *args, **kwargs)
            if passes:
                dims = {"TopicName": self.topic.arn.rsplit(":", 1)[-1]}
                fallback = any(
                    r.detail.get("fallback_subscription") == self.arn for r in metrics._routes("sns-subscription")
                )
                blocked = any(
                    r.detail.get("arn") == self.arn and r.detail.get("blocked") for r in metrics._routes("sns-lambda")
                )
                if blocked:  # Lambda refuses SNS (no permission): the notification fails
                    metrics.count("AWS/SNS", "NumberOfNotificationsFailed", dims)
                elif not fallback:  # a redrive to the DLQ of a failed subscription, counted at publish
                    metrics.count("AWS/SNS", "NumberOfNotificationsDelivered", dims)
            return result

        def send_to_targets(self, event, *args, **kwargs):
            if not getattr(self, "managed_by", None) and getattr(self, "state", "ENABLED") != "DISABLED":
                if self.event_pattern.matches_event(event):
                    dims = {"EventBusName": self.event_bus_name, "RuleName": self.name}
                    routes = [
                        r
                        for r in metrics._routes("eventbridge-target", "eventbridge-bus-target", "eventbridge-lambda")
                        if r.source_arn == self.arn
                    ]
                    fallbacks = {r.detail.get("fallback_target") for r in routes} - {None}
                    # A blocked queue or bus target is gone from moto (its DLQ target, if any, stands in for it).
                    removed = [r for r in routes if r.detail.get("blocked") and r.kind != "eventbridge-lambda"]
                    failed = [r for r in routes if r.detail.get("blocked")]
                    missing_bus = [
                        t for t in self.targets if is_bus_arn(t.get("Arn", "")) and not _bus_exists(t["Arn"])
                    ]
                    invoked = [t for t in self.targets if t.get("Id") not in fallbacks]
                    metrics.count("AWS/Events", "MatchedEvents", dims)
                    metrics.count("AWS/Events", "Invocations", dims, len(invoked) + len(removed))
                    metrics.count("AWS/Events", "FailedInvocations", dims, len(failed) + len(missing_bus))
            return rule_send(self, event, *args, **kwargs)

        def send(self, queue_name, *args, **kwargs):
            message = sqs_send(self, queue_name, *args, **kwargs)
            metrics.count("AWS/SQS", "NumberOfMessagesSent", {"QueueName": queue_name})
            return message

        def receive(self, queue_name, *args, **kwargs):
            messages = sqs_receive(self, queue_name, *args, **kwargs)
            if messages:
                metrics.count("AWS/SQS", "NumberOfMessagesReceived", {"QueueName": queue_name}, len(messages))
            return messages

        def delete(self, queue_name, receipt_handle):
            result = sqs_delete(self, queue_name, receipt_handle)
            metrics.count("AWS/SQS", "NumberOfMessagesDeleted", {"QueueName": queue_name})
            return result

        def invoke(self, fn, event):
            dims = {"FunctionName": fn.name}
            try:
                result = sandbox_invoke(self, fn, event)
            except EmulatorError:
                raise  # the emulator could not run it: no invocation of the function's code
            except Exception:
                # A raised exception is a function error; a batch answered with batchItemFailures is not.
                metrics.count("AWS/Lambda", "Invocations", dims)
                metrics.count("AWS/Lambda", "Errors", dims)
                raise
            metrics.count("AWS/Lambda", "Invocations", dims)
            return result

        def observe(self, metric, fn):
            metrics.count("AWS/Lambda", metric, {"FunctionName": fn.name})

        with (
            mock.patch.object(SNSBackend, "publish", publish),
            mock.patch.object(Subscription, "publish", deliver),
            mock.patch.object(Rule, "send_to_targets", send_to_targets),
            mock.patch.object(SQSBackend, "send_message", send),
            mock.patch.object(SQSBackend, "receive_message", receive),
            mock.patch.object(SQSBackend, "delete_message", delete),
            mock.patch.object(FunctionSandbox, "invoke", invoke),
            mock.patch.object(AsyncInvoker, "observe", observe),
        ):
            yield self

    def publish(self) -> None:
        """Put the counts gathered since the last call as one datapoint each (Unit Count, statistic Sum)."""
        with self._lock:
            counts, self._counts = self._counts, Counter()
        now = datetime.now(timezone.utc)
        by_namespace: dict[str, list[dict[str, Any]]] = {}
        for (namespace, metric, dims), value in sorted(counts.items()):
            if value:
                by_namespace.setdefault(namespace, []).append(
                    {
                        "MetricName": metric,
                        "Dimensions": [{"Name": k, "Value": v} for k, v in dims],
                        "Timestamp": now,
                        "Value": float(value),
                        "Unit": "Count",
                    }
                )
        by_namespace.setdefault("AWS/SQS", []).extend(self._queue_gauges(now))
        self._remember(now, by_namespace)
        cloudwatch = self.mocks.c["cloudwatch"]
        for namespace, data in by_namespace.items():
            if not data:
                continue
            for start in range(0, len(data), 1000):
                cloudwatch.put_metric_data(Namespace=namespace, MetricData=data[start : start + 1000])

    def _queue_gauges(self, now: datetime) -> list[dict[str, Any]]:
        from moto.sqs.models import sqs_backends  # noqa: PLC0415

        backend = sqs_backends[self.mocks.account][self.mocks.region]
        out = []
        for q in self.mocks.queues.values():
            queue = backend.queues.get(q["name"])
            if queue is None:
                continue
            # SQS reports these gauges every minute for an active queue, zero when it is empty, so a
            # queue that drained between two samples still shows an age of 0 rather than no data.
            messages = list(queue._messages)
            oldest = min((m.sent_timestamp or 0 for m in messages), default=None)
            age = max(0.0, now.timestamp() - oldest / 1000) if oldest else 0.0
            visible = sum(1 for m in messages if m.visible and not m.delayed)
            dims = [{"Name": "QueueName", "Value": q["name"]}]
            out.append({"MetricName": "ApproximateAgeOfOldestMessage", "Dimensions": dims, "Timestamp": now,
                        "Value": float(int(age)), "Unit": "Seconds"})  # fmt: skip
            out.append({"MetricName": "ApproximateNumberOfMessagesVisible", "Dimensions": dims, "Timestamp": now,
                        "Value": float(visible), "Unit": "Count"})  # fmt: skip
        return out

    def _remember(self, now: datetime, by_namespace: dict[str, list[dict[str, Any]]]) -> None:
        """Keep what was just published for as long as the longest alarm looks back."""
        keep = max(
            (a["kwargs"].get("Period", 0) * a["kwargs"].get("EvaluationPeriods", 1) for a in self.mocks.alarms),
            default=DEFAULT_HISTORY_SECONDS,
        )
        oldest = now - timedelta(seconds=max(keep, DEFAULT_HISTORY_SECONDS))
        for namespace, data in by_namespace.items():
            for d in data:
                dims = _dims(d["Dimensions"])
                points = self._history.setdefault((namespace, d["MetricName"], dims), deque())
                points.append((d["Timestamp"], d["Value"]))
        for points in self._history.values():
            while points and points[0][0] < oldest:
                points.popleft()

    def alarm_state(self, alarm: dict[str, Any], now: datetime) -> tuple[str, str] | None:
        """(state, reason) of one declared metric alarm from what was published; None: it keeps its state.

        As CloudWatch evaluates it: the statistic of each of the last ``EvaluationPeriods`` periods, ALARM
        when ``DatapointsToAlarm`` of them breach; a period without data counts as ``TreatMissingData`` says
        (``notBreaching``: OK, ``breaching``: ALARM, ``missing`` or ``ignore``: the state stays).
        """
        kw = alarm["kwargs"]
        stat = STATISTICS.get(kw.get("Statistic", ""))
        compare = COMPARISONS.get(kw.get("ComparisonOperator", ""))
        if stat is None or compare is None or not kw.get("Period"):
            return None  # an extended statistic or an anomaly band: not evaluated
        period, periods = kw["Period"], kw.get("EvaluationPeriods", 1)
        needed = kw.get("DatapointsToAlarm", periods)
        threshold = float(kw.get("Threshold", 0))
        dims = _dims(kw.get("Dimensions", []))
        points = self._history.get((kw.get("Namespace", ""), kw.get("MetricName", ""), dims), ())
        missing = kw.get("TreatMissingData", "missing")
        breaching, seen, values = 0, 0, []
        for n in range(periods):
            end = now - timedelta(seconds=n * period)
            inside = [v for t, v in points if end - timedelta(seconds=period) < t <= end]
            if inside:
                seen += 1
                values.append(stat(inside))
                breaching += compare(values[-1], threshold)
            elif missing == "breaching":
                breaching += 1
        if not seen and missing not in ("breaching", "notBreaching"):
            return None
        state = "ALARM" if breaching >= needed else "OK"
        what = f"{kw['Statistic']} of {kw['MetricName']} over {period} s"
        shown = ", ".join(f"{v:g}" for v in values) if values else "no datapoints"
        return state, f"{what}: {shown}; threshold {kw.get('ComparisonOperator')} {threshold:g}"

    def evaluate_alarms(self, alarms: Callable[[], list[dict[str, Any]]]) -> None:
        """Set each declared alarm to what its metric says (only on a change, as CloudWatch notifies).

        ``alarms``: the DLQ depth alarms, evaluated from their queues' depth (``emulator.report.queue_alarms``);
        every other alarm is evaluated from what ``publish`` put into the embedded CloudWatch.
        """
        now = datetime.now(timezone.utc)
        states: dict[str, tuple[str, str]] = {}
        for alarm in alarms():
            name = next((a["name"] for a in self.mocks.alarms if a["resource"] == alarm["alarm"]), None)
            if name is not None:
                reason = f"queue {alarm['queue']} holds {alarm['value']} message(s); threshold {alarm['threshold']:g}"
                states[name] = (alarm["state"], reason)
        for declared in self.mocks.alarms:
            if declared["name"] not in states:
                evaluated = self.alarm_state(declared, now)
                if evaluated is not None:
                    states[declared["name"]] = evaluated
        cloudwatch = self.mocks.c["cloudwatch"]
        for name, (state, reason) in states.items():
            if self._alarm_states.get(name) == state:
                continue
            with contextlib.suppress(Exception):  # an alarm the embedded CloudWatch lacks stays unset
                cloudwatch.set_alarm_state(AlarmName=name, StateValue=state, StateReason=reason)
                self._alarm_states[name] = state
