"""One emulator run: embedded AWS up, program declared, routes checked, messages played."""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any, Callable, Iterator
from typing import Mapping as TMapping
from unittest import mock

from .errors import EmulatorError
from .lambda_service import LambdaService
from .matching import EVENTS, SNS, UnsupportedPattern, matches, without_cidr
from .messages import demo_orders, validate_messages
from .mocks import AwsMocks, ProgramTransform
from .program import run_program
from .routes import enforce, ordering_warnings
from .stackconfig import load_stack_config, project_name

PROJECT_DIR = Path(__file__).resolve().parent.parent

_FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
_REMOVED_AWS_ENV = ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL")


def default_project_dir() -> Path:
    """The current folder when it is a Pulumi project (as for the Pulumi CLI), else this repository."""
    cwd = Path.cwd()
    if (cwd / "Pulumi.yaml").is_file() and (cwd / "__main__.py").is_file():
        return cwd
    return PROJECT_DIR


@contextlib.contextmanager
def _patched_environ(region: str) -> Iterator[None]:
    saved = dict(os.environ)
    for key in _REMOVED_AWS_ENV:
        os.environ.pop(key, None)
    os.environ.update(_FAKE_AWS_ENV)
    os.environ["AWS_DEFAULT_REGION"] = region
    os.environ["AWS_REGION"] = region
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def _aws_semantics() -> Iterator[None]:
    """Replace moto's content matching with AWS's documented semantics (see emulator.matching)."""
    # moto loads when a run starts, not when the CLI parses its arguments.
    from moto.events.models import EventPattern, Rule  # noqa: PLC0415
    from moto.sns.models import SNSBackend, Subscription  # noqa: PLC0415
    from moto.sns.utils import FilterPolicyMatcher  # noqa: PLC0415

    original_matches = FilterPolicyMatcher.matches
    original_validate = SNSBackend._validate_filter_policy

    def validate_filter_policy(self, value, scope):
        # moto's subscribe-time check lacks `cidr`, which SNS accepts; the rest is checked by moto.
        return original_validate(self, without_cidr(value), scope)

    def sns_matches(self, message_attributes, message):
        if self.filter_policy and self.filter_policy_scope == "MessageBody":
            try:
                body = json.loads(message)
            except ValueError:
                return False
            try:
                return matches(self.filter_policy, body, SNS)
            except UnsupportedPattern as exc:
                raise EmulatorError(f"SNS filter policy {json.dumps(self.filter_policy)}: {exc}") from exc
        return original_matches(self, message_attributes, message)

    def event_matches(self, event):
        if not self._pattern:
            return True
        try:
            return matches(self._pattern, json.loads(json.dumps(event)), EVENTS)
        except UnsupportedPattern as exc:
            raise EmulatorError(f"EventBridge pattern {json.dumps(self._pattern)}: {exc}") from exc

    original_send = Rule.send_to_targets
    original_deliver = Subscription.publish

    def deliver(self, message, message_id, *args, **kwargs):
        # With raw delivery, SNS drops a message with more than 10 attributes.
        attributes = kwargs.get("message_attributes") or {}
        if (
            self.protocol == "sqs"
            and self.attributes.get("RawMessageDelivery") in (True, "true")
            and len(attributes) > 10
        ):
            return None
        return original_deliver(self, message, message_id, *args, **kwargs)

    def send_if_enabled(self, *args, **kwargs):
        if getattr(self, "state", "ENABLED") == "DISABLED":
            return None
        return original_send(self, *args, **kwargs)

    with (
        mock.patch.object(SNSBackend, "_validate_filter_policy", validate_filter_policy),
        mock.patch.object(FilterPolicyMatcher, "matches", sns_matches),
        mock.patch.object(EventPattern, "matches_event", event_matches),
        mock.patch.object(Rule, "send_to_targets", send_if_enabled),
        mock.patch.object(Subscription, "publish", deliver),
    ):
        yield


_COMPARE = {
    "GreaterThanOrEqualToThreshold": lambda v, t: v >= t,
    "GreaterThanThreshold": lambda v, t: v > t,
    "LessThanThreshold": lambda v, t: v < t,
    "LessThanOrEqualToThreshold": lambda v, t: v <= t,
}


def _queue_alarms(mocks: AwsMocks, depth_of: Callable[[str], int]) -> list[dict[str, Any]]:
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
        compare = _COMPARE.get(kw.get("ComparisonOperator", ""))
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


def _consumer_of_queue(consumers, queue_name: str) -> str | None:
    for s in consumers:
        if s.queue == queue_name:
            return s.name
    return None


def run(
    stack: str = "dev",
    topology: str | None = None,
    messages: list[dict[str, Any]] | None = None,
    *,
    count: int | None = None,
    config_overrides: TMapping[str, Any] | None = None,
    program_transform: ProgramTransform | None = None,
    project_dir: str | Path | None = None,
    stack_file: str | Path | None = None,
    log_sink: Callable[[str, str], None] | None = None,
    details: bool = False,
) -> dict[str, Any]:
    """Run the program and its handlers offline; return the section-8 report.

    ``messages``: envelopes to send (or ``count`` generated demo orders).
    ``config_overrides``: config keys (``messaging:`` optional) replacing the
    stack file's for this run; ``None`` values remove a key.
    ``program_transform(type, name, inputs)``: edit (return new inputs) or drop
    (return ``None``) a declared resource before it is created.
    ``stack_file``: a stack config file to use instead of ``Pulumi.<stack>.yaml``.
    ``log_sink(function_name, line)``: receives every line the handlers log.
    ``details``: add a ``"details"`` key (delivered ids, invocation counts, routes).
    """
    from moto import mock_aws  # noqa: PLC0415 - loads when a run starts

    root = Path(project_dir).absolute() if project_dir else default_project_dir()
    if messages is None:
        messages = demo_orders(count if count is not None else 12)
    validate_messages(messages)
    messages = json.loads(json.dumps(messages))  # the handlers get their own copy
    overrides = dict(config_overrides or {})
    if topology is not None:
        overrides["messaging:topology"] = topology
    project = project_name(root)
    config = load_stack_config(root, stack, overrides, Path(stack_file) if stack_file else None)
    region = config.get("aws:region") or "us-east-1"
    chosen_topology = config.get(f"{project}:topology", "")

    with _patched_environ(region), mock_aws(), _aws_semantics():
        mocks = AwsMocks(region, program_transform)
        run_program(mocks, root, project, stack, config)
        warnings = ordering_warnings(mocks)
        blocked = enforce(mocks)
        service = LambdaService(mocks, root, log_sink=log_sink)
        warnings += service.mapping_warnings()
        with service.running():
            produced = service.produce(messages)
            consumers = service.drain()
        report: dict[str, Any] = {
            "stack": stack,
            "topology": chosen_topology,
            "sent": list(produced["sent"]),
            "consumers": {},
            "unrouted": [],
        }
        reached: set[str] = set()
        consumer_dlqs = {s.dlq_arn for s in consumers}
        route_dlqs = sorted({r.dlq_arn for r in mocks.routes if r.dlq_arn and r.dlq_arn not in consumer_dlqs})
        for s in sorted(consumers, key=lambda c: c.name):
            dead = service.peek_queue_ids(s.dlq_arn) if s.dlq_arn else []
            entry = report["consumers"].setdefault(s.name, {"processed": [], "dead_lettered": []})
            entry["processed"].extend(s.processed)
            entry["dead_lettered"].extend(dead)
            reached |= s.delivered | set(dead)
        report["unrouted"] = [i for i in report["sent"] if i not in reached]
        for b in blocked:
            b.consumer = _consumer_of_queue(consumers, b.queue) or next(
                (s.name for s in consumers if s.dlq_arn and mocks.queues.get(s.dlq_arn, {}).get("name") == b.queue),
                None,
            )
        report["blocked_routes"] = [b.as_dict() for b in blocked]
        # Dead-letter queues of routes that are not a consumer's DLQ (e.g. EventBridge's
        # standard delivery DLQ under FIFO): what a route failed to deliver is found here.
        report["route_dead_lettered"] = {
            mocks.queues[arn]["name"]: service.peek_queue_ids(arn) for arn in route_dlqs if arn in mocks.queues
        }
        if produced.get("failed"):
            report["send_failed"] = produced["failed"]
        if details:
            report["details"] = {
                "region": region,
                "queues": sorted(q["url"] for q in mocks.queues.values()),
                "consumers": {
                    s.name: {
                        "function": s.function,
                        "queue": s.queue,
                        "delivered": sorted(s.delivered),
                        "invocations": s.invocations,
                        "failed_attempts": s.failed_attempts,
                    }
                    for s in consumers
                },
                "functions": {f.name: f.handler for f in mocks.functions},
                "warnings": warnings,
                "access_denied": service.iam.denied,
                "unchecked_calls": sorted(service.iam.unchecked),
                "alarms": _queue_alarms(mocks, lambda arn: len(service.peek_queue_ids(arn))),
                "resources": len(mocks.resources),
                "log_lines": {k: len(v) for k, v in service.log_lines.items()},
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
    for name, entry in sorted(report["consumers"].items()):
        delivered = (
            len(details.get(name, {}).get("delivered", []))
            if details
            else len(set(entry["processed"]) | set(entry["dead_lettered"]))
        )
        lines.append(
            f"  {name:<{width}}  {delivered:>9}  {len(entry['processed']):>9}  {len(entry['dead_lettered']):>13}"
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
