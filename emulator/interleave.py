"""The Lambda service polls while a producer sends, as it does in AWS.

In AWS the event source mappings poll their queues the whole time a producer
runs, so queues stay shallow. The emulator runs in one thread, so it plays
that concurrency at the only points where it matters: after each call a
producer makes that puts messages into the topology (one call per batch of
up to ten entries), every enabled mapping is polled, round after round,
until a round receives nothing or ``ROUNDS_PER_SEND`` rounds have run. What
is left is drained by ``Stack.drain``. Without this, everything would be
published before anything is received, queues would hold every message at
once, and each SQS call in the embedded AWS would cost more with the depth.

Only the producer being invoked triggers a pass (a consumer's own sends do
not), and never from inside a pass. An emulator error inside a pass (a
livelock) stops the interleaving and is raised when the producer returns.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING, Any, Iterator

from botocore.handlers import BUILTIN_HANDLERS

from .errors import EmulatorError

if TYPE_CHECKING:
    from .aws import Function
    from .lambda_service import LambdaService

SEND_OPERATIONS = frozenset({"SendMessage", "SendMessageBatch", "Publish", "PublishBatch", "PutEvents"})
ROUNDS_PER_SEND = 10  # polling rounds after one send call: enough to empty what one batch of ten delivered


class PollWhileSending:
    """Poll the mappings after each send call of the producer being invoked in ``sending``."""

    def __init__(self, service: LambdaService):
        self.service = service
        self.sender: Function | None = None
        self.error: EmulatorError | None = None
        self._polling = False

    @contextlib.contextmanager
    def installed(self) -> Iterator[PollWhileSending]:
        """Hook every boto3 client created while installed (the handlers create theirs on first use)."""
        entry = ("after-call.*.*", self._after_call)
        BUILTIN_HANDLERS.append(entry)
        try:
            yield self
        finally:
            BUILTIN_HANDLERS.remove(entry)

    @contextlib.contextmanager
    def sending(self, producer: Function) -> Iterator[None]:
        self.sender, self.error = producer, None
        try:
            yield
        finally:
            self.sender = None
        if self.error is not None:
            raise self.error

    def _after_call(self, model: Any = None, **_: Any) -> None:
        if self.sender is None or self._polling or getattr(model, "name", None) not in SEND_OPERATIONS:
            return
        if self.service.iam.current is not self.sender:
            return
        poller = self.service.poller
        self._polling = True
        try:
            for _ in range(ROUNDS_PER_SEND):
                if not sum(poller.poll_once(m, fn, s) for m, fn, s in poller.active):
                    break
        except EmulatorError as exc:
            self.error, self.sender = exc, None
        finally:
            self._polling = False
