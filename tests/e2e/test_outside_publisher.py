"""A team's own service (an API, a container: not a Lambda function of the stack) publishes with
``handlers.publisher.publish`` and nothing but the ``publisherEnvironment`` output as its environment."""

from __future__ import annotations

import importlib
import os
import sys

import pytest
from e2e_support import REGION

from emulator import Stack

INVENTORY = {"name": "inventory", "processor": "audit:record", "match": {"type": ["OrderCreated"]}}
AUDIT = {"name": "audit", "processor": "audit:record"}
ORDERS = [
    {"id": "created", "type": "OrderCreated", "data": {"orderId": "o-1"}},
    {"id": "shipped", "type": "OrderShipped", "data": {"orderId": "o-1"}},
]


def _outside_publisher(stack: Stack, monkeypatch: pytest.MonkeyPatch):
    """``handlers.publisher`` imported as the team's service imports it, with only the publisherEnvironment."""
    for key in [k for k in os.environ if k.startswith(("MESSAGING_", "POWERTOOLS_"))]:
        monkeypatch.delenv(key)
    for key, value in stack.exports["publisherEnvironment"].items():
        monkeypatch.setenv(key, value)
    for name in [m for m in sys.modules if m == "handlers" or m.startswith("handlers.")]:
        monkeypatch.delitem(sys.modules, name)  # the service's own process: a fresh import reads its settings
    return importlib.import_module("handlers.publisher")


@pytest.mark.parametrize("topology", ["fanout", "eventbridge", "point-to-point"])
def test_a_service_with_the_publisher_environment_reaches_the_consumers_the_routing_selects(topology, monkeypatch):
    consumers = [AUDIT] if topology == "point-to-point" else [INVENTORY, AUDIT]
    with Stack("e2e", config={"aws:region": REGION, "topology": topology, "consumers": consumers}) as stack:
        publisher = _outside_publisher(stack, monkeypatch)

        result = publisher.publish(ORDERS)

        assert result == {"sent": ["created", "shipped"], "failed": []}
        stack.drain()
        assert stack.processed("audit") == ["created", "shipped"]
        if topology != "point-to-point":
            assert stack.processed("inventory") == ["created"]


def test_a_service_publishing_data_that_breaks_its_types_schema_is_refused_and_nothing_is_sent(monkeypatch):
    config = {
        "aws:region": REGION,
        "topology": "eventbridge",
        "consumers": [AUDIT],
        "schemas": {"types": {"OrderCreated": "tests/unit/schemas/order-created.json"}},
    }
    with Stack("e2e", config=config) as stack:
        publisher = _outside_publisher(stack, monkeypatch)
        with pytest.raises(publisher.envelopes.EnvelopeError, match=r"messages\[1\]\.data.*customerAddress"):
            publisher.publish([ORDERS[1], {"id": "bad", "type": "OrderCreated", "data": {"orderId": "o-2"}}])
        stack.drain()
        assert stack.processed("audit") == []
