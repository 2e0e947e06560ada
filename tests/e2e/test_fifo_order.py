"""FIFO stacks end to end: each consumer processes each message group in send
order, and a failing message holds back the rest of its group, not other groups."""

import pytest
from e2e_support import order

# Group = data.orderId under fanout. Order A has a poison message in the middle.
A1 = order("a1", "OrderCreated", orderId="A", total=10)
A2 = order("a2", "OrderShipped", valid=False, orderId="A", total=10)
A3 = order("a3", "OrderDelivered", orderId="A", total=10)
B1 = order("b1", "OrderCreated", orderId="B", total=20)
B2 = order("b2", "OrderShipped", orderId="B", total=20)
C1 = order("c1", "OrderCreated", orderId="C", total=30)
MESSAGES = [A1, B1, A2, B2, A3, C1]


def before(processed, first, second):
    return processed.index(first) < processed.index(second)


@pytest.mark.parametrize("topology", ["fanout", "point-to-point"])
def test_one_record_at_a_time_groups_keep_send_order_and_only_the_poison_message_is_dead_lettered(emulate, topology):
    report = emulate([{"name": "ledger", "batchSize": 1}], topology, MESSAGES, fifo=True)
    ledger = report["consumers"]["ledger"]
    processed = ledger["processed"]
    assert sorted(processed) == ["a1", "a3", "b1", "b2", "c1"]
    assert before(processed, "a1", "a3") and before(processed, "b1", "b2")
    assert ledger["dead_lettered"] == ["a2"]


def test_a_poison_message_holds_back_the_rest_of_its_group_but_not_other_groups(emulate):
    # Batches of 10: a3 arrives in every batch behind a2 and is reported failed with it
    # (Powertools' FIFO processor), so it is never processed out of order; it reaches
    # maxReceiveCount with a2 and is dead-lettered beside it, as in AWS (README: FIFO).
    report = emulate([{"name": "ledger"}], "fanout", MESSAGES, fifo=True)
    ledger = report["consumers"]["ledger"]
    processed = ledger["processed"]
    assert sorted(processed) == ["a1", "b1", "b2", "c1"]
    assert before(processed, "b1", "b2")
    assert ledger["dead_lettered"] == ["a2", "a3"]
