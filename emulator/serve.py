"""``python -m emulator serve``: a deployed stack on 127.0.0.1 that anything speaking the AWS API can use.

The stack is deployed as in a run (the real program under Pulumi's mock
runtime, into the embedded AWS), then kept alive:

* moto's server mode answers on ``http://127.0.0.1:PORT`` from the same
  embedded AWS (``emulator.endpoint``), with the Lambda API answered by the
  emulator (``emulator.lambda_api``) so ``Invoke`` runs the real handler;
* a background thread plays the Lambda service: it polls every queue an event
  source mapping reads and invokes the consumer, one round after another;
* SQS message move tasks (``emulator.message_moves``), AWS's archive replay
  (``emulator.replays``) and the services' CloudWatch metrics and alarm
  states (``emulator.metrics``) are added to the embedded AWS;
* the schedules (``messaging:schedules``) do not run on their clock: ``POST
  /_emulator/schedules/NAME/fire[?at=TIME]`` on the endpoint runs one now, as
  EventBridge Scheduler would (``emulator.schedules.fire``), and answers what
  it did as JSON (404 naming the stack's schedules for an unknown one).

The clock is simulated unless ``--real-time``: a failed message is visible
again at once (so one that keeps failing reaches its DLQ within a few
rounds), and each polling round counts as one second for move task rates.
With ``--real-time`` a failed message waits out its visibility timeout and
rates follow the wall clock.

The stack outputs (what ``pulumi stack output --json`` prints) are written to
``--outputs``; on SIGHUP the stack file is read again and the change applied
as ``pulumi up`` would (``emulator/update.py``: one line says what was created,
updated and deleted, and the outputs are written again; a config the program
refuses changes nothing and is reported in one line); on SIGINT or SIGTERM the
server stops, and with ``--report`` the run's report (the shape README:
Emulator describes, plus ``replayed``) is written.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import os
import re
import signal
import socket
import sys
import threading
import time
from pathlib import Path
from typing import Any, Callable, TextIO
from urllib.parse import parse_qs, unquote

from .errors import EmulatorError
from .stackconfig import load_stack_config, project_name

DEFAULT_PORT = 5000  # moto's own server default
FIRE_PATH = re.compile(r"^/_emulator/schedules/(?P<name>[^/]+)/fire$")  # POST: run one schedule now
IDLE_WAIT_SECONDS = 0.05  # s: how long the poller rests when no queue had anything
PUBLISH_EVERY_SECONDS = 1.0  # s: metrics and alarm states are refreshed this often
FAKE_CREDENTIALS = "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing"


def check_port(port: int) -> None:
    """Refuse a taken port before deploying (the endpoint checks again when it binds)."""
    if port == 0:
        return
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError as exc:
            raise EmulatorError(
                f"port {port} on 127.0.0.1 is not available ({exc.strerror or exc}); "
                "choose another with --port (0 picks a free one)"
            ) from None


def default_outputs_path(stack: str) -> Path:
    return Path(f"outputs.{stack}.json")


class _Poller(threading.Thread):
    """The Lambda service's event source mappings, round after round, until stopped."""

    def __init__(self, served: "ServedStack"):
        super().__init__(name="emulator-lambda-poller", daemon=True)
        self.served = served
        self.stop_event = threading.Event()
        self.errors: set[str] = set()

    def run(self) -> None:
        served = self.served
        last_publish = 0.0
        last_tick = time.monotonic()
        while not self.stop_event.is_set():
            with served.lock:
                busy = 0
                try:
                    busy += served.service.invoker.run_pending()  # what SNS and EventBridge invoked directly
                except Exception as exc:  # noqa: BLE001 - reported once, the service keeps running
                    line = f"emulator: direct invocation: {exc}"
                    if line not in self.errors:
                        self.errors.add(line)
                        print(line, file=sys.stderr, flush=True)
                for m, fn, stats in served.active:
                    try:
                        busy += served.service.poller.poll_once(m, fn, stats)
                    except Exception as exc:  # noqa: BLE001 - reported once, the service keeps running
                        line = f"emulator: {m.resource}: {exc}"
                        if line not in self.errors:
                            self.errors.add(line)
                            print(line, file=sys.stderr, flush=True)
                now = time.monotonic()
                step = (now - last_tick) if served.real_time else 1.0
                last_tick = now
                busy += served.moves.tick(step)
                if now - last_publish >= PUBLISH_EVERY_SECONDS:
                    last_publish = now
                    served.publish_metrics()
            self.stop_event.wait(0.002 if busy else IDLE_WAIT_SECONDS)


class ServedStack:
    """A deployed stack with its endpoint and Lambda service; used by ``serve`` (and tests, in-process)."""

    def __init__(
        self,
        stack: str,
        *,
        port: int = DEFAULT_PORT,
        real_time: bool = False,
        project_dir: str | Path | None = None,
        stack_file: str | Path | None = None,
        log_sink: Callable[[str, str], None] | None = None,
    ):
        self.stack = stack
        self.stack_file = Path(stack_file) if stack_file else None
        self.port = port
        self.real_time = real_time
        self.project_dir = project_dir
        self.log_sink = log_sink
        self.lock = threading.RLock()
        self.sent: list[str] = []
        self.replayed: dict[str, list[str]] = {}
        self.warnings: list[str] = []
        self.blocked: list[Any] = []
        self._consumer_of: dict[str, str] = {}  # function name -> its consumer
        self._producer = ""  # the producer function's name
        self._stack = contextlib.ExitStack()

    # ------------------------------------------------------------ lifecycle
    def __enter__(self) -> "ServedStack":
        try:
            self._start()
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stack.close()

    def _start(self) -> None:
        from moto import mock_aws  # noqa: PLC0415 - moto loads when a stack is served

        from .aws import AwsMocks, aws_semantics  # noqa: PLC0415
        from .endpoint import Endpoint  # noqa: PLC0415
        from .lambda_api import LambdaApi  # noqa: PLC0415
        from .lambda_service import LambdaService  # noqa: PLC0415
        from .message_moves import MessageMoves  # noqa: PLC0415
        from .metrics import ServiceMetrics  # noqa: PLC0415
        from .program import deployed_topology, run_program  # noqa: PLC0415
        from .replays import aws_replays  # noqa: PLC0415
        from .routes import enforce, ordering_warnings  # noqa: PLC0415
        from .schedules import run_async  # noqa: PLC0415
        from .stack import default_project_dir, patched_environ  # noqa: PLC0415

        root = Path(self.project_dir).absolute() if self.project_dir else default_project_dir()
        project = project_name(root)
        self.root, self.project = root, project
        config = load_stack_config(root, self.stack, None, self.stack_file)
        self.region = config.get("aws:region") or "us-east-1"
        enter = self._stack.enter_context
        enter(patched_environ(self.region))
        enter(mock_aws())
        enter(aws_semantics())
        self.mocks = AwsMocks(self.region)
        self.moves = enter(MessageMoves(self.mocks.account, self.region).installed())
        enter(aws_replays())
        self.metrics = enter(ServiceMetrics(self.mocks).hooked())
        self.exports = run_program(self.mocks, root, project, self.stack, config)
        self.topology = deployed_topology(self.mocks, self.exports)
        self.warnings = ordering_warnings(self.mocks)
        self.blocked = enforce(self.mocks)
        self.service = LambdaService(self.mocks, root, log_sink=self.log_sink)
        self.service.poller.retry_at_once = not self.real_time
        self.warnings += self.service.poller.mapping_warnings()
        self.consumers = self.service.start()
        self._bind()
        invoke = self.service.sandbox.invoke

        def observed_invoke(fn, event):
            # Replayed EventBridge events carry replay-name: the report lists them per consumer.
            if fn.name in self._consumer_of and isinstance(event, dict):
                for record in event.get("Records") or []:
                    self._note_replay(self._consumer_of[fn.name], record.get("body"))
            result = invoke(fn, event)
            if fn.name == self._producer and isinstance(result, dict):
                self.sent.extend(str(i) for i in result.get("sent") or [])
            return result

        self.service.sandbox.invoke = observed_invoke  # the poller invokes through it too

        def cold_start(fn) -> None:
            # New settings take effect on a new execution environment: the handler's modules load again.
            self.service.sandbox.new_execution_environment(fn)

        def invoke_async(fn, event):
            return run_async(self.mocks, self.service.sandbox, fn, event)  # the current deployment's

        self.lambda_api = LambdaApi(self.mocks, observed_invoke, cold_start, invoke_async)
        self.endpoint = Endpoint(self.port, self.lock, self.lambda_api, self.control)
        self.endpoint.start()
        self._stack.callback(self.endpoint.stop)
        enter(self.service.running())
        self.poller = _Poller(self)
        self.poller.start()
        self._stack.callback(self._stop_poller)

    def _bind(self) -> None:
        """What the poller and the observed invocations read from the current deployment."""
        self.active = self.service.poller.active
        self._consumer_of = {s.function: s.name for s in self.consumers}
        self._producer = self.service.producer().name

    def redeploy(self, config: dict[str, str] | None = None) -> str:
        """Apply the stack file as it is now (or ``config``, a whole config map) as ``pulumi up`` would; return
        the one-line summary of what changed. Raises (changing nothing) when the program refuses the config."""
        from .program import deployed_topology  # noqa: PLC0415
        from .update import apply  # noqa: PLC0415

        if config is None:
            config = load_stack_config(self.root, self.stack, None, self.stack_file)
        with self.lock:  # no handler invocation and no request interleaves with the update
            update = apply(self.mocks, self.blocked, self.root, self.project, self.stack, config)
            self.mocks = self.metrics.mocks = self.lambda_api.mocks = update.mocks
            self.exports, self.blocked = update.exports, update.blocked
            self.topology = deployed_topology(update.mocks, update.exports)
            self.consumers = self.service.redeployed(update.mocks)
            self.warnings = update.warnings + self.service.poller.mapping_warnings()
            self._bind()
        return update.summary()

    def fire_schedule(self, name: str, *, at: str | None = None) -> Any:
        """Run schedule ``name`` (a ``messaging:schedules`` name) once, now or at ``at``, as EventBridge Scheduler
        would; return what it did (an ``emulator.schedules.Firing``). EmulatorError for an unknown name."""
        from .schedules import fire  # noqa: PLC0415

        with self.lock:
            return fire(self.mocks, self.service.sandbox, name, at=at)

    def control(self, method: str, path: str, query: str) -> tuple[int, dict[str, str], bytes]:
        """The endpoint's ``/_emulator/`` requests: ``POST /_emulator/schedules/NAME/fire[?at=TIME]``."""
        match = FIRE_PATH.match(path)
        if match is None:
            return _answer(404, {"message": f"the emulator answers POST /_emulator/schedules/NAME/fire, not {path}"})
        if method != "POST":
            return _answer(405, {"message": f"{method} {path}: use POST to run the schedule"})
        at = parse_qs(query).get("at", [None])[0]
        try:
            firing = self.fire_schedule(unquote(match["name"]), at=at)
        except EmulatorError as exc:
            return _answer(404, {"message": str(exc)})
        return _answer(200, dataclasses.asdict(firing))

    def _stop_poller(self) -> None:
        self.poller.stop_event.set()
        self.poller.join()

    def _note_replay(self, consumer: str, body: Any) -> None:
        from .poller import envelope_id  # noqa: PLC0415

        try:
            event = json.loads(body)
        except (TypeError, ValueError):
            return
        if isinstance(event, dict) and event.get("replay-name"):
            eid = envelope_id(body)
            if eid:
                self.replayed.setdefault(consumer, []).append(eid)

    # ---------------------------------------------------------------- views
    @property
    def url(self) -> str:
        return self.endpoint.url

    def publish_metrics(self) -> None:
        from .report import queue_alarms  # noqa: PLC0415

        self.metrics.publish()
        self.metrics.evaluate_alarms(
            lambda: queue_alarms(self.mocks, lambda arn: len(self.service.poller.peek_queue_ids(arn)))
        )

    def report(self) -> dict[str, Any]:
        """What the consumers did so far (a run's report: stack, topology, sent, consumers, unrouted)."""
        with self.lock:
            out: dict[str, Any] = {
                "stack": self.stack,
                "topology": self.topology,
                "sent": list(self.sent),
                "consumers": {},
            }
            reached: set[str] = set()
            for s in sorted(self.consumers, key=lambda c: c.name):
                dead = self.service.poller.peek_queue_ids(s.dlq_arn) if s.dlq_arn else []
                out["consumers"][s.name] = {
                    "processed": list(s.processed),
                    "dead_lettered": dead,
                    "replayed": list(self.replayed.get(s.name, [])),
                }
                reached |= s.delivered | set(dead)
            out["unrouted"] = [i for i in self.sent if i not in reached]
            out["blocked_routes"] = [b.as_dict() for b in self.blocked]
            return out


def _answer(status: int, body: Any) -> tuple[int, dict[str, str], bytes]:
    return status, {"Content-Type": "application/json"}, json.dumps(body, default=str).encode()


def _write_outputs(path: Path, exports: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(exports, indent=2) + "\n", encoding="utf-8")


def _update(served: ServedStack, stack: str, outputs_path: Path, out: TextIO) -> None:
    """SIGHUP: apply the stack file as it is now; one line either way, and serve keeps running."""
    try:
        summary = served.redeploy()
    except EmulatorError as exc:
        print(f"emulator serve: update refused, stack {stack} unchanged: {exc}", file=sys.stderr, flush=True)
        return
    except Exception as exc:  # noqa: BLE001 - an emulator bug: one line, the stack keeps serving
        print(f"emulator serve: update failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
        return
    _write_outputs(outputs_path, served.exports)
    for warning in served.warnings:
        print(f"emulator: warning: {warning}", file=sys.stderr)
    for b in served.blocked:
        print(f"emulator: blocked route: {b.kind} {b.resource} -> {b.queue}: {b.reason}", file=sys.stderr)
    out.write(f"updated stack {stack} ({served.topology}): {summary}\n")
    out.flush()


def serve(
    stack: str,
    *,
    port: int = DEFAULT_PORT,
    outputs: str | Path | None = None,
    report: str | Path | None = None,
    real_time: bool = False,
    project_dir: str | Path | None = None,
    stack_file: str | Path | None = None,
    log_sink: Callable[[str, str], None] | None = None,
    out: TextIO | None = None,
) -> int:
    """Serve ``stack`` until SIGINT or SIGTERM (SIGHUP: apply the changed stack file); return the exit status."""
    out = out or sys.stdout
    check_port(port)
    stop, reload = threading.Event(), threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    previous[signal.SIGHUP] = signal.signal(signal.SIGHUP, lambda *_: reload.set())
    try:
        with ServedStack(
            stack, port=port, real_time=real_time, project_dir=project_dir, stack_file=stack_file, log_sink=log_sink
        ) as served:
            outputs_path = Path(outputs) if outputs else default_outputs_path(stack)
            _write_outputs(outputs_path, served.exports)
            for warning in served.warnings:
                print(f"emulator: warning: {warning}", file=sys.stderr)
            for b in served.blocked:
                print(f"emulator: blocked route: {b.kind} {b.resource} -> {b.queue}: {b.reason}", file=sys.stderr)
            mode = "real time" if real_time else "simulated time"
            lines = [
                f"serving stack {stack} ({served.topology}, {mode}) on {served.url}",
                f"outputs: {outputs_path.absolute()}",
                f"export AWS_ENDPOINT_URL={served.url} AWS_REGION={served.region} "
                f"AWS_DEFAULT_REGION={served.region} {FAKE_CREDENTIALS}",
                f"then: python -m ops --outputs {outputs_path} status",
                f"to apply a changed stack file: kill -HUP {os.getpid()}",
                *(
                    [f"to run a schedule now: curl -X POST {served.url}/_emulator/schedules/NAME/fire"]
                    if (served.exports.get("schedules") or {}).get("schedules")
                    else []
                ),
                "press Ctrl-C to stop",
            ]
            out.write("\n".join(lines) + "\n")
            out.flush()
            while not stop.wait(0.2):
                if reload.is_set():
                    reload.clear()
                    _update(served, stack, outputs_path, out)
            final = served.report()
        if report:
            Path(report).write_text(json.dumps(final, indent=2) + "\n", encoding="utf-8")
        out.write("stopped\n")
        out.flush()
        return 0
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
