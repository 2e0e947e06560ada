"""EventBridge Scheduler: schedule groups and schedules in moto's scheduler, and the producer's asynchronous
invocation config (the on-failure destination of a scheduled run).

moto stores schedules but never runs them and checks no expression; here an
expression AWS would refuse is an error naming the schedule (the same rules as
the program's own check, components/schedule_expressions.py), a schedule whose
target or dead-letter queue the program did not declare is refused, and
``emulator.schedules.fire`` runs one invocation as Scheduler would.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from components.schedule_expressions import expression_problem

from ..errors import EmulatorError
from .base import Declared, gone, keep, nothing, num, refuse_keys, retry_policy, same, tags_of, upsert

if TYPE_CHECKING:
    from .dispatch import AwsMocks

_TARGET_KEYS = {"arn", "roleArn", "input", "deadLetterConfig", "retryPolicy"}


def schedule_group(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(typ, name, inputs, {"name", "namePrefix", "tags"})
    gname = m.physical_name(typ, name, inputs)
    tags = [{"Key": k, "Value": v} for k, v in tags_of(inputs).items()]
    arn = m.c["scheduler"].create_schedule_group(Name=gname, Tags=tags)["ScheduleGroupArn"]
    return gname, {"name": gname, "arn": arn, "id": gname}


def schedule(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(
        typ,
        name,
        inputs,
        {"name", "groupName", "description", "scheduleExpression", "flexibleTimeWindow", "target", "state"},
    )
    expression = inputs.get("scheduleExpression")
    problem = expression_problem(expression)
    if problem is not None:
        raise EmulatorError(f"{typ} {name!r}: scheduleExpression {expression!r} is refused by Scheduler: {problem}")
    target = dict(inputs.get("target") or {})
    extra = sorted(k for k, v in target.items() if k not in _TARGET_KEYS and v not in (None, {}, [], ""))
    if extra:
        raise EmulatorError(f"{typ} {name!r} sets target.{', target.'.join(extra)}: the emulator does not implement it")
    arn = str(target.get("arn") or "")
    if not any(f.arn == arn for f in m.functions):
        raise EmulatorError(f"{typ} {name!r}: target {arn!r} is not a Lambda function the program declared")
    dlq = (target.get("deadLetterConfig") or {}).get("arn")
    if dlq is not None:
        queue = m.queues.get(dlq)
        if queue is None:
            raise EmulatorError(f"{typ} {name!r}: dead-letter queue {dlq!r} is not a queue the program declared")
        if queue["name"].endswith(".fifo"):
            raise EmulatorError(f"{typ} {name!r}: Scheduler refuses a FIFO dead-letter queue ({queue['name']})")
    window = inputs.get("flexibleTimeWindow") or {}
    sname = m.physical_name(typ, name, inputs)
    group = inputs.get("groupName") or "default"
    kwargs: dict[str, Any] = {
        "Name": sname,
        "GroupName": group,
        "ScheduleExpression": expression,
        "FlexibleTimeWindow": {
            "Mode": window.get("mode", "OFF"),
            **(
                {"MaximumWindowInMinutes": num(window["maximumWindowInMinutes"])}
                if window.get("maximumWindowInMinutes") is not None
                else {}
            ),
        },
        "Target": {
            "Arn": arn,
            "RoleArn": target.get("roleArn"),
            **({"Input": target["input"]} if target.get("input") is not None else {}),
            **({"DeadLetterConfig": {"Arn": dlq}} if dlq is not None else {}),
        },
        "State": inputs.get("state") or "ENABLED",
    }
    retry = target.get("retryPolicy") or {}
    if retry:
        kwargs["Target"]["RetryPolicy"] = retry_policy(retry)
    if inputs.get("description"):
        kwargs["Description"] = inputs["description"]
    sarn = m.c["scheduler"].create_schedule(**kwargs)["ScheduleArn"]
    m.schedules[sname] = {"resource": name, "arn": sarn, "group": group}
    return f"{group}/{sname}", {"name": sname, "arn": sarn, "id": f"{group}/{sname}"}


def function_event_invoke_config(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    """Recorded: how Lambda retries a failed asynchronous run and where its record goes then."""
    refuse_keys(
        typ, name, inputs, {"functionName", "maximumRetryAttempts", "maximumEventAgeInSeconds", "destinationConfig"}
    )
    ref = str(inputs.get("functionName") or "")
    fn = next((f for f in m.functions if ref in (f.name, f.arn)), None)
    if fn is None:
        raise EmulatorError(f"{typ} {name!r}: function {ref!r} is not a function the program declared")
    destination_config = inputs.get("destinationConfig") or {}
    if destination_config.get("onSuccess"):
        raise EmulatorError(f"{typ} {name!r}: on-success destinations are not emulated")
    destination = (destination_config.get("onFailure") or {}).get("destination")
    if destination is not None and destination not in m.queues:
        raise EmulatorError(f"{typ} {name!r}: on-failure destination {destination!r} is not a declared SQS queue")
    retries = num(inputs.get("maximumRetryAttempts", 2))
    if not 0 <= retries <= 2:
        raise EmulatorError(f"{typ} {name!r}: maximumRetryAttempts {retries} is outside Lambda's 0-2")
    m.async_configs[fn.arn] = {"resource": name, "retries": retries, "on_failure": destination}
    return fn.name, {"id": fn.name, "functionName": ref}


RESOURCES = {
    "aws:scheduler/scheduleGroup:ScheduleGroup": schedule_group,
    "aws:scheduler/schedule:Schedule": schedule,
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": function_event_invoke_config,
}


def update_group(m: AwsMocks, typ: str, name: str, inputs: dict, prior: Declared) -> tuple[str, dict] | None:
    return keep(m, typ, name, inputs, prior) if same(prior, inputs, "name", "namePrefix") else None


def delete_group(m: AwsMocks, prior: Declared) -> None:
    with gone():
        m.c["scheduler"].delete_schedule_group(Name=prior.id)


def delete_schedule(m: AwsMocks, prior: Declared) -> None:
    group, _, sname = prior.id.partition("/")
    with gone():
        m.c["scheduler"].delete_schedule(Name=sname, GroupName=group)


# A schedule whose inputs change is replaced (DeleteSchedule, CreateSchedule).
UPDATES = {
    "aws:scheduler/scheduleGroup:ScheduleGroup": update_group,
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": upsert(function_event_invoke_config),
}
DELETES = {
    "aws:scheduler/scheduleGroup:ScheduleGroup": delete_group,
    "aws:scheduler/schedule:Schedule": delete_schedule,
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": nothing,  # recorded only
}
