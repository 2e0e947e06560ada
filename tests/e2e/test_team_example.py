"""The README's example of a team testing its own routing with ``emulator.Stack``, exactly as printed there,
and the same through the shipped pytest fixture."""

from __future__ import annotations

from e2e_support import ROOT  # noqa: F401 - puts the project on sys.path

from emulator import Stack
from emulator.testing import emulated_stack  # noqa: F401 - the fixture, as a team's conftest.py imports it

BIG = {"name": "big-orders", "processor": "audit:record", "match": {"data": {"total": [{"numeric": [">", 1000]}]}}}
AUDIT = {"name": "audit", "processor": "audit:record"}


def test_only_big_orders_reach_big_orders():
    config = {"aws:region": "eu-west-1", "topology": "fanout", "consumers": [BIG, AUDIT]}
    with Stack("test", config=config) as stack:
        stack.publish([{"id": "big", "type": "OrderCreated", "data": {"total": 5000}},
                       {"id": "small", "type": "OrderCreated", "data": {"total": 20}}])  # fmt: skip
        stack.drain()
        assert stack.processed("big-orders") == ["big"]
        assert sorted(stack.processed("audit")) == ["big", "small"]
        assert stack.dead_lettered("big-orders") == [] and stack.unrouted() == [] and stack.blocked_routes() == []


def test_the_fixture_deploys_a_stack_for_the_test_and_reports_what_nobody_selects(emulated_stack):  # noqa: F811
    stack = emulated_stack(config={"aws:region": "eu-west-1", "topology": "eventbridge", "consumers": [BIG]})
    stack.publish([{"id": "small", "type": "OrderCreated", "data": {"total": 20}}])
    stack.drain()
    assert stack.processed("big-orders") == [] and stack.unrouted() == ["small"]
