"""The one place where handler environment variables are named and read.

The components set these variables on each Lambda function. Each handler reads
its settings once, when its module loads (the cold start), as Lambda's
environment never changes inside one execution environment.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from typing import Mapping

# Producer
CHANNEL = "MESSAGING_CHANNEL"  # sqs | sns | events
TARGET = "MESSAGING_TARGET"  # queue URL | topic ARN | event bus name
DEFAULT_SOURCE = "MESSAGING_DEFAULT_SOURCE"
SCHEMAS = "MESSAGING_SCHEMAS"  # {type: JSON Schema} of envelope data; unset = no checks
# Both
FIFO = "MESSAGING_FIFO"  # true | false
# Consumer
CONSUMER = "MESSAGING_CONSUMER"
PROCESSOR = "MESSAGING_PROCESSOR"  # module:function in the team's code
IDEMPOTENCY_TABLE = "MESSAGING_IDEMPOTENCY_TABLE"
IDEMPOTENCY_TTL_SECONDS = "MESSAGING_IDEMPOTENCY_TTL_SECONDS"
# Read by Powertools itself; listed so every name lives here.
SERVICE_NAME = "POWERTOOLS_SERVICE_NAME"
LOG_LEVEL = "POWERTOOLS_LOG_LEVEL"
REGION_VARS = ("AWS_REGION", "AWS_DEFAULT_REGION")
FUNCTION_NAME = "AWS_LAMBDA_FUNCTION_NAME"

CHANNELS = ("sqs", "sns", "events")
DEFAULTS = {
    DEFAULT_SOURCE: "com.example.orders",
    FIFO: "false",
    PROCESSOR: "orders:process",
    IDEMPOTENCY_TTL_SECONDS: "3600",
    SERVICE_NAME: "messaging",
}

_TRUE = frozenset({"true", "1", "yes", "on"})
_FALSE = frozenset({"false", "0", "no", "off"})


class ConfigError(ValueError):
    """An environment variable holds a value the handler cannot use."""


def _get(environ: Mapping[str, str], name: str) -> str:
    """The variable's value stripped, or its default; empty counts as unset."""
    value = (environ.get(name) or "").strip()
    return value or DEFAULTS.get(name, "")


def read_bool(environ: Mapping[str, str], name: str) -> bool:
    value = _get(environ, name).lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ConfigError(f"{name}={environ.get(name)!r}: expected true or false")


def read_positive_int(environ: Mapping[str, str], name: str) -> int:
    raw = _get(environ, name)
    try:
        value = int(raw)
    except ValueError:
        value = 0
    if value <= 0:
        raise ConfigError(f"{name}={environ.get(name)!r}: expected a positive whole number of seconds")
    return value


def region(environ: Mapping[str, str] | None = None) -> str:
    """AWS_REGION (set by Lambda), else AWS_DEFAULT_REGION; error if neither."""
    environ = os.environ if environ is None else environ
    for name in REGION_VARS:
        value = (environ.get(name) or "").strip()
        if value:
            return value
    raise ConfigError("no AWS region: set AWS_REGION or AWS_DEFAULT_REGION")


@dataclass(frozen=True)
class ProducerSettings:
    channel: str
    target: str
    default_source: str
    fifo: bool
    region: str
    schemas: Mapping[str, dict] = field(default_factory=dict)  # event type -> JSON Schema of its data


@dataclass(frozen=True)
class ConsumerSettings:
    consumer: str
    processor: str
    fifo: bool
    idempotency_table: str  # "" = idempotency off
    idempotency_ttl_seconds: int
    function_name: str

    @property
    def idempotency(self) -> bool:
        return bool(self.idempotency_table)


def producer_settings(environ: Mapping[str, str] | None = None) -> ProducerSettings:
    environ = os.environ if environ is None else environ
    channel = _get(environ, CHANNEL).lower()
    if channel not in CHANNELS:
        raise ConfigError(f"{CHANNEL}={environ.get(CHANNEL)!r}: expected one of {', '.join(CHANNELS)}")
    target = _get(environ, TARGET)
    if not target:
        what = {"sqs": "queue URL", "sns": "topic ARN", "events": "event bus name"}[channel]
        raise ConfigError(f"{TARGET} is not set: expected the {what} for channel {channel}")
    return ProducerSettings(
        channel=channel,
        target=target,
        default_source=_get(environ, DEFAULT_SOURCE),
        fifo=read_bool(environ, FIFO),
        region=region(environ),
        schemas=_read_schemas(environ),
    )


def _read_schemas(environ: Mapping[str, str]) -> dict[str, dict]:
    text = _get(environ, SCHEMAS)
    if not text:
        return {}
    try:
        schemas = json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"{SCHEMAS}: not JSON ({exc}); expected {{type: JSON Schema}}") from None
    if not isinstance(schemas, dict) or not all(isinstance(s, dict) for s in schemas.values()):
        raise ConfigError(f"{SCHEMAS}: expected an object {{type: JSON Schema}}")
    return schemas


def consumer_settings(environ: Mapping[str, str] | None = None) -> ConsumerSettings:
    """Consumer settings; with nothing set: demo order processor, no idempotency."""
    environ = os.environ if environ is None else environ
    return ConsumerSettings(
        consumer=_get(environ, CONSUMER) or _get(environ, FUNCTION_NAME) or "consumer",
        processor=_get(environ, PROCESSOR),
        fifo=read_bool(environ, FIFO),
        idempotency_table=_get(environ, IDEMPOTENCY_TABLE),
        idempotency_ttl_seconds=read_positive_int(environ, IDEMPOTENCY_TTL_SECONDS),
        function_name=_get(environ, FUNCTION_NAME),
    )
