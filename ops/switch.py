"""``ops switch status``: is the draining ingress of a topology switch still carrying messages?

During a switch (``messaging:previousTopology`` set) the old ingress stays
deployed so that nothing already on its way is lost. It is drained when,
over the whole window, the services' own CloudWatch metrics show it neither
received nor delivered anything:

* fanout: the old topic's ``AWS/SNS`` ``NumberOfMessagesPublished``,
  ``NumberOfNotificationsDelivered`` and ``NumberOfNotificationsFailed``;
* eventbridge: the old bus's rules' ``AWS/Events`` ``MatchedEvents``,
  ``Invocations`` and ``FailedInvocations``;
* point-to-point: the producer sent straight to the queue, so there is nothing
  in between; the old channel is drained once the producer uses the new one.

Messages the old routes could not deliver wait in the routes' own dead-letter
queues (SNS subscription redrive, EventBridge target DLQ); their depth is
reported as well, and must be zero too. A failure is counted only once the
service stops retrying a delivery, so one inside the window means the old
ingress was still working through its retries then: it is in flight too
(``failed``). The window (``--window``, default 900 s) should cover the
services' retries: SNS retries a delivery to SQS within seconds, EventBridge
retries a target with backoff.
"""

from __future__ import annotations

import json
from typing import Any

from . import metrics
from .render import Output, table
from .stack import Stack

DEFAULT_WINDOW_SECONDS = 900  # s: fifteen one-minute periods of quiet before the old ingress is called drained
# The stack config key that keeps the old ingress (components/config.py), in full: the short form works only in a
# Pulumi project named messaging.
PREVIOUS_TOPOLOGY = "messaging:previousTopology"
# What the draining ingress's counts mean, by topology: `received` what reached it, `delivered` each delivery to a
# consumer (one message, a delivery per consumer it selects), so the two are never added.
BUSY = {
    "fanout": "its topic received {received} message(s) and delivered to consumers {delivered} time(s)",
    "eventbridge": "its rules matched events {received} time(s) and delivered to consumers {delivered} time(s)",
}


def _queue_arns(stack: Stack) -> dict[str, str]:
    # A direct consumer has no queue: nothing of it waits in an ingress being drained.
    return {stack.queue_arn(c.queue_url): c.name for c in stack.consumers if c.queue_url is not None}


def _dlq_depth(stack: Stack, arn: str | None) -> int | None:
    if not arn:
        return None
    name = arn.rsplit(":", 1)[-1]
    url = stack.client("sqs").get_queue_url(QueueName=name)["QueueUrl"]
    return stack.queue_depth(url)


def _fanout(stack: Stack, window: int) -> list[dict[str, Any]]:
    sns = stack.client("sns")
    queues = _queue_arns(stack)
    current = stack.channel.get("target")
    topics: dict[str, list[str | None]] = {}
    for page in sns.get_paginator("list_subscriptions").paginate():
        for s in page.get("Subscriptions", []):
            if s.get("Endpoint") in queues and s["TopicArn"] != current:
                attrs = sns.get_subscription_attributes(SubscriptionArn=s["SubscriptionArn"])["Attributes"]
                dlq = (
                    json.loads(attrs["RedrivePolicy"]).get("deadLetterTargetArn")
                    if attrs.get("RedrivePolicy")
                    else None
                )
                topics.setdefault(s["TopicArn"], []).append(dlq)
    cloudwatch = stack.client("cloudwatch")
    out = []
    for arn, dlqs in sorted(topics.items()):
        dims = {"TopicName": arn.rsplit(":", 1)[-1]}
        out.append(
            {
                "kind": "sns-topic",
                "name": dims["TopicName"],
                "received": metrics.total(cloudwatch, "AWS/SNS", "NumberOfMessagesPublished", dims, window),
                "delivered": metrics.total(cloudwatch, "AWS/SNS", "NumberOfNotificationsDelivered", dims, window),
                "failed": metrics.total(cloudwatch, "AWS/SNS", "NumberOfNotificationsFailed", dims, window),
                "undelivered": sum(_dlq_depth(stack, d) or 0 for d in set(dlqs)),
            }
        )
    return out


def _eventbridge(stack: Stack, window: int) -> list[dict[str, Any]]:
    events = stack.client("events")
    queues = _queue_arns(stack)
    current = stack.channel.get("target")
    cloudwatch = stack.client("cloudwatch")
    out = []
    for bus in events.list_event_buses().get("EventBuses", []):
        if bus["Name"] in (current, "default"):
            continue
        for arn in queues:
            for rule in events.list_rule_names_by_target(TargetArn=arn, EventBusName=bus["Name"]).get("RuleNames", []):
                targets = events.list_targets_by_rule(Rule=rule, EventBusName=bus["Name"]).get("Targets", [])
                dlqs = {t.get("DeadLetterConfig", {}).get("Arn") for t in targets}
                dims = {"EventBusName": bus["Name"], "RuleName": rule}
                out.append(
                    {
                        "kind": "eventbridge-rule",
                        "name": f"{bus['Name']}/{rule}",
                        "received": metrics.total(cloudwatch, "AWS/Events", "MatchedEvents", dims, window),
                        "delivered": metrics.total(cloudwatch, "AWS/Events", "Invocations", dims, window),
                        "failed": metrics.total(cloudwatch, "AWS/Events", "FailedInvocations", dims, window),
                        "undelivered": sum(_dlq_depth(stack, d) or 0 for d in dlqs if d),
                    }
                )
    return out


def _next_step(stack: Stack) -> str:
    # With --outputs the stack's name is unknown: the user's own stack file, whatever its name.
    where = f"Pulumi.{stack.stack_name}.yaml" if stack.stack_name else "your stack's Pulumi.<stack>.yaml"
    flag = f" --stack {stack.stack_name}" if stack.stack_name else ""
    return f"remove {PREVIOUS_TOPOLOGY} from {where} (pulumi config rm {PREVIOUS_TOPOLOGY}{flag}), then pulumi up{flag}"


def gather(stack: Stack, window: int = DEFAULT_WINDOW_SECONDS) -> dict[str, Any] | None:
    draining = stack.draining
    if not draining:
        return None
    if draining == "fanout":
        ingress = _fanout(stack, window)
    elif draining == "eventbridge":
        ingress = _eventbridge(stack, window)
    else:
        ingress = []
    busy = [i for i in ingress if i["received"] or i["delivered"] or i["failed"] or i["undelivered"]]
    if busy:
        received = sum(i["received"] for i in busy)
        delivered = sum(i["delivered"] for i in busy)
        failed = sum(i["failed"] for i in busy)
        held = sum(i["undelivered"] for i in busy)
        state = "in-flight"
        step = (
            f"wait: in the last {window} s the draining {draining} ingress was busy: "
            + BUSY[draining].format(received=received, delivered=delivered)
            + (f", {failed} of its deliveries failed (to its dead-letter queues, or lost)" if failed else "")
            + (f" and {held} wait in its dead-letter queues (redrive them)" if held else "")
            + f"; run switch status again after {window} s without traffic"
        )
    else:
        state = "drained"
        step = _next_step(stack)
    return {
        "topology": stack.topology,
        "draining": draining,
        "window_seconds": window,
        "ingress": ingress,
        "in_flight": bool(busy),
        "state": state,
        "next_step": step,
    }


def run(stack: Stack, out: Output, window: int) -> int:
    data = gather(stack, window)
    if data is None:
        out.result(
            {"topology": stack.topology, "draining": None, "state": "no-switch", "in_flight": False, "next_step": None},
            [f"topology {stack.topology}: no switch in progress ({PREVIOUS_TOPOLOGY} is not set)"],
        )
        return 0
    rows = [
        [i["kind"], i["name"], i["received"], i["delivered"], i["failed"], i["undelivered"]] for i in data["ingress"]
    ]
    out.result(
        data,
        [
            f"switch {data['draining']} -> {data['topology']}: {data['state']} (window {data['window_seconds']} s)",
            table("draining ingress", ["kind", "name", "received", "delivered", "failed", "undelivered"], rows),
            f"next: {data['next_step']}",
        ],
    )
    return 0
