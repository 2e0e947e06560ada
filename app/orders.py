"""Example processor: the demo order events (the default `processor`, `orders:process`).

A processor is a plain function of one envelope. Returning means processed;
raising marks that message failed: SQS redelivers it and, after the queue's
max receive count, moves it to the consumer's dead-letter queue.
"""

from __future__ import annotations

ORDER_EVENTS = frozenset({"OrderCreated", "OrderShipped", "OrderCancelled", "OrderDelivered"})
REQUIRED = ("customerName", "customerAddress")


class RejectedMessage(ValueError):
    """This message cannot be processed; it will be retried, then dead-lettered."""


def process(envelope: dict) -> None:
    """An order event needs data.customerName and data.customerAddress."""
    kind = envelope["type"]
    if kind not in ORDER_EVENTS:
        raise RejectedMessage(f"not an order event: type {kind!r} (expected one of {', '.join(sorted(ORDER_EVENTS))})")
    data = envelope.get("data") or {}
    missing = [key for key in REQUIRED if not isinstance(data.get(key), str) or not data[key].strip()]
    if missing:
        raise RejectedMessage(f"{kind} {envelope['id']} lacks data.{' and data.'.join(missing)}")
