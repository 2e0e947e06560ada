"""Messaging: the whole system as one component, and the typed arguments it takes.

`MessagingArgs`, `ConsumerArgs` and `ProducerArgs` can be built in code or read from stack
config (`MessagingArgs.from_stack_config`); either way they are validated by
the same parser as stack config (components/config.py), with the same errors,
before any resource exists. Everything not given defaults from
components/defaults.py. The build order is explained in docs/architecture.md.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

import pulumi
import pulumi_aws as aws

from components import defaults, lambda_env
from components.alarms import Alarms, AlarmsArgs
from components.config import (
    CONSUMER_KEYS,
    NAMESPACE,
    PRODUCER_KEYS,
    STACK_KEYS,
    ConfigError,
    StackConfig,
    parse_stack_config,
)
from components.consumer import Consumer, ConsumerComponentArgs
from components.dashboard import ConsumerNames, IngressNames, dashboard_name
from components.event_schemas import EventSchemas, EventSchemasArgs
from components.forward import Forward, ForwardArgs
from components.idempotency import IdempotencyArgs, IdempotencyStore
from components.lambda_function import create_dependencies_layer, layer_name
from components.monitoring import Monitoring, MonitoringArgs
from components.producer import Producer, ProducerComponentArgs, publish_policy_document, publisher_environment
from components.schedule_config import KEYS as SCHEDULE_KEYS
from components.schedules import Schedules, SchedulesArgs
from components.stack_key import StackKey, StackKeyArgs
from components.team_code import handler_string
from components.topologies import TOPOLOGIES, Endpoint, EventBridgeArgs, FanoutArgs, RouteSpec, Topology, TopologyArgs
from components.topologies.eventbridge import EventBridge, target_retry_policy
from components.topologies.fanout import Fanout


def _snake(key: str) -> str:
    """The Python field for a config key: batchSize -> batch_size."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()


@dataclass(frozen=True, kw_only=True)
class ConsumerArgs:
    """One consumer: a queue + DLQ + the shared consumer function. Fields are `messaging:consumers[i]` keys."""

    name: str
    match: Mapping[str, Any] | None = None  # None: receives every message
    batch_size: int = defaults.BATCH_SIZE
    batching_window_seconds: int = defaults.BATCHING_WINDOW_SECONDS
    max_concurrency: int | None = defaults.MAX_CONCURRENCY
    timeout_seconds: int = defaults.TIMEOUT_SECONDS
    memory_mb: int = defaults.MEMORY_MB
    max_receive_count: int = defaults.MAX_RECEIVE_COUNT
    processor: str = defaults.PROCESSOR
    max_message_age_seconds: int | None = defaults.MAX_MESSAGE_AGE_SECONDS  # None: derived (README)
    delivery: str = defaults.DELIVERY  # queue | direct (README: Direct consumers)
    maximum_retry_attempts: int | None = defaults.MAXIMUM_RETRY_ATTEMPTS  # eventbridge target retries; None: default
    maximum_event_age_in_seconds: int | None = defaults.MAXIMUM_EVENT_AGE_SECONDS
    bus: str | None = None  # eventbridge: forward to this event bus ARN instead (no queue, no function)

    def as_config(self) -> dict[str, Any]:
        """The consumer as stack config would spell it (camelCase keys), for the one validator.

        A queue or function setting left at its default is left out, as a stack file leaves it out,
        so that the validator refuses exactly the ones given beside `bus`."""
        values = {key: getattr(self, _snake(key)) for key in CONSUMER_KEYS}
        return {
            key: value
            for key, value in values.items()
            if key not in defaults.FUNCTION_CONSUMER_KEYS or value != CONSUMER_KEYS[key]
        }


@dataclass(frozen=True, kw_only=True)
class ProducerArgs:
    """One of the team's own publishing functions in the code folder. Fields are `messaging:producers[i]` keys."""

    name: str
    handler: str  # module:function in the code folder, called as a Lambda handler (event, context)
    timeout_seconds: int = defaults.PRODUCER_TIMEOUT_SECONDS
    memory_mb: int = defaults.PRODUCER_MEMORY_MB

    def as_config(self) -> dict[str, Any]:
        """The producer as stack config would spell it (camelCase keys), for the one validator."""
        return {key: getattr(self, _snake(key)) for key in PRODUCER_KEYS}


@dataclass(frozen=True, kw_only=True)
class ScheduleArgs:
    """An envelope the producer publishes on a schedule. Fields are `messaging:schedules[i]` keys."""

    name: str
    schedule: str  # cron(...) or rate(...), as EventBridge Scheduler takes it
    envelope: Mapping[str, Any]  # at least a type; id and time are filled at each run

    def as_config(self) -> dict[str, Any]:
        """The schedule as stack config spells it, for the one validator."""
        return {key: getattr(self, key) for key in SCHEDULE_KEYS}


_LISTS = ("consumers", "producers", "schedules")  # keys whose items are args objects of their own
_ITEM_ARGS = {"consumers": ConsumerArgs, "producers": ProducerArgs, "schedules": ScheduleArgs}


@dataclass(frozen=True, kw_only=True)
class MessagingArgs:
    """The whole system. Fields are the `messaging:<key>` stack keys, plus where and how it is named."""

    topology: str = defaults.DEFAULT_TOPOLOGY
    consumers: Sequence[ConsumerArgs] | None = None  # required; None is refused as stack config refuses it
    producers: Sequence[ProducerArgs] = defaults.PRODUCERS  # the team's own publishing functions
    schedules: Sequence[ScheduleArgs] = defaults.SCHEDULES  # envelopes published on a schedule
    previous_topology: str | None = None  # while switching: the topology that keeps delivering
    fifo: bool = defaults.FIFO
    raw_delivery: bool = defaults.RAW_DELIVERY
    encryption: str = defaults.ENCRYPTION
    idempotency: bool = defaults.IDEMPOTENCY
    idempotency_ttl_seconds: int = defaults.IDEMPOTENCY_TTL_SECONDS
    queue_retention_days: int = defaults.QUEUE_RETENTION_DAYS
    dlq_retention_days: int = defaults.DLQ_RETENTION_DAYS
    log_retention_days: int = defaults.LOG_RETENTION_DAYS
    archive_retention_days: int = defaults.ARCHIVE_RETENTION_DAYS
    production: bool = defaults.PRODUCTION
    alarm_email: str | None = defaults.ALARM_EMAIL
    source: str = defaults.DEFAULT_SOURCE
    code_path: str = defaults.CODE_PATH  # the team's code folder, relative to the project root (the working directory)
    # {"discovery": bool, "types": {type: JSON Schema file}}; files relative to the working directory (README).
    schemas: Mapping[str, Any] | None = None
    region: str | None = None  # None: the AWS provider's region (`aws:region`)
    # Prefix of every child's name. None: the component's name and "-" ("shop-inventory"), so two
    # Messaging in one program never collide. "": the unprefixed names of stacks this repository's
    # program deployed before the component existed; their resources then carry an alias to their old URN.
    child_name_prefix: str | None = defaults.CHILD_NAME_PREFIX

    def __post_init__(self) -> None:
        for key in _LISTS:
            if isinstance(getattr(self, key), list):
                object.__setattr__(self, key, tuple(getattr(self, key)))  # frozen all the way down
        self._parse(project=NAMESPACE, stack="validation")  # refuse bad args where they are built

    @classmethod
    def from_stack_config(cls, config: StackConfig, **overrides: Any) -> MessagingArgs:
        """The args a validated stack config describes (`overrides` sets the naming fields)."""
        consumers = [
            ConsumerArgs(**{f.name: getattr(c, f.name) for f in fields(ConsumerArgs)}) for c in config.consumers
        ]
        producers = [
            ProducerArgs(**{f.name: getattr(p, f.name) for f in fields(ProducerArgs)}) for p in config.producers
        ]
        schedules = [
            ScheduleArgs(**{f.name: getattr(s, f.name) for f in fields(ScheduleArgs)}) for s in config.schedules
        ]
        values = {_snake(key): getattr(config, _snake(key)) for key in STACK_KEYS if key not in _LISTS}
        return cls(
            **values, consumers=consumers, producers=producers, schedules=schedules, region=config.region, **overrides
        )

    def as_config(self) -> dict[str, Any]:
        """The args as stack config would spell them (camelCase keys), for the one validator."""
        raw = {key: getattr(self, _snake(key)) for key in STACK_KEYS if key not in _LISTS}
        # Anything but a list of args objects is left as it is, for the validator to name.
        for key, kind in _ITEM_ARGS.items():
            items = getattr(self, key)
            raw[key] = (
                [i.as_config() if isinstance(i, kind) else i for i in items]
                if isinstance(items, (list, tuple))
                else items
            )
        return {key: value for key, value in raw.items() if value is not None}

    def _parse(self, *, project: str, stack: str) -> StackConfig:
        region = self.region if self.region is not None else pulumi.Config("aws").get("region")
        return parse_stack_config(self.as_config(), project=project, stack=stack, region=region)

    def stack_config(self) -> StackConfig:
        """Validated, with the tags of the running project and stack."""
        return self._parse(project=pulumi.get_project(), stack=pulumi.get_stack())


class Messaging(pulumi.ComponentResource):
    """Consumers (queue + DLQ + function each), the ingress of the chosen topology (and of the
    one still draining during a switch), the producer, alarms, and optionally the stack key, the
    idempotency table and the one layer of the team's dependencies every function attaches."""

    TYPE = "messaging:index:Messaging"

    topology: pulumi.Output[str]
    draining_topology: pulumi.Output[str | None]
    producer_function: pulumi.Output[str]
    channel: pulumi.Output[dict]
    alarm_topic_arn: pulumi.Output[str]
    dashboard_url: pulumi.Output[str]
    key_arn: pulumi.Output[str | None]
    consumers: pulumi.Output[dict]
    forwards: pulumi.Output[dict]
    producers: pulumi.Output[dict]
    publish_policy_arn: pulumi.Output[str]
    publisher_environment: pulumi.Output[dict]
    schedules: pulumi.Output[dict]

    def __init__(self, name: str, args: MessagingArgs, opts: pulumi.ResourceOptions | None = None):
        config = args.stack_config()
        prefix = f"{name}-" if args.child_name_prefix is None else args.child_name_prefix
        _check_names(name, prefix, config)  # before anything is registered
        super().__init__(self.TYPE, name, None, opts)
        # Stacks deployed before this component hold its children at the stack's root.
        moved = [pulumi.Alias(parent=pulumi.ROOT_STACK_RESOURCE)] if prefix == "" else []
        child = pulumi.ResourceOptions(parent=self, aliases=moved)
        tags = config.tags
        account_id = aws.get_caller_identity_output(opts=pulumi.InvokeOutputOptions(parent=self)).account_id

        key = None
        if config.encryption == "kms":
            key = StackKey(
                f"{prefix}encryption",
                StackKeyArgs(
                    account_id=account_id,
                    region=config.region,
                    alias_name=f"alias/{config.project}-{config.stack}" + (f"-{name}" if prefix else ""),
                    description=f"messaging {config.stack}: queues, topics and idempotency records",
                    tags=tags,
                    protect=config.production,
                ),
                opts=child,
            )
        kms_key_arn = key.key_arn if key else None
        alarms = Alarms(
            f"{prefix}alarms",
            AlarmsArgs(
                account_id=account_id,
                region=config.region,
                tags=tags,
                alarm_email=config.alarm_email,
                kms_key_arn=kms_key_arn,
            ),
            opts=child,
        )
        table = None
        if config.idempotency:
            table = IdempotencyStore(
                f"{prefix}idempotency",
                IdempotencyArgs(tags=tags, point_in_time_recovery=config.production, kms_key_arn=kms_key_arn),
                opts=child,
            )

        # One layer version of the team's dependencies for the whole stack, attached to every function.
        dependencies = None
        if config.layer_zip is not None:
            dependencies = create_dependencies_layer(
                f"{prefix}dependencies",
                config.layer_zip,
                layer_name(config.project, config.stack, name if prefix else None),
                opts=child,
            )
        dependencies_layer_arn = dependencies.arn if dependencies else None

        if config.event_schemas.documents:
            EventSchemas(
                f"{prefix}schemas",
                EventSchemasArgs(
                    documents=config.event_schemas.documents,
                    description=f"messaging {config.stack}: the data of each event type",
                    tags=tags,
                ),
                opts=child,
            )

        # Phase 1: each topology's sources, so the policies below can name them. A consumer that forwards
        # to another bus exists under eventbridge only (components/config.py), as a rule with no queue.
        routes = [
            RouteSpec(
                name=c.name,
                match=c.match,
                direct=c.direct,
                maximum_retry_attempts=c.maximum_retry_attempts,
                maximum_event_age_in_seconds=c.maximum_event_age_in_seconds,
            )
            for c in config.consumers
        ]
        queued = [c for c in config.consumers if not c.forwards]
        kinds = [config.topology, *filter(None, [config.previous_topology])]
        topologies: list[Topology] = [
            TOPOLOGIES[kind](
                f"{prefix}{kind}",
                _topology_args(
                    kind,
                    config,
                    [
                        r
                        for r, c in zip(routes, config.consumers, strict=True)
                        if kind == "eventbridge" or not c.forwards
                    ],
                    account_id,
                    alarms.topic_arn,
                    kms_key_arn,
                ),
                opts=child,
            )
            for kind in kinds
        ]
        # The consumers, whose queue and DLQ policies accept exactly those sources.
        consumers = [
            Consumer(
                f"{prefix}{c.name}",
                ConsumerComponentArgs(
                    consumer=c,
                    account_id=account_id,
                    alarm_topic_arn=alarms.topic_arn,
                    tags=tags,
                    grants=[grant for t in topologies if (grant := t.grant_for(c.name)) is not None],
                    fifo=config.fifo,
                    queue_retention_days=config.queue_retention_days,
                    dlq_retention_days=config.dlq_retention_days,
                    log_retention_days=config.log_retention_days,
                    production=config.production,
                    idempotency_table_name=table.table_name if table else None,
                    idempotency_table_arn=table.table_arn if table else None,
                    idempotency_ttl_seconds=config.idempotency_ttl_seconds,
                    kms_key_arn=kms_key_arn,
                    code_root=config.code_root,
                    dependencies_layer_arn=dependencies_layer_arn,
                ),
                opts=child,
            )
            for c in queued
        ]
        forwards = [
            Forward(
                f"{prefix}{c.name}",
                ForwardArgs(
                    consumer_name=c.name,
                    config_key=f"{NAMESPACE}:consumers[{config.consumers.index(c)}].bus",
                    target_bus_arn=c.bus,
                    **target_retry_policy(route),
                    rule_name=topologies[0].rules[c.name].name,
                    rule_arn=topologies[0].rules[c.name].arn,
                    bus_name=topologies[0].bus.name,
                    bus_arn=topologies[0].bus.arn,
                    account_id=account_id,
                    alarm_topic_arn=alarms.topic_arn,
                    tags=tags,
                    dlq_retention_days=config.dlq_retention_days,
                    production=config.production,
                    kms_key_arn=kms_key_arn,
                ),
                opts=child,
            )
            for c, route in zip(config.consumers, routes, strict=True)
            if c.forwards
        ]
        key_policy = (
            key.allow_services(
                [g for t in topologies for g in t.service_grants],
                bus_arns=[arn for t in topologies for arn in t.encrypted_sources],
            )
            if key
            else None
        )
        # Phase 2: the routes, each waiting for the policies that let it deliver.
        channels = [
            topology.connect(
                [
                    Endpoint(
                        name=c.consumer_name,
                        queue_url=c.queue_url,
                        queue_arn=c.queue_arn,
                        dlq_arn=c.dlq_arn,
                        function_name=c.function_name,
                        function_arn=c.function_arn,
                        wait_for=[*c.policies, *filter(None, [key_policy])],
                    )
                    for c in consumers
                ]
            )
            for topology in topologies
        ]

        # Last, the producers (built-in, then the team's), pointed at the new channel once every route of
        # both topologies exists; each is granted exactly what the publish policy grants.
        schemas_json = config.event_schemas.producer_json() if config.event_schemas.documents else None

        def producer_args(**function: Any) -> ProducerComponentArgs:
            return ProducerComponentArgs(
                channel=channels[0],
                draining=channels[1:],
                tags=tags,
                source=config.source,
                fifo=config.fifo,
                log_retention_days=config.log_retention_days,
                kms_key_arn=kms_key_arn,
                wait_for=[*topologies, *forwards],
                code_root=config.code_root,
                dependencies_layer_arn=dependencies_layer_arn,
                schemas_json=schemas_json,
                **function,
            )

        producer = Producer(f"{prefix}producer", producer_args(), opts=child)
        team_producers = {
            p.name: Producer(
                f"{prefix}{p.name}",
                producer_args(
                    handler=handler_string(p.handler), timeout_seconds=p.timeout_seconds, memory_mb=p.memory_mb
                ),
                opts=child,
            )
            for p in config.producers
        }
        schedules = None
        if config.schedules:
            schedules = Schedules(
                f"{prefix}schedules",
                SchedulesArgs(
                    schedules=config.schedules,
                    producer_function_name=producer.function_name,
                    producer_function_arn=producer.function_arn,
                    producer_role_name=producer.role_name,
                    account_id=account_id,
                    alarm_topic_arn=alarms.topic_arn,
                    tags=tags,
                    dlq_retention_days=config.dlq_retention_days,
                    production=config.production,
                    kms_key_arn=kms_key_arn,
                ),
                opts=child,
            )
        # For publishers outside the stack (an ECS task, another stack): the same grant, attachable to any role.
        publish_policy = aws.iam.Policy(
            f"{prefix}publish-policy",
            description=f"messaging {config.stack}: publish into the stack's channel",
            policy=publish_policy_document(channels, kms_key_arn),
            tags=tags,
            opts=child,
        )

        monitoring = Monitoring(
            f"{prefix}monitoring",
            MonitoringArgs(
                region=config.region,
                dashboard_name=dashboard_name(config.project, config.stack, name if prefix else None),
                alarm_topic_arn=alarms.topic_arn,
                consumers=[
                    ConsumerNames(
                        name=c.consumer_name,
                        queue_name=c.queue_name,
                        dlq_name=c.dlq.name,
                        function_name=c.function_name,
                        message_age_alarm_seconds=cfg.message_age_alarm_seconds,
                    )
                    for c, cfg in zip(consumers, queued, strict=True)
                ],
                ingresses=[_ingress_names(t, consumers) for t in topologies],
                tags=tags,
                schedules_dlq_name=schedules.dlq_name if schedules is not None else None,
            ),
            opts=child,
        )

        self.consumer_components = consumers
        self.forward_components = forwards
        self.monitoring_component = monitoring
        self.topology_components = topologies
        self.producer_component = producer
        self.team_producer_components = team_producers
        self.topology = pulumi.Output.from_input(config.topology)
        self.draining_topology = pulumi.Output.from_input(config.previous_topology)
        self.producer_function = producer.function_name
        self.channel = pulumi.Output.all(kind=channels[0].kind, target=channels[0].target)
        self.alarm_topic_arn = alarms.topic_arn
        self.dashboard_url = monitoring.dashboard_url
        self.key_arn = pulumi.Output.from_input(kms_key_arn)
        self.consumers = pulumi.Output.all(
            **{
                c.consumer_name: pulumi.Output.all(
                    queueUrl=c.queue_url, dlqUrl=c.dlq_url, function=c.function_name, delivery=c.delivery
                )
                for c in consumers
            }
        )
        self.forwards = pulumi.Output.from_input(
            {
                f.consumer_name: pulumi.Output.all(bus=f.target_bus_arn, dlqUrl=f.dlq_url, role=f.role_arn)
                for f in forwards
            }
        )
        self.producers = pulumi.Output.from_input(
            {name: pulumi.Output.all(function=p.function_name) for name, p in team_producers.items()}
        )
        self.publish_policy_arn = publish_policy.arn
        self.schedules_component = schedules
        self.schedules = (
            pulumi.Output.all(group=schedules.group_name, dlqUrl=schedules.dlq_url, schedules=schedules.schedule_arns)
            if schedules is not None
            else pulumi.Output.from_input({})
        )
        self.publisher_environment = pulumi.Output.all(
            **publisher_environment(channels[0], source=config.source, fifo=config.fifo, schemas_json=schemas_json),
            **{lambda_env.REGION: config.region},
        )
        self.register_outputs(
            {
                "topology": self.topology,
                "draining_topology": self.draining_topology,
                "producer_function": self.producer_function,
                "channel": self.channel,
                "alarm_topic_arn": self.alarm_topic_arn,
                "dashboard_url": self.dashboard_url,
                "key_arn": self.key_arn,
                "consumers": self.consumers,
                "forwards": self.forwards,
                "producers": self.producers,
                "publish_policy_arn": self.publish_policy_arn,
                "publisher_environment": self.publisher_environment,
                "schedules": self.schedules,
            }
        )


def _topology_args(
    kind: str,
    config: StackConfig,
    routes: Sequence[RouteSpec],
    account_id: pulumi.Input[str],
    alarm_topic_arn: pulumi.Input[str],
    kms_key_arn: pulumi.Input[str] | None,
) -> TopologyArgs:
    """Each topology gets only what it uses; its tags name its own kind (a draining one is not the stack's)."""
    common = {
        "routes": routes,
        "account_id": account_id,
        "tags": config.tags_for(kind),
        "fifo": config.fifo,
        "kms_key_arn": kms_key_arn,
    }
    if kind == "fanout":
        return FanoutArgs(**common, raw_delivery=config.raw_delivery, alarm_topic_arn=alarm_topic_arn)
    if kind == "eventbridge":
        return EventBridgeArgs(
            **common,
            archive_retention_days=config.archive_retention_days,
            # Discovery follows the bus the producer publishes to, not one that is only draining.
            schema_discovery=config.event_schemas.discovery and kind == config.topology,
            dlq_retention_days=config.dlq_retention_days,
            alarm_topic_arn=alarm_topic_arn,
        )
    return TopologyArgs(**common)


def _ingress_names(topology: Topology, consumers: Sequence[Consumer]) -> IngressNames:
    """What the dashboard and the delivery alarms watch of one ingress."""
    if isinstance(topology, Fanout):
        return IngressNames(kind=topology.KIND, topic_name=topology.topic.name)
    if isinstance(topology, EventBridge):
        return IngressNames(
            kind=topology.KIND, bus_name=topology.bus.name, rules=tuple((c, r.name) for c, r in topology.rules.items())
        )
    # point-to-point: the producer sends straight to the one consumer's queue.
    return IngressNames(kind=topology.KIND, queue_name=consumers[0].queue_name)


def _check_names(name: str, prefix: str, config: StackConfig) -> None:
    """Prefixed child names must still fit AWS's name limits (a consumer's or producer's fit on its own)."""
    errors = []
    if prefix and (
        not re.match(defaults.CONSUMER_NAME_PATTERN, name) or len(name) > defaults.MESSAGING_NAME_MAX_LENGTH
    ):
        errors.append(
            f"Messaging name: {name!r} is not allowed; use lowercase letters, digits and '-' (not at either end), "
            f"at most {defaults.MESSAGING_NAME_MAX_LENGTH} characters"
        )
    for key, items in (("consumers", config.consumers), ("producers", config.producers)):
        for index, item in enumerate(items):
            if len(prefix) + len(item.name) > defaults.CONSUMER_NAME_MAX_LENGTH:
                errors.append(
                    f"{NAMESPACE}:{key}[{index}].name: {item.name!r} is too long under the Messaging name "
                    f"{name!r}; prefix and name together are at most {defaults.CONSUMER_NAME_MAX_LENGTH} characters"
                )
    if errors:
        raise ConfigError("invalid stack config: " + "; ".join(errors))
