"""consumer.handler invoked directly by SNS or EventBridge (a `delivery: direct` consumer): the same envelope
as through a queue, the same processor, and a failure raises so Lambda retries and then dead-letters."""

from __future__ import annotations

import copy
import json

import pytest
from handler_testkit import FakeContext, load_event, order
from test_handlers_idempotency import table  # noqa: F401 - the idempotency table fixture

# What each direct path's sample carries, and the same message as an SQS consumer receives it.
DIRECT = {
    "sns": ("sns_event.json", "sns_in_sqs.json"),
    "eventbridge": ("eventbridge_event.json", "eventbridge_in_sqs.json"),
}


def carrying(path: str, envelope: dict) -> dict:
    """The path's sample invocation event carrying ``envelope``."""
    event = copy.deepcopy(load_event(DIRECT[path][0]))
    if path == "sns":
        event["Records"][0]["Sns"]["Message"] = json.dumps(envelope)
    else:
        event["detail"] = envelope
    return event


@pytest.mark.parametrize("path", DIRECT)
def test_a_direct_invocation_hands_the_processor_the_same_envelope_as_its_queue_would(path, recorder, consumer):
    direct_sample, queued_sample = DIRECT[path]
    consumer.handler(load_event(direct_sample), FakeContext())
    consumer.handler(load_event(queued_sample), FakeContext())
    direct, queued = recorder
    assert set(direct) == {"id", "type", "source", "time", "data"}
    assert direct["data"]["customerName"] == "Ada Lovelace"
    # The SNS sample and the SNS-in-SQS sample carry different orders: compare each with what it carries.
    event = load_event(direct_sample)
    carried = json.loads(event["Records"][0]["Sns"]["Message"]) if path == "sns" else event["detail"]
    assert direct == carried
    assert set(queued) == set(direct)


@pytest.mark.parametrize("path", DIRECT)
def test_a_direct_invocation_that_succeeds_returns_without_a_batch_answer(path, recorder, consumer):
    result = consumer.handler(carrying(path, order("ok-1")), FakeContext())
    assert result == {"processed": 1}
    assert [e["id"] for e in recorder] == ["ok-1"]


@pytest.mark.parametrize("path", DIRECT)
def test_a_failing_direct_invocation_raises_so_lambda_retries_it(path, recorder, consumer):
    with pytest.raises(RuntimeError, match="asked to fail"):
        consumer.handler(carrying(path, order("bad-1", fail=True)), FakeContext())
    assert [e["id"] for e in recorder] == ["bad-1"]


@pytest.mark.parametrize("path", DIRECT)
def test_the_demo_processor_rejects_an_order_without_customer_fields_by_raising(path, consumer):
    with pytest.raises(Exception, match="customer"):
        consumer.handler(carrying(path, order("no-customer", valid=False)), FakeContext())


@pytest.mark.parametrize("path", DIRECT)
def test_a_direct_invocation_carrying_no_envelope_raises_naming_the_field(path, consumer):
    with pytest.raises(ValueError, match="type: required"):
        consumer.handler(carrying(path, {"id": "x", "data": {}}), FakeContext())


def test_the_delivery_path_is_read_from_the_invocation_not_the_message_body(recorder, consumer):
    # An envelope with the top-level keys of an EventBridge event, delivered by SNS, is the envelope SNS
    # carried; a body-shape guess would have handed the processor its "detail" instead.
    envelope = {**order("shape-1"), "version": "0", "detail-type": "X", "detail": {"id": "inner", "type": "Y"}}
    consumer.handler(carrying("sns", envelope), FakeContext())
    assert recorder == [envelope]


@pytest.mark.parametrize("path", DIRECT)
def test_a_duplicate_direct_invocation_is_processed_once_with_idempotency(path, table, recorder, consumer):  # noqa: F811
    for _ in range(2):
        assert consumer.handler(carrying(path, order("dup-direct")), FakeContext()) == {"processed": 1}
    assert [e["id"] for e in recorder] == ["dup-direct"]


def test_the_same_envelope_by_queue_and_then_directly_is_processed_once_with_idempotency(table, recorder, consumer):  # noqa: F811
    consumer.handler(load_event("eventbridge_in_sqs.json"), FakeContext())
    consumer.handler(load_event("eventbridge_event.json"), FakeContext())
    assert len(recorder) == 1
