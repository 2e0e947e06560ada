"""consumer.handler with no environment beyond the region: demo order processor,
no idempotency; real AWS event shapes from tests/handlers/events."""

from __future__ import annotations

import json

import consumer
import envelope as envelopes
import pytest
from handler_testkit import FakeContext, failed_ids, load_event, order, sqs_event

TRANSPORTS = ["sqs_message.json", "sns_in_sqs.json", "sns_raw_in_sqs.json", "eventbridge_in_sqs.json"]


@pytest.mark.parametrize("event", [{}, {"Records": []}, {"Records": None}])
def test_event_without_records_reports_no_failures(event):
    assert consumer.handler(event, None) == {"batchItemFailures": []}


@pytest.mark.parametrize("fixture", TRANSPORTS)
def test_every_transport_shape_is_processed(fixture):
    assert consumer.handler(load_event(fixture), FakeContext()) == {"batchItemFailures": []}


@pytest.mark.parametrize("fixture", TRANSPORTS)
def test_every_transport_hands_the_processor_the_same_envelope(fixture, recorder):
    event = load_event(fixture)
    consumer.handler(event, None)
    (seen,) = recorder
    assert set(seen) == {"id", "type", "source", "time", "data"}
    assert seen["source"] == "com.example.orders"
    assert seen["data"]["customerName"] == "Ada Lovelace"
    body = json.loads(event["Records"][0]["body"])
    carried = json.loads(body["Message"]) if "Message" in body else body.get("detail", body)
    assert seen == carried


def test_all_good_orders_report_no_failures():
    event = sqs_event([json.dumps(order(f"id-{n}", kind)) for n, kind in enumerate(sorted(envelopes_types()))])
    assert consumer.handler(event, None) == {"batchItemFailures": []}


def envelopes_types():
    import processors

    return processors.ORDER_EVENTS


def test_order_missing_customer_fields_fails_alone():
    bodies = [
        json.dumps(order("good-1")),
        json.dumps(order("no-customer", valid=False)),
        json.dumps(order("good-2", "OrderShipped")),
        json.dumps(order("no-address", customerAddress="")),
    ]
    event = sqs_event(bodies)
    ids = [r["messageId"] for r in event["Records"]]
    assert failed_ids(consumer.handler(event, None)) == [ids[1], ids[3]]


def test_every_record_failing_is_reported_not_raised():
    event = sqs_event([json.dumps(order("bad", valid=False))])
    assert failed_ids(consumer.handler(event, None)) == [event["Records"][0]["messageId"]]


@pytest.mark.parametrize(
    "bad_body",
    [
        "not json at all",
        "[1, 2, 3]",
        json.dumps({"type": "OrderCreated"}),  # no id
        json.dumps({"id": "x", "type": "OrderCreated", "data": "not an object"}),
        json.dumps({"Type": "Notification", "TopicArn": "arn:aws:sns:eu-west-1:123456789012:t", "Message": "{oops"}),
        json.dumps({"version": "0", "id": "e", "detail-type": "OrderCreated", "source": "s", "detail": {"type": 5}}),
    ],
)
def test_unparseable_record_fails_alone_and_says_why(bad_body, capsys):
    event = sqs_event([json.dumps(order("before")), bad_body, json.dumps(order("after"))])
    response = consumer.handler(event, None)
    bad_message_id = event["Records"][1]["messageId"]
    assert failed_ids(response) == [bad_message_id]
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (why,) = [entry for entry in logged if entry.get("message") == "unparseable record"]
    assert why["message_id"] == bad_message_id
    assert why["reason"]


def test_processing_failure_is_logged_with_envelope_id(capsys):
    event = sqs_event([json.dumps(order("broken-order", valid=False))])
    consumer.handler(event, None)
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (failure,) = [entry for entry in logged if entry.get("message") == "processing failed"]
    assert failure["envelope_id"] == "broken-order"
    assert "customerName" in failure["error"]
    (summary,) = [entry for entry in logged if entry.get("message") == "batch done"]
    assert summary["failed_message_ids"] == [event["Records"][0]["messageId"]]


def test_non_order_type_is_rejected_by_the_orders_processor():
    event = sqs_event([json.dumps({**order("ping"), "type": "Ping"})])
    assert len(failed_ids(consumer.handler(event, None))) == 1


def test_accept_all_processes_any_valid_envelope(lambda_env):
    lambda_env.setenv("MESSAGING_PROCESSOR", "accept-all")
    event = sqs_event([json.dumps({"id": "1", "type": "Anything"}), json.dumps(order("2", valid=False))])
    assert consumer.handler(event, None) == {"batchItemFailures": []}


def test_unknown_processor_name_is_a_clear_error(lambda_env):
    lambda_env.setenv("MESSAGING_PROCESSOR", "nope")
    with pytest.raises(ValueError, match=r"MESSAGING_PROCESSOR='nope'.*accept-all, orders"):
        consumer.handler(load_event("sqs_message.json"), None)


def test_environment_is_read_at_each_invocation(lambda_env, recorder):
    event = sqs_event([json.dumps(order("x", valid=False))])
    assert failed_ids(consumer.handler(event, None)) == []  # recorder accepts it
    lambda_env.setenv("MESSAGING_PROCESSOR", "orders")
    assert len(failed_ids(consumer.handler(event, None))) == 1  # orders rejects it


# ------------------------------------------------------------------ FIFO


def _fifo_labels(event: dict) -> dict[str, str]:
    """messageId -> envelope id prefix (a1, a2, b1, ...)."""
    return {r["messageId"]: json.loads(r["body"])["id"][:2] for r in event["Records"]}


def test_fifo_failure_fails_the_rest_of_its_group_only(lambda_env):
    lambda_env.setenv("MESSAGING_FIFO", "true")
    event = load_event("sqs_fifo.json")
    labels = _fifo_labels(event)
    assert [labels[r["messageId"]] for r in event["Records"]] == ["a1", "a2", "b1", "a3", "b2"]
    response = consumer.handler(event, None)
    assert [labels[m] for m in failed_ids(response)] == ["a2", "a3"]


def test_fifo_skipped_messages_are_not_processed_and_other_groups_are(lambda_env, recorder):
    lambda_env.setenv("MESSAGING_FIFO", "true")
    event = load_event("sqs_fifo.json")
    for record in event["Records"]:  # the recorder fails on data.fail; mark a2 like the orders processor would
        body = json.loads(record["body"])
        if body["id"].startswith("a2"):
            body["data"]["fail"] = True
            record["body"] = json.dumps(body)
    consumer.handler(event, None)
    assert [e["id"][:2] for e in recorder] == ["a1", "a2", "b1", "b2"]


def test_same_fifo_batch_on_a_standard_queue_fails_only_the_bad_message():
    event = load_event("sqs_fifo.json")
    labels = _fifo_labels(event)
    assert [labels[m] for m in failed_ids(consumer.handler(event, None))] == ["a2"]


# ------------------------------------------------------------------ unwrapping


@pytest.mark.parametrize("fixture", TRANSPORTS)
def test_unwrap_returns_an_envelope_with_id_and_type(fixture):
    body = load_event(fixture)["Records"][0]["body"]
    unwrapped = envelopes.unwrap(body)
    assert unwrapped["id"] and unwrapped["type"].startswith("Order")


def test_eventbridge_detail_given_as_a_string_is_unwrapped_too():
    inner = order("str-detail")
    body = json.dumps(
        {"version": "0", "id": "e", "detail-type": "OrderCreated", "source": "s", "detail": json.dumps(inner)}
    )
    assert envelopes.unwrap(body) == inner


def test_the_notification_in_awss_sns_sample_event_unwraps_to_the_same_envelope_as_sns_in_sqs():
    # AWS's SNS sample event carries the notification object that SNS also writes, as
    # JSON, into an SQS body (non-raw delivery); both unwrap through the one path.
    notification = load_event("sns_event.json")["Records"][0]["Sns"]
    from_sns = envelopes.unwrap(json.dumps(notification))
    from_sqs = envelopes.unwrap(load_event("sns_in_sqs.json")["Records"][0]["body"])
    assert from_sns == from_sqs == json.loads(notification["Message"])
