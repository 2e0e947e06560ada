"""Resource policies decide deliveries, as in AWS (moto alone would deliver anyway).

Each test breaks one policy of the declared program through the emulator's
``program_transform`` hook and checks that exactly that route stops, the way
AWS would behave, while every other consumer is unaffected.
"""

from __future__ import annotations

import json

import pytest
from e2e_support import (
    BIG_ORDERS,
    DEV_MESSAGES,
    DEV_SELECTORS,
    INVENTORY,
    NOTIFICATIONS,
    Tamper,
    assert_accounted,
    expected_report,
    normalized,
)

import emulator

CONSUMERS = [INVENTORY, NOTIFICATIONS, BIG_ORDERS]
ROUTED = ["fanout", "eventbridge"]
INVENTORY_IDS = sorted(m["id"] for m in DEV_MESSAGES if DEV_SELECTORS["inventory"](m))


QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"


def drop(*resource_names):
    return Tamper(QUEUE_POLICY, set(resource_names), lambda inputs: None)


def rescope_to_another_source(resource_name):
    """Keep the statement but scope it to an ARN that is not the real topic/rule."""

    def edit(inputs):
        policy = json.loads(inputs["policy"])
        allows = [stmt for stmt in policy["Statement"] if stmt["Effect"] == "Allow"]
        assert allows, "the policy has no Allow statement to re-scope"
        for stmt in allows:
            stmt["Condition"]["ArnEquals"]["aws:SourceArn"] = ["arn:aws:sns:eu-west-1:123456789012:elsewhere"]
        return {**inputs, "policy": json.dumps(policy)}

    return Tamper(QUEUE_POLICY, resource_name, edit)


def assert_others_unaffected(report):
    expected = expected_report(CONSUMERS, DEV_SELECTORS, DEV_MESSAGES)
    for name in ("notifications", "big-orders"):
        assert normalized(report)["consumers"][name] == expected["consumers"][name]


@pytest.mark.parametrize("topology", ROUTED)
@pytest.mark.parametrize("breakage", [drop, rescope_to_another_source], ids=["dropped", "wrong-source"])
def test_a_queue_that_does_not_allow_its_source_gets_nothing_and_failures_go_to_its_dlq(emulate, topology, breakage):
    tamper = breakage("inventory-queue-policy")
    report = emulate(CONSUMERS, topology, DEV_MESSAGES, program_transform=tamper)
    tamper.assert_applied()

    [blocked] = report["blocked_routes"]
    assert blocked["consumer"] == "inventory"
    assert blocked["kind"] == {"fanout": "sns-subscription", "eventbridge": "eventbridge-target"}[topology]
    assert blocked["fallback"] is not None  # the DLQ's own policy still lets the source in
    # As in AWS: the failed deliveries go to the route's dead-letter queue (here the consumer's DLQ).
    assert report["consumers"]["inventory"]["processed"] == []
    assert sorted(report["consumers"]["inventory"]["dead_lettered"]) == INVENTORY_IDS
    assert_others_unaffected(report)
    assert_accounted(report, DEV_MESSAGES)


@pytest.mark.parametrize("topology", ROUTED)
def test_without_queue_and_dlq_policies_the_messages_are_lost_and_reported(emulate, topology):
    tamper = drop("inventory-queue-policy", "inventory-dlq-policy")
    report = emulate(CONSUMERS, topology, DEV_MESSAGES, program_transform=tamper)
    tamper.assert_applied()

    kinds = sorted(b["kind"] for b in report["blocked_routes"])
    assert kinds == sorted(
        {
            "fanout": ["sns-subscription", "sns-redrive"],
            "eventbridge": ["eventbridge-target", "eventbridge-target-dlq"],
        }[topology]
    )
    assert all(b["consumer"] == "inventory" for b in report["blocked_routes"])
    assert report["consumers"]["inventory"] == {"processed": [], "dead_lettered": []}
    # Messages only inventory wanted reached no consumer at all.
    only_inventory = {
        m["id"] for m in DEV_MESSAGES if DEV_SELECTORS["inventory"](m) and not DEV_SELECTORS["big-orders"](m)
    }
    assert only_inventory <= set(report["unrouted"])
    assert_others_unaffected(report)
    assert_accounted(report, DEV_MESSAGES)


def test_a_deny_statement_for_the_source_blocks_even_with_an_allow(emulate):
    def edit(inputs):
        policy = json.loads(inputs["policy"])
        policy["Statement"].append(
            {
                "Sid": "DenyEverySns",
                "Effect": "Deny",
                "Principal": {"Service": "sns.amazonaws.com"},
                "Action": "sqs:*",
                "Resource": "*",
            }
        )
        return {**inputs, "policy": json.dumps(policy)}

    tamper = Tamper(QUEUE_POLICY, "notifications-queue-policy", edit)
    report = emulate(CONSUMERS, "fanout", DEV_MESSAGES, program_transform=tamper)
    tamper.assert_applied()

    [blocked] = report["blocked_routes"]
    assert blocked["consumer"] == "notifications" and "DenyEverySns" in blocked["reason"]
    assert report["consumers"]["notifications"]["processed"] == []


@pytest.mark.parametrize("topology", ROUTED)
def test_the_programs_tls_only_deny_does_not_block_service_deliveries(emulate, topology):
    # Every consumer queue policy of the program carries the aws:SecureTransport=false deny.
    report = emulate(CONSUMERS, topology, DEV_MESSAGES)
    assert report["blocked_routes"] == []
    assert normalized(report) == expected_report(CONSUMERS, DEV_SELECTORS, DEV_MESSAGES)
    # ...and every route was created after the policy that lets it deliver (depends_on).
    assert report["details"]["warnings"] == []


@pytest.mark.parametrize("topology", ROUTED)
def test_a_kms_key_that_does_not_grant_the_service_blocks_every_route(emulate, topology):
    services = ("sns.amazonaws.com", "events.amazonaws.com")

    def transform(typ, name, inputs):
        if typ == "aws:kms/keyPolicy:KeyPolicy":
            policy = json.loads(inputs["policy"])
            kept = [s for s in policy["Statement"] if (s.get("Principal") or {}).get("Service") not in services]
            assert len(kept) < len(policy["Statement"]), "the key policy grants no delivery service"
            inputs = {**inputs, "policy": json.dumps({**policy, "Statement": kept})}
        return inputs

    baseline = emulate(CONSUMERS, topology, DEV_MESSAGES, encryption="kms")
    assert baseline["blocked_routes"] == []
    assert normalized(baseline) == expected_report(CONSUMERS, DEV_SELECTORS, DEV_MESSAGES)

    report = emulate(CONSUMERS, topology, DEV_MESSAGES, program_transform=transform, encryption="kms")
    assert {b["consumer"] for b in report["blocked_routes"]} == {"inventory", "notifications", "big-orders"}
    assert all("KMS key" in b["reason"] for b in report["blocked_routes"])
    assert all(entry["processed"] == [] for entry in report["consumers"].values())


def test_under_fifo_eventbridge_a_blocked_route_dead_letters_to_the_standard_delivery_dlq(emulate):
    tamper = drop("inventory-queue-policy")
    report = emulate(CONSUMERS, "eventbridge", DEV_MESSAGES, program_transform=tamper, fifo=True)
    tamper.assert_applied()

    [blocked] = report["blocked_routes"]
    assert blocked["consumer"] == "inventory" and blocked["kind"] == "eventbridge-target"
    # EventBridge cannot dead-letter into a FIFO queue: the program gives its targets one standard DLQ.
    [(queue, ids)] = report["route_dead_lettered"].items()
    assert blocked["fallback"] == queue and not queue.endswith(".fifo")
    assert sorted(ids) == INVENTORY_IDS
    assert report["consumers"]["inventory"] == {"processed": [], "dead_lettered": []}


def test_the_readable_summary_names_the_blocked_route_and_where_its_messages_went(emulate):
    tamper = drop("inventory-queue-policy")
    report = emulate(CONSUMERS, "eventbridge", DEV_MESSAGES, program_transform=tamper)
    summary = emulator.format_summary(report)

    assert "blocked routes (1)" in summary
    [line] = [line for line in summary.splitlines() if "(consumer inventory)" in line]
    assert "eventbridge-target" in line and "undeliverable messages go to inventory-dlq" in line
