"""Lambda: functions, layers, event source mappings and permissions, recorded rather than created in moto
(asynchronous-invocation settings are recorded by ``scheduler.py``, in ``AwsMocks.async_configs``).

moto's Lambda runs code only in Docker; ``emulator.sandbox`` runs the recorded
functions and ``emulator.poller`` plays their event source mappings.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import pulumi

from ..errors import EmulatorError
from .base import boolean, nothing, num, refuse_keys, upsert

if TYPE_CHECKING:
    from .dispatch import AwsMocks


@dataclass
class Function:
    resource: str  # Pulumi logical name
    name: str  # physical name
    arn: str
    handler: str
    environment: dict[str, str]
    role: str | None
    timeout: int
    memory: int
    code: dict[str, bytes]  # its code archive's files as deployed (archive path -> content), read when declared
    code_hash: str  # a digest of ``code``: one unpacked package per distinct code (emulator/sandbox.py)
    log_group: str
    layers: list[str] = field(default_factory=list)  # layer version ARNs, in order
    runtime: str | None = None  # as declared (e.g. python3.13)
    dead_letter_arn: str | None = None  # where Lambda sends an asynchronous invocation that still fails


@dataclass
class Mapping:
    resource: str
    uuid: str
    queue_arn: str
    function: str  # name or ARN as declared
    batch_size: int
    window: int
    report_batch_item_failures: bool
    enabled: bool
    max_concurrency: int | None


def function(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    if inputs.get("packageType") == "Image" or inputs.get("imageUri"):
        raise EmulatorError(f"{typ} {name!r}: container-image functions are not emulated")
    if not inputs.get("handler"):
        raise EmulatorError(f"{typ} {name!r}: no handler")
    fname = m.physical_name(typ, name, inputs)
    arn = m.arn("lambda", f"function:{fname}")
    env = {str(k): str(v) for k, v in ((inputs.get("environment") or {}).get("variables") or {}).items()}
    code = inputs.get("code")
    if code is None:
        raise EmulatorError(f"{typ} {name!r}: no code (AWS refuses a Zip function without its code archive)")
    if not isinstance(code, (pulumi.FileArchive, pulumi.AssetArchive)):
        raise EmulatorError(
            f"{typ} {name!r}: code must be a FileArchive or AssetArchive of the handlers (got {type(code).__name__})"
        )
    try:
        files, code_hash = m.archives.code(code)
    except EmulatorError as exc:
        raise EmulatorError(f"{typ} {name!r}: {exc}") from None
    log_group = ((inputs.get("loggingConfig") or {}).get("logGroup")) or f"/aws/lambda/{fname}"
    dead_letter = (inputs.get("deadLetterConfig") or {}).get("targetArn") or None
    if dead_letter is not None and dead_letter not in m.queues:
        raise EmulatorError(
            f"{typ} {name!r}: deadLetterConfig.targetArn {dead_letter!r} is not an SQS queue the program declared "
            "(the emulator dead-letters asynchronous invocations to SQS only)"
        )
    m.functions.append(
        Function(
            resource=name,
            name=fname,
            arn=arn,
            handler=str(inputs["handler"]),
            environment=env,
            role=inputs.get("role"),
            timeout=num(inputs.get("timeout", 3)),
            memory=num(inputs.get("memorySize", 128)),
            code=files,
            code_hash=code_hash,
            log_group=log_group,
            layers=[str(arn) for arn in inputs.get("layers") or []],
            dead_letter_arn=dead_letter,
        )
    )
    return fname, {
        "arn": arn,
        "name": fname,
        "id": fname,
        "invokeArn": (f"arn:{m.partition}:apigateway:{m.region}:lambda:path/2015-03-31/functions/{arn}/invocations"),
        "qualifiedArn": f"{arn}:$LATEST",
        "version": "$LATEST",
        "qualifiedInvokeArn": f"{arn}:$LATEST",
    }


def layer_version(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    layer = str(inputs.get("layerName") or name)
    # Lambda numbers a layer's versions on and never reuses one, even once the one before is deleted.
    version = m.layer_versions[layer] = m.layer_versions.get(layer, 0) + 1
    arn = m.arn("lambda", f"layer:{layer}:{version}")
    m.layers[arn] = inputs.get("code")
    return arn, {"arn": arn, "layerArn": arn.rsplit(":", 1)[0], "version": str(version)}


def event_source_mapping(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(
        typ,
        name,
        inputs,
        {
            "eventSourceArn",
            "functionName",
            "batchSize",
            "maximumBatchingWindowInSeconds",
            "functionResponseTypes",
            "scalingConfig",
            "enabled",
            "tags",
        },
    )
    src = inputs.get("eventSourceArn") or ""
    if src not in m.queues:
        raise EmulatorError(
            f"{typ} {name!r}: event source {src!r} is not an SQS queue the program declared "
            "(only SQS event source mappings are emulated)"
        )
    fifo = m.queues[src]["name"].endswith(".fifo")
    batch = num(inputs.get("batchSize", 10))
    window = num(inputs.get("maximumBatchingWindowInSeconds", 0) or 0)
    if batch > 10 and window < 1:
        raise EmulatorError(f"{typ} {name!r}: batchSize {batch} > 10 needs maximumBatchingWindowInSeconds >= 1")
    if fifo and (batch > 10 or window):
        raise EmulatorError(f"{typ} {name!r}: a FIFO queue allows batchSize <= 10 and no batching window")
    mc = (inputs.get("scalingConfig") or {}).get("maximumConcurrency")
    mid = str(uuid.uuid5(uuid.NAMESPACE_URL, f"esm:{name}"))
    m.mappings.append(
        Mapping(
            resource=name,
            uuid=mid,
            queue_arn=src,
            function=str(inputs.get("functionName")),
            batch_size=batch,
            window=window,
            report_batch_item_failures="ReportBatchItemFailures" in (inputs.get("functionResponseTypes") or []),
            enabled=boolean(inputs.get("enabled", True)),
            max_concurrency=num(mc) if mc is not None else None,
        )
    )
    return mid, {"uuid": mid, "id": mid, "functionArn": inputs.get("functionName"), "state": "Enabled"}


def permission(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(typ, name, inputs, {"action", "function", "principal", "sourceArn", "sourceAccount", "statementId"})
    sid = inputs.get("statementId") or m.physical_name(typ, name, {}, key="statementId")
    m.permissions.append({"resource": name, **inputs, "statementId": sid})
    return sid, {"statementId": sid, "id": sid}


def permits(m: AwsMocks, function_arn: str, service: str, source_arn: str) -> bool:
    """Would Lambda let ``service`` invoke the function on behalf of ``source_arn`` (its resource policy)?"""
    fn = next((f for f in m.functions if function_arn in (f.arn, f"{f.arn}:$LATEST")), None)
    if fn is None:
        return False
    for p in m.permissions:
        if p.get("function") not in (fn.name, fn.arn) or p.get("principal") != service:
            continue
        if p.get("action") not in ("lambda:InvokeFunction", "lambda:*"):
            continue
        if p.get("sourceAccount") not in (None, m.account):
            continue
        if p.get("sourceArn") in (None, source_arn):  # without SourceArn, any source of that service
            return True
    return False


RESOURCES = {
    "aws:lambda/function:Function": function,
    "aws:lambda/layerVersion:LayerVersion": layer_version,
    "aws:lambda/eventSourceMapping:EventSourceMapping": event_source_mapping,
    "aws:lambda/permission:Permission": permission,
}
# Functions, layers, mappings and permissions are the emulator's own records (emulator/lambda_service.py runs
# them): an update records them anew, a delete drops the record. A function recorded anew (changed settings, or
# a changed file in its code archive) gets a cold start, which imports the code that update deployed.
# A layer version is immutable, so a changed one is replaced: a new version, which the functions then name.
UPDATES = {typ: upsert(creator) for typ, creator in RESOURCES.items() if typ != "aws:lambda/layerVersion:LayerVersion"}
DELETES = {typ: nothing for typ in RESOURCES}
