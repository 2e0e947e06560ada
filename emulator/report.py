"""The run's report (README: Emulator, ``--json``), its self-check, and the readable summary.

``build_report`` assembles what the poller saw into the report: per consumer
the ids it processed and the ids in its dead-letter queue, the ids no
consumer received, the blocked routes.  ``format_summary`` is what the CLI
prints without ``--json``.
"""

from __future__ import annotations

from collections import Counter
from typing import Any, Callable

from .aws import AwsMocks, events, sqs
from .errors import EmulatorError
from .poller import envelope_id


class AccountingError(EmulatorError):
    """The run's report does not account for every message sent: the emulator lost one (its own fault)."""


COMPARISONS = {
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "GreaterThanThreshold": lambda v, t: v > t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}


def queue_alarms(mocks: AwsMocks, depth_of: Callable[[str], int]) -> list[dict[str, Any]]:
    """Evaluate the program's SQS depth alarms against the queues as the run left them.

    The embedded CloudWatch computes no SQS metrics, so the emulator reads the
    depth itself (ApproximateNumberOfMessagesVisible, the statistic over one
    period) and says which alarms would be in ALARM.
    """
    out = []
    for alarm in mocks.alarms:
        kw = alarm["kwargs"]
        dims = {d["Name"]: d["Value"] for d in kw.get("Dimensions", [])}
        if kw.get("Namespace") != "AWS/SQS" or "QueueName" not in dims:
            continue
        if kw.get("MetricName") not in ("ApproximateNumberOfMessagesVisible", "NumberOfMessagesSent"):
            continue
        queue = next((q for q in mocks.queues.values() if q["name"] == dims["QueueName"]), None)
        compare = COMPARISONS.get(kw.get("ComparisonOperator", ""))
        if queue is None or compare is None:
            continue
        depth = depth_of(queue["arn"])
        firing = compare(depth, float(kw.get("Threshold", 0)))
        out.append(
            {
                "alarm": alarm["resource"],
                "queue": queue["name"],
                "value": depth,
                "threshold": kw.get("Threshold"),
                "state": "ALARM" if firing else "OK",
            }
        )
    return sorted(out, key=lambda a: a["alarm"])


def _ids(bodies: list[str]) -> list[str]:
    return [envelope_id(b) or "?" for b in bodies]


def check_accounting(stack: Any, report: dict[str, Any]) -> None:
    """Every message a consumer's route selected is processed, dead-lettered, deduplicated or still queued,
    and every sent id reached a consumer or is unrouted; raises ``AccountingError`` naming what is missing."""
    poller = stack.service.poller
    problems: list[str] = []
    for s in stack.consumers:
        if s.direct:
            dead = poller.peek_queue_ids(s.dlq_arn) if s.dlq_arn else []
            missing = stack.service.invoker.unaccounted(s, dead)
            if missing:
                problems.append(
                    f"consumer {s.name}: its route selected {', '.join(missing)}, which were neither processed, "
                    "dead-lettered nor lost"
                )
            continue
        queue = poller.backend_queue(s.queue_arn)
        if queue is None:
            continue
        arrived = Counter(_ids(sqs.arrivals(queue)))
        selected = Counter(_ids(sqs.expected(queue)))
        if selected - arrived:
            missing = sorted((selected - arrived).elements())
            problems.append(f"consumer {s.name}: its route selected {', '.join(missing)}, which never reached it")
        outcome = (
            Counter(s.processed)
            + Counter(s.skipped)
            + Counter(_ids(sqs.dead_lettered_from(queue)))
            + Counter(_ids(sqs.deduplicated(queue)))
            + Counter(poller.peek_queue_ids(s.queue_arn))
        )
        if outcome != arrived:
            lost = sorted((arrived - outcome).elements())
            extra = sorted((outcome - arrived).elements())
            what = "; ".join(
                part
                for part in (
                    f"{', '.join(lost)} reached its queue but were neither processed, dead-lettered nor deduplicated"
                    if lost
                    else "",
                    f"{', '.join(extra)} were counted without reaching its queue" if extra else "",
                )
                if part
            )
            problems.append(f"consumer {s.name}: {what}")
    if problems:
        raise AccountingError("the report does not account for every message: " + " | ".join(problems))


def _consumer_of_queue(consumers, queue_name: str) -> str | None:
    for s in consumers:
        if queue_name in (s.queue, s.function):  # a direct consumer's route names its function
            return s.name
    return None


def build_report(stack: Any, *, details: bool = False) -> dict[str, Any]:
    """The report of a deployed ``emulator.Stack``: what was sent, processed, dead-lettered, unrouted."""
    mocks, poller, sandbox = stack.mocks, stack.service.poller, stack.service.sandbox
    consumers = stack.consumers
    report: dict[str, Any] = {
        "stack": stack.stack,
        "topology": stack.topology,
        "sent": list(stack.sent),
        "consumers": {},
        "unrouted": [],
    }
    reached: set[str] = set()
    forwards = [r for r in mocks.routes if r.kind == "eventbridge-bus-target"]
    consumer_dlqs = {s.dlq_arn for s in consumers} | {r.dlq_arn for r in forwards}
    route_dlqs = sorted({r.dlq_arn for r in mocks.routes if r.dlq_arn and r.dlq_arn not in consumer_dlqs})
    for s in sorted(consumers, key=lambda c: c.name):
        dead = poller.peek_queue_ids(s.dlq_arn) if s.dlq_arn else []
        entry = report["consumers"].setdefault(s.name, {"processed": [], "dead_lettered": []})
        entry["processed"].extend(s.processed)
        entry["dead_lettered"].extend(dead)
        queue = poller.backend_queue(s.queue_arn) if s.queue_arn else None
        duplicates = [*_ids(sqs.deduplicated(queue) if queue is not None else []), *s.skipped]
        if duplicates:
            entry["deduplicated"] = duplicates
        lost = stack.service.invoker.lost.get(s.name) if s.direct else None
        if lost:
            entry["lost"] = list(lost)  # a direct consumer's: no DLQ took them (none, or one it may not use)
        reached |= s.delivered | set(dead) | set(_ids(sqs.arrivals(queue) if queue is not None else []))
    # A consumer that forwards to another bus: what its rule put there, and what it could not (its DLQ).
    for route in sorted(forwards, key=lambda r: mocks.rules[r.source_arn]["name"]):
        dead = poller.peek_queue_ids(route.dlq_arn) if route.dlq_arn else []
        put = _ids(events.forwarded(route.source_arn))
        report["consumers"][mocks.rules[route.source_arn]["name"]] = {
            "processed": [],
            "dead_lettered": dead,
            "forwarded": put,
            "bus": route.target_arn,
        }
        reached |= set(put) | set(dead)
    report["unrouted"] = [i for i in report["sent"] if i not in reached]
    for b in stack.blocked:
        b.consumer = (
            b.consumer
            or _consumer_of_queue(consumers, b.queue)
            or next(
                (s.name for s in consumers if s.dlq_arn and mocks.queues.get(s.dlq_arn, {}).get("name") == b.queue),
                None,
            )
        )
    report["blocked_routes"] = [b.as_dict() for b in stack.blocked]
    # Dead-letter queues of routes that are not a consumer's DLQ (e.g. EventBridge's
    # standard delivery DLQ under FIFO): what a route failed to deliver is found here.
    report["route_dead_lettered"] = {
        mocks.queues[arn]["name"]: poller.peek_queue_ids(arn) for arn in route_dlqs if arn in mocks.queues
    }
    if stack.send_failed:
        report["send_failed"] = list(stack.send_failed)
    if details:
        report["details"] = {
            "region": stack.region,
            "queues": sorted(q["url"] for q in mocks.queues.values()),
            "consumers": {
                s.name: {
                    "function": s.function,
                    "queue": s.queue if s.queue is not None else "direct",
                    "delivered": sorted(s.delivered),
                    "invocations": s.invocations,
                    "failed_attempts": s.failed_attempts,
                }
                for s in consumers
            },
            "functions": {f.name: f.handler for f in mocks.functions},
            "warnings": list(stack.warnings),
            "access_denied": sandbox.iam.denied,
            "unchecked_calls": sorted(sandbox.iam.unchecked),
            "alarms": queue_alarms(mocks, lambda arn: len(poller.peek_queue_ids(arn))),
            "resources": len(mocks.resources),
            "log_lines": {k: len(v) for k, v in sandbox.log_lines.items()},
        }
    return report


def format_summary(report: dict[str, Any]) -> str:
    """The readable summary the CLI prints without --json."""
    lines = [
        f"stack {report['stack']} | topology {report['topology']} | sent {len(report['sent'])} message(s)",
    ]
    details = report.get("details", {}).get("consumers", {})
    width = max([len(n) for n in report["consumers"]] + [8])
    lines.append(f"  {'consumer':<{width}}  delivered  processed  dead-lettered")
    forwarding = {name: e for name, e in report["consumers"].items() if "forwarded" in e}
    for name, entry in sorted(report["consumers"].items()):
        if name in forwarding:
            continue
        delivered = (
            len(details.get(name, {}).get("delivered", []))
            if details
            else len(set(entry["processed"]) | set(entry["dead_lettered"]))
        )
        lines.append(
            f"  {name:<{width}}  {delivered:>9}  {len(entry['processed']):>9}  {len(entry['dead_lettered']):>13}"
        )
    for name, entry in sorted(forwarding.items()):
        lines.append(
            f"  {name:<{width}}  forwards to {entry['bus']}: {len(entry['forwarded'])} put, "
            f"{len(entry['dead_lettered'])} dead-lettered"
        )
    blocked = report.get("blocked_routes", [])
    if blocked:
        lines.append(f"blocked routes ({len(blocked)}): AWS would refuse these deliveries")
        for b in blocked:
            who = f" (consumer {b['consumer']})" if b.get("consumer") else ""
            where = f"; undeliverable messages go to {b['fallback']}" if b.get("fallback") else ""
            lines.append(f"  {b['kind']} {b['resource']} -> {b['queue']}{who}: {b['reason']}{where}")
    else:
        lines.append("blocked routes: none")
    for name, entry in sorted(report["consumers"].items()):
        if entry.get("lost"):
            lines.append(f"lost by direct consumer {name} ({len(entry['lost'])}): {', '.join(entry['lost'])}")
    for queue, ids in sorted(report.get("route_dead_lettered", {}).items()):
        if ids:
            lines.append(f"route dead-letter queue {queue}: {len(ids)} message(s)")
    alarms = [a for a in report.get("details", {}).get("alarms", []) if a["state"] == "ALARM"]
    if alarms:
        lines.append(
            f"alarms in ALARM ({len(alarms)}): "
            + ", ".join(f"{a['alarm']} ({a['queue']}: {a['value']} >= {a['threshold']:g})" for a in alarms)
        )
    if report.get("send_failed"):
        failed = report["send_failed"]
        first = failed[0] if isinstance(failed[0], dict) else {"message": str(failed[0])}
        lines.append(f"failed to send ({len(failed)}): {first.get('code', '')} {first.get('message', '')}".rstrip())
    denied = report.get("details", {}).get("access_denied", [])
    if denied:
        lines.append(
            f"access denied ({len(denied)} call(s)): "
            + "; ".join(sorted({f"{d['function']} {d['action']} on {d['resource']}" for d in denied}))
        )
    for warning in report.get("details", {}).get("warnings", []):
        lines.append(f"warning: {warning}")
    unrouted = report["unrouted"]
    lines.append(f"unrouted ({len(unrouted)}): " + (", ".join(unrouted) if unrouted else "none"))
    return "\n".join(lines)
