"""The functions' execution roles are enforced as in AWS (moto enforces no IAM):
least privilege that is too little shows up as the failure a user would see."""

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
    expected_report,
    normalized,
    write_stack,
)

import emulator

CONSUMERS = [INVENTORY, NOTIFICATIONS, BIG_ORDERS]
INVENTORY_IDS = sorted(m["id"] for m in DEV_MESSAGES if DEV_SELECTORS["inventory"](m))


def without_statement(resource_name, sid):
    def edit(inputs):
        policy = json.loads(inputs["policy"])
        kept = [s for s in policy["Statement"] if s.get("Sid") != sid]
        assert len(kept) < len(policy["Statement"]), f"{resource_name} has no statement {sid}"
        return {**inputs, "policy": json.dumps({**policy, "Statement": kept})}

    return Tamper("aws:iam/rolePolicy:RolePolicy", resource_name, edit)


@pytest.mark.parametrize("topology", ["fanout", "eventbridge"])
def test_a_producer_role_that_cannot_send_sends_nothing_and_says_why(emulate, topology):
    tamper = without_statement("producer-role-policy", "SendToTarget")
    report = emulate(CONSUMERS, topology, DEV_MESSAGES, program_transform=tamper)
    tamper.assert_applied()

    assert report["sent"] == []
    assert len(report["send_failed"]) == len(DEV_MESSAGES)
    action = {"fanout": "sns:Publish", "eventbridge": "events:PutEvents"}[topology]
    assert {d["action"] for d in report["details"]["access_denied"]} == {action}
    assert all(entry == {"processed": [], "dead_lettered": []} for entry in report["consumers"].values())


def test_a_consumer_role_without_its_idempotency_table_dead_letters_what_it_receives(emulate):
    tamper = without_statement("inventory-role-policy", "IdempotencyRecords")
    report = emulate(CONSUMERS, "eventbridge", DEV_MESSAGES, idempotency=True, program_transform=tamper)
    tamper.assert_applied()

    assert report["consumers"]["inventory"]["processed"] == []
    assert sorted(report["consumers"]["inventory"]["dead_lettered"]) == INVENTORY_IDS
    assert {d["action"].split(":")[0] for d in report["details"]["access_denied"]} == {"dynamodb"}
    expected = expected_report(CONSUMERS, DEV_SELECTORS, DEV_MESSAGES)
    for name in ("notifications", "big-orders"):
        assert normalized(report)["consumers"][name] == expected["consumers"][name]


def test_a_consumer_role_that_cannot_read_its_queue_is_refused_like_aws_refuses_the_mapping(tmp_path):
    stack_file = write_stack(tmp_path, CONSUMERS, "fanout")
    with pytest.raises(emulator.EmulatorError, match=r"inventory-event-source.*sqs:ReceiveMessage"):
        emulator.run(
            stack="e2e",
            stack_file=stack_file,
            messages=DEV_MESSAGES,
            program_transform=without_statement("inventory-role-policy", "ConsumeOwnQueue"),
        )


@pytest.mark.parametrize("topology", ["point-to-point", "fanout"])
def test_under_a_customer_managed_key_the_roles_need_the_key(emulate, topology):
    consumers = [{"name": "orders"}]
    ok = emulate(consumers, topology, DEV_MESSAGES, encryption="kms")
    assert ok["details"]["access_denied"] == [] and ok["sent"]

    tamper = without_statement("producer-role-policy", "EncryptMessages")
    report = emulate(consumers, topology, DEV_MESSAGES, encryption="kms", program_transform=tamper)
    tamper.assert_applied()
    assert report["sent"] == []
    assert {d["action"] for d in report["details"]["access_denied"]} == {"kms:GenerateDataKey"}
