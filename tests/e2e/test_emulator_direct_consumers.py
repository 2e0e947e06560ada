"""Direct consumers in the emulator: SNS or EventBridge invokes the function asynchronously, as in AWS.

The consumer gets exactly what its match selects, under both routing topologies, the same as a queue
consumer with the same match; what keeps failing is retried by Lambda and then dead-lettered; the Lambda
permission decides whether the service may invoke at all, route by route.
"""

from __future__ import annotations

import json

import pytest
from e2e_support import (
    BIG_ORDERS,
    DEV_MESSAGES,
    DEV_SELECTORS,
    INVENTORY,
    Tamper,
    assert_accounted,
    expected_report,
    normalized,
)

import emulator

ROUTED = ["fanout", "eventbridge"]
DIRECT_BIG_ORDERS = {**BIG_ORDERS, "delivery": "direct"}
CONSUMERS = [INVENTORY, DIRECT_BIG_ORDERS]
PERMISSION = "aws:lambda/permission:Permission"


def permission_of(topology: str) -> str:
    return f"{topology}-big-orders-permission"


@pytest.mark.parametrize("topology", ROUTED)
def test_a_direct_consumer_receives_exactly_what_its_match_selects_and_dead_letters_what_keeps_failing(
    emulate, topology
):
    report = emulate(CONSUMERS, topology, DEV_MESSAGES)
    assert normalized(report) == expected_report(CONSUMERS, DEV_SELECTORS, DEV_MESSAGES)
    assert report["consumers"]["big-orders"]["processed"]  # the check below is not vacuous
    assert report["consumers"]["big-orders"]["dead_lettered"] == ["created-big-invalid"]
    assert report["blocked_routes"] == []
    assert_accounted(report, DEV_MESSAGES)


@pytest.mark.parametrize("topology", ROUTED)
def test_direct_and_queued_delivery_of_one_match_give_the_same_report(emulate, topology):
    direct = emulate(CONSUMERS, topology, DEV_MESSAGES)
    queued = emulate([INVENTORY, BIG_ORDERS], topology, DEV_MESSAGES)
    assert normalized(direct) == normalized(queued)


@pytest.mark.parametrize("topology", ROUTED)
def test_lambda_runs_a_failing_invocation_three_times_then_dead_letters_the_invocation_event(topology):
    bad = [m for m in DEV_MESSAGES if m["id"] == "created-big-invalid"]
    with emulator.Stack("e2e", config={"topology": topology, "consumers": CONSUMERS, "aws:region": "eu-west-1"}) as st:
        st.publish(bad)
        st.drain()
        details = st.report(details=True)["details"]["consumers"]["big-orders"]
        assert (details["invocations"], details["failed_attempts"]) == (3, 3)  # 1 + Lambda's 2 retries
        assert details["queue"] == "direct"
        assert st.dead_lettered("big-orders") == ["created-big-invalid"]
        assert st.processed("big-orders") == []
        (dlq_url,) = [u for u in st.report(details=True)["details"]["queues"] if "big-orders-dlq" in u]
        (message,) = st.mocks.c["sqs"].receive_message(QueueUrl=dlq_url, MessageAttributeNames=["All"])["Messages"]
    body = json.loads(message["Body"])
    if topology == "fanout":
        assert body["Records"][0]["EventSource"] == "aws:sns"
        assert json.loads(body["Records"][0]["Sns"]["Message"])["id"] == "created-big-invalid"
    else:
        assert body["detail-type"] == "OrderCreated" and body["detail"]["id"] == "created-big-invalid"
    assert set(message["MessageAttributes"]) == {"RequestID", "ErrorCode", "ErrorMessage"}
    assert "customerAddress" in message["MessageAttributes"]["ErrorMessage"]["StringValue"]


@pytest.mark.parametrize("topology", ROUTED)
@pytest.mark.parametrize(
    "edit",
    [lambda inputs: None, lambda inputs: {**inputs, "sourceArn": inputs["sourceArn"] + "-elsewhere"}],
    ids=["dropped", "wrong-source"],
)
def test_without_its_permission_the_service_cannot_invoke_and_dead_letters_that_route_only(emulate, topology, edit):
    tamper = Tamper(PERMISSION, permission_of(topology), edit)
    report = emulate(CONSUMERS, topology, DEV_MESSAGES, program_transform=tamper)
    tamper.assert_applied()
    (blocked,) = report["blocked_routes"]
    assert blocked["kind"] == ("sns-lambda" if topology == "fanout" else "eventbridge-lambda")
    assert blocked["consumer"] == "big-orders"
    assert blocked["reason"].startswith("no Lambda permission lets ")
    assert blocked["fallback"].startswith("big-orders-dlq")
    selected = sorted(m["id"] for m in DEV_MESSAGES if DEV_SELECTORS["big-orders"](m))
    assert normalized(report)["consumers"]["big-orders"] == {"processed": [], "dead_lettered": selected}
    assert report["details"]["consumers"]["big-orders"]["invocations"] == 0
    expected = expected_report(CONSUMERS, DEV_SELECTORS, DEV_MESSAGES)
    assert normalized(report)["consumers"]["inventory"] == expected["consumers"]["inventory"]
    assert_accounted(report, DEV_MESSAGES)


@pytest.mark.parametrize("topology", ROUTED)
def test_a_role_that_may_not_send_to_the_dlq_loses_what_keeps_failing_and_the_report_says_so(emulate, topology):
    def no_dead_letters(inputs):
        policy = json.loads(inputs["policy"])
        policy["Statement"] = [s for s in policy["Statement"] if s.get("Sid") != "DeadLetterFailedInvocations"]
        return {**inputs, "policy": json.dumps(policy)}

    tamper = Tamper("aws:iam/rolePolicy:RolePolicy", "big-orders-role-policy", no_dead_letters)
    report = emulate(CONSUMERS, topology, DEV_MESSAGES, program_transform=tamper)
    tamper.assert_applied()
    entry = report["consumers"]["big-orders"]
    assert entry["dead_lettered"] == []
    assert entry["lost"] == ["created-big-invalid"]
    assert (
        sorted(entry["processed"])
        == expected_report(CONSUMERS, DEV_SELECTORS, DEV_MESSAGES)["consumers"]["big-orders"]["processed"]
    )


@pytest.mark.parametrize("topology", ROUTED)
def test_a_direct_consumer_with_idempotency_processes_a_repeated_envelope_once(topology):
    good = [m for m in DEV_MESSAGES if m["id"] == "created-big"]
    config = {"topology": topology, "consumers": CONSUMERS, "idempotency": True, "aws:region": "eu-west-1"}
    with emulator.Stack("e2e", config=config) as st:
        st.publish(good)
        st.publish(good)
        st.drain()
        assert st.processed("big-orders") == ["created-big"]
        assert st.deduplicated("big-orders") == ["created-big"]


def test_the_stack_api_answers_for_a_direct_consumer_under_eventbridge_retry_keys():
    consumers = [INVENTORY, {**DIRECT_BIG_ORDERS, "maximumRetryAttempts": 0, "maximumEventAgeInSeconds": 60}]
    with emulator.Stack(
        "e2e", config={"topology": "eventbridge", "consumers": consumers, "aws:region": "eu-west-1"}
    ) as st:
        st.publish(DEV_MESSAGES)
        st.drain()
        expected = expected_report(consumers, DEV_SELECTORS, DEV_MESSAGES)["consumers"]["big-orders"]
        assert sorted(st.processed("big-orders")) == expected["processed"]
        assert st.dead_lettered("big-orders") == expected["dead_lettered"]
        assert st.blocked_routes() == []
