"""Example processor: reserve stock for each line of a created order (`inventory:reserve`).

Raises on data it cannot use, so that message alone is retried and then
dead-lettered; every other message of the batch goes on.
"""

from __future__ import annotations


class InvalidOrderLines(ValueError):
    """The order's lines cannot be reserved."""


def reserve(envelope: dict) -> None:
    if envelope["type"] != "OrderCreated":
        return  # only new orders reserve stock
    lines = (envelope.get("data") or {}).get("lines")
    if not isinstance(lines, list) or not lines:
        raise InvalidOrderLines(f"order {envelope['id']}: data.lines must be a non-empty list")
    for n, line in enumerate(lines):
        quantity = line.get("quantity") if isinstance(line, dict) else None
        if not isinstance(line, dict) or not isinstance(line.get("sku"), str) or not isinstance(quantity, int):
            raise InvalidOrderLines(f"order {envelope['id']}: data.lines[{n}] needs a sku and a whole quantity")
        if quantity <= 0:
            raise InvalidOrderLines(f"order {envelope['id']}: data.lines[{n}].quantity must be positive")
