"""Pulumi mocks that create every declared resource in an embedded moto AWS.

``AwsMocks.new_resource`` receives each resource the program registers and
hands it to the module of its AWS service (``emulator/aws/<service>.py``,
each with a ``RESOURCES`` table of the types it creates); the module creates
it in moto and answers with the real identifiers (queue URLs, ARNs, names).
Unknown ``aws:`` resource types, and inputs the emulator would silently
ignore, are errors that name the resource: the emulator never pretends to
run something it does not.  ``call`` answers the invokes the program makes
(``emulator/aws/invokes.py``).

What the rest of the emulator needs afterwards (queues, topics, rules, keys,
functions, mappings, routes) is kept here, per deployment.
"""

from __future__ import annotations

import hashlib
import threading
from typing import Any

import pulumi

from ..errors import EmulatorError
from . import cloudwatch, dynamodb, events, iam, invokes, kms, lambda_, scheduler, schemas, sns, sqs
from .base import Creator, Declared, ProgramTransform, Route
from .clients import service_clients
from .lambda_ import Function, Mapping

SERVICES = (sqs, sns, events, iam, cloudwatch, lambda_, dynamodb, kms, schemas, scheduler)


def _creators() -> dict[str, Creator]:
    table: dict[str, Creator] = {}
    for service in SERVICES:
        for typ, creator in service.RESOURCES.items():
            if typ in table:
                raise RuntimeError(f"{typ} is created by two service modules")  # a mistake in the emulator itself
            table[typ] = creator
    return table


class AwsMocks(pulumi.runtime.Mocks):
    ACCOUNT = "123456789012"
    CREATORS = _creators()

    def __init__(self, region: str, program_transform: ProgramTransform | None = None):
        self.region = region
        self.account = self.ACCOUNT
        self.partition = "aws"
        self.transform = program_transform
        self._lock = threading.RLock()
        self.c = service_clients(region)
        self.resources: list[Declared] = []
        self.errors: list[BaseException] = []
        self._names: set[tuple[str, str]] = set()
        # What the emulator needs afterwards.
        self.queues: dict[str, dict[str, Any]] = {}  # arn -> {url, name, resource, inputs}
        self.queue_policy_owner: dict[str, str] = {}  # queue url -> resource name
        self.topics: dict[str, dict[str, Any]] = {}  # arn -> {...}
        self.rules: dict[str, dict[str, Any]] = {}  # arn -> {name, bus}
        self.kms_keys: dict[str, dict[str, Any]] = {}  # key id -> {arn, policy}
        self.kms_aliases: dict[str, str] = {}  # alias name -> key id
        self.functions: list[Function] = []
        self.layers: dict[str, Any] = {}  # layer version ARN -> its code archive (the program's own layers)
        self.mappings: list[Mapping] = []
        self.permissions: list[dict[str, Any]] = []
        self.routes: list[Route] = []
        self.recorded_only: list[Declared] = []  # e.g. email subscriptions
        self.alarms: list[dict[str, Any]] = []  # {name, resource, kwargs}
        self.schema_registries: dict[str, dict[str, Any]] = {}  # name -> {arn, schemas: {name: {type, content}}}
        self.discoverers: dict[str, str] = {}  # discoverer id -> the bus ARN it reads
        self.schedules: dict[str, dict[str, Any]] = {}  # schedule name -> {resource, arn, group}
        self.async_configs: dict[str, dict[str, Any]] = {}  # function ARN -> {retries, on_failure}

    # ------------------------------------------------------------------ helpers
    def physical_name(self, typ: str, name: str, inputs: dict, *, fifo: bool = False, key: str = "name") -> str:
        """The explicit name, or ``<name>-<7 hex>`` like Pulumi's auto-naming (deterministic here)."""
        explicit = inputs.get(key)
        if explicit:
            return str(explicit)
        prefix = inputs.get("namePrefix")
        base = str(prefix) if prefix else f"{name}-"
        counter = 0
        while True:
            digest = hashlib.sha1(f"{typ}|{name}|{counter}".encode()).hexdigest()[:7]
            candidate = f"{base}{digest}" + (".fifo" if fifo else "")
            if (typ, candidate) not in self._names:
                self._names.add((typ, candidate))
                return candidate
            counter += 1

    def arn(self, service: str, resource: str, region: bool = True) -> str:
        r = self.region if region else ""
        return f"arn:{self.partition}:{service}:{r}:{self.account}:{resource}"

    def policy_now(self, queue_arn: str) -> str | None:
        """The queue's policy at this point of the deployment (routes created before it lose messages)."""
        queue = self.queues.get(queue_arn)
        if queue is None:
            return None
        attrs = (
            self.c["sqs"].get_queue_attributes(QueueUrl=queue["url"], AttributeNames=["Policy"]).get("Attributes", {})
        )
        return attrs.get("Policy")

    def queue_by_url(self, url: str) -> dict[str, Any] | None:
        return next((q for q in self.queues.values() if q["url"] == url), None)

    def resolve_kms_key(self, key: str | None) -> tuple[str | None, dict[str, Any] | None]:
        """(canonical description, declared key record) for a key id / ARN / alias."""
        if not key:
            return None, None
        if key.startswith("arn:") and ":alias/" in key:
            key = key.split(":", 5)[5]
        if key.startswith("alias/"):
            if key.startswith("alias/aws/"):
                return key, None
            kid = self.kms_aliases.get(key)
            return key, self.kms_keys.get(kid) if kid else None
        kid = key.rsplit("/", 1)[-1] if key.startswith("arn:") else key
        return key, self.kms_keys.get(kid)

    # -------------------------------------------------------------- Pulumi API
    def call(self, args: pulumi.runtime.MockCallArgs):
        try:
            return invokes.answer(self, args.token, args.args or {})
        except EmulatorError as err:
            self.errors.append(err)
            raise

    def new_resource(self, args: pulumi.runtime.MockResourceArgs):
        with self._lock:
            try:
                return self._new_resource(args)
            except BaseException as exc:
                self.errors.append(exc)
                raise

    def _new_resource(self, args: pulumi.runtime.MockResourceArgs):
        typ, name = args.typ, args.name
        inputs = dict(args.inputs or {})
        if self.transform is not None:
            edited = self.transform(typ, name, dict(inputs))
            if edited is None:
                rid = f"{name}-dropped"
                self.resources.append(Declared(typ, name, inputs, rid, dropped=True))
                return rid, inputs
            inputs = edited
        if typ.startswith("pulumi:providers:"):
            return f"{name}-provider", inputs
        if not typ.startswith("aws:"):
            if args.custom:
                raise EmulatorError(f"unsupported resource type {typ} ({name!r}): the emulator only runs AWS resources")
            return f"{name}-component", inputs
        creator = self.CREATORS.get(typ)
        if creator is None:
            raise EmulatorError(f"unsupported resource type {typ} ({name!r}): the emulator cannot create it")
        rid, outputs = creator(self, typ, name, inputs)
        self.resources.append(Declared(typ, name, inputs, rid, outputs))
        return rid, {**inputs, **outputs}
