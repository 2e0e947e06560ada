"""EventBridge: buses, event-pattern rules, SQS, Lambda and event-bus targets, and archives.

An event-bus target (a consumer that forwards to another bus) puts what its
rule selects on that bus, whose own rules then route it, in this embedded AWS
(another region or account too); the role it puts with is checked once, as
routes are (emulator/routes.py). A target bus that does not exist fails every
put, so, as in AWS after its retries, the event goes to the target's DLQ.
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
from typing import TYPE_CHECKING, Any, Iterator
from unittest import mock

from ..errors import EmulatorError
from ..matching import EVENTS, UnsupportedPattern, matches
from . import invocations
from .base import Declared, Route, boolean, gone, json_text, keep, num, refuse_keys, retry_policy, same, upsert
from .lambda_ import permits

if TYPE_CHECKING:
    from .dispatch import AwsMocks


def event_bus(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(typ, name, inputs, {"name", "tags", "description", "kmsKeyIdentifier", "deadLetterConfig"})
    bname = m.physical_name(typ, name, inputs)
    arn = m.c["events"].create_event_bus(Name=bname)["EventBusArn"]
    return bname, {"arn": arn, "name": bname, "id": bname}


def event_rule(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(
        typ,
        name,
        inputs,
        {
            "name",
            "namePrefix",
            "eventBusName",
            "eventPattern",
            "state",
            "isEnabled",
            "description",
            "tags",
            "roleArn",
            "forceDestroy",
        },
    )
    if not inputs.get("eventPattern"):
        raise EmulatorError(f"{typ} {name!r}: only event-pattern rules are emulated (no scheduleExpression)")
    rname = m.physical_name(typ, name, inputs)
    bus = inputs.get("eventBusName") or "default"
    if bus.startswith("arn:"):
        bus = bus.rsplit("/", 1)[-1]
    state = inputs.get("state") or ("ENABLED" if boolean(inputs.get("isEnabled", True)) else "DISABLED")
    kwargs = dict(Name=rname, EventBusName=bus, EventPattern=json_text(inputs["eventPattern"]), State=state)
    if inputs.get("description"):
        kwargs["Description"] = inputs["description"]
    arn = m.c["events"].put_rule(**kwargs)["RuleArn"]
    m.rules[arn] = {"name": rname, "bus": bus, "resource": name, "state": state}
    rid = rname if bus == "default" else f"{bus}/{rname}"
    return rid, {"arn": arn, "name": rname, "id": rid, "eventBusName": bus, "state": state}


def event_target(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(
        typ,
        name,
        inputs,
        {
            "rule",
            "eventBusName",
            "arn",
            "targetId",
            "deadLetterConfig",
            "retryPolicy",
            "sqsTarget",
            "roleArn",
            "forceDestroy",
        },
    )
    rule = inputs.get("rule")
    bus = inputs.get("eventBusName") or "default"
    if bus.startswith("arn:"):
        bus = bus.rsplit("/", 1)[-1]
    rule_rec = next((r for r in m.rules.values() if r["name"] == rule and r["bus"] == bus), None)
    if rule_rec is None:
        others = [r["bus"] for r in m.rules.values() if r["name"] == rule]
        hint = f" (the rule is on bus {others[0]!r}: set the target's eventBusName to it)" if others else ""
        raise EmulatorError(f"{typ} {name!r}: no rule {rule!r} on event bus {bus!r}{hint}")
    rule_arn = next(a for a, r in m.rules.items() if r is rule_rec)
    target_id = inputs.get("targetId") or m.physical_name(typ, name, {}, key="targetId")
    arn = inputs.get("arn") or ""
    service = arn.split(":")[2] if arn.count(":") >= 5 else ""
    to_bus = is_bus_arn(arn)
    if service == "lambda" and not any(arn in (f.arn, f"{f.arn}:$LATEST") for f in m.functions):
        raise EmulatorError(f"{typ} {name!r}: target {arn!r} is not a function the program declared")
    if service not in ("sqs", "lambda") and not to_bus:
        raise EmulatorError(
            f"{typ} {name!r}: target {arn!r} is not an SQS queue or a function; the emulator delivers to those only"
        )
    if service == "lambda" and inputs.get("sqsTarget"):
        raise EmulatorError(f"{typ} {name!r}: sqsTarget on a Lambda target (AWS refuses it)")
    if to_bus and not inputs.get("roleArn"):
        raise EmulatorError(
            f"{typ} {name!r}: target {arn!r} is an event bus; give roleArn, the role EventBridge puts the events "
            "with (AWS requires one for a bus in another region, and the emulator checks what it allows)"
        )
    queue = m.queues.get(arn)
    if (
        queue is not None
        and queue["name"].endswith(".fifo")
        and not (inputs.get("sqsTarget") or {}).get("messageGroupId")
    ):
        raise EmulatorError(
            f"{typ} {name!r}: the target is FIFO queue {queue['name']}; EventBridge needs "
            "sqsTarget.messageGroupId for it (AWS rejects the target without one)"
        )
    target: dict[str, Any] = {"Id": target_id, "Arn": arn}
    if inputs.get("sqsTarget"):
        target["SqsParameters"] = {"MessageGroupId": inputs["sqsTarget"].get("messageGroupId")}
    dlq = None
    if inputs.get("deadLetterConfig"):
        dlq = inputs["deadLetterConfig"].get("arn")
        target["DeadLetterConfig"] = {"Arn": dlq}
    if inputs.get("retryPolicy"):
        target["RetryPolicy"] = retry_policy(inputs["retryPolicy"])
    if inputs.get("roleArn"):
        target["RoleArn"] = inputs["roleArn"]
    m.c["events"].put_targets(Rule=rule, EventBusName=bus, Targets=[target])
    detail: dict[str, Any] = {"rule": rule, "bus": bus, "target": target}
    if service == "lambda":
        detail["permitted_at_creation"] = permits(m, arn, invocations.EVENTS, rule_arn)
    else:
        detail["policy_at_creation"] = m.policy_now(arn)
    m.routes.append(
        Route(
            "eventbridge-lambda"
            if service == "lambda"
            else "eventbridge-bus-target"
            if to_bus
            else "eventbridge-target",
            name,
            rule_arn,
            arn,
            dlq,
            detail,
        )
    )
    rid = f"{bus}-{rule}-{target_id}"
    return rid, {"targetId": target_id, "id": rid, "eventBusName": bus}


def event_archive(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(
        typ,
        name,
        inputs,
        {"name", "eventSourceArn", "retentionDays", "eventPattern", "description", "kmsKeyIdentifier"},
    )
    aname = m.physical_name(typ, name, inputs)
    kwargs: dict[str, Any] = {"ArchiveName": aname, "EventSourceArn": inputs["eventSourceArn"]}
    if inputs.get("retentionDays") is not None:
        kwargs["RetentionDays"] = num(inputs["retentionDays"])
    if inputs.get("eventPattern"):
        kwargs["EventPattern"] = json_text(inputs["eventPattern"])
    arn = m.c["events"].create_archive(**kwargs)["ArchiveArn"]
    return aname, {"arn": arn, "name": aname, "id": aname}


def update_archive(m: AwsMocks, typ: str, name: str, inputs: dict, prior: Declared) -> tuple[str, dict] | None:
    if not same(prior, inputs, "name", "eventSourceArn"):
        return None
    kwargs: dict[str, Any] = {"ArchiveName": prior.id}
    if inputs.get("retentionDays") is not None:
        kwargs["RetentionDays"] = num(inputs["retentionDays"])
    if inputs.get("eventPattern"):
        kwargs["EventPattern"] = json_text(inputs["eventPattern"])
    m.c["events"].update_archive(**kwargs)  # the archived events stay
    return keep(m, typ, name, inputs, prior)


def update_bus(m: AwsMocks, typ: str, name: str, inputs: dict, prior: Declared) -> tuple[str, dict] | None:
    # Only its name matters to the embedded EventBridge; the rules on it stay.
    return keep(m, typ, name, inputs, prior) if same(prior, inputs, "name") else None


def delete_bus(m: AwsMocks, prior: Declared) -> None:
    with gone():
        m.c["events"].delete_event_bus(Name=prior.id)


def delete_rule(m: AwsMocks, prior: Declared) -> None:
    rule, bus = prior.outputs["name"], prior.outputs["eventBusName"]
    with gone():
        # EventBridge deletes no rule that has targets: what is left of them goes first.
        ids = [t["Id"] for t in m.c["events"].list_targets_by_rule(Rule=rule, EventBusName=bus).get("Targets", [])]
        if ids:
            m.c["events"].remove_targets(Rule=rule, EventBusName=bus, Ids=ids)
        m.c["events"].delete_rule(Name=rule, EventBusName=bus)


def delete_target(m: AwsMocks, prior: Declared) -> None:
    with gone():
        m.c["events"].remove_targets(
            Rule=prior.inputs["rule"], EventBusName=prior.outputs["eventBusName"], Ids=[prior.outputs["targetId"]]
        )


def delete_archive(m: AwsMocks, prior: Declared) -> None:
    with gone():
        m.c["events"].delete_archive(ArchiveName=prior.id)


RESOURCES = {
    "aws:cloudwatch/eventBus:EventBus": event_bus,
    "aws:cloudwatch/eventRule:EventRule": event_rule,
    "aws:cloudwatch/eventTarget:EventTarget": event_target,
    "aws:cloudwatch/eventArchive:EventArchive": event_archive,
}
UPDATES = {
    "aws:cloudwatch/eventBus:EventBus": update_bus,
    "aws:cloudwatch/eventRule:EventRule": upsert(event_rule),  # PutRule and PutTargets create or replace
    "aws:cloudwatch/eventTarget:EventTarget": upsert(event_target),
    "aws:cloudwatch/eventArchive:EventArchive": update_archive,
}
DELETES = {
    "aws:cloudwatch/eventBus:EventBus": delete_bus,
    "aws:cloudwatch/eventRule:EventRule": delete_rule,
    "aws:cloudwatch/eventTarget:EventTarget": delete_target,
    "aws:cloudwatch/eventArchive:EventArchive": delete_archive,
}


# ------------------------------------------------------------ moto extension
def is_bus_arn(arn: str) -> bool:
    parts = arn.split(":", 5)
    return len(parts) == 6 and parts[2] == "events" and parts[5].startswith("event-bus/")


def _bus_backend(arn: str) -> tuple[Any, str]:
    """(moto's EventBridge of the bus's account and region, the bus name)."""
    from moto.events.models import events_backends  # noqa: PLC0415

    _, _, _, region, account, resource = arn.split(":", 5)
    return events_backends[account][region], resource.split("/", 1)[1]


def _bus_exists(arn: str) -> bool:
    backend, name = _bus_backend(arn)
    return name in backend.event_buses


def _forwarded(rule: Any) -> list[str]:
    """Events (as JSON) a rule put on another event bus, in order."""
    return rule.__dict__.setdefault("emulator_forwarded", [])


def forwarded(rule_arn: str) -> list[str]:
    """Events (as JSON) the rule ``rule_arn`` put on the event bus it targets."""
    _, _, _, region, account, resource = rule_arn.split(":", 5)
    parts = resource.split("/")  # rule/<bus>/<name>, or rule/<name> on the default bus
    bus, name = (parts[1], parts[2]) if len(parts) == 3 else ("default", parts[1])
    from moto.events.models import events_backends  # noqa: PLC0415

    found = events_backends[account][region].event_buses.get(bus)
    rule = found.rules.get(name) if found is not None else None
    return list(_forwarded(rule)) if rule is not None else []


def _forward(rule: Any, event: dict) -> list[dict]:
    """Record the events a rule puts on other buses; dead-letter those for a bus that does not exist.
    Returns the targets moto may deliver to."""
    deliverable = []
    for target in rule.targets:
        arn = target.get("Arn", "")
        if not is_bus_arn(arn):
            deliverable.append(target)
        elif _bus_exists(arn):
            _forwarded(rule).append(json.dumps(event, default=str))
            deliverable.append(target)
        elif target.get("DeadLetterConfig", {}).get("Arn"):
            # PutEvents on a missing bus fails every retry: EventBridge then dead-letters the event.
            rule._send_to_sqs_queue(target["DeadLetterConfig"]["Arn"].rsplit(":", 1)[-1], copy.deepcopy(event))
    return deliverable


def _expect(rule: Any, event: dict) -> None:
    """Record, on each SQS queue the matching rule targets, that the event must arrive there."""
    from moto.sqs.models import sqs_backends  # noqa: PLC0415

    from .sqs import expected  # noqa: PLC0415

    queues = sqs_backends[rule.account_id][rule.region_name]
    body = json.dumps(event)
    for target in rule.targets:
        arn = target.get("Arn", "")
        if arn.split(":")[2:3] == ["sqs"] and not target.get("InputPath") and not target.get("InputTransformer"):
            queue = queues.queues.get(arn.rsplit(":", 1)[-1])
            if queue is not None:
                expected(queue).append(body)


JSONPATHS_CACHED = 256  # distinct input-path expressions kept parsed (moto's default template uses 8)


@contextlib.contextmanager
def aws_semantics() -> Iterator[None]:
    """EventBridge as AWS answers it, where moto differs (installed for the length of a run).

    * event patterns are matched with the documented semantics
      (``emulator.matching``) instead of moto's matcher;
    * a disabled rule delivers nothing;
    * the JSONPath expressions moto's target input template reads are parsed
      once per expression, not once per target per event (jsonpath_ng builds
      a new parser for each parse, which made every delivery cost ~25 ms);
    * a matching rule's Lambda targets hand their invocation to the emulator's
      Lambda service (``invocations``), not to moto's Lambda;
    * an event-bus target's events are recorded (``forwarded``), and go to its DLQ when that bus does not exist.
    """
    import jsonpath_ng.ext  # noqa: PLC0415 - moto's template parser imports it at each call
    from moto.events.models import EventPattern, Rule  # noqa: PLC0415 - moto loads when a run starts

    original_send = Rule.send_to_targets

    def event_matches(self, event):
        if not self._pattern:
            return True
        try:
            return matches(self._pattern, json.loads(json.dumps(event)), EVENTS)
        except UnsupportedPattern as exc:
            raise EmulatorError(f"EventBridge pattern {json.dumps(self._pattern)}: {exc}") from exc

    def send_if_enabled(self, event, *args, **kwargs):
        if getattr(self, "state", "ENABLED") == "DISABLED":
            return None
        if not self.event_pattern.matches_event(event):
            return None
        _expect(self, event)
        functions = [t for t in self.targets if t.get("Arn", "").split(":")[2:3] == ["lambda"]]
        for target in functions:
            # A direct consumer: the emulator's Lambda service invokes it with the event itself.
            pushed = json.loads(json.dumps(event))
            invocations.push(
                invocations.Pushed(invocations.EVENTS, self.arn, target["Arn"], pushed, json.dumps(pushed))
            )
        deliverable = [t for t in _forward(self, event) if t not in functions]  # moto's Lambda would need Docker
        rule = self
        if len(deliverable) < len(self.targets):
            rule = copy.copy(self)  # moto's rule keeps its targets; this delivery skips what it cannot reach
            rule.targets = deliverable
        return original_send(rule, event, *args, **kwargs)

    with (
        mock.patch.object(EventPattern, "matches_event", event_matches),
        mock.patch.object(Rule, "send_to_targets", send_if_enabled),
        mock.patch.object(
            jsonpath_ng.ext, "parse", functools.lru_cache(maxsize=JSONPATHS_CACHED)(jsonpath_ng.ext.parse)
        ),
    ):
        yield
