"""EventBridge Schemas: registries, schemas and discoverers.

moto does not implement the Schemas API, so the emulator keeps them itself:
what the program registered is checked as the service checks it (a known
registry, a known type, JSON content; a discoverer on a bus of this stack) and
can be read back (``AwsMocks.schema_registries``). Discovery itself (inferring
schemas from traffic) is not emulated.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from ..errors import EmulatorError
from .base import Declared, keep, nothing, refuse_keys, upsert

if TYPE_CHECKING:
    from .dispatch import AwsMocks

SCHEMA_TYPES = ("OpenApi3", "JSONSchemaDraft4")


def registry(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(typ, name, inputs, {"name", "description", "tags"})
    rname = m.physical_name(typ, name, inputs)
    arn = m.arn("schemas", f"registry/{rname}")
    m.schema_registries[rname] = {"arn": arn, "schemas": {}}
    return rname, {"name": rname, "arn": arn, "id": rname}


def schema(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(typ, name, inputs, {"name", "registryName", "type", "content", "description", "tags"})
    sname, rname, kind = inputs["name"], inputs["registryName"], inputs["type"]
    if rname not in m.schema_registries:
        raise EmulatorError(f"{typ} {name!r}: registry {rname!r} is not a registry the program declared")
    if kind not in SCHEMA_TYPES:
        raise EmulatorError(f"{typ} {name!r}: type {kind!r} is not one of {', '.join(SCHEMA_TYPES)}")
    try:
        content = json.loads(inputs["content"])
    except ValueError as exc:
        raise EmulatorError(f"{typ} {name!r}: content is not JSON ({exc})") from None
    m.schema_registries[rname]["schemas"][sname] = {"type": kind, "content": content}
    arn = m.arn("schemas", f"schema/{rname}/{sname}")
    return f"{sname}/{rname}", {"name": sname, "arn": arn, "version": "1", "id": f"{sname}/{rname}"}


def discoverer(m: AwsMocks, typ: str, name: str, inputs: dict) -> tuple[str, dict]:
    refuse_keys(typ, name, inputs, {"sourceArn", "description", "tags"})
    source = inputs["sourceArn"]
    if ":event-bus/" not in source:
        raise EmulatorError(f"{typ} {name!r}: sourceArn {source!r} is not an event bus ARN")
    did = f"events-event-bus-{source.rsplit('/', 1)[-1]}"
    m.discoverers[did] = source
    return did, {"arn": m.arn("schemas", f"discoverer/{did}"), "id": did}


RESOURCES = {
    "aws:schemas/registry:Registry": registry,
    "aws:schemas/schema:Schema": schema,
    "aws:schemas/discoverer:Discoverer": discoverer,
}


def delete_schema(m: AwsMocks, prior: Declared) -> None:
    registry_record = m.schema_registries.get(prior.inputs["registryName"])
    if registry_record is not None:
        registry_record["schemas"].pop(prior.inputs["name"], None)


# Kept by the emulator itself: a registry keeps its schemas (each schema is a resource of its own).
UPDATES = {
    "aws:schemas/registry:Registry": keep,
    "aws:schemas/schema:Schema": upsert(schema),
    "aws:schemas/discoverer:Discoverer": upsert(discoverer),
}
DELETES = {
    "aws:schemas/registry:Registry": nothing,
    "aws:schemas/schema:Schema": delete_schema,
    "aws:schemas/discoverer:Discoverer": nothing,
}
