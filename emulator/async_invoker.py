"""Lambda's asynchronous invocations: what SNS and EventBridge hand a direct consumer's function.

Each invocation SNS or EventBridge pushed (``emulator.aws.invocations``) is run as Lambda runs an
asynchronous one, with the simulated clock (every retry is immediate):

* the route must be allowed to invoke (a Lambda permission for that service and that topic or rule,
  checked by ``emulator.routes.enforce``); a blocked route never reaches the function: the service
  gives up and sends what it carried (the SNS notification, or the event) to the route's own DLQ
  (subscription redrive policy, target dead-letter config), when that queue's policy allows it;
* otherwise the function runs; one that raises is run again, up to the function's
  ``maximumRetryAttempts`` (FunctionEventInvokeConfig, recorded by ``emulator.aws.scheduler``; default 2)
  more times;
* what still fails goes, as Lambda sends it, to the function's dead-letter queue (the invocation event
  as the body; RequestID, ErrorCode, ErrorMessage as attributes), when its execution role may send there.

What ends nowhere (no DLQ, or one it may not use) is counted as lost, per consumer. Lambda's own metrics of
this (``AsyncEventsReceived``, ``AsyncEventsDropped``, ``DeadLetterErrors``, ``DestinationDeliveryFailures``)
go through ``observe``, which ``emulator.metrics`` counts under serve.
"""

from __future__ import annotations

import json
import traceback
import uuid
from collections import Counter
from typing import Any

from components import defaults, lambda_env

from .aws import AwsMocks, Function, Route, invocations
from .errors import EmulatorError
from .poller import DUPLICATE_LOG, ConsumerStats, envelope_id
from .sandbox import FunctionSandbox

LAMBDA_DEFAULT_RETRIES = 2  # Lambda's asynchronous retries without a FunctionEventInvokeConfig
ROUTE_KIND = {invocations.SNS: "sns-lambda", invocations.EVENTS: "eventbridge-lambda"}


class AsyncInvoker:
    """Runs the pushed invocations of every direct consumer; keeps each one's stats."""

    def __init__(self, mocks: AwsMocks, sandbox: FunctionSandbox):
        self.mocks = mocks
        self.sandbox = sandbox
        self.stats: dict[str, ConsumerStats] = {}  # function ARN -> its consumer's stats
        self.pushed: dict[str, list[str]] = {}  # consumer -> ids its routes selected
        self.lost: dict[str, list[str]] = {}  # consumer -> ids that ended in no queue

    def start(self, mapped: set[str]) -> list[ConsumerStats]:
        """The consumer functions no event source mapping reads (``mapped``: their names): the direct ones."""
        for fn in self.mocks.functions:
            if fn.handler != defaults.CONSUMER_HANDLER or fn.name in mapped:
                continue
            name = fn.environment.get(lambda_env.CONSUMER) or fn.resource
            self.stats[fn.arn] = ConsumerStats(name, fn.name, None, None, fn.dead_letter_arn)
        return list(self.stats.values())

    def observe(self, metric: str, fn: Function) -> None:
        """One AWS/Lambda asynchronous-invocation event for ``fn`` (a no-op unless emulator.metrics counts them)."""

    def run_pending(self) -> int:
        """Run every invocation pushed so far (and any they push); how many there were."""
        count = 0
        while invocations.waiting():
            for pushed in invocations.take():
                self._deliver(pushed)
                count += 1
        return count

    def _route(self, pushed: invocations.Pushed) -> Route | None:
        kind = ROUTE_KIND[pushed.service]
        return next(
            (
                r
                for r in self.mocks.routes
                if r.kind == kind and r.source_arn == pushed.source_arn and r.target_arn == pushed.function_arn
            ),
            None,
        )

    def _deliver(self, pushed: invocations.Pushed) -> None:
        fn = self.sandbox.function(pushed.function_arn)
        stats = self.stats.get(fn.arn)
        if stats is None:
            raise EmulatorError(
                f"{pushed.service} invoked {fn.resource!r}, which is not a consumer function without a queue"
            )
        eid = envelope_id(json.dumps(pushed.event)) or "?"
        self.pushed.setdefault(stats.name, []).append(eid)
        route = self._route(pushed)
        if route is not None and route.detail.get("blocked"):
            # The service cannot invoke: after its retries it dead-letters what it carried, or drops it.
            fallback = route.detail.get("fallback")
            if fallback:
                self._send(fallback, pushed.undeliverable, {})
            else:
                self.lost.setdefault(stats.name, []).append(eid)
            return
        self.observe("AsyncEventsReceived", fn)  # Lambda queued the event: SNS or EventBridge may invoke
        stats.delivered.add(eid)
        error: BaseException | None = None
        config = self.mocks.async_configs.get(fn.arn, {})
        for _ in range(1 + config.get("retries", LAMBDA_DEFAULT_RETRIES)):
            stats.invocations += 1
            try:
                self.sandbox.invoke(fn, json.loads(json.dumps(pushed.event)))  # its own copy, as Lambda passes JSON
            except EmulatorError:
                raise
            except Exception as exc:  # noqa: BLE001 - a raising invocation is retried, as Lambda does
                self.sandbox.ship_logs(fn, traceback.format_exc(limit=-3))
                stats.failed_attempts += 1
                error = exc
                continue
            duplicate = any(DUPLICATE_LOG in line for line in self.sandbox.last_lines)
            (stats.skipped if duplicate else stats.processed).append(eid)
            return
        self.observe("AsyncEventsDropped", fn)  # retries exhausted: dropped, after the DLQ send if there is one
        self._dead_letter(fn, pushed, error, stats, eid)

    def _dead_letter(
        self, fn: Function, pushed: invocations.Pushed, error: BaseException | None, stats: ConsumerStats, eid: str
    ) -> None:
        """Retries exhausted: Lambda sends the event to the function's DLQ with its execution role."""
        # The function's dead-letter queue (what the program sets for a direct consumer), else an on-failure
        # destination; the emulator writes the event as a DLQ does either way.
        target = fn.dead_letter_arn or self.mocks.async_configs.get(fn.arn, {}).get("on_failure")
        if target is None or not self._role_may_send(fn, target):
            if target is not None:
                self.observe("DeadLetterErrors" if fn.dead_letter_arn else "DestinationDeliveryFailures", fn)
            self.lost.setdefault(stats.name, []).append(eid)
            return
        attributes = {
            "RequestID": {"DataType": "String", "StringValue": str(uuid.uuid4())},
            "ErrorCode": {"DataType": "Number", "StringValue": "200"},
            "ErrorMessage": {"DataType": "String", "StringValue": f"{type(error).__name__}: {error}"[:1024]},
        }
        self._send(target, json.dumps(pushed.event), attributes)

    def _role_may_send(self, fn: Function, queue_arn: str) -> bool:
        queue = self.mocks.queues.get(queue_arn)
        if queue is None:
            return False
        return self.sandbox.iam.may_send(fn, queue)

    def _send(self, queue_arn: str, body: str, attributes: dict[str, Any]) -> None:
        queue = self.mocks.queues[queue_arn]
        kwargs: dict[str, Any] = {"QueueUrl": queue["url"], "MessageBody": body}
        if attributes:
            kwargs["MessageAttributes"] = attributes
        self.mocks.c["sqs"].send_message(**kwargs)

    def unaccounted(self, stats: ConsumerStats, dead_lettered: list[str]) -> list[str]:
        """Ids a direct consumer's routes selected that were neither processed, skipped, dead-lettered nor lost."""
        outcome = (
            Counter(stats.processed)
            + Counter(stats.skipped)
            + Counter(dead_lettered)
            + Counter(self.lost.get(stats.name))
        )
        return sorted((Counter(self.pushed.get(stats.name)) - outcome).elements())
