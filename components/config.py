"""Stack config: read once with typed getters, validated into frozen objects.

`read_stack_config()` is the only place the program touches `pulumi.Config`.
`parse_stack_config()` is pure: it takes the raw values and either returns a
`StackConfig` or raises one `ConfigError` that lists every bad key, its value
and what is allowed, before any resource exists.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import botocore
import botocore.session
import pulumi

from components import defaults, layer, team_code
from components.config_items import config_items, unknown_key
from components.routing import show_value as _show
from components.routing import validate_match
from components.schedule_config import ScheduleConfig, parse_schedules
from components.schema_files import Schemas, parse_schemas

NAMESPACE = "messaging"  # the project name: config keys are `messaging:<key>`
OTHER_NAMESPACES = ("aws", "pulumi")  # the AWS provider's and Pulumi's own keys; any other namespace is a typo
PARTITION = "aws"  # the program's policies name arn:aws: ARNs, so it deploys to this partition only


class ConfigError(pulumi.RunError):
    """Bad stack config. A RunError, so Pulumi prints the message without a traceback."""


@dataclass(frozen=True)
class Unparsed:
    """A stack config value its typed getter could not read: the parser reports it with every other mistake."""

    text: str | None
    expects: str


class _Reported:
    """A value already reported as bad: checks that depend on it are skipped, not reported a second time."""

    def __repr__(self) -> str:
        return "<reported>"


_REPORTED = _Reported()


@dataclass(frozen=True, kw_only=True)
class ConsumerConfig:
    name: str
    match: Mapping[str, Any] | None
    batch_size: int
    batching_window_seconds: int
    max_concurrency: int | None
    timeout_seconds: int
    memory_mb: int
    max_receive_count: int
    processor: str
    max_message_age_seconds: int | None = defaults.MAX_MESSAGE_AGE_SECONDS  # None: see message_age_alarm_seconds
    delivery: str = defaults.DELIVERY  # queue | direct
    maximum_retry_attempts: int | None = defaults.MAXIMUM_RETRY_ATTEMPTS  # eventbridge target retries; None: default
    maximum_event_age_in_seconds: int | None = defaults.MAXIMUM_EVENT_AGE_SECONDS

    @property
    def direct(self) -> bool:
        """SNS or EventBridge invokes the function itself: no queue, no event source mapping."""
        return self.delivery == defaults.DELIVERY_DIRECT

    bus: str | None = None  # another event bus's ARN: the consumer forwards there (no queue, no function)

    @property
    def forwards(self) -> bool:
        return self.bus is not None

    @property
    def visibility_timeout_seconds(self) -> int:
        return self.timeout_seconds * defaults.VISIBILITY_TIMEOUT_FACTOR

    @property
    def message_age_alarm_seconds(self) -> int:
        """The oldest-message age that alarms: as configured, or the longest a failing message is retried."""
        if self.max_message_age_seconds is not None:
            return self.max_message_age_seconds
        return self.visibility_timeout_seconds * self.max_receive_count


@dataclass(frozen=True, kw_only=True)
class ProducerConfig:
    """One of the team's own publishing functions (`messaging:producers[i]`)."""

    name: str
    handler: str  # module:function in the code folder
    timeout_seconds: int
    memory_mb: int


@dataclass(frozen=True, kw_only=True)
class StackConfig:
    project: str
    stack: str
    region: str
    topology: str
    previous_topology: str | None
    consumers: tuple[ConsumerConfig, ...]
    producers: tuple[ProducerConfig, ...]
    fifo: bool
    raw_delivery: bool
    encryption: str
    idempotency: bool
    idempotency_ttl_seconds: int
    queue_retention_days: int
    dlq_retention_days: int
    log_retention_days: int
    archive_retention_days: int
    production: bool
    alarm_email: str | None
    source: str
    code_path: str  # the team's code folder as configured, relative to the project root
    code_root: Path  # that folder, absolute
    layer_zip: Path | None = None  # the code folder's requirements as a layer zip, when it has any
    schemas: Mapping[str, Any] | None = None  # as given; the files it names are read into event_schemas
    event_schemas: Schemas = field(default_factory=Schemas)
    schedules: tuple[ScheduleConfig, ...] = ()  # envelopes the producer publishes on a schedule

    @property
    def tags(self) -> dict[str, str]:
        """Tags on everything taggable: who owns it and which topology made it."""
        return self.tags_for(self.topology)

    def tags_for(self, topology: str) -> dict[str, str]:
        """Tags for the ingress of `topology` (a draining one is not the stack's)."""
        return {"project": self.project, "stack": self.stack, "topology": topology}


# Stack-wide keys: config key -> (typed getter name, default). The getter is
# the pulumi.Config method that parses the string config value.
STACK_KEYS: dict[str, tuple[str, Any]] = {
    "topology": ("get", defaults.DEFAULT_TOPOLOGY),
    "previousTopology": ("get", None),
    "fifo": ("get_bool", defaults.FIFO),
    "rawDelivery": ("get_bool", defaults.RAW_DELIVERY),
    "encryption": ("get", defaults.ENCRYPTION),
    "idempotency": ("get_bool", defaults.IDEMPOTENCY),
    "idempotencyTtlSeconds": ("get_int", defaults.IDEMPOTENCY_TTL_SECONDS),
    "queueRetentionDays": ("get_int", defaults.QUEUE_RETENTION_DAYS),
    "dlqRetentionDays": ("get_int", defaults.DLQ_RETENTION_DAYS),
    "logRetentionDays": ("get_int", defaults.LOG_RETENTION_DAYS),
    "archiveRetentionDays": ("get_int", defaults.ARCHIVE_RETENTION_DAYS),
    "production": ("get_bool", defaults.PRODUCTION),
    "alarmEmail": ("get", defaults.ALARM_EMAIL),
    "source": ("get", defaults.DEFAULT_SOURCE),
    "codePath": ("get", defaults.CODE_PATH),
    "consumers": ("get_object", None),
    "producers": ("get_object", defaults.PRODUCERS),
    "schemas": ("get_object", None),
    "schedules": ("get_object", defaults.SCHEDULES),
}

# Per-consumer keys in `messaging:consumers[i]` -> default.
CONSUMER_KEYS: dict[str, Any] = {
    "name": None,
    "match": None,
    "batchSize": defaults.BATCH_SIZE,
    "batchingWindowSeconds": defaults.BATCHING_WINDOW_SECONDS,
    "maxConcurrency": defaults.MAX_CONCURRENCY,
    "timeoutSeconds": defaults.TIMEOUT_SECONDS,
    "memoryMb": defaults.MEMORY_MB,
    "maxReceiveCount": defaults.MAX_RECEIVE_COUNT,
    "processor": defaults.PROCESSOR,
    "maxMessageAgeSeconds": defaults.MAX_MESSAGE_AGE_SECONDS,
    "delivery": defaults.DELIVERY,
    "maximumRetryAttempts": defaults.MAXIMUM_RETRY_ATTEMPTS,
    "maximumEventAgeInSeconds": defaults.MAXIMUM_EVENT_AGE_SECONDS,
    "bus": None,  # eventbridge only: forward to this event bus ARN instead of a queue and function
}

# Keys that tune the queue and its event source mapping: a direct consumer has neither.
QUEUE_ONLY_KEYS = ("batchSize", "batchingWindowSeconds", "maxConcurrency", "maxReceiveCount", "maxMessageAgeSeconds")

# Per-producer keys in `messaging:producers[i]` -> default.
PRODUCER_KEYS: dict[str, Any] = {
    "name": None,
    "handler": None,
    "timeoutSeconds": defaults.PRODUCER_TIMEOUT_SECONDS,
    "memoryMb": defaults.PRODUCER_MEMORY_MB,
}

AWS_MANAGED_SQS_KEY_NAMES = ("aws-managed", "aws/sqs", "alias/aws/sqs")

_GETTER_EXPECTS = {
    "get_bool": "use true or false",
    "get_int": "use a whole number",
    "get_object": "give valid JSON (a YAML list in the stack file)",
}

_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def read_stack_config() -> StackConfig:
    """Read `messaging:*` (and `aws:region`) with typed getters, then validate everything at once."""
    config = pulumi.Config(NAMESPACE)
    raw: dict[str, Any] = {}
    for key, (getter, _default) in STACK_KEYS.items():
        try:
            value = getattr(config, getter)(key)
        except (pulumi.ConfigTypeError, json.JSONDecodeError):
            value = Unparsed(text=config.get(key), expects=_GETTER_EXPECTS[getter])
        if value is not None:
            raw[key] = value
    foreign: list[str] = []
    for full_key in sorted(_configured_keys()):
        namespace, _, key = full_key.partition(":")
        if namespace == NAMESPACE and key not in STACK_KEYS:
            raw[key] = config.get(key)  # the parser names it as unknown
        elif namespace not in (NAMESPACE, *OTHER_NAMESPACES):
            foreign.append(full_key)
    region = pulumi.Config("aws").get("region")
    # Pulumi runs the program from the project folder (where Pulumi.yaml is); codePath is relative to it.
    return parse_stack_config(
        raw,
        project=pulumi.get_project(),
        stack=pulumi.get_stack(),
        region=region,
        project_dir=Path.cwd(),
        foreign_keys=foreign,
    )


def _configured_keys() -> set[str]:
    """Every config key the stack sets (so a misspelled `messaging:` key is an error, not ignored)."""
    from pulumi.runtime import config as runtime_config  # noqa: PLC0415 - the engine's view of the stack file

    return set(runtime_config.CONFIG.get()) | set(runtime_config.get_config_env())


def parse_stack_config(
    raw: Mapping[str, Any],
    *,
    project: str,
    stack: str,
    region: str | None,
    project_dir: Path | None = None,
    foreign_keys: Sequence[str] = (),
) -> StackConfig:
    """Validate raw config values (missing keys take their defaults) into a StackConfig.

    `project_dir` (default: the working directory, where Pulumi runs a program)
    is where `codePath` is looked up; the team's code is read, never imported.
    Every mistake is reported, in one ConfigError: a value a typed getter could not read
    (`Unparsed`), an unknown key, a key in another namespace (`foreign_keys`, full keys), a bad
    region, and each bad value; a check that depends on a bad value is skipped rather than
    reported again.
    """
    if project_dir is None:
        project_dir = Path.cwd()
    errors: list[str] = []
    values: dict[str, Any] = {}
    for key, (_getter, default) in STACK_KEYS.items():
        value = raw.get(key, default)
        if isinstance(value, Unparsed):
            errors.append(f"{NAMESPACE}:{key}: {_show(value.text)} is not allowed; {value.expects}")
            value = _REPORTED
        values[key] = value
    for key in sorted(set(raw) - set(STACK_KEYS)):
        errors.append(unknown_key(f"{NAMESPACE}:{key}", key, STACK_KEYS))
    for full_key in foreign_keys:
        namespace, _, key = full_key.partition(":")
        errors.append(
            f"{full_key}: unknown namespace {_show(namespace)}; this program reads only "
            f"{', '.join(f'{n}:*' for n in (NAMESPACE, *OTHER_NAMESPACES)[:-1])} and {OTHER_NAMESPACES[-1]}:* keys "
            f"(did you mean {NAMESPACE}:{key}?)"
        )

    check = _Checker(errors)
    _check_region(region, errors)
    topology = check.choice("topology", values["topology"], defaults.TOPOLOGIES)
    previous = values["previousTopology"]
    if previous is not None and (previous not in defaults.DRAINABLE_TOPOLOGIES or previous == topology):
        errors.append(
            f"{NAMESPACE}:previousTopology: {_show(previous)} is not allowed; name the topology you are switching "
            "away from, "
            f"one of {', '.join(defaults.DRAINABLE_TOPOLOGIES)} and not messaging:topology itself, or leave the key out"
        )
    fifo = check.boolean("fifo", values["fifo"])
    raw_delivery = check.boolean("rawDelivery", values["rawDelivery"])
    if values["encryption"] in AWS_MANAGED_SQS_KEY_NAMES:
        # AWS silently fails SNS and EventBridge deliveries to a queue under the AWS-managed key.
        errors.append(
            f"{NAMESPACE}:encryption: {_show(values['encryption'])} is not allowed; the AWS-managed aws/sqs key "
            "cannot be used by SNS or EventBridge, so their deliveries would be lost; use sqs-managed or kms"
        )
        encryption = values["encryption"]
    else:
        encryption = check.choice("encryption", values["encryption"], defaults.ENCRYPTIONS)
    idempotency = check.boolean("idempotency", values["idempotency"])
    idempotency_ttl = check.integer(
        "idempotencyTtlSeconds", values["idempotencyTtlSeconds"], 1, defaults.IDEMPOTENCY_TTL_MAX_SECONDS
    )
    queue_retention = check.integer("queueRetentionDays", values["queueRetentionDays"], *defaults.RETENTION_DAYS_RANGE)
    dlq_retention = check.integer("dlqRetentionDays", values["dlqRetentionDays"], *defaults.RETENTION_DAYS_RANGE)
    log_retention = check.choice("logRetentionDays", values["logRetentionDays"], defaults.LOG_RETENTION_CHOICES)
    archive_retention = check.integer(
        "archiveRetentionDays", values["archiveRetentionDays"], 0, defaults.ARCHIVE_RETENTION_MAX_DAYS
    )
    production = check.boolean("production", values["production"])
    alarm_email = values["alarmEmail"]
    if alarm_email is not None and (not isinstance(alarm_email, str) or not _EMAIL.match(alarm_email)):
        errors.append(
            f"{NAMESPACE}:alarmEmail: {_show(alarm_email)} is not an email address; give one address such as "
            "ops@example.com, or leave the key out"
        )
    source = values["source"]
    if not isinstance(source, str) or not source or source.startswith("aws.") or len(source) > 256:
        errors.append(
            f"{NAMESPACE}:source: {_show(source)} is not allowed; give a non-empty name of at most 256 characters not "
            "starting with 'aws.' (reserved by AWS), e.g. com.example.orders"
        )
    if isinstance(queue_retention, int) and isinstance(dlq_retention, int) and dlq_retention < queue_retention:
        # A message keeps its original enqueue time in a standard DLQ, so a shorter DLQ retention drops it on arrival.
        errors.append(
            f"{NAMESPACE}:dlqRetentionDays: {dlq_retention} is shorter than queueRetentionDays ({queue_retention}); "
            f"dead letters would expire on arrival; use at least {queue_retention}"
        )

    code, code_error = team_code.resolve(project_dir, values["codePath"], f"{NAMESPACE}:codePath")
    if code_error:
        errors.append(code_error)
    consumers = _parse_consumers(
        values["consumers"], topology=topology, previous=previous, fifo=fifo, code=code, errors=errors
    )
    _check_quotas(values["consumers"], kinds={topology, previous}, fifo=fifo, region=region, errors=errors)
    producers = _parse_producers(values["producers"], consumers=consumers, code=code, errors=errors)
    # Schema files are named relative to the project directory, like codePath.
    event_schemas = parse_schemas(
        values["schemas"], key=f"{NAMESPACE}:schemas", base=project_dir, topology=topology, errors=errors
    )
    schedules = ()
    if values["schedules"] is not _REPORTED:
        schedules = parse_schedules(
            values["schedules"],
            key=f"{NAMESPACE}:schedules",
            default_source=source,
            schemas=event_schemas.documents,
            errors=errors,
        )
    if isinstance(queue_retention, int):
        _check_message_age_alarms(consumers, queue_retention * defaults.SECONDS_PER_DAY, errors)
    layer_zip = None
    if code is not None and code.requirements is not None and not errors:
        where = f"{NAMESPACE}:codePath: {values['codePath']}/{defaults.REQUIREMENTS_FILE}"
        try:
            layer_zip = layer.build(code.requirements, project_dir / defaults.LAYER_CACHE_DIR, where)
        except layer.LayerError as exc:
            errors.append(str(exc))

    if errors:
        raise ConfigError(_message(errors))
    return StackConfig(
        project=project,
        stack=stack,
        region=region,
        topology=topology,
        previous_topology=previous,
        consumers=consumers,
        producers=producers,
        fifo=fifo,
        raw_delivery=raw_delivery,
        encryption=encryption,
        idempotency=idempotency,
        idempotency_ttl_seconds=idempotency_ttl,
        queue_retention_days=queue_retention,
        dlq_retention_days=dlq_retention,
        log_retention_days=log_retention,
        archive_retention_days=archive_retention,
        production=production,
        alarm_email=alarm_email,
        source=source,
        code_path=values["codePath"],
        code_root=code.root,
        layer_zip=layer_zip,
        schemas=values["schemas"],
        event_schemas=event_schemas,
        schedules=schedules,
    )


def _parse_consumers(
    raw: Any, *, topology: Any, previous: Any, fifo: Any, code: team_code.CodeFolder | None, errors: list[str]
) -> tuple[ConsumerConfig, ...]:
    key = f"{NAMESPACE}:consumers"
    if raw is _REPORTED:
        return ()
    if raw is None:
        errors.append(f'{key}: not set; list at least one consumer, e.g. [{{"name": "inventory"}}]')
        return ()
    if not isinstance(raw, list) or not raw:
        errors.append(
            f'{key}: {_show(raw)} is not allowed; give a non-empty list of consumers, e.g. [{{"name": "inventory"}}]'
        )
        return ()
    if topology == "point-to-point" and len(raw) > 1:
        errors.append(
            f"{key}: {len(raw)} consumers under point-to-point, which serves exactly one; use topology fanout or "
            "eventbridge to route to several"
        )

    consumers: list[ConsumerConfig] = []
    seen: set[str] = set()

    def consumer_clash(name: str) -> str | None:
        return "is a duplicate; consumer names must be unique" if name in seen else None

    items = _items(
        raw, key=key, keys=CONSUMER_KEYS, shape="a consumer is an object with at least a name", errors=errors
    )
    for _index, path, item, values, check in items:
        name = values["name"]
        if _check_name(name, path, clash=consumer_clash, errors=errors):
            seen.add(name)

        match = values["match"]
        if match is not None:
            if topology == "point-to-point":
                errors.append(
                    f"{path}.match: {_show(match)} under point-to-point, which has no routing; remove `match` or use "
                    "topology fanout or eventbridge"
                )
            else:
                errors.extend(validate_match(match, f"{path}.match"))

        batch_max = defaults.BATCH_SIZE_MAX_FIFO if fifo is True else defaults.BATCH_SIZE_MAX_STANDARD
        batch_size = check.integer(
            "batchSize", values["batchSize"], 1, batch_max, why=" (FIFO limit)" if fifo is True else ""
        )
        window = check.integer(
            "batchingWindowSeconds", values["batchingWindowSeconds"], 0, defaults.BATCHING_WINDOW_MAX_SECONDS
        )
        if fifo is True and isinstance(window, int) and window > 0:
            errors.append(
                f"{path}.batchingWindowSeconds: {window} is not allowed with messaging:fifo true; FIFO queues take no "
                "batching window, use 0"
            )
        if (
            isinstance(batch_size, int)
            and isinstance(window, int)
            and batch_size > defaults.BATCH_SIZE_NEEDING_WINDOW
            and window < 1
        ):
            errors.append(
                f"{path}.batchingWindowSeconds: {window} with batchSize {batch_size}; AWS requires a batching window "
                f"of at least 1 second for batches over {defaults.BATCH_SIZE_NEEDING_WINDOW}"
            )
        concurrency = values["maxConcurrency"]
        if concurrency is not None:
            concurrency = check.integer("maxConcurrency", concurrency, *defaults.MAX_CONCURRENCY_RANGE)
        timeout = check.integer("timeoutSeconds", values["timeoutSeconds"], 1, defaults.TIMEOUT_MAX_SECONDS)
        if (
            isinstance(timeout, int)
            and timeout * defaults.VISIBILITY_TIMEOUT_FACTOR > defaults.VISIBILITY_TIMEOUT_MAX_SECONDS
        ):
            errors.append(
                f"{path}.timeoutSeconds: {timeout} needs a queue visibility of "
                f"{timeout * defaults.VISIBILITY_TIMEOUT_FACTOR} s, over the SQS maximum of "
                f"{defaults.VISIBILITY_TIMEOUT_MAX_SECONDS} s"
            )
        memory = check.integer("memoryMb", values["memoryMb"], *defaults.MEMORY_RANGE_MB)
        max_receive = check.integer(
            "maxReceiveCount",
            values["maxReceiveCount"],
            defaults.MAX_RECEIVE_COUNT,
            defaults.MAX_RECEIVE_COUNT_RANGE[1],
            why=f" (below {defaults.MAX_RECEIVE_COUNT}, throttling alone dead-letters healthy messages)",
        )
        bus = values["bus"]
        if bus is not None:
            _check_bus(bus, item, path, topology, errors)
        processor = values["processor"]
        if code is not None and bus is None:  # without a code folder there is nothing to look the processor up in
            processor_error = team_code.check_processor(code, processor, f"{path}.processor (consumer {_show(name)})")
            if processor_error:
                errors.append(processor_error)
        max_age = values["maxMessageAgeSeconds"]
        if max_age is not None:
            max_age = check.integer(
                "maxMessageAgeSeconds",
                max_age,
                defaults.MAX_MESSAGE_AGE_MIN_SECONDS,
                defaults.RETENTION_DAYS_RANGE[1] * defaults.SECONDS_PER_DAY,
            )

        delivery = _check_delivery(check, path, values["delivery"], topology=topology, fifo=fifo, errors=errors)
        retries, event_age = _check_retry_policy(check, path, values, kinds={topology, previous}, errors=errors)
        if delivery == defaults.DELIVERY_DIRECT:
            for key in QUEUE_ONLY_KEYS:
                if values[key] != CONSUMER_KEYS[key]:
                    errors.append(
                        f"{path}.{key}: {_show(values[key])} is not allowed with delivery direct, where SNS or "
                        "EventBridge invokes the function and there is no queue or event source mapping; remove the key"
                    )

        consumers.append(
            ConsumerConfig(
                name=name,
                match=match,
                batch_size=batch_size,
                batching_window_seconds=window,
                max_concurrency=concurrency,
                timeout_seconds=timeout,
                memory_mb=memory,
                max_receive_count=max_receive,
                processor=processor,
                max_message_age_seconds=max_age,
                delivery=delivery,
                maximum_retry_attempts=retries,
                maximum_event_age_in_seconds=event_age,
                bus=bus,
            )
        )
    return tuple(consumers)


def _check_delivery(check: _Checker, path: str, value: Any, *, topology: Any, fifo: Any, errors: list[str]) -> Any:
    """`direct` needs an ingress that invokes functions itself, and gives up order (no FIFO)."""
    delivery = check.choice("delivery", value, defaults.DELIVERIES)
    if delivery != defaults.DELIVERY_DIRECT:
        return delivery
    if topology == "point-to-point":
        errors.append(
            f"{path}.delivery: {_show(delivery)} under point-to-point, where the producer sends to the consumer's "
            f"queue; use delivery queue, or topology {' or '.join(defaults.DIRECT_TOPOLOGIES)}"
        )
        return _REPORTED  # the checks that depend on direct delivery are skipped, not reported a second time
    if fifo is True:
        errors.append(
            f"{path}.delivery: {_show(delivery)} with {NAMESPACE}:fifo true; a FIFO topic delivers only to FIFO "
            "queues and an invoked function keeps no order; use delivery queue, or fifo false"
        )
        return _REPORTED
    return delivery


def _check_retry_policy(
    check: _Checker, path: str, values: Mapping[str, Any], *, kinds: set[Any], errors: list[str]
) -> tuple[Any, Any]:
    """EventBridge target retries, in AWS's ranges; meaningless elsewhere, so refused there."""
    keys = (
        ("maximumRetryAttempts", defaults.EVENTBRIDGE_RETRY_ATTEMPTS_RANGE),
        ("maximumEventAgeInSeconds", defaults.EVENTBRIDGE_EVENT_AGE_RANGE_SECONDS),
    )
    out = []
    for key, (low, high) in keys:
        value = values[key]
        if value is None:
            out.append(None)
        elif "eventbridge" not in kinds:
            errors.append(
                f"{path}.{key}: {_show(value)} is not allowed without topology eventbridge; it sets how long "
                "EventBridge retries delivering to the target (SNS retries Lambda and SQS deliveries with its own "
                "AWS-managed policy, which a subscription cannot change); remove the key"
            )
            out.append(_REPORTED)
        else:
            out.append(check.integer(key, value, low, high))
    return out[0], out[1]


def _check_bus(bus: Any, item: Mapping[str, Any], path: str, topology: Any, errors: list[str]) -> None:
    """A forwarding consumer: an event bus ARN of the program's partition, under eventbridge, and nothing that
    configures a queue or a function (it has neither). The stack's own bus is refused once its ARN is known
    (components/forward.py)."""
    found = re.match(defaults.EVENT_BUS_ARN_PATTERN, bus) if isinstance(bus, str) else None
    if found is None:
        errors.append(
            f"{path}.bus: {_show(bus)} is not an event bus ARN; use {defaults.EVENT_BUS_ARN_EXAMPLE} (the name: 1 to "
            "256 letters, digits and . - _ /), e.g. arn:aws:events:eu-west-1:111122223333:event-bus/partner"
        )
    elif found.group(1) not in _regions_by_partition().get(PARTITION, ()):
        errors.append(
            f"{path}.bus: {_show(bus)} names region {_show(found.group(1))}, which is not an AWS region of the "
            f"{PARTITION} partition; use one of {', '.join(_regions_by_partition().get(PARTITION, ()))}"
        )
    if topology is not _REPORTED and topology != "eventbridge":
        errors.append(
            f"{path}.bus: {_show(bus)} under {topology}; forwarding to another event bus needs messaging:topology "
            "eventbridge (its rule targets the bus); remove `bus` or use topology eventbridge"
        )
    for key in defaults.FUNCTION_CONSUMER_KEYS:
        if key in item:
            errors.append(
                f"{path}.{key}: {_show(item[key])} is not allowed with bus; a consumer that forwards to another event "
                "bus has no queue and no function, so it takes only name, match, bus "
                "and the retry keys (maximumRetryAttempts, maximumEventAgeInSeconds)"
            )


def _check_region(region: Any, errors: list[str]) -> None:
    """`aws:region` names a region of the partition the program deploys to."""
    if not region:
        errors.append("aws:region: not set; set it with `pulumi config set aws:region <region>`")
        return
    regions = _regions_by_partition()
    if isinstance(region, str) and region in regions.get(PARTITION, ()):
        return
    known = ", ".join(regions.get(PARTITION, ()))
    partition = next((p for p, names in regions.items() if region in names), None)
    if partition is None:
        errors.append(
            f"aws:region: {_show(region)} is not an AWS region; known regions are {known} (as botocore "
            f"{botocore.__version__} knows them: a newer region needs a newer pin in requirements.txt)"
        )
    else:
        errors.append(
            f"aws:region: {_show(region)} is in the {partition} partition; the program deploys only to the "
            f"{PARTITION} partition (its policies name arn:{PARTITION}: ARNs); use one of {known}"
        )


@functools.cache
def _regions_by_partition() -> dict[str, tuple[str, ...]]:
    """AWS's regions per partition, from the data botocore ships (every region has SQS)."""
    session = botocore.session.get_session()
    return {
        partition: tuple(sorted(session.get_available_regions("sqs", partition_name=partition)))
        for partition in session.get_available_partitions()
    }


def _check_quotas(raw: Any, *, kinds: set[Any], fifo: Any, region: Any, errors: list[str]) -> None:
    """Refuse more consumers than the services let the chosen topology (and one still draining) deliver to."""
    if not isinstance(raw, list):
        return
    key, count = f"{NAMESPACE}:consumers", len(raw)
    if "eventbridge" in kinds:
        rules = defaults.EVENTBRIDGE_RULES_PER_BUS_BY_REGION.get(region, defaults.EVENTBRIDGE_RULES_PER_BUS)
        if count + defaults.EVENTBRIDGE_ARCHIVE_RULES > rules:
            errors.append(
                f"{key}: {count} consumers under eventbridge need {count} rules on the bus and its archive one more; "
                f"EventBridge allows {rules} rules per event bus in {region} (its default quota, adjustable with a "
                f"quota request; the program checks the default), so use at most "
                f"{rules - defaults.EVENTBRIDGE_ARCHIVE_RULES} consumers"
            )
    if "fanout" in kinds:
        filtered = sum(1 for item in raw if isinstance(item, Mapping) and item.get("match") is not None)
        if fifo is True and count > defaults.SNS_FIFO_TOPIC_SUBSCRIPTIONS:
            errors.append(
                f"{key}: {count} consumers under fanout with {NAMESPACE}:fifo true; SNS allows "
                f"{defaults.SNS_FIFO_TOPIC_SUBSCRIPTIONS} subscriptions per FIFO topic, so use at most "
                f"{defaults.SNS_FIFO_TOPIC_SUBSCRIPTIONS} consumers"
            )
        elif filtered > defaults.SNS_FILTER_POLICIES_PER_TOPIC:
            errors.append(
                f"{key}: {filtered} consumers with a match under fanout; SNS allows "
                f"{defaults.SNS_FILTER_POLICIES_PER_TOPIC} filter policies per topic (its default quota, adjustable "
                f"with a quota request; the program checks the default), so give at most "
                f"{defaults.SNS_FILTER_POLICIES_PER_TOPIC} consumers a match"
            )


def _parse_producers(
    raw: Any, *, consumers: tuple[ConsumerConfig, ...], code: team_code.CodeFolder | None, errors: list[str]
) -> tuple[ProducerConfig, ...]:
    key = f"{NAMESPACE}:producers"
    example = '[{"name": "checkout", "handler": "checkout:handler"}]'
    if not isinstance(raw, (list, tuple)):
        errors.append(f"{key}: {_show(raw)} is not allowed; give a list of producers, e.g. {example}")
        return ()
    # A producer's resources are named like a consumer's ("<name>-function"): the two share one namespace.
    consumer_index = {c.name: i for i, c in reversed(list(enumerate(consumers))) if isinstance(c.name, str)}
    producers: list[ProducerConfig] = []
    seen: dict[str, int] = {}

    def producer_clash(name: str) -> str | None:
        if name in seen:
            return f"is a duplicate of {key}[{seen[name]}].name; producer names must be unique"
        if name in consumer_index:
            return (
                f"is also the name of {NAMESPACE}:consumers[{consumer_index[name]}]; "
                "a producer's name must differ from every consumer's (their resources would share names)"
            )
        return None

    items = _items(
        raw, key=key, keys=PRODUCER_KEYS, shape="a producer is an object with a name and a handler", errors=errors
    )
    for index, path, _item, values, check in items:
        name = values["name"]
        if _check_name(name, path, clash=producer_clash, errors=errors):
            seen[name] = index

        handler = values["handler"]
        if code is not None:  # without a code folder there is nothing to look the handler up in
            handler_error = team_code.check_handler(code, handler, f"{path}.handler (producer {_show(name)})")
            if handler_error:
                errors.append(handler_error)
        timeout = check.integer("timeoutSeconds", values["timeoutSeconds"], 1, defaults.TIMEOUT_MAX_SECONDS)
        memory = check.integer("memoryMb", values["memoryMb"], *defaults.MEMORY_RANGE_MB)
        producers.append(ProducerConfig(name=name, handler=handler, timeout_seconds=timeout, memory_mb=memory))
    return tuple(producers)


def _check_message_age_alarms(consumers: tuple[ConsumerConfig, ...], retention_seconds: int, errors: list[str]) -> None:
    """An age alarm at or past the queue's retention never fires: SQS deletes the message first."""
    for index, consumer in enumerate(consumers):
        if consumer.direct or consumer.forwards:
            continue  # no queue, no age alarm
        if not all(
            isinstance(v, int)
            for v in (consumer.timeout_seconds, consumer.max_receive_count, consumer.max_message_age_seconds or 0)
        ):
            continue  # already reported
        age = consumer.message_age_alarm_seconds
        if age >= retention_seconds:
            given = "" if consumer.max_message_age_seconds is not None else " (derived: timeout x 6 x maxReceiveCount)"
            errors.append(
                f"{NAMESPACE}:consumers[{index}].maxMessageAgeSeconds: {age}{given} is not below the queue retention "
                f"of {retention_seconds} s, so the alarm could never fire; use a value from "
                f"{defaults.MAX_MESSAGE_AGE_MIN_SECONDS} to {retention_seconds - 1}"
            )


def _items(
    raw: Sequence[Any], *, key: str, keys: Mapping[str, Any], shape: str, errors: list[str]
) -> Iterator[tuple[int, str, Mapping[str, Any], dict[str, Any], _Checker]]:
    """Each object of a config list with its path, its values (missing keys take their defaults) and a checker
    that names the item's keys; an item that is not an object and every unknown key are reported on the way."""
    for index, path, item in config_items(raw, key=key, keys=keys, shape=shape, errors=errors):
        values = {k: item.get(k, default) for k, default in keys.items()}
        yield index, path, item, values, _Checker(errors, prefix=f"{path}.")


def _check_name(name: Any, path: str, *, clash: Callable[[str], str | None], errors: list[str]) -> bool:
    """A consumer's or producer's name: well formed, not reserved, and not taken (`clash` says by what, or None).
    True when the name is free, so the caller records it."""
    if not _valid_name(name, f"{path}.name", errors):
        return False  # reported; the checks after it assume a well-formed name
    if name in defaults.RESERVED_NAMES:
        errors.append(
            f"{path}.name: {_show(name)} is reserved; the stack names its own resources after it; reserved names "
            f"are {', '.join(defaults.RESERVED_NAMES)}"
        )
        return False
    taken = clash(name)
    if taken is not None:
        errors.append(f"{path}.name: {_show(name)} {taken}")
        return False
    return True


def _valid_name(name: Any, where: str, errors: list[str]) -> bool:
    """Consumer and producer names share one rule (their resources share one namespace)."""
    if (
        isinstance(name, str)
        and re.match(defaults.CONSUMER_NAME_PATTERN, name)
        and len(name) <= defaults.CONSUMER_NAME_MAX_LENGTH
    ):
        return True
    errors.append(
        f"{where}: {_show(name)} is not allowed; use lowercase letters, digits and '-' (not at either "
        f"end), at most {defaults.CONSUMER_NAME_MAX_LENGTH} characters"
    )
    return False


class _Checker:
    """Typed checks that record an error naming the key, the value and what is allowed."""

    def __init__(self, errors: list[str], prefix: str = f"{NAMESPACE}:"):
        self.errors = errors
        self.prefix = prefix

    def _fail(self, key: str, value: Any, allowed: str) -> Any:
        self.errors.append(f"{self.prefix}{key}: {_show(value)} is not allowed; {allowed}")
        return _REPORTED

    def choice(self, key: str, value: Any, choices: tuple) -> Any:
        if value is _REPORTED:
            return value
        if value not in choices or isinstance(value, bool):
            return self._fail(key, value, "allowed values are " + ", ".join(str(c) for c in choices))
        return value

    def boolean(self, key: str, value: Any) -> Any:
        if value is _REPORTED:
            return value
        if not isinstance(value, bool):
            return self._fail(key, value, "use true or false")
        return value

    def integer(self, key: str, value: Any, low: int, high: int, why: str = "") -> Any:
        if value is _REPORTED:
            return value
        if isinstance(value, bool) or not isinstance(value, int):
            return self._fail(key, value, f"use a whole number from {low} to {high}")
        if not low <= value <= high:
            return self._fail(key, value, f"use a whole number from {low} to {high}{why}")
        return value


def _message(errors: list[str]) -> str:
    if len(errors) == 1:
        return f"invalid stack config: {errors[0]}"
    return "invalid stack config:\n  - " + "\n  - ".join(errors)
