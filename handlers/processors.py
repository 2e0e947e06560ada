"""Business processors, chosen per consumer by MESSAGING_PROCESSOR.

A processor is a plain function `process(envelope: dict) -> None` that handles
one message. Raising marks that message failed: SQS redelivers it and, after
the queue's max receive count, moves it to the consumer's dead-letter queue.
Add one with the `register` decorator below; its name is then valid for
MESSAGING_PROCESSOR.
"""

from __future__ import annotations

from typing import Callable

Processor = Callable[[dict], None]
REGISTRY: dict[str, Processor] = {}

ORDER_EVENTS = frozenset({"OrderCreated", "OrderShipped", "OrderCancelled", "OrderDelivered"})
ORDER_REQUIRED = ("customerName", "customerAddress")


class RejectedMessage(ValueError):
    """The processor refuses this message; it will be retried, then dead-lettered."""


def register(name: str) -> Callable[[Processor], Processor]:
    def add(function: Processor) -> Processor:
        REGISTRY[name] = function
        return function

    return add


def get(name: str) -> Processor:
    try:
        return REGISTRY[name]
    except KeyError:
        raise ValueError(
            f"MESSAGING_PROCESSOR={name!r} is not a known processor; available: {', '.join(sorted(REGISTRY))}"
        ) from None


@register("orders")
def orders(envelope: dict) -> None:
    """Demo order processor: an order event needs data.customerName and data.customerAddress."""
    kind = envelope["type"]
    if kind not in ORDER_EVENTS:
        raise RejectedMessage(f"not an order event: type {kind!r} (expected one of {', '.join(sorted(ORDER_EVENTS))})")
    data = envelope.get("data") or {}
    missing = [key for key in ORDER_REQUIRED if not isinstance(data.get(key), str) or not data[key].strip()]
    if missing:
        raise RejectedMessage(f"{kind} {envelope['id']} lacks data.{' and data.'.join(missing)}")


@register("accept-all")
def accept_all(envelope: dict) -> None:
    """Accepts every well-formed envelope and does nothing with it."""
