"""How a team unit-tests its own processors: plain functions of one envelope,
no AWS, no runtime. Raising means "this message failed"."""

from __future__ import annotations

import audit
import inventory
import orders
import pytest


def envelope(kind: str = "OrderCreated", **data) -> dict:
    return {"id": "e-1", "type": kind, "source": "com.example.orders", "time": "2026-01-01T00:00:00Z", "data": data}


def test_an_order_with_customer_details_is_processed():
    assert orders.process(envelope(customerName="Ada", customerAddress="London")) is None


def test_an_order_without_an_address_is_rejected_naming_the_field():
    with pytest.raises(orders.RejectedMessage, match="lacks data.customerAddress"):
        orders.process(envelope(customerName="Ada"))


def test_reserving_needs_lines_with_sku_and_quantity():
    inventory.reserve(envelope(lines=[{"sku": "A-1", "quantity": 2}]))
    with pytest.raises(inventory.InvalidOrderLines, match=r"data.lines\[0\].quantity must be positive"):
        inventory.reserve(envelope(lines=[{"sku": "A-1", "quantity": 0}]))


def test_other_order_events_reserve_nothing():
    assert inventory.reserve(envelope("OrderShipped")) is None


def test_the_audit_trail_accepts_any_envelope():
    assert audit.record(envelope("AnythingAtAll")) is None
