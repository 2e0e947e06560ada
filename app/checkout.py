"""Example producer of the team's own (`messaging:producers`, handler `checkout:handler`).

Deployed with the channel environment, so `publish` sends into whichever topology
the stack runs; the routing decides which consumers get each order.
"""

from __future__ import annotations

from typing import Any

from handlers.publisher import publish


def handler(event: dict[str, Any], context: Any) -> dict:
    """A checkout: one OrderCreated per order in `{"orders": [{...}, ...]}`."""
    return publish([{"type": "OrderCreated", "data": order} for order in event.get("orders", [])])
