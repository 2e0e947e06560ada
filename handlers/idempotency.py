"""At-most-once processing per envelope id, with Powertools idempotency on DynamoDB.

SQS, SNS and EventBridge all deliver at least once. When
MESSAGING_IDEMPOTENCY_TABLE is set, each envelope `id` is processed at most once
per consumer within MESSAGING_IDEMPOTENCY_TTL_SECONDS; a duplicate is skipped
and counts as success. A failed processing deletes its record, so the retry
runs again.

Table (what DynamoDBPersistenceLayer expects with its defaults):
partition key `id` (String), no sort key, TTL enabled on attribute `expiration`.

The consumer builds one `Guard` at cold start, only when idempotency is on, so
Powertools idempotency loads only then. The guard makes its DynamoDB client (and
the persistence layer around it) on its first envelope, as every runtime client
is made on first use: building a DynamoDB client loads its service model, which
would otherwise more than double the consumer's import time.
"""

from __future__ import annotations

from typing import Any, Callable

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from handlers import clients

DUPLICATE = "duplicate"  # what a guarded call returns when the envelope was already processed


def _on_duplicate(response: Any, record: Any) -> str:
    return DUPLICATE


class Guard:
    """`guard(envelope)` runs `process(envelope)` at most once per envelope id for this consumer.

    Returns None when it processed the envelope, DUPLICATE when it skipped it."""

    def __init__(self, process: Callable[[dict], Any], *, region: str, table: str, ttl: int, consumer: str):
        self.config = IdempotencyConfig(
            event_key_jmespath="id",
            expires_after_seconds=ttl,
            raise_on_no_idempotency_key=True,
            response_hook=_on_duplicate,
        )
        self._process = process
        self._region, self._table, self._consumer = region, table, consumer
        self._once: Callable[..., str | None] | None = None

    def _guarded(self) -> Callable[..., str | None]:
        store = DynamoDBPersistenceLayer(table_name=self._table, boto3_client=clients.client("dynamodb", self._region))
        process = self._process

        @idempotent_function(
            data_keyword_argument="envelope",
            persistence_store=store,
            config=self.config,
            key_prefix=f"messaging.{self._consumer}",
        )
        def once(*, envelope: dict) -> None:
            process(envelope)

        return once

    def register_lambda_context(self, context: Any) -> None:
        """In-progress records expire with the invocation's deadline."""
        self.config.register_lambda_context(context)

    def __call__(self, envelope: dict) -> str | None:
        if self._once is None:
            self._once = self._guarded()
        return self._once(envelope=envelope)
