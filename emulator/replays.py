"""EventBridge archive replay with AWS's semantics, replacing moto's.

moto (5.2) replays every archived event, whatever the window, to every rule
of the bus. AWS (StartReplay) replays only the events whose time lies in
``[EventStartTime, EventEndTime)``, only to the rules listed in
``Destination.FilterArns`` when that list is given, and adds
``"replay-name": <name>`` to each replayed event (which is how the archive's
own rule, matching ``replay-name`` absent, keeps replays out of the archive).
The replay completes before ``StartReplay`` returns (AWS's runs in the
background); ``DescribeReplay`` then reports ``COMPLETED``.
"""

from __future__ import annotations

import contextlib
from datetime import datetime
from typing import Any, Iterator
from unittest import mock


def _epoch(value: Any) -> float | None:
    if isinstance(value, datetime):
        return value.timestamp()
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        except ValueError:
            return None
    return None


@contextlib.contextmanager
def aws_replays() -> Iterator[None]:
    from moto.core.utils import unix_time  # noqa: PLC0415 - moto loads with the stack
    from moto.events.models import Replay, ReplayState, events_backends  # noqa: PLC0415

    def replay_events(self, archive) -> None:
        backend = events_backends[self.account_id][self.region]
        bus = backend.describe_event_bus(self.destination["Arn"].split("/")[-1])
        only = set(self.destination.get("FilterArns") or [])
        start, end = _epoch(self.event_start_time), _epoch(self.event_end_time)
        rules = [r for r in bus.rules.values() if not r.managed_by and (not only or r.arn in only)]
        for event in list(archive.events):
            when = _epoch(event.get("time"))
            if when is None or start is None or end is None or not start <= when < end:
                continue
            replayed = dict(event, **{"replay-name": self.name})
            for rule in rules:
                rule.send_to_targets(dict(replayed), transform_input=False)
        self.state = ReplayState.COMPLETED
        self.end_time = unix_time()

    with mock.patch.object(Replay, "replay_events", replay_events):
        yield
