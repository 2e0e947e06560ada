"""Who gets what, end to end: the real program and handlers, per topology."""

from __future__ import annotations

import pytest
from e2e_support import (
    BIG_ORDERS,
    DEV_CONSUMERS,
    DEV_MESSAGES,
    DEV_SELECTORS,
    INVENTORY,
    NOTIFICATIONS,
    assert_accounted,
    expected_report,
    normalized,
    order,
)

from emulator.errors import EmulatorError

ROUTED = ["fanout", "eventbridge"]
NO_CATCH_ALL = [INVENTORY, NOTIFICATIONS, BIG_ORDERS]


@pytest.mark.parametrize("topology", ROUTED)
def test_each_consumer_processes_exactly_what_its_match_selects(emulate, topology):
    report = emulate(DEV_CONSUMERS, topology, DEV_MESSAGES)

    assert report["stack"] == "e2e" and report["topology"] == topology
    assert normalized(report) == expected_report(DEV_CONSUMERS, DEV_SELECTORS, DEV_MESSAGES)
    assert_accounted(report, DEV_MESSAGES)
    assert report["blocked_routes"] == []


@pytest.mark.parametrize("topology", ROUTED)
def test_messages_no_consumer_selects_are_reported_unrouted(emulate, topology):
    report = emulate(NO_CATCH_ALL, topology, DEV_MESSAGES)

    expected = expected_report(NO_CATCH_ALL, DEV_SELECTORS, DEV_MESSAGES)
    assert normalized(report) == expected
    # Not a vacuous check: this message set has ids that nobody selects...
    assert {"shipped-low", "delivered", "delivered-string-total"} <= set(report["unrouted"])
    # ...and invalid orders land in the DLQ of each consumer that received them, and nowhere else.
    assert sorted(report["consumers"]["inventory"]["dead_lettered"]) == ["cancelled-invalid", "created-big-invalid"]
    assert sorted(report["consumers"]["big-orders"]["dead_lettered"]) == ["created-big-invalid"]
    assert sorted(report["consumers"]["notifications"]["dead_lettered"]) == ["shipped-high-invalid"]
    assert_accounted(report, DEV_MESSAGES)


def test_fanout_and_eventbridge_deliver_the_same_messages_to_the_same_consumers(emulate):
    for consumers in (DEV_CONSUMERS, NO_CATCH_ALL):
        fanout = emulate(consumers, "fanout", DEV_MESSAGES)
        eventbridge = emulate(consumers, "eventbridge", DEV_MESSAGES)
        assert normalized(fanout) == normalized(eventbridge)
        assert sorted(fanout["sent"]) == sorted(eventbridge["sent"])


def test_point_to_point_sends_everything_to_its_one_consumer(emulate):
    consumers = [{"name": "orders"}]
    report = emulate(consumers, "point-to-point", DEV_MESSAGES)

    assert report["topology"] == "point-to-point"
    assert normalized(report) == expected_report(consumers, {"orders": lambda m: True}, DEV_MESSAGES)
    assert report["unrouted"] == []
    assert_accounted(report, DEV_MESSAGES)


def test_invalid_orders_are_retried_max_receive_count_times_then_dead_lettered(emulate):
    consumers = [{"name": "orders", "maxReceiveCount": 7}]
    messages = [order("ok", "OrderCreated", total=1), order("bad", "OrderCreated", valid=False, total=1)]
    report = emulate(consumers, "point-to-point", messages)

    assert report["consumers"]["orders"] == {"processed": ["ok"], "dead_lettered": ["bad"]}
    # The bad message was handed to the consumer once per receive, 7 times, before SQS moved it.
    assert report["details"]["consumers"]["orders"]["failed_attempts"] == 7


@pytest.mark.parametrize("topology", ROUTED)
def test_raw_and_wrapped_sns_delivery_route_alike(emulate, topology):
    # rawDelivery only changes fanout's bodies (SNS notification JSON vs the envelope).
    wrapped = emulate(DEV_CONSUMERS, topology, DEV_MESSAGES, rawDelivery=False)
    assert normalized(wrapped) == expected_report(DEV_CONSUMERS, DEV_SELECTORS, DEV_MESSAGES)


def test_fifo_fanout_processes_every_valid_message_and_dead_letters_only_invalid_ones(emulate):
    # Under fanout the group is the order id, and each invalid order is alone in its group.
    report = emulate(DEV_CONSUMERS, "fanout", DEV_MESSAGES, fifo=True)

    assert normalized(report) == expected_report(DEV_CONSUMERS, DEV_SELECTORS, DEV_MESSAGES)
    assert_accounted(report, DEV_MESSAGES)


def test_fifo_eventbridge_keeps_one_group_per_consumer_so_a_poison_event_takes_its_batch_along(emulate):
    # EventBridge SQS targets take one static group (the consumer's name): every event
    # received behind an invalid one is failed with it, never processed out of order,
    # and dead-lettered beside it (README: FIFO and failures). Nothing is lost.
    report = emulate(DEV_CONSUMERS, "eventbridge", DEV_MESSAGES, fifo=True)
    expected = expected_report(DEV_CONSUMERS, DEV_SELECTORS, DEV_MESSAGES)
    assert_accounted(report, DEV_MESSAGES)
    for name, entry in report["consumers"].items():
        wanted = expected["consumers"][name]
        assert set(wanted["dead_lettered"]) <= set(entry["dead_lettered"])
        assert set(entry["processed"]) <= set(wanted["processed"])
        sent_order = [i for i in report["sent"] if i in entry["processed"]]
        assert entry["processed"] == sent_order, f"{name} processed out of bus order"
    analytics = report["consumers"]["analytics"]
    assert len(analytics["dead_lettered"]) > len(expected["consumers"]["analytics"]["dead_lettered"])


@pytest.mark.parametrize("fifo", [False, True], ids=["standard", "fifo"])
@pytest.mark.parametrize("topology", ["fanout", "eventbridge", "point-to-point"])
def test_a_reused_id_within_one_call_is_refused_under_every_topology_never_silently_dropped(emulate, topology, fifo):
    twice = [order("dup", "OrderCreated", total=5), order("dup", "OrderShipped", total=6)]
    with pytest.raises(EmulatorError, match=r"messages\[1\]\.id: 'dup' repeats messages\[0\]\.id"):
        emulate([{"name": "orders"}], topology, twice, fifo=fifo)


@pytest.mark.parametrize(("topology", "previous"), [("eventbridge", "fanout"), ("fanout", "eventbridge")])
def test_while_the_previous_topology_drains_routing_is_unchanged_and_no_route_is_blocked(emulate, topology, previous):
    report = emulate(DEV_CONSUMERS, topology, DEV_MESSAGES, previousTopology=previous)

    assert report["blocked_routes"] == []
    assert normalized(report) == expected_report(DEV_CONSUMERS, DEV_SELECTORS, DEV_MESSAGES)
    assert_accounted(report, DEV_MESSAGES)
