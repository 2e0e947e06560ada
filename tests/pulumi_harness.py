"""Run the real program under Pulumi's mocks and record everything (shared by the unit tests).

The recording mock invents a distinct, realistic id / ARN / URL / name for every
resource (so wiring checks cannot pass as None == None), raises on a resource
type or invoke it does not know, and records each registration with its
options (parent, dependencies, protect, retainOnDelete) as the engine sees them.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import runpy
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pulumi
from pulumi.runtime import mocks as pulumi_mocks
from pulumi.runtime import rpc

from emulator.program import cancel_pending, recording_thread_loops, without_stack_traces

ROOT = Path(__file__).resolve().parent.parent
MAIN = ROOT / "__main__.py"
PROJECT = "messaging"
STACK = "dev"
REGION = "eu-west-1"
ACCOUNT = "123456789012"
# What AWS's public Powertools parameter holds (an ARN in AWS's publishing account).
POWERTOOLS_LAYER_ARN = f"arn:aws:lambda:{REGION}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:99"

DEMO_CONSUMERS = [
    {"name": "inventory", "match": {"type": ["OrderCreated", "OrderCancelled"]}},
    {"name": "notifications", "match": {"type": ["OrderShipped"], "data": {"priority": ["HIGH"]}}},
    {"name": "big-orders", "match": {"data": {"total": [{"numeric": [">", 1000]}]}}},
    {"name": "analytics"},
]
SINGLE_CONSUMER = [{"name": "inventory"}]


def _suffix(name: str) -> str:
    # Deterministic per logical name, like Pulumi's auto-naming suffix.
    return hashlib.sha256(name.encode()).hexdigest()[:7]


class RecordingMocks(pulumi_mocks.Mocks):
    """Outputs shaped like AWS's, distinct per resource; unknown types raise."""

    def __init__(self) -> None:
        self.parameters_read: list[str] = []

    def new_resource(self, args: pulumi_mocks.MockResourceArgs) -> tuple[str, dict]:
        if not args.custom:
            return f"{args.name}-component", {}
        inputs = args.inputs
        physical = inputs.get("name") or f"{args.name}-{_suffix(args.name)}"
        region, account = REGION, ACCOUNT
        typ = args.typ
        if typ == "aws:sqs/queue:Queue":
            if inputs.get("fifoQueue"):
                physical += ".fifo"
            url = f"https://sqs.{region}.amazonaws.com/{account}/{physical}"
            return url, {**inputs, "name": physical, "url": url, "arn": f"arn:aws:sqs:{region}:{account}:{physical}"}
        if typ in ("aws:sqs/queuePolicy:QueuePolicy",):
            return inputs["queueUrl"], dict(inputs)
        if typ == "aws:sns/topic:Topic":
            if inputs.get("fifoTopic"):
                physical += ".fifo"
            arn = f"arn:aws:sns:{region}:{account}:{physical}"
            return arn, {**inputs, "name": physical, "arn": arn}
        if typ == "aws:sns/topicPolicy:TopicPolicy":
            return inputs["arn"], dict(inputs)
        if typ == "aws:sns/topicSubscription:TopicSubscription":
            arn = f"{inputs['topic']}:{_suffix(args.name)}-sub"
            return arn, {**inputs, "arn": arn}
        if typ == "aws:cloudwatch/eventBus:EventBus":
            return physical, {
                **inputs,
                "name": physical,
                "arn": f"arn:aws:events:{region}:{account}:event-bus/{physical}",
            }
        if typ == "aws:cloudwatch/eventRule:EventRule":
            bus = inputs.get("eventBusName", "default")
            arn = f"arn:aws:events:{region}:{account}:rule/{bus}/{physical}"
            return f"{bus}|{physical}", {**inputs, "name": physical, "arn": arn}
        if typ == "aws:cloudwatch/eventTarget:EventTarget":
            return f"{inputs['rule']}-{args.name}", {**inputs, "targetId": f"{args.name}-{_suffix(args.name)}"}
        if typ == "aws:cloudwatch/eventArchive:EventArchive":
            return physical, {
                **inputs,
                "name": physical,
                "arn": f"arn:aws:events:{region}:{account}:archive/{physical}",
            }
        if typ == "aws:iam/role:Role":
            return physical, {**inputs, "name": physical, "arn": f"arn:aws:iam::{account}:role/{physical}"}
        if typ == "aws:iam/policy:Policy":
            arn = f"arn:aws:iam::{account}:policy/{physical}"
            return arn, {**inputs, "name": physical, "arn": arn}
        if typ == "aws:iam/rolePolicy:RolePolicy":
            return f"{inputs['role']}:{physical}", {**inputs, "name": physical}
        if typ == "aws:cloudwatch/logGroup:LogGroup":
            return physical, {
                **inputs,
                "name": physical,
                "arn": f"arn:aws:logs:{region}:{account}:log-group:{physical}",
            }
        if typ == "aws:lambda/function:Function":
            return physical, {
                **inputs,
                "name": physical,
                "arn": f"arn:aws:lambda:{region}:{account}:function:{physical}",
            }
        if typ == "aws:lambda/layerVersion:LayerVersion":
            layer_arn = f"arn:aws:lambda:{region}:{account}:layer:{inputs['layerName']}"
            return f"{layer_arn}:1", {**inputs, "arn": f"{layer_arn}:1", "layerArn": layer_arn, "version": "1"}
        if typ == "aws:lambda/eventSourceMapping:EventSourceMapping":
            uuid = f"{_suffix(args.name)}-esm"
            return uuid, {**inputs, "uuid": uuid}
        if typ == "aws:lambda/permission:Permission":
            sid = inputs.get("statementId") or f"{args.name}-{_suffix(args.name)}"
            return sid, {**inputs, "statementId": sid}
        if typ == "aws:cloudwatch/metricAlarm:MetricAlarm":
            return physical, {
                **inputs,
                "name": physical,
                "arn": f"arn:aws:cloudwatch:{region}:{account}:alarm:{physical}",
            }
        if typ == "aws:cloudwatch/dashboard:Dashboard":
            return inputs["dashboardName"], {
                **inputs,
                "dashboardArn": f"arn:aws:cloudwatch::{account}:dashboard/{inputs['dashboardName']}",
            }
        if typ == "aws:schemas/registry:Registry":
            return physical, {
                **inputs,
                "name": physical,
                "arn": f"arn:aws:schemas:{region}:{account}:registry/{physical}",
            }
        if typ == "aws:schemas/schema:Schema":
            arn = f"arn:aws:schemas:{region}:{account}:schema/{inputs['registryName']}/{physical}"
            return f"{physical}/{inputs['registryName']}", {**inputs, "name": physical, "arn": arn}
        if typ == "aws:schemas/discoverer:Discoverer":
            did = f"events-event-bus-{_suffix(args.name)}"
            return did, {**inputs, "arn": f"arn:aws:schemas:{region}:{account}:discoverer/{did}"}
        if typ == "aws:scheduler/scheduleGroup:ScheduleGroup":
            arn = f"arn:aws:scheduler:{region}:{account}:schedule-group/{physical}"
            return physical, {**inputs, "name": physical, "arn": arn}
        if typ == "aws:scheduler/schedule:Schedule":
            group = inputs.get("groupName", "default")
            arn = f"arn:aws:scheduler:{region}:{account}:schedule/{group}/{physical}"
            return f"{group}/{physical}", {**inputs, "name": physical, "arn": arn}
        if typ == "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig":
            return inputs["functionName"], dict(inputs)
        if typ == "aws:dynamodb/table:Table":
            return physical, {
                **inputs,
                "name": physical,
                "arn": f"arn:aws:dynamodb:{region}:{account}:table/{physical}",
            }
        if typ == "aws:kms/key:Key":
            key_id = f"{_suffix(args.name)}-key"
            return key_id, {**inputs, "keyId": key_id, "arn": f"arn:aws:kms:{region}:{account}:key/{key_id}"}
        if typ == "aws:kms/keyPolicy:KeyPolicy":
            return inputs["keyId"], dict(inputs)
        if typ == "aws:kms/alias:Alias":
            return physical, {**inputs, "arn": f"arn:aws:kms:{region}:{account}:{physical}"}
        raise NotImplementedError(
            f"the test mocks do not know resource type {typ} ({args.name}); add it to tests/pulumi_harness.py"
        )

    def call(self, args: pulumi_mocks.MockCallArgs) -> dict:
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "accountId": ACCOUNT,
                "arn": f"arn:aws:iam::{ACCOUNT}:user/test",
                "userId": "AIDTEST",
                "id": ACCOUNT,
            }
        if args.token == "aws:ssm/getParameter:getParameter" and args.args["name"].startswith(
            "/aws/service/powertools/python/"
        ):
            self.parameters_read.append(args.args["name"])
            return {
                "name": args.args["name"],
                "type": "String",
                "value": POWERTOOLS_LAYER_ARN,
                "id": args.args["name"],
                "arn": f"arn:aws:ssm:{REGION}::parameter{args.args['name']}",
                "version": 1,
                "insecureValue": POWERTOOLS_LAYER_ARN,
            }
        raise NotImplementedError(
            f"the test mocks do not know invoke {args.token} {args.args}; add it to tests/pulumi_harness.py"
        )


@dataclass
class Registration:
    """One resource as the engine saw it: type, name, URN, inputs and options."""

    typ: str
    name: str
    urn: str
    custom: bool
    parent: str
    dependencies: list[str]
    protect: bool
    retain_on_delete: bool
    # The aliases as the engine receives them (pulumi 3.272 sends `aliases`, a list of Alias specs or URNs).
    aliases: list[dict[str, Any]] = field(default_factory=list)
    inputs: dict[str, Any] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)

    def json_input(self, key: str) -> Any:
        """A JSON-string input (policy, pattern, redrive), parsed."""
        return json.loads(self.inputs[key])


def _alias(alias: Any) -> dict[str, Any]:
    """One Alias message: a full URN, or a spec whose empty fields mean "the resource's own"."""
    if alias.WhichOneof("alias") == "urn":
        return {"urn": alias.urn}
    spec = alias.spec
    return {
        "name": spec.name,
        "type": spec.type,
        "stack": spec.stack,
        "project": spec.project,
        "parentUrn": spec.parentUrn,
        "noParent": spec.noParent,
    }


class RecordingMonitor(pulumi_mocks.MockMonitor):
    def __init__(self, mocks: RecordingMocks):
        super().__init__(mocks)
        self.registrations: list[Registration] = []
        self.component_outputs: dict[str, dict[str, Any]] = {}  # URN -> what the component registered

    def RegisterResourceOutputs(self, request):  # noqa: N802 - the gRPC method name
        self.component_outputs[request.urn] = rpc.deserialize_properties(request.outputs)
        return super().RegisterResourceOutputs(request)

    def RegisterResource(self, request):  # noqa: N802 - the gRPC method name
        response = super().RegisterResource(request)
        if request.type != "pulumi:pulumi:Stack":
            self.registrations.append(
                Registration(
                    typ=request.type,
                    name=request.name,
                    urn=response.urn,
                    custom=request.custom,
                    parent=request.parent,
                    dependencies=list(request.dependencies),
                    protect=request.protect,
                    retain_on_delete=request.retainOnDelete,
                    aliases=[_alias(a) for a in request.aliases] + [{"urn": urn} for urn in request.aliasURNs],
                    inputs=rpc.deserialize_properties(request.object) if request.custom else {},
                    outputs=self.resources[response.urn].state if request.custom else {},
                )
            )
        return response


@dataclass
class Deployment:
    """What one run of the program declared."""

    registrations: list[Registration]
    parameters_read: list[str] = field(default_factory=list)
    # URN -> the outputs each component registered (the mocks never register the stack's exports).
    component_outputs: dict[str, dict[str, Any]] = field(default_factory=dict)
    exports: dict[str, Any] = field(default_factory=dict)  # the stack outputs

    @property
    def resources(self) -> list[Registration]:
        return [r for r in self.registrations if r.custom]

    def of_type(self, typ: str) -> list[Registration]:
        return [r for r in self.registrations if r.typ == typ]

    def named(self, name: str) -> Registration:
        found = [r for r in self.registrations if r.name == name]
        assert len(found) == 1, f"expected one resource named {name}, found {[r.urn for r in found]}"
        return found[0]

    def output(self, name: str, key: str) -> Any:
        """An output the mock gave resource `name` (its arn, url, name, ...)."""
        return self.named(name).outputs[key]

    def registered_outputs(self, name: str) -> dict[str, Any]:
        """What component `name` passed to register_outputs, resolved."""
        return self.component_outputs[self.named(name).urn]

    def by_urn(self, urn: str) -> Registration:
        return next(r for r in self.registrations if r.urn == urn)


_loop: asyncio.AbstractEventLoop | None = None


def _fresh_event_loop() -> None:
    """A new current event loop for one program run; the previous run's loop, its worker threads and
    the loops Pulumi's mock monitor gave those threads are closed here, not later by the garbage
    collector inside whichever test is running then."""
    global _loop
    if _loop is not None and not _loop.is_closed():
        _loop.run_until_complete(_loop.shutdown_default_executor())
        _loop.close()
    while _thread_loops:
        thread_loop = _thread_loops.pop()
        if not thread_loop.is_running():
            thread_loop.close()
    _loop = asyncio.new_event_loop()
    asyncio.set_event_loop(_loop)


_thread_loops: list[asyncio.AbstractEventLoop] = []


def _cancel_pending() -> None:
    if _loop is not None and not _loop.is_closed():
        cancel_pending(_loop)


pulumi_mocks._ensure_event_loop = recording_thread_loops(_thread_loops)  # closed by _fresh_event_loop


def build_under_mocks(build: Callable[[], Any], config: dict[str, str] | None = None) -> Deployment:
    """Run `build` (a function that declares resources) as a whole program under the recording mocks."""
    _fresh_event_loop()
    mocks = RecordingMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_all_config(config if config is not None else {"aws:region": REGION})
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=STACK, preview=False, monitor=monitor)
    try:
        with without_stack_traces():
            pulumi.runtime.test(build)()
    finally:
        _cancel_pending()
        pulumi.runtime.set_all_config({})
        pulumi.runtime.reset_options()
    return Deployment(monitor.registrations, mocks.parameters_read, monitor.component_outputs)


def stack_config(topology: str, consumers: list[dict] | None = None, **options: Any) -> dict[str, str]:
    """Config as the engine passes it: every value a string, objects as JSON."""
    if consumers is None:
        consumers = SINGLE_CONSUMER if topology == "point-to-point" else DEMO_CONSUMERS
    config = {"aws:region": REGION, "messaging:topology": topology, "messaging:consumers": json.dumps(consumers)}
    for key, value in options.items():
        if isinstance(value, bool):
            value = "true" if value else "false"
        elif not isinstance(value, str):
            value = json.dumps(value)
        config[f"messaging:{key}"] = value
    return config


def attempt_program(
    config: dict[str, str], main: Path = MAIN, project: str = PROJECT
) -> tuple[BaseException | None, Deployment]:
    """Run a program (this repository's __main__.py unless told) under the recording mocks
    (preview off, so every apply runs).

    Returns the error the program raised (or None) and what it registered.
    """
    _fresh_event_loop()
    mocks = RecordingMocks()
    monitor = RecordingMonitor(mocks)
    pulumi.runtime.set_all_config(config)
    pulumi.runtime.set_mocks(mocks, project=project, stack=STACK, preview=False, monitor=monitor)
    error: BaseException | None = None
    exports: dict[str, Any] = {}

    def program() -> None:
        runpy.run_path(str(main), run_name="__main__")
        # Under mocks the root stack never registers its outputs: read what the program exported.
        root = pulumi.runtime.get_root_resource()
        pulumi.Output.all(**root.outputs).apply(exports.update)

    try:
        with without_stack_traces():
            pulumi.runtime.test(program)()
    except Exception as raised:  # noqa: BLE001 - handed to the test to assert on
        error = raised
    finally:
        _cancel_pending()
        pulumi.runtime.set_all_config({})
        pulumi.runtime.reset_options()
    return error, Deployment(monitor.registrations, mocks.parameters_read, monitor.component_outputs, exports)


def run_program(config: dict[str, str], main: Path = MAIN, project: str = PROJECT) -> Deployment:
    error, deployment = attempt_program(config, main, project)
    if error is not None:
        raise error
    return deployment


_deployed: dict[str, Deployment] = {}


def deployed(config: dict[str, str]) -> Deployment:
    """``run_program(config)`` for tests that only read what was declared: the program is a function of its
    config, folder and environment, so each distinct one runs once per worker (tests never change it)."""
    environment = sorted((k, v) for k, v in os.environ.items() if not k.startswith("PYTEST_"))  # pytest's: per test
    key = json.dumps([config, os.getcwd(), environment], sort_keys=True)
    if key not in _deployed:
        _deployed[key] = run_program(config)
    return _deployed[key]
