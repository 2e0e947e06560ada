"""CloudWatch metrics and DLQ alarm states for a served stack, as the services would publish them.

The embedded CloudWatch holds only what someone puts into it, so the emulator
counts what its SNS, EventBridge and SQS do (hooks on moto's backends) and
publishes the services' own metrics under their own namespaces and
dimensions, at most once a second:

* ``AWS/SNS`` ``NumberOfMessagesPublished`` and ``NumberOfNotificationsDelivered``
  (dimension ``TopicName``);
* ``AWS/Events`` ``MatchedEvents`` and ``Invocations`` (``EventBusName``, ``RuleName``);
* ``AWS/SQS`` ``NumberOfMessagesSent``, ``NumberOfMessagesReceived`` and
  ``NumberOfMessagesDeleted`` (``QueueName``), and the gauges
  ``ApproximateNumberOfMessagesVisible`` and ``ApproximateAgeOfOldestMessage``.

Counters are published only when non-zero (as AWS does for SNS and EventBridge);
gauges while a queue holds messages, and once more (0) when it empties, which
keeps the embedded CloudWatch small over a long session.
The DLQ depth alarms the program declares are evaluated against the queues'
depth and set to ``ALARM`` or ``OK`` with ``SetAlarmState``.
"""

from __future__ import annotations

import contextlib
import inspect
import threading
from collections import Counter
from datetime import datetime, timezone
from typing import Any, Callable, Iterator
from unittest import mock

from .aws import AwsMocks


class ServiceMetrics:
    def __init__(self, mocks: AwsMocks):
        self.mocks = mocks
        self._counts: Counter[tuple[str, str, tuple[tuple[str, str], ...]]] = Counter()
        self._lock = threading.Lock()
        self._alarm_states: dict[str, str] = {}

    def count(self, namespace: str, metric: str, dimensions: dict[str, str], value: int = 1) -> None:
        with self._lock:
            self._counts[(namespace, metric, tuple(sorted(dimensions.items())))] += value

    @contextlib.contextmanager
    def hooked(self) -> Iterator["ServiceMetrics"]:
        """Count what the embedded services do while the block runs."""
        from moto.events.models import Rule  # noqa: PLC0415 - moto loads with the stack
        from moto.sns.models import SNSBackend, Subscription  # noqa: PLC0415
        from moto.sqs.models import SQSBackend  # noqa: PLC0415

        metrics = self
        sns_publish, sns_deliver = SNSBackend.publish, Subscription.publish
        rule_send = Rule.send_to_targets
        sqs_send, sqs_receive, sqs_delete = (
            SQSBackend.send_message,
            SQSBackend.receive_message,
            SQSBackend.delete_message,
        )

        def publish(self, message, arn=None, *args, **kwargs):
            result = sns_publish(self, message, arn, *args, **kwargs)
            topic = kwargs.get("topic_arn") or arn
            if topic and ":" in topic:
                metrics.count("AWS/SNS", "NumberOfMessagesPublished", {"TopicName": topic.rsplit(":", 1)[-1]})
            return result

        deliver_signature = inspect.signature(sns_deliver)

        def deliver(self, *args, **kwargs):
            call = deliver_signature.bind(self, *args, **kwargs).arguments
            matcher = self._filter_policy_matcher
            passes = matcher is None or matcher.matches(call.get("message_attributes"), call["message"])
            result = sns_deliver(self, *args, **kwargs)
            if passes:
                topic = self.topic.arn.rsplit(":", 1)[-1]
                metrics.count("AWS/SNS", "NumberOfNotificationsDelivered", {"TopicName": topic})
            return result

        def send_to_targets(self, event, *args, **kwargs):
            if not getattr(self, "managed_by", None) and getattr(self, "state", "ENABLED") != "DISABLED":
                if self.event_pattern.matches_event(event):
                    dims = {"EventBusName": self.event_bus_name, "RuleName": self.name}
                    metrics.count("AWS/Events", "MatchedEvents", dims)
                    metrics.count("AWS/Events", "Invocations", dims, len(self.targets))
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

        with (
            mock.patch.object(SNSBackend, "publish", publish),
            mock.patch.object(Subscription, "publish", deliver),
            mock.patch.object(Rule, "send_to_targets", send_to_targets),
            mock.patch.object(SQSBackend, "send_message", send),
            mock.patch.object(SQSBackend, "receive_message", receive),
            mock.patch.object(SQSBackend, "delete_message", delete),
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

    def evaluate_alarms(self, alarms: Callable[[], list[dict[str, Any]]]) -> None:
        """Set each DLQ depth alarm to what its queue's depth says (only on a change, as CloudWatch does)."""
        cloudwatch = self.mocks.c["cloudwatch"]
        for alarm in alarms():
            name = next((a["name"] for a in self.mocks.alarms if a["resource"] == alarm["alarm"]), None)
            if name is None or self._alarm_states.get(name) == alarm["state"]:
                continue
            reason = f"queue {alarm['queue']} holds {alarm['value']} message(s); threshold {alarm['threshold']:g}"
            with contextlib.suppress(Exception):  # an alarm the embedded CloudWatch lacks stays unset
                cloudwatch.set_alarm_state(AlarmName=name, StateValue=alarm["state"], StateReason=reason)
                self._alarm_states[name] = alarm["state"]
