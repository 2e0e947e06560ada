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


@pytest.mark.parametrize("topology", ["fanout", "eventbridge", "point-to-point"])
def test_a_service_with_the_publisher_environment_reaches_the_consumers_the_routing_selects(topology, monkeypatch):
    consumers = [AUDIT] if topology == "point-to-point" else [INVENTORY, AUDIT]
    with Stack("e2e", config={"aws:region": REGION, "topology": topology, "consumers": consumers}) as stack:
        environment = stack.exports["publisherEnvironment"]
        for key in [k for k in os.environ if k.startswith(("MESSAGING_", "POWERTOOLS_"))]:
            monkeypatch.delenv(key)
        for key, value in environment.items():
            monkeypatch.setenv(key, value)
        for name in [m for m in sys.modules if m == "handlers" or m.startswith("handlers.")]:
            monkeypatch.delitem(sys.modules, name)  # the service's own process: a fresh import reads its settings
        publisher = importlib.import_module("handlers.publisher")

        result = publisher.publish(ORDERS)

        assert result == {"sent": ["created", "shipped"], "failed": []}
        stack.drain()
        assert stack.processed("audit") == ["created", "shipped"]
        if topology != "point-to-point":
            assert stack.processed("inventory") == ["created"]
