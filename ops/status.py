"""``ops status``: per consumer, its queue, DLQ, alarm and mapping (for one that forwards to another bus: that bus
and its DLQ, queue figures do not apply); the producer's channel; the schedules (each one's expression and state,
their DLQ and its alarm); a switch in progress.

A direct consumer has no queue and no mapping: those columns say "direct"; its DLQ is shown as any other."""

from __future__ import annotations

from collections import Counter
from typing import Any

from . import metrics, schedules, switch
from .render import Output, table
from .stack import DIRECT, Stack

STATUS_WINDOW_SECONDS = 3600  # s: "processed" counts the messages consumers deleted in the last hour


def _metric_alarms(stack: Stack) -> list[dict[str, Any]]:
    """The stack's metric alarms: those that notify its alarm topic (every alarm the program declares does)."""
    topic = stack.outputs.get("alarmTopicArn")
    out = []
    for page in stack.client("cloudwatch").get_paginator("describe_alarms").paginate(AlarmTypes=["MetricAlarm"]):
        # Outputs without the topic (a program of another shape): every alarm in the account and region.
        out += [a for a in page.get("MetricAlarms", []) if topic is None or topic in a.get("AlarmActions", [])]
    return sorted(out, key=lambda a: a["AlarmName"])


def _alarms_by_queue(alarms: list[dict[str, Any]]) -> dict[str, dict[str, str]]:
    """DLQ depth alarms (AWS/SQS ApproximateNumberOfMessagesVisible, dimension QueueName) by queue name."""
    out: dict[str, dict[str, str]] = {}
    for alarm in alarms:
        if alarm.get("Namespace") != "AWS/SQS" or alarm.get("MetricName") != "ApproximateNumberOfMessagesVisible":
            continue
        for dim in alarm.get("Dimensions", []):
            if dim["Name"] == "QueueName":
                out[dim["Value"]] = {"name": alarm["AlarmName"], "state": alarm["StateValue"]}
    return out


def gather(stack: Stack, window: int = STATUS_WINDOW_SECONDS) -> dict[str, Any]:
    declared = _metric_alarms(stack)
    alarms = _alarms_by_queue(declared)
    cloudwatch = stack.client("cloudwatch")
    lam = stack.client("lambda")
    consumers: dict[str, Any] = {}
    for c in stack.consumers:
        dlq = {
            "dlq": c.dlq_name,
            "dlq_depth": stack.queue_depth(c.dlq_url),
            "dlq_alarm": alarms.get(c.dlq_name, {}).get("state"),
        }
        if c.direct:
            # SNS or EventBridge invokes the function: no queue to count, no mapping.
            consumers[c.name] = {
                "delivery": DIRECT,
                "queue": None,
                "visible": None,
                "in_flight": None,
                "oldest_age_seconds": None,
                "processed": None,
                **dlq,
                "mapping": DIRECT,
            }
            continue
        q = stack.queue_attributes(
            c.queue_url, "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible", "QueueArn"
        )
        mappings = lam.list_event_source_mappings(FunctionName=c.function, EventSourceArn=q["QueueArn"])
        states = sorted({m["State"] for m in mappings.get("EventSourceMappings", [])})
        age = metrics.latest(cloudwatch, "AWS/SQS", "ApproximateAgeOfOldestMessage", {"QueueName": c.queue_name}, 300)
        consumers[c.name] = {
            "delivery": c.delivery,
            "queue": c.queue_name,
            "visible": int(q["ApproximateNumberOfMessages"]),
            "in_flight": int(q["ApproximateNumberOfMessagesNotVisible"]),
            "oldest_age_seconds": None if age is None else int(age),
            "processed": metrics.total(
                cloudwatch, "AWS/SQS", "NumberOfMessagesDeleted", {"QueueName": c.queue_name}, window
            ),
            **dlq,
            "mapping": ", ".join(states) if states else "none",
        }
    forwards: dict[str, Any] = {}
    for f in stack.forwards:
        forwards[f.name] = {
            "forwards_to": f.bus,
            "dlq": f.dlq_name,
            "dlq_depth": stack.queue_depth(f.dlq_url),
            "dlq_alarm": alarms.get(f.dlq_name, {}).get("state"),
        }
    out: dict[str, Any] = {
        "topology": stack.topology,
        "channel": {"kind": stack.channel.get("kind"), "target": stack.channel.get("target")},
        "producer": stack.outputs["producerFunction"],
        "processed_window_seconds": window,
        "consumers": consumers,
        "forwards": forwards,
        "alarms": [
            {
                "name": a["AlarmName"],
                "namespace": a.get("Namespace"),
                "metric": a.get("MetricName"),
                "dimensions": {d["Name"]: d["Value"] for d in a.get("Dimensions", [])},
                "state": a["StateValue"],
            }
            for a in declared
        ],
        "schedules": schedules.gather(stack, alarms),
        "switch": switch.gather(stack) if stack.draining else None,
    }
    return out


def _alarm_line(alarms: list[dict[str, Any]]) -> str:
    """Every alarm's state in one line; those in ALARM by name and what they watch."""
    firing = [a for a in alarms if a["state"] == "ALARM"]
    counts = Counter(a["state"] for a in alarms)
    summary = ", ".join(f"{n} {state}" for state, n in sorted(counts.items()))
    if not firing:
        return f"alarms: {summary or 'none'}"
    named = "; ".join(
        f"{a['name']} ({a['namespace']} {a['metric']} " + " ".join(f"{k}={v}" for k, v in a["dimensions"].items()) + ")"
        for a in firing
    )
    return f"alarms: {summary}; in ALARM: {named}"


def run(stack: Stack, out: Output) -> int:
    data = gather(stack)
    rows = [
        [
            name,
            *(
                [DIRECT, DIRECT, DIRECT, DIRECT]
                if c["delivery"] == DIRECT
                else [c["visible"], c["in_flight"], c["oldest_age_seconds"], c["processed"]]
            ),
            c["dlq_depth"],
            c["dlq_alarm"],
            c["mapping"],
        ]
        for name, c in data["consumers"].items()
    ]
    text: list[Any] = [
        f"topology {data['topology']} | producer {data['producer']} -> "
        f"{data['channel']['kind']} {data['channel']['target']}",
        table(
            "consumers",
            ["consumer", "visible", "in flight", "oldest (s)", "processed (1h)", "DLQ", "DLQ alarm", "mapping"],
            rows,
        ),
    ]
    if data["forwards"]:
        text.append(
            table(
                "forwarding consumers (no queue: EventBridge puts what their rule selects on another bus)",
                ["consumer", "forwards to", "DLQ", "DLQ alarm"],
                [
                    [name, f"forwards to {f['forwards_to']}", f["dlq_depth"], f["dlq_alarm"]]
                    for name, f in data["forwards"].items()
                ],
            )
        )
    if data["schedules"] is not None:
        text += schedules.status_text(data["schedules"])
    text.append(_alarm_line(data["alarms"]))
    sw = data["switch"]
    if sw:
        text.append(f"switch {sw['draining']} -> {sw['topology']}: {sw['state']}; next: {sw['next_step']}")
    out.result(data, text)
    return 0
