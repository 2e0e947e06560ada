"""At-most-once processing per envelope id, with Powertools idempotency on DynamoDB.

SQS, SNS and EventBridge all deliver at least once. When
MESSAGING_IDEMPOTENCY_TABLE is set, each envelope `id` is processed at most once
per consumer within MESSAGING_IDEMPOTENCY_TTL_SECONDS; a duplicate is skipped
(logged) and counts as success. A failed processing deletes its record, so the
retry runs again.

Table (what DynamoDBPersistenceLayer expects with its defaults):
partition key `id` (String), no sort key, TTL enabled on attribute `expiration`.

`idempotent_function` binds its store and config when it decorates, and one
process may run several consumers with different tables, so the decorated
function is built on first use per (region, table, TTL, consumer) and cached.
Powertools is imported only here, and only when idempotency is on.
"""

from __future__ import annotations

from typing import Any, Callable

import clients
import logs

_guards: dict[tuple, tuple[Any, Callable[..., Any]]] = {}


class _NoDeadline:
    """Stands in for a Lambda context when there is none (tests, the emulator):
    in-progress records then expire like after a 15-minute (maximum) Lambda run."""

    @staticmethod
    def get_remaining_time_in_millis() -> int:
        return 900_000


def _on_duplicate(response: Any, record: Any) -> Any:
    logs.get_logger().info(
        "duplicate skipped", extra={"idempotency_key": record.idempotency_key, "status": record.status}
    )
    return response


def _build(region: str, table: str, ttl: int, key_prefix: str) -> tuple[Any, Callable[..., Any]]:
    from aws_lambda_powertools.utilities.idempotency import (  # noqa: PLC0415 - only when enabled
        DynamoDBPersistenceLayer,
        IdempotencyConfig,
        idempotent_function,
    )

    config = IdempotencyConfig(
        event_key_jmespath="id",
        expires_after_seconds=ttl,
        raise_on_no_idempotency_key=True,
        response_hook=_on_duplicate,
    )
    store = DynamoDBPersistenceLayer(table_name=table, boto3_client=clients.client("dynamodb", region))

    @idempotent_function(
        data_keyword_argument="envelope", persistence_store=store, config=config, key_prefix=key_prefix
    )
    def once(*, envelope: dict, process: Callable[[dict], None]) -> None:
        process(envelope)

    return config, once


def guard(
    process: Callable[[dict], None], *, region: str, table: str, ttl: int, consumer: str, context: Any
) -> Callable[[dict], None]:
    """`process` wrapped so each envelope id runs at most once for this consumer."""
    key = (region, table, ttl, consumer)
    built = _guards.get(key)
    if built is None:
        built = _guards[key] = _build(region, table, ttl, key_prefix=f"messaging.{consumer}")
    config, once = built
    usable = context is not None and callable(getattr(context, "get_remaining_time_in_millis", None))
    config.register_lambda_context(context if usable else _NoDeadline())

    def guarded(envelope: dict) -> None:
        once(envelope=envelope, process=process)

    return guarded


def reset() -> None:
    """Forget built guards (tests)."""
    _guards.clear()
