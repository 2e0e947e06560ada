"""The Lambda API of a served stack, answered by the emulator instead of moto.

moto's Lambda runs function code only in Docker, and the emulator records the
program's functions and event source mappings instead of creating them in
moto (see ``emulator.aws.lambda_``). So the served endpoint answers these Lambda
calls itself, from what the program declared, in the REST-JSON shapes of the
Lambda API (2015-03-31):

* ``Invoke`` (``RequestResponse``, ``Event``, ``DryRun``): runs the function's
  real handler in the local Lambda service; a handler that raises answers 200
  with ``X-Amz-Function-Error: Unhandled`` and ``{errorMessage, errorType,
  stackTrace}``, as Lambda does. ``Event`` runs (before the 202 is returned) as
  Lambda runs an asynchronous invocation: a run that raises is retried as the
  function's asynchronous invocation config says, then its record goes to the
  on-failure destination (``emulator.schedules.run_async``);
* ``GetFunction``, ``GetFunctionConfiguration``, ``ListFunctions``;
* ``UpdateFunctionConfiguration`` (``Environment``, ``Timeout``, ``MemorySize``):
  the next invocation is a cold start with the new settings, as in Lambda;
* ``ListEventSourceMappings`` (``FunctionName``, ``EventSourceArn``),
  ``GetEventSourceMapping``.

Functions are found by name, ARN or partial ARN, with or without a qualifier;
an unknown one answers ``ResourceNotFoundException`` (404). Any other Lambda
call answers 501 naming it, rather than pretending.
"""

from __future__ import annotations

import json
import re
import uuid
from typing import Any, Callable
from urllib.parse import parse_qs, unquote

from .aws import AwsMocks, Function
from .errors import EmulatorError
from .sandbox import unhandled_error

_FUNCTION = re.compile(r"^/2015-03-31/functions/(?P<name>[^/]+)(?P<rest>/.*)?$")
_MAPPING = re.compile(r"^/2015-03-31/event-source-mappings/?(?P<uuid>[^/]*)$")

Response = tuple[int, dict[str, str], bytes]


def _json(status: int, body: Any, headers: dict[str, str] | None = None) -> Response:
    return status, {"Content-Type": "application/json", **(headers or {})}, json.dumps(body).encode()


def _error(status: int, code: str, message: str) -> Response:
    return _json(status, {"Type": "User", "message": message}, {"x-amzn-ErrorType": code})


class LambdaApi:
    def __init__(
        self,
        mocks: AwsMocks,
        invoke: Callable[[Function, Any], Any],
        cold_start: Callable[[Function], None],
        invoke_async: Callable[[Function, Any], Any],
    ):
        self.mocks = mocks
        self._invoke = invoke
        self._cold_start = cold_start
        self._invoke_async = invoke_async  # retries and the on-failure destination are its own

    # -------------------------------------------------------------- lookups
    def function(self, ref: str) -> Function | None:
        ref = unquote(ref)
        name = ref.split(":function:", 1)[1] if ":function:" in ref else ref
        name = name.split(":", 1)[0]
        return next((f for f in self.mocks.functions if f.name == name), None)

    def _inputs(self, fn: Function) -> dict[str, Any]:
        return next(
            (
                r.inputs
                for r in self.mocks.resources
                if r.typ == "aws:lambda/function:Function" and r.name == fn.resource
            ),
            {},
        )

    def configuration(self, fn: Function) -> dict[str, Any]:
        inputs = self._inputs(fn)
        return {
            "FunctionName": fn.name,
            "FunctionArn": fn.arn,
            "Runtime": inputs.get("runtime"),
            "Role": fn.role,
            "Handler": fn.handler,
            "Timeout": fn.timeout,
            "MemorySize": fn.memory,
            "Environment": {"Variables": dict(fn.environment)},
            "Architectures": list(inputs.get("architectures") or ["x86_64"]),
            "PackageType": "Zip",
            "State": "Active",
            "LastUpdateStatus": "Successful",
            "Version": "$LATEST",
            "LoggingConfig": {"LogGroup": fn.log_group},
        }

    def mapping(self, m) -> dict[str, Any]:
        fn = self.function(m.function)
        out: dict[str, Any] = {
            "UUID": m.uuid,
            "BatchSize": m.batch_size,
            "MaximumBatchingWindowInSeconds": m.window,
            "EventSourceArn": m.queue_arn,
            "FunctionArn": fn.arn if fn else m.function,
            "State": "Enabled" if m.enabled else "Disabled",
            "StateTransitionReason": "USER_INITIATED",
            "FunctionResponseTypes": ["ReportBatchItemFailures"] if m.report_batch_item_failures else [],
        }
        if m.max_concurrency is not None:
            out["ScalingConfig"] = {"MaximumConcurrency": m.max_concurrency}
        return out

    # ------------------------------------------------------------- dispatch
    def handle(self, method: str, path: str, query: str, headers: dict[str, str], body: bytes) -> Response:
        params = {k: v[0] for k, v in parse_qs(query).items()}
        match = _FUNCTION.match(path)
        if match:
            fn = self.function(match["name"])
            if fn is None:
                return _error(404, "ResourceNotFoundException", f"Function not found: {unquote(match['name'])}")
            rest = match["rest"] or ""
            if method == "POST" and rest == "/invocations":
                return self.invoke(fn, headers, body)
            if method == "GET" and rest == "":
                return _json(200, {"Configuration": self.configuration(fn), "Code": {"RepositoryType": "S3"}})
            if method == "GET" and rest == "/configuration":
                return _json(200, self.configuration(fn))
            if method == "PUT" and rest == "/configuration":
                return self.update(fn, body)
        elif method == "GET" and path.rstrip("/") == "/2015-03-31/functions":
            return _json(200, {"Functions": [self.configuration(f) for f in self.mocks.functions]})
        else:
            match = _MAPPING.match(path)
            if match and method == "GET":
                if match["uuid"]:
                    m = next((m for m in self.mocks.mappings if m.uuid == match["uuid"]), None)
                    if m is None:
                        return _error(
                            404,
                            "ResourceNotFoundException",
                            f"The resource you requested does not exist. (UUID {match['uuid']})",
                        )
                    return _json(200, self.mapping(m))
                wanted_fn = self.function(params["FunctionName"]) if params.get("FunctionName") else None
                if params.get("FunctionName") and wanted_fn is None:
                    return _error(404, "ResourceNotFoundException", f"Function not found: {params['FunctionName']}")
                found = [
                    self.mapping(m)
                    for m in self.mocks.mappings
                    if (wanted_fn is None or self.function(m.function) is wanted_fn)
                    and (not params.get("EventSourceArn") or m.queue_arn == params["EventSourceArn"])
                ]
                return _json(200, {"EventSourceMappings": found})
        return _error(501, "NotImplemented", f"the emulator does not implement Lambda {method} {path}")

    def update(self, fn: Function, body: bytes) -> Response:
        try:
            changes = json.loads(body.decode("utf-8")) if body else {}
        except ValueError as exc:
            return _error(400, "InvalidParameterValueException", f"request body is not JSON: {exc}")
        unsupported = sorted(set(changes) - {"Environment", "Timeout", "MemorySize", "RevisionId"})
        if unsupported:
            return _error(501, "NotImplemented", f"the emulator does not update {', '.join(unsupported)}")
        if "Environment" in changes:
            fn.environment = {str(k): str(v) for k, v in (changes["Environment"].get("Variables") or {}).items()}
        if "Timeout" in changes:
            fn.timeout = int(changes["Timeout"])
        if "MemorySize" in changes:
            fn.memory = int(changes["MemorySize"])
        self._cold_start(fn)
        return _json(200, self.configuration(fn))

    def invoke(self, fn: Function, headers: dict[str, str], body: bytes) -> Response:
        kind = headers.get("x-amz-invocation-type", "RequestResponse")
        if kind == "DryRun":
            return 204, {}, b""
        try:
            event = json.loads(body.decode("utf-8")) if body else {}
        except ValueError as exc:
            return _error(400, "InvalidRequestContentException", f"Could not parse request body into json: {exc}")
        common = {"X-Amz-Executed-Version": "$LATEST", "x-amzn-RequestId": str(uuid.uuid4())}
        if kind == "Event":
            try:
                self._invoke_async(fn, event)
            except EmulatorError as exc:  # the emulator cannot run it: Lambda's own failure, not the function's
                return _error(500, "ServiceException", str(exc))
            return 202, common, b""
        try:
            result = self._invoke(fn, event)
        except Exception as exc:  # noqa: BLE001 - a failing handler is the function's error, as in Lambda
            payload = {**unhandled_error(exc), "requestId": common["x-amzn-RequestId"]}
            return _json(200, payload, {**common, "X-Amz-Function-Error": "Unhandled"})
        return _json(200, result, common)
