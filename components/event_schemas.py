"""EventSchemas: a schema registry for the stack, holding one JSON Schema per event type.

The producer checks each envelope's `data` against the same documents before
it sends anything (the MESSAGING_SCHEMAS variable, components/producer.py).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import defaults


@dataclass(frozen=True, kw_only=True)
class EventSchemasArgs:
    documents: Mapping[str, dict]  # event type -> JSON Schema (draft 4)
    description: str
    tags: Mapping[str, str]


class EventSchemas(pulumi.ComponentResource):
    """One registry, one schema per type (named after the type)."""

    TYPE = "messaging:schemas:EventSchemas"

    registry_name: pulumi.Output[str]
    schema_arns: pulumi.Output[dict]

    def __init__(self, name: str, args: EventSchemasArgs, opts: pulumi.ResourceOptions | None = None):
        super().__init__(self.TYPE, name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        self.registry = aws.schemas.Registry(
            f"{name}-registry", description=args.description, tags=dict(args.tags), opts=child
        )
        self.schemas = {
            type_name: aws.schemas.Schema(
                f"{name}-{type_name}",
                name=type_name,
                registry_name=self.registry.name,
                type=defaults.SCHEMA_TYPE,
                content=json.dumps(document, sort_keys=True),
                description=f"data of {type_name} envelopes",
                tags=dict(args.tags),
                opts=child,
            )
            for type_name, document in sorted(args.documents.items())
        }
        self.registry_name = self.registry.name
        self.schema_arns = pulumi.Output.all(**{t: s.arn for t, s in self.schemas.items()})
        self.register_outputs({"registry_name": self.registry_name, "schema_arns": self.schema_arns})
