"""The local Lambda service of one deployment: its function sandbox, the producer, and the poller.

* ``sandbox`` (``emulator.sandbox``) runs a declared function's handler as
  Lambda would;
* ``produce`` invokes the producer (the function whose handler is the
  program's producer entry point) with ``{"messages": [...]}``;
* ``poller`` (``emulator.poller``) plays every SQS event source mapping;
* ``invoker`` (``emulator.async_invoker``) runs what SNS and EventBridge invoke
  asynchronously (direct consumers).
"""

from __future__ import annotations

import contextlib
import traceback
from pathlib import Path
from typing import Any, Callable, Iterator

from components import defaults

from .async_invoker import AsyncInvoker
from .aws import AwsMocks, Function
from .errors import EmulatorError
from .poller import Poller
from .sandbox import FunctionSandbox


class LambdaService:
    def __init__(
        self,
        mocks: AwsMocks,
        project_dir: Path,
        *,
        log_sink: Callable[[str, str], None] | None = None,
    ):
        self.mocks = mocks
        self.sandbox = FunctionSandbox(mocks, project_dir, log_sink=log_sink)
        self.invoker = AsyncInvoker(mocks, self.sandbox)
        self.poller = Poller(mocks, self.sandbox, self.invoker)

    @property
    def iam(self):
        return self.sandbox.iam

    def producer(self) -> Function:
        producers = [f for f in self.mocks.functions if f.handler == defaults.PRODUCER_HANDLER]
        if not producers:
            raise EmulatorError(f"the program declares no producer function (handler {defaults.PRODUCER_HANDLER})")
        if len(producers) > 1:
            names = ", ".join(f.resource for f in producers)
            raise EmulatorError(f"the program declares several producer functions ({names}); expected one")
        return producers[0]

    def produce(self, messages: list[dict[str, Any]], fn: Function | None = None, event: Any = None) -> dict[str, Any]:
        """Invoke the built-in producer with ``messages``, or ``fn`` (a team producer) with ``event``."""
        if fn is None:
            fn, event = self.producer(), {"messages": messages}
        try:
            result = self.sandbox.invoke(fn, event)
        except EmulatorError:
            raise
        except Exception as exc:
            self.sandbox.ship_logs(fn, traceback.format_exc(limit=-3))
            raise EmulatorError(f"producer function {fn.resource!r} raised {type(exc).__name__}: {exc}") from exc
        finally:
            self.sandbox.flush_logs()
        if not isinstance(result, dict) or not isinstance(result.get("sent"), list):
            raise EmulatorError(
                f"producer function {fn.resource!r} returned {result!r}; expected {{'sent': [ids], ...}}"
            )
        return result

    def start(self) -> list:
        """Bind the mappings and the direct consumers; every consumer's stats."""
        queued = self.poller.start()
        return queued + self.invoker.start({s.function for s in queued})

    def redeployed(self, mocks: AwsMocks) -> list:
        """Run the functions and mappings of ``mocks`` (an update of this deployment, ``emulator/update.py``):
        every consumer's stats, its history carried over from before the update when it existed then."""
        before = {
            s.name: s for s in [*(s for _, _, s in getattr(self.poller, "bound", [])), *self.invoker.stats.values()]
        }
        kept = {id(fn) for fn in self.mocks.functions}
        self.mocks = self.sandbox.mocks = self.sandbox.iam.mocks = self.invoker.mocks = self.poller.mocks = mocks
        self.sandbox.iam.forget_roles()
        for fn in mocks.functions:
            if id(fn) not in kept:
                # Recorded anew (changed inputs, code included): Lambda starts a new execution environment.
                self.sandbox.new_execution_environment(fn)
        self.invoker.stats = {}
        consumers = self.start()
        for stats in consumers:
            old = before.get(stats.name)
            if old is not None:
                stats.delivered, stats.processed, stats.skipped = old.delivered, old.processed, old.skipped
                stats.failed_attempts, stats.invocations = old.failed_attempts, old.invocations
        return consumers

    @contextlib.contextmanager
    def running(self) -> Iterator["LambdaService"]:
        with self.sandbox.running():
            yield self
