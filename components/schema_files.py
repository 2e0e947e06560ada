"""`messaging:schemas`: which event types have a JSON Schema, read and checked at preview (pure, no Pulumi).

    schemas:
      discovery: true                          # eventbridge: infer schemas from the bus's events
      types: {OrderCreated: schemas/order-created.json}

Each file must exist, be JSON and be a valid JSON Schema (draft 4, the dialect
EventBridge's registry takes; jsonschema checks it). A schema without
`$schema` gets draft 4's, so the producer's check and the registry agree.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from components import defaults
from components.config_items import unknown_key

KEYS = ("discovery", "types")


@dataclass(frozen=True, kw_only=True)
class Schemas:
    discovery: bool = defaults.SCHEMA_DISCOVERY
    documents: Mapping[str, dict] = field(default_factory=dict)  # event type -> its JSON Schema

    def producer_json(self) -> str:
        """What the producer reads (compact; its environment has a size budget)."""
        return json.dumps(dict(self.documents), separators=(",", ":"), sort_keys=True)


def _show(value: Any) -> str:
    return json.dumps(value) if not isinstance(value, Path) else str(value)


def parse_schemas(raw: Any, *, key: str, base: Path, topology: Any, errors: list[str]) -> Schemas:
    """Validate `raw` (the key's value), reading each file relative to `base`; errors name key, value, rule."""
    if raw is None:
        return Schemas()
    if not isinstance(raw, Mapping):
        errors.append(f"{key}: {_show(raw)} is not allowed; give an object with discovery and/or types")
        return Schemas()
    for unknown in sorted(set(raw) - set(KEYS)):
        errors.append(unknown_key(f"{key}.{unknown}", unknown, KEYS))
    discovery = raw.get("discovery", defaults.SCHEMA_DISCOVERY)
    if not isinstance(discovery, bool):
        errors.append(f"{key}.discovery: {_show(discovery)} is not allowed; use true or false")
        discovery = False
    elif discovery and topology != "eventbridge":
        errors.append(
            f"{key}.discovery: true under {topology}, which has no event bus to discover from; use topology "
            "eventbridge or leave discovery out"
        )
    types = raw.get("types", {})
    documents: dict[str, dict] = {}
    if not isinstance(types, Mapping):
        errors.append(
            f"{key}.types: {_show(types)} is not allowed; map each event type to a schema file, e.g. "
            '{"OrderCreated": "schemas/order-created.json"}'
        )
        types = {}
    for type_name, path in types.items():
        where = f"{key}.types.{type_name}"
        if not re.match(defaults.SCHEMA_NAME_PATTERN, type_name):
            errors.append(
                f"{where}: the type name is not allowed; use letters, digits and @ . _ - (at most 385 characters)"
            )
            continue
        if not isinstance(path, str) or not path:
            errors.append(f"{where}: {_show(path)} is not allowed; give the path of a JSON Schema file")
            continue
        document = _load(where, path, base, errors)
        if document is not None:
            documents[type_name] = document
    result = Schemas(discovery=discovery, documents=documents)
    size = len(result.producer_json().encode())
    if documents and size > defaults.SCHEMA_ENV_MAX_BYTES:
        errors.append(
            f"{key}.types: the schemas are {size} bytes as compact JSON, over the {defaults.SCHEMA_ENV_MAX_BYTES}"
            "-byte budget of the producer's environment (Lambda allows 4 KB for all its variables); shorten them "
            "(descriptions, titles) or register fewer types"
        )
    return result


def _load(where: str, path: str, base: Path, errors: list[str]) -> dict | None:
    file = (base / path).resolve()
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        errors.append(f"{where}: {_show(path)} cannot be read ({exc.strerror or exc}); give an existing JSON file")
        return None
    try:
        document = json.loads(text)
    except ValueError as exc:
        errors.append(f"{where}: {_show(path)} is not JSON ({exc}); give a JSON Schema document")
        return None
    if not isinstance(document, dict):
        errors.append(f"{where}: {_show(path)} holds a JSON {type(document).__name__}, not a JSON Schema object")
        return None
    document = {"$schema": defaults.SCHEMA_DIALECT, **document}
    if document["$schema"].rstrip("#") != defaults.SCHEMA_DIALECT.rstrip("#"):
        errors.append(
            f"{where}: {_show(path)} declares $schema {_show(document['$schema'])}; EventBridge's registry takes "
            f"JSON Schema draft 4 only: use {defaults.SCHEMA_DIALECT} or leave $schema out"
        )
        return None
    try:
        jsonschema.Draft4Validator.check_schema(document)
    except jsonschema.SchemaError as exc:
        at = "/".join(str(p) for p in exc.absolute_path) or "(top level)"
        errors.append(
            f"{where}: {_show(path)} is not a valid JSON Schema: at {at}: {exc.message} (rule: {exc.validator})"
        )
        return None
    return document
