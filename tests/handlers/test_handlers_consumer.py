"""consumer.handler with no environment beyond the region: demo order processor,
no idempotency; real AWS event shapes from tests/handlers/events."""

from __future__ import annotations

import json

import pytest
from handler_testkit import FakeContext, failed_ids, load_event, order, sqs_event

from handlers import envelope as envelopes

TRANSPORTS = ["sqs_message.json", "sns_in_sqs.json", "sns_raw_in_sqs.json", "eventbridge_in_sqs.json"]


@pytest.mark.parametrize("event", [{}, {"Records": []}, {"Records": None}])
def test_event_without_records_reports_no_failures(event, consumer):
    assert consumer.handler(event, None) == {"batchItemFailures": []}


@pytest.mark.parametrize("fixture", TRANSPORTS)
def test_every_transport_shape_is_processed(fixture, consumer):
    assert consumer.handler(load_event(fixture), FakeContext()) == {"batchItemFailures": []}


@pytest.mark.parametrize("fixture", TRANSPORTS)
def test_every_transport_hands_the_processor_the_same_envelope(fixture, recorder, consumer):
    event = load_event(fixture)
    consumer.handler(event, None)
    (seen,) = recorder
    assert set(seen) == {"id", "type", "source", "time", "data"}
    assert seen["source"] == "com.example.orders"
    assert seen["data"]["customerName"] == "Ada Lovelace"
    body = json.loads(event["Records"][0]["body"])
    carried = json.loads(body["Message"]) if "Message" in body else body.get("detail", body)
    assert seen == carried


def test_all_good_orders_report_no_failures(consumer):
    event = sqs_event([json.dumps(order(f"id-{n}", kind)) for n, kind in enumerate(sorted(envelopes_types()))])
    assert consumer.handler(event, None) == {"batchItemFailures": []}


def envelopes_types():
    import orders

    return orders.ORDER_EVENTS


def test_order_missing_customer_fields_fails_alone(consumer):
    bodies = [
        json.dumps(order("good-1")),
        json.dumps(order("no-customer", valid=False)),
        json.dumps(order("good-2", "OrderShipped")),
        json.dumps(order("no-address", customerAddress="")),
    ]
    event = sqs_event(bodies)
    ids = [r["messageId"] for r in event["Records"]]
    assert failed_ids(consumer.handler(event, None)) == [ids[1], ids[3]]


def test_every_record_failing_is_reported_not_raised(consumer):
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
def test_unparseable_record_fails_alone_and_says_why(bad_body, capsys, consumer):
    event = sqs_event([json.dumps(order("before")), bad_body, json.dumps(order("after"))])
    response = consumer.handler(event, None)
    bad_message_id = event["Records"][1]["messageId"]
    assert failed_ids(response) == [bad_message_id]
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (why,) = [entry for entry in logged if entry.get("message") == "unparseable record"]
    assert why["message_id"] == bad_message_id
    assert why["reason"]


def test_processing_failure_is_logged_with_envelope_id(capsys, consumer):
    event = sqs_event([json.dumps(order("broken-order", valid=False))])
    consumer.handler(event, None)
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (failure,) = [entry for entry in logged if entry.get("message") == "processing failed"]
    assert failure["envelope_id"] == "broken-order"
    assert "customerName" in failure["error"]
    (summary,) = [entry for entry in logged if entry.get("message") == "batch done"]
    assert summary["failed_message_ids"] == [event["Records"][0]["messageId"]]


def test_non_order_type_is_rejected_by_the_orders_processor(consumer):
    event = sqs_event([json.dumps({**order("ping"), "type": "Ping"})])
    assert len(failed_ids(consumer.handler(event, None))) == 1


def test_a_team_processor_named_in_the_environment_gets_each_envelope(lambda_env, team_code, consumer):
    team_code({"billing.py": "SEEN = []\n\ndef charge(envelope):\n    SEEN.append(envelope['id'])\n"})
    lambda_env.setenv("MESSAGING_PROCESSOR", "billing:charge")
    event = sqs_event([json.dumps({"id": "1", "type": "Anything"}), json.dumps(order("2", valid=False))])
    assert consumer.handler(event, None) == {"batchItemFailures": []}
    import billing

    assert billing.SEEN == ["1", "2"]


@pytest.mark.parametrize(
    ("reference", "error", "message"),
    [
        ("nope", ValueError, r"MESSAGING_PROCESSOR='nope': expected module:function"),
        ("orders:missing", ValueError, r"MESSAGING_PROCESSOR='orders:missing': orders has no function 'missing'"),
        ("no_such_module:process", ImportError, r"No module named 'no_such_module'"),
    ],
)
def test_a_processor_that_cannot_be_loaded_fails_the_cold_start_clearly(
    reference, error, message, lambda_env, consumer
):
    lambda_env.setenv("MESSAGING_PROCESSOR", reference)
    with pytest.raises(error, match=message):
        consumer.cold_start()


def test_settings_are_read_once_per_cold_start(lambda_env, recorder, consumer):
    event = sqs_event([json.dumps(order("x", valid=False))])
    assert failed_ids(consumer.handler(event, None)) == []  # recorder accepts it
    lambda_env.setenv("MESSAGING_PROCESSOR", "orders:process")
    assert failed_ids(consumer.handler(event, None)) == []  # same execution environment, same processor
    consumer.cold_start()
    assert len(failed_ids(consumer.handler(event, None))) == 1  # a new one reads orders, which rejects it


# ------------------------------------------------------------------ FIFO


def _fifo_labels(event: dict) -> dict[str, str]:
    """messageId -> envelope id prefix (a1, a2, b1, ...)."""
    return {r["messageId"]: json.loads(r["body"])["id"][:2] for r in event["Records"]}


def test_fifo_failure_fails_the_rest_of_its_group_only(lambda_env, consumer):
    lambda_env.setenv("MESSAGING_FIFO", "true")
    event = load_event("sqs_fifo.json")
    labels = _fifo_labels(event)
    assert [labels[r["messageId"]] for r in event["Records"]] == ["a1", "a2", "b1", "a3", "b2"]
    response = consumer.handler(event, None)
    assert [labels[m] for m in failed_ids(response)] == ["a2", "a3"]


def test_fifo_skipped_messages_are_not_processed_and_other_groups_are(lambda_env, recorder, consumer):
    lambda_env.setenv("MESSAGING_FIFO", "true")
    event = load_event("sqs_fifo.json")
    for record in event["Records"]:  # the recorder fails on data.fail; mark a2 like the orders processor would
        body = json.loads(record["body"])
        if body["id"].startswith("a2"):
            body["data"]["fail"] = True
            record["body"] = json.dumps(body)
    consumer.handler(event, None)
    assert [e["id"][:2] for e in recorder] == ["a1", "a2", "b1", "b2"]


def test_same_fifo_batch_on_a_standard_queue_fails_only_the_bad_message(consumer):
    event = load_event("sqs_fifo.json")
    labels = _fifo_labels(event)
    assert [labels[m] for m in failed_ids(consumer.handler(event, None))] == ["a2"]


def test_the_standard_queue_batch_answer_is_powertools_own(consumer):
    # The consumer's processor takes a leaner per-record step than Powertools' BatchProcessor;
    # its answer for a mixed batch must be the one Powertools' own processor gives.
    from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response

    bodies = [
        json.dumps(order("good-1")),
        "not json at all",
        json.dumps(order("no-customer", valid=False)),
        json.dumps(order("good-2", "OrderShipped")),
    ]
    event = sqs_event(bodies)
    module = consumer.cold_start()
    stock = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    expected = process_partial_response(event=event, record_handler=module.handle, processor=stock)
    assert failed_ids(expected) == [event["Records"][1]["messageId"], event["Records"][2]["messageId"]]
    assert consumer.handler(event, None) == expected


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


ENVELOPE_TEXT = json.dumps(order("edge"))
# Texts json.loads reads, or refuses, in ways a JSON parser may differ on: the consumer must read
# every body exactly as json.loads does, and refuse it with json.loads' own reason.
EDGE_TEXTS = [
    ENVELOPE_TEXT,
    "  \n" + ENVELOPE_TEXT + " \t\r\n",
    '{"id": "a", "id": "b", "type": "T", "data": {"n": NaN, "big": 100000000000000000000000000001}}',
    '{"id": "u", "type": "\\u00e9t\\u00e9", "data": {"lone": "\\ud800", "inf": -Infinity}}',
    "\ufeff" + ENVELOPE_TEXT,
    ENVELOPE_TEXT + "{}",
    ENVELOPE_TEXT + " x",
    ENVELOPE_TEXT[:-1],
    "",
    "   ",
    "[" * 100_000,
]


def _as_json_loads_reads(text: str, what: str):
    """What unwrap must give for `text`: json.loads' value, or json.loads' reason as EnvelopeError."""
    try:
        return json.loads(text)
    except ValueError as exc:
        return f"{what} is not JSON: {exc}"
    except RecursionError:
        return f"{what} is JSON nested too deeply to parse"


def _unwrapped(body: str):
    try:
        return envelopes.unwrap(body)
    except envelopes.EnvelopeError as exc:
        return str(exc)


@pytest.mark.parametrize("text", EDGE_TEXTS, ids=range(len(EDGE_TEXTS)))
def test_a_body_is_read_exactly_as_json_loads_reads_it(text):
    assert _unwrapped(text) == _as_json_loads_reads(text, "body")


@pytest.mark.parametrize("text", EDGE_TEXTS, ids=range(len(EDGE_TEXTS)))
def test_an_sns_message_and_an_eventbridge_detail_string_are_read_as_json_loads_reads_them(text):
    notification = {"Type": "Notification", "TopicArn": "arn:aws:sns:eu-west-1:123456789012:t", "Message": text}
    event = {"version": "0", "id": "e", "detail-type": "T", "source": "s", "detail": text}
    assert _unwrapped(json.dumps(notification)) == _as_json_loads_reads(text, "SNS notification Message")
    assert _unwrapped(json.dumps(event)) == _as_json_loads_reads(text, "EventBridge detail")
