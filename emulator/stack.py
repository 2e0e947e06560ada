"""``emulator.Stack``: a stack config deployed into the embedded AWS, for a team's own tests.

    with emulator.Stack(config={"topology": "fanout", "consumers": [...]}) as stack:
        stack.publish([{"type": "OrderCreated", "data": {...}}])
        stack.drain()
        assert stack.processed("inventory") == [...]

Entering deploys the real program (``__main__.py`` under Pulumi's mock
runtime) into a fresh embedded AWS and checks its routes as AWS would;
``publish`` invokes the producer function once with the envelopes (as one
Lambda invocation), ``publish_from`` invokes one of the team's own producers
with an event; while either sends, the Lambda service polls the queues, as
in AWS (``emulator.interleave``); ``fire_schedule`` runs one of the stack's
schedules (``messaging:schedules``) as EventBridge Scheduler would; ``drain``
plays the Lambda service until every mapped queue is empty; ``redeploy``
applies a changed config as ``pulumi up`` would (``emulator.update``); the
queries read what happened so far.  Leaving tears the
embedded AWS down.  ``emulator.run`` is this with one publish and one drain.
"""

from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from typing import Any, Callable, Iterator, Mapping

from .aws import AwsMocks, ProgramTransform, aws_semantics
from .aws.dispatch import Changes
from .errors import EmulatorError
from .interleave import PollWhileSending
from .lambda_service import LambdaService
from .messages import validate_messages
from .poller import ConsumerStats
from .program import deployed_topology, run_program
from .report import build_report, check_accounting
from .routes import BlockedRoute, enforce, ordering_warnings
from .schedules import Firing, fire
from .stackconfig import load_stack_config, project_name, with_overrides
from .update import apply

PROJECT_DIR = Path(__file__).resolve().parent.parent
DEFAULT_REGION = "us-east-1"  # the AWS provider's region when the stack sets none (as the emulator runs it)

_FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
}
_REMOVED_AWS_ENV = ("AWS_PROFILE", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE", "AWS_ENDPOINT_URL")


def _is_project(folder: Path) -> bool:
    return (folder / "Pulumi.yaml").is_file() and (folder / "__main__.py").is_file()


def default_project_dir() -> Path:
    """The current folder when it is a Pulumi project (as for the Pulumi CLI), else this repository
    (when the emulator runs from a checkout; an installed package has no project of its own)."""
    cwd = Path.cwd()
    if _is_project(cwd):
        return cwd
    if _is_project(PROJECT_DIR):
        return PROJECT_DIR
    raise EmulatorError(
        f"no Pulumi project in {cwd} (it needs Pulumi.yaml and __main__.py): run from the project's folder "
        "or pass its folder (project_dir=..., --project-dir)"
    )


@contextlib.contextmanager
def patched_environ(region: str) -> Iterator[None]:
    """Fake credentials and the stack's region while the embedded AWS runs; the caller's environment after."""
    saved = dict(os.environ)
    for key in _REMOVED_AWS_ENV:
        os.environ.pop(key, None)
    os.environ.update(_FAKE_AWS_ENV)
    os.environ["AWS_DEFAULT_REGION"] = region
    os.environ["AWS_REGION"] = region
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


class Stack:
    """A deployed stack in the embedded AWS (a context manager; see the module doc).

    ``config``: stack config keys (``messaging:`` optional; the values a stack
    file holds, e.g. ``{"topology": "fanout", "consumers": [...]}``) over the
    stack file's; ``None`` removes a key.  ``stack_file``: a stack config file
    to read instead of ``Pulumi.<stack>.yaml`` (without one and without a
    ``Pulumi.<stack>.yaml``, ``config`` alone is the stack).
    ``project_dir``: the Pulumi project (default: the current folder when it
    holds ``Pulumi.yaml``, else this repository).  ``program_transform``:
    edit or drop declared resources (see ``emulator.run``).  ``log_sink``:
    receives ``(function name, line)`` for every line a handler logs.
    """

    def __init__(
        self,
        stack: str = "dev",
        *,
        config: Mapping[str, Any] | None = None,
        stack_file: str | Path | None = None,
        project_dir: str | Path | None = None,
        program_transform: ProgramTransform | None = None,
        log_sink: Callable[[str, str], None] | None = None,
    ):
        self.stack = stack
        self.root = Path(project_dir).absolute() if project_dir else default_project_dir()
        self.project = project_name(self.root)
        self.config = load_stack_config(self.root, stack, config, Path(stack_file) if stack_file else None)
        self.region = self.config.get("aws:region") or DEFAULT_REGION
        self.topology = ""  # what the program deployed (a program may set it in code): known once entered
        self.program_transform = program_transform
        self.log_sink = log_sink
        self.sent: list[str] = []
        self.send_failed: list[Any] = []
        self.warnings: list[str] = []
        self.blocked: list[BlockedRoute] = []
        self.exports: dict[str, Any] = {}
        self.fired: list[Firing] = []  # every fire_schedule, in order
        self.updates: list[Changes] = []  # every redeploy, in order
        self._exit: contextlib.ExitStack | None = None

    # ------------------------------------------------------------ lifecycle
    def __enter__(self) -> "Stack":
        from moto import mock_aws  # noqa: PLC0415 - moto loads when a stack is deployed

        with contextlib.ExitStack() as stack:
            stack.enter_context(patched_environ(self.region))
            stack.enter_context(mock_aws())
            stack.enter_context(aws_semantics())
            self.mocks = AwsMocks(self.region, self.program_transform)
            self.exports = run_program(self.mocks, self.root, self.project, self.stack, self.config)
            self.topology = deployed_topology(self.mocks, self.exports)
            self.warnings = ordering_warnings(self.mocks)
            self.blocked = enforce(self.mocks)
            self.service = LambdaService(self.mocks, self.root, log_sink=self.log_sink)
            self.warnings += self.service.poller.mapping_warnings()
            self.consumers: list[ConsumerStats] = self.service.start()
            self._polling = stack.enter_context(PollWhileSending(self.service).installed())
            stack.enter_context(self.service.running())
            self._exit = stack.pop_all()
        return self

    def __exit__(self, *exc: Any) -> None:
        if self._exit is not None:
            self._exit.close()
            self._exit = None

    def _running(self) -> None:
        if self._exit is None:
            raise EmulatorError("the stack is not deployed: use it inside `with emulator.Stack(...) as stack:`")

    # ------------------------------------------------------------- actions
    def redeploy(self, *, config: Mapping[str, Any] | None = None, stack_file: str | Path | None = None) -> Changes:
        """Apply a changed config as ``pulumi up`` would on this stack: resources are matched by type and logical
        name; unchanged ones stay, changed ones are updated in place (a queue keeps its messages) or replaced,
        new ones created, those no longer declared deleted; the Lambda service then runs the new functions and
        mappings. ``config``: keys over the current config (``messaging:`` optional; ``None`` removes a key),
        or over ``stack_file`` when one is given (read as the constructor reads one). Returns what changed
        (``.created``, ``.updated``, ``.replaced``, ``.deleted``, ``.summary()``). A config the program refuses
        raises its error (an ``EmulatorError``) and leaves the stack exactly as it was."""
        self._running()
        if stack_file is not None:
            new_config = load_stack_config(self.root, self.stack, config, Path(stack_file))
        else:
            new_config = with_overrides(self.config, config, self.project)
        update = apply(
            self.mocks, self.blocked, self.root, self.project, self.stack, new_config, self.program_transform
        )
        self.mocks, self.exports, self.config, self.blocked = update.mocks, update.exports, new_config, update.blocked
        self.topology = deployed_topology(update.mocks, update.exports)
        self.consumers = self.service.redeployed(update.mocks)
        self.warnings = update.warnings + self.service.poller.mapping_warnings()
        self.updates.append(update.changes)
        return update.changes

    def publish(self, envelopes: list[dict[str, Any]]) -> list[str]:
        """Invoke the producer once with ``envelopes``; return the ids it sent."""
        self._running()
        validate_messages(envelopes)
        with self._polling.sending(self.service.producer()):
            produced = self.service.produce(json.loads(json.dumps(envelopes)))  # the handlers get their own copy
        return self._sent(produced)

    def publish_from(self, producer: str, event: Any) -> list[str]:
        """Invoke the team producer ``producer`` (a ``messaging:producers`` name) once with ``event``, as
        Lambda would; it must return what ``publish`` returned. Return the ids it sent."""
        self._running()
        producers = self.exports.get("producers") or {}
        if producer not in producers:
            known = ", ".join(sorted(producers)) or "none"
            raise EmulatorError(f"producer {producer!r} is not in messaging:producers; producers: {known}")
        fn = self.service.sandbox.function(producers[producer]["function"])
        with self._polling.sending(fn):
            produced = self.service.produce([], fn, json.loads(json.dumps(event)))  # JSON, as Invoke passes it
        return self._sent(produced)

    def fire_schedule(self, name: str, *, at: str | None = None) -> list[str]:
        """Run schedule ``name`` (a ``messaging:schedules`` name) once, as EventBridge Scheduler would: assume
        its role, invoke the producer asynchronously with its input (``at``, e.g. ``2026-01-01T06:00:00Z``, is
        the scheduled time; default now), retry a failed run and dead-letter it. Return the ids it sent
        (none when it failed: ``fired[-1]`` says why, ``schedule_dead_letters()`` holds its record)."""
        self._running()
        with self._polling.sending(self.service.producer()):  # a schedule's target is the producer
            firing = fire(self.mocks, self.service.sandbox, name, at=at)
        self.fired.append(firing)
        self.sent.extend(firing.sent)
        if isinstance(firing.result, dict):
            self.send_failed.extend(firing.result.get("failed") or [])
        return list(firing.sent)

    def schedule_dead_letters(self) -> list[dict[str, Any]]:
        """What the schedules' DLQ holds: ``{"body": ..., "attributes": {...}}`` per failed scheduled send."""
        self._running()
        url = (self.exports.get("schedules") or {}).get("dlqUrl")
        if not url:
            return []
        sqs = self.mocks.c["sqs"]
        found = sqs.receive_message(
            QueueUrl=url, MaxNumberOfMessages=10, VisibilityTimeout=0, MessageAttributeNames=["All"]
        ).get("Messages", [])
        return [
            {
                "body": m["Body"],
                "attributes": {k: v.get("StringValue") for k, v in (m.get("MessageAttributes") or {}).items()},
            }
            for m in found
        ]

    def _sent(self, produced: dict[str, Any]) -> list[str]:
        sent = [str(i) for i in produced["sent"]]
        self.sent.extend(sent)
        self.send_failed.extend(produced.get("failed") or [])
        return sent

    def drain(self) -> None:
        """Play the Lambda service until every mapped queue is empty (what fails ends in its DLQ)."""
        self._running()
        self.service.poller.drain(self.consumers)
        check_accounting(self, build_report(self))

    # ------------------------------------------------------------- queries
    def report(self, *, details: bool = False) -> dict[str, Any]:
        """The run report (README: Emulator) of everything published and drained so far."""
        self._running()
        return build_report(self, details=details)

    def _consumer(self, consumer: str) -> dict[str, Any]:
        consumers = self.report()["consumers"]
        entry = consumers.get(consumer)
        if entry is None:
            known = ", ".join(sorted(consumers)) or "none"
            raise EmulatorError(f"no consumer {consumer!r} in this stack (consumers: {known})")
        return entry

    def processed(self, consumer: str) -> list[str]:
        """Envelope ids ``consumer``'s processor handled, once per processing, in order."""
        return list(self._consumer(consumer)["processed"])

    def dead_lettered(self, consumer: str) -> list[str]:
        """Envelope ids in ``consumer``'s dead-letter queue."""
        return list(self._consumer(consumer)["dead_lettered"])

    def forwarded(self, consumer: str) -> list[str]:
        """Envelope ids the rule of ``consumer`` (one with ``bus``) put on the event bus it forwards to.

        What that bus's own rules then do is the embedded AWS's: create the bus, a rule and a target
        queue with boto3 inside the ``with`` block (same credentials and region), and read the queue."""
        entry = self._consumer(consumer)
        if "forwarded" not in entry:
            raise EmulatorError(f"consumer {consumer!r} does not forward to another event bus (it has no `bus`)")
        return list(entry["forwarded"])

    def deduplicated(self, consumer: str) -> list[str]:
        """Envelope ids ``consumer`` received again and dropped (FIFO deduplication, idempotency)."""
        return list(self._consumer(consumer).get("deduplicated", []))

    def unrouted(self) -> list[str]:
        """Sent envelope ids that reached no consumer."""
        return list(self.report()["unrouted"])

    def blocked_routes(self) -> list[dict[str, Any]]:
        """Deliveries AWS would refuse (a queue or key policy that does not allow the route)."""
        return list(self.report()["blocked_routes"])
