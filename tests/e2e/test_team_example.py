"""The README's example of a team testing its own routing with ``emulator.Stack``, exactly as printed there
(a test below keeps the two equal), and the same through the shipped pytest fixture."""

from __future__ import annotations

from e2e_support import printed_in_readme

from emulator import Stack
from emulator.testing import emulated_stack  # noqa: F401 - the fixture, as a team's conftest.py imports it

BIG = {"name": "big-orders", "processor": "audit:record", "match": {"data": {"total": [{"numeric": [">", 1000]}]}}}


def test_only_big_orders_reach_big_orders():
    big = {"name": "big-orders", "processor": "audit:record", "match": {"data": {"total": [{"numeric": [">", 1000]}]}}}
    config = {"aws:region": "eu-west-1", "topology": "fanout", "consumers": [big]}
    with Stack("test", config=config) as stack:
        stack.publish([{"id": "big", "type": "OrderCreated", "data": {"total": 5000}},
                       {"id": "small", "type": "OrderCreated", "data": {"total": 20}}])  # fmt: skip
        stack.drain()
        assert stack.processed("big-orders") == ["big"] and stack.unrouted() == ["small"]


def test_the_fixture_deploys_a_stack_for_the_test_and_reports_what_nobody_selects(emulated_stack):  # noqa: F811
    stack = emulated_stack(config={"aws:region": "eu-west-1", "topology": "eventbridge", "consumers": [BIG]})
    stack.publish([{"id": "small", "type": "OrderCreated", "data": {"total": 20}}])
    stack.drain()
    assert stack.processed("big-orders") == [] and stack.unrouted() == ["small"]


def test_the_readme_prints_exactly_this_example():
    assert printed_in_readme(__file__, "test_only_big_orders_reach_big_orders")
