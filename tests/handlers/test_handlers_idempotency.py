"""Duplicate deliveries: processed once with MESSAGING_IDEMPOTENCY_TABLE, twice without."""

from __future__ import annotations

import json

import boto3
import pytest
from handler_testkit import REGION, FakeContext, failed_ids, load_event, order, sqs_event

TABLE = "messaging-idempotency"


def make_table(name: str = TABLE) -> None:
    """The table Powertools' DynamoDBPersistenceLayer expects: key `id`, TTL on `expiration`."""
    ddb = boto3.client("dynamodb", region_name=REGION)
    ddb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    ddb.update_time_to_live(TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expiration"})


@pytest.fixture
def table(aws, lambda_env):
    make_table()
    lambda_env.setenv("MESSAGING_IDEMPOTENCY_TABLE", TABLE)
    return TABLE


def deliver_twice(consumer, context=None) -> None:
    body = json.dumps(order("dup-1"))
    assert consumer.handler(sqs_event([body]), context) == {"batchItemFailures": []}
    assert consumer.handler(sqs_event([body]), context) == {"batchItemFailures": []}


def test_duplicate_delivery_is_processed_once_with_idempotency(table, recorder, consumer):
    deliver_twice(consumer, FakeContext())
    assert [e["id"] for e in recorder] == ["dup-1"]


def test_duplicate_within_one_batch_is_processed_once(table, recorder, consumer):
    body = json.dumps(order("dup-2"))
    assert consumer.handler(sqs_event([body, body]), None) == {"batchItemFailures": []}
    assert [e["id"] for e in recorder] == ["dup-2"]


def test_duplicate_delivery_is_processed_twice_without_idempotency(recorder, consumer):
    deliver_twice(consumer)
    assert [e["id"] for e in recorder] == ["dup-1", "dup-1"]


def test_same_id_through_different_transports_is_processed_once(table, recorder, consumer):
    for fixture in ("sns_in_sqs.json", "sns_in_sqs.json"):
        consumer.handler(load_event(fixture), None)
    assert len(recorder) == 1


def test_failed_processing_is_retried_not_remembered(table, recorder, lambda_env, consumer):
    failing = json.dumps(order("flaky", fail=True))
    event = sqs_event([failing])
    assert failed_ids(consumer.handler(event, None)) == [event["Records"][0]["messageId"]]
    fixed = sqs_event([json.dumps(order("flaky"))])
    assert consumer.handler(fixed, None) == {"batchItemFailures": []}
    assert [e["id"] for e in recorder] == ["flaky", "flaky"]


def test_records_are_kept_per_consumer(table, recorder, lambda_env, consumer):
    body = json.dumps(order("fanned-out"))
    for name in ("inventory", "notifications", "inventory"):
        lambda_env.setenv("MESSAGING_CONSUMER", name)
        consumer.cold_start()
        consumer.handler(sqs_event([body]), None)
    assert len(recorder) == 2  # once per consumer


def test_each_cold_start_uses_the_table_then_set(aws, recorder, lambda_env, consumer):
    make_table("table-a")
    make_table("table-b")
    body = json.dumps(order("moved"))
    for name in ("table-a", "table-a", "table-b", "table-b"):
        lambda_env.setenv("MESSAGING_IDEMPOTENCY_TABLE", name)
        consumer.cold_start()
        consumer.handler(sqs_event([body]), None)
    lambda_env.delenv("MESSAGING_IDEMPOTENCY_TABLE")
    consumer.cold_start()
    consumer.handler(sqs_event([body]), None)
    assert len(recorder) == 3  # once per table, then once with idempotency off


def test_idempotency_record_uses_the_documented_table_schema(table, recorder, consumer):
    consumer.handler(sqs_event([json.dumps(order("schema"))]), None)
    (item,) = boto3.client("dynamodb", region_name=REGION).scan(TableName=TABLE)["Items"]
    assert item["id"]["S"].startswith("messaging.consumer#")
    assert item["status"]["S"] == "COMPLETED"
    assert int(item["expiration"]["N"]) > 0


def test_expiry_window_comes_from_the_environment(table, recorder, lambda_env, consumer):
    import time

    lambda_env.setenv("MESSAGING_IDEMPOTENCY_TTL_SECONDS", "60")
    before = int(time.time())
    consumer.handler(sqs_event([json.dumps(order("ttl"))]), None)
    (item,) = boto3.client("dynamodb", region_name=REGION).scan(TableName=TABLE)["Items"]
    assert before + 60 <= int(item["expiration"]["N"]) <= before + 60 + 300


def test_missing_table_fails_the_records_not_silently_processes(aws, recorder, lambda_env, consumer):
    lambda_env.setenv("MESSAGING_IDEMPOTENCY_TABLE", "does-not-exist")
    event = sqs_event([json.dumps(order("no-table"))])
    assert failed_ids(consumer.handler(event, None)) == [event["Records"][0]["messageId"]]
    assert recorder == []
