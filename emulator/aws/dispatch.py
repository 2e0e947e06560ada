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
functions, mappings, routes) is kept here, per deployment, with what each
declared resource's creator recorded (``Declared.records``).

An update (``previous``: the deployment being updated, as ``pulumi up`` runs
on a stack that exists; ``emulator/update.py``) identifies resources by type
and logical name: one declared with the same inputs (assets and archives
compared by content, ``archives.py``) is adopted as it is (its records,
nothing called), one with changed inputs is updated in place by its
service module's ``UPDATES`` entry or, without one (or when it answers None),
replaced (``DELETES``, then created); ``finish_update`` deletes what is no
longer declared, newest first.
"""

from __future__ import annotations

import hashlib
import threading
from collections import Counter
from typing import Any

import pulumi

from ..errors import EmulatorError
from . import cloudwatch, dynamodb, events, iam, invokes, kms, lambda_, scheduler, schemas, sns, sqs
from .archives import Archives
from .base import Creator, Declared, Deleter, ProgramTransform, Route, Updater
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
        missing, stray = set(service.RESOURCES) - set(service.DELETES), set(service.UPDATES) - set(service.RESOURCES)
        if missing or stray:  # a mistake in the emulator itself
            raise RuntimeError(
                f"{service.__name__}: no delete for {sorted(missing)}, an update of no type {sorted(stray)}"
            )
    return table


UPDATERS: dict[str, Updater] = {t: u for service in SERVICES for t, u in service.UPDATES.items()}
DELETERS: dict[str, Deleter] = {t: d for service in SERVICES for t, d in service.DELETES.items()}

# What creators record (the registries below); a redeploy adopts an unchanged resource's share of them.
REGISTRIES = (
    "queues",
    "queue_policy_owner",
    "topics",
    "rules",
    "kms_keys",
    "kms_aliases",
    "functions",
    "layers",
    "mappings",
    "permissions",
    "routes",
    "recorded_only",
    "alarms",
    "schema_registries",
    "discoverers",
    "schedules",
    "async_configs",
    "_names",
)


def type_label(typ: str) -> str:
    """``aws:sns/topicSubscription:TopicSubscription`` -> ``TopicSubscription``: how an update line counts."""
    return typ.rsplit(":", 1)[-1]


class Changes:
    """What an update did, per resource: created, updated (in place or replaced), deleted, unchanged."""

    def __init__(self) -> None:
        self.created: list[Declared] = []
        self.updated: list[Declared] = []
        self.replaced: list[Declared] = []
        self.deleted: list[Declared] = []
        self.unchanged: list[Declared] = []

    def _of(self, which: str) -> list[Declared]:
        """The resources of one kind of change; "updated" counts replacements too."""
        return self.updated + self.replaced if which == "updated" else getattr(self, which)

    def counts(self, which: str) -> dict[str, int]:
        return dict(sorted(Counter(type_label(d.typ) for d in self._of(which)).items()))

    def names(self, which: str) -> list[str]:
        return sorted(f"{type_label(d.typ)} {d.name}" for d in self._of(which))

    def summary(self) -> str:
        """One line: ``3 created (EventRule 2, ...), 1 updated (QueuePolicy 1), 2 deleted (...), 9 unchanged``."""
        parts = []
        for which in ("created", "updated", "deleted"):
            counts = self.counts(which)
            detail = ", ".join(f"{t} {n}" for t, n in counts.items())
            parts.append(f"{sum(counts.values())} {which}" + (f" ({detail})" if detail else ""))
        return ", ".join(parts) + f", {len(self.unchanged)} unchanged"


class AwsMocks(pulumi.runtime.Mocks):
    ACCOUNT = "123456789012"
    CREATORS = _creators()

    def __init__(
        self, region: str, program_transform: ProgramTransform | None = None, previous: "AwsMocks | None" = None
    ):
        self.region = region
        self.account = self.ACCOUNT
        self.partition = "aws"
        self.transform = program_transform
        self._lock = threading.RLock()
        self.c = service_clients(region)
        self.resources: list[Declared] = []
        self.archives = Archives()  # the assets and archives the program declares, read once, as deployed
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
        # Layer name -> the last version published, across updates (AWS never numbers two versions alike).
        self.layer_versions: dict[str, int] = dict(previous.layer_versions) if previous is not None else {}
        self.mappings: list[Mapping] = []
        self.permissions: list[dict[str, Any]] = []
        self.routes: list[Route] = []
        self.recorded_only: list[Declared] = []  # e.g. email subscriptions
        self.alarms: list[dict[str, Any]] = []  # {name, resource, kwargs}
        self.schema_registries: dict[str, dict[str, Any]] = {}  # name -> {arn, schemas: {name: {type, content}}}
        self.discoverers: dict[str, str] = {}  # discoverer id -> the bus ARN it reads
        self.schedules: dict[str, dict[str, Any]] = {}  # schedule name -> {resource, arn, group}
        self.async_configs: dict[str, dict[str, Any]] = {}  # function ARN -> {retries, on_failure}
        self.topologies: list[str] = []  # each Messaging component's topology, in the order declared (program.py)
        # An update of ``previous`` (same embedded AWS): its resources by (type, logical name).
        self.previous = previous
        self._prior = {(d.typ, d.name): d for d in previous.resources} if previous is not None else {}
        self.changes = Changes()

    # ------------------------------------------------------------------ records
    def _snapshot(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for attr in REGISTRIES:
            value = getattr(self, attr)
            out[attr] = (
                len(value) if isinstance(value, list) else dict(value) if isinstance(value, dict) else set(value)
            )
        return out

    def _recorded(self, before: dict[str, Any]) -> list[tuple[str, Any]]:
        records: list[tuple[str, Any]] = []
        for attr in REGISTRIES:
            value, was = getattr(self, attr), before[attr]
            if isinstance(value, list):
                records += [(attr, item) for item in value[was:]]
            elif isinstance(value, dict):
                records += [(attr, (k, v)) for k, v in value.items() if k not in was or was[k] is not v]
            else:
                records += [(attr, item) for item in value - was]
        return records

    def adopt(self, prior: Declared) -> None:
        """Record what ``prior``'s creator recorded in the deployment being updated (it exists as it was)."""
        for attr, item in prior.records:
            value = getattr(self, attr)
            if isinstance(value, list):
                value.append(item)
            elif isinstance(value, dict):
                value[item[0]] = item[1]
            else:
                value.add(item)

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
        prior = self._prior.get((typ, name))
        if prior is not None and prior.dropped:
            prior = None  # never created in the embedded AWS
        try:
            fingerprint = self.archives.comparable(inputs)
        except EmulatorError as exc:
            raise EmulatorError(f"{typ} {name!r}: {exc}") from None
        before = self._snapshot()
        if prior is None:
            rid, outputs = creator(self, typ, name, inputs)
            which = self.changes.created
        elif prior.fingerprint == fingerprint:
            self.adopt(prior)
            rid, outputs = prior.id, dict(prior.outputs)
            which = self.changes.unchanged
        else:
            rid, outputs, which = self._update(creator, typ, name, inputs, prior)
        declared = Declared(typ, name, inputs, rid, outputs, records=self._recorded(before), fingerprint=fingerprint)
        self.resources.append(declared)
        which.append(declared)
        return rid, {**inputs, **outputs}

    def _update(self, creator: Creator, typ: str, name: str, inputs: dict, prior: Declared):
        updater = UPDATERS.get(typ)
        result = updater(self, typ, name, inputs, prior) if updater is not None else None
        if result is None:
            DELETERS[typ](self, prior)  # replaced: the old one goes first (it may hold the same name)
            rid, outputs = creator(self, typ, name, inputs)
            return rid, outputs, self.changes.replaced
        rid, outputs = result
        if rid != prior.id:
            DELETERS[typ](self, prior)  # a put under another name or id left the old one behind
        return rid, outputs, self.changes.updated

    # ------------------------------------------------------------------ updates
    def finish_update(self) -> Changes:
        """Delete what the deployment being updated declared and this one does not (newest first)."""
        if self.previous is not None:
            declared = {(d.typ, d.name) for d in self.resources}
            for prior in reversed(self.previous.resources):
                if prior.dropped or (prior.typ, prior.name) in declared:
                    continue
                DELETERS[prior.typ](self, prior)
                self.changes.deleted.append(prior)
        return self.changes

    def abandon_update(self) -> None:
        """The program failed part way: delete what this update created, newest first (best effort)."""
        for d in reversed(self.changes.created):
            try:
                DELETERS[d.typ](self, d)
            except Exception:  # noqa: BLE001 - the program's own error is the one reported
                pass
