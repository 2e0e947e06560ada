"""Infrastructure for the messaging system (docs/architecture.md).

    from components import ConsumerArgs, Messaging, MessagingArgs, ProducerArgs, ScheduleArgs

The five names load on first use, so `components.defaults` and the pure
modules stay importable without loading the AWS provider SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from components.messaging import ConsumerArgs, Messaging, MessagingArgs, ProducerArgs, ScheduleArgs

__all__ = ["ConsumerArgs", "Messaging", "MessagingArgs", "ProducerArgs", "ScheduleArgs"]


def __getattr__(name: str) -> Any:
    if name in __all__:
        from components import messaging  # noqa: PLC0415 - loaded on first use, see above

        return getattr(messaging, name)
    raise AttributeError(f"module 'components' has no attribute {name!r}")
