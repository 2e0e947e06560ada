"""A local Lambda service: runs the program's handler code against the embedded AWS.

It plays what AWS Lambda does for this project:

* each declared function is loaded from its code archive exactly as deployed
  (the ``handlers`` runtime package beside the team's code folder), plus the
  packages of the program's own layers when they import on this machine, in
  its own module instances and its own Powertools logger, as its own cold
  start, with its own environment (the variables the program set, plus what
  the Lambda runtime sets: region, function name, memory...);
* the producer (the function whose handler is ``handlers.producer.handler``) is
  invoked with ``{"messages": [...]}``;
* every SQS event source mapping is polled: batches of up to ``batchSize``
  records, shaped exactly as AWS sends them, are passed to the consumer; what
  succeeded is deleted; failures (``batchItemFailures``, or a raised error:
  the whole batch) become visible again at once (the clock is simulated:
  ``ChangeMessageVisibility`` 0 instead of waiting out the visibility
  timeout); SQS itself (moto) moves a message to the dead-letter queue on the
  receive after ``maxReceiveCount``.
* polling stops when every mapped queue is empty, or after a bounded number of
  rounds (then the run fails instead of hanging).
* a processing is counted from what the consumer answers and logs: each record
  it reports successful, less those it logged as "duplicate skipped"
  (idempotency), is one processing of that envelope.

Whatever a handler prints (Powertools' JSON logs) goes to the function's
CloudWatch log group in the embedded AWS, never to the emulator's stdout.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import io
import json
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator

import pulumi

from .errors import EmulatorError
from .iam import IamEnforcer
from .mocks import AwsMocks, Function, Mapping

_SCRUBBED_PREFIXES = ("MESSAGING_", "POWERTOOLS_", "AWS_LAMBDA_", "_HANDLER", "LAMBDA_")
PRODUCER_HANDLER = "handlers.producer.handler"  # the program's built-in producer function
DUPLICATE_LOG = "duplicate skipped"  # the consumer's log line for an envelope idempotency skipped


class LambdaContext:
    """The context object the Python runtime passes to a handler."""

    def __init__(self, fn: Function, region: str):
        self.function_name = fn.name
        self.function_version = "$LATEST"
        self.invoked_function_arn = fn.arn
        self.memory_limit_in_mb = fn.memory
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = fn.log_group
        self.log_stream_name = time.strftime("%Y/%m/%d/[$LATEST]") + uuid.uuid4().hex
        self.identity = None
        self.client_context = None
        self.tenant_id = None
        self._deadline = time.monotonic() + fn.timeout

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


class _StdoutRouter(io.TextIOBase):
    """Installed as sys.stdout while handlers run: text goes to the active invocation's buffer."""

    def __init__(self, fallback):
        self.fallback = fallback
        self.sink: io.StringIO | None = None

    def writable(self) -> bool:
        return True

    def write(self, s: str) -> int:
        target = self.sink if self.sink is not None else self.fallback
        return target.write(s)

    def flush(self) -> None:
        if self.sink is None:
            self.fallback.flush()

    def isatty(self) -> bool:
        return False


@dataclass
class ConsumerStats:
    name: str
    function: str
    queue: str
    queue_arn: str
    dlq_arn: str | None
    delivered: set[str] = field(default_factory=set)
    processed: list[str] = field(default_factory=list)
    failed_attempts: int = 0
    invocations: int = 0


def envelope_id(body: str) -> str | None:
    """The envelope id inside an SQS body: plain envelope, SNS notification, or EventBridge event."""
    try:
        obj = json.loads(body)
    except (TypeError, ValueError, RecursionError):
        return None
    if isinstance(obj, dict) and obj.get("Type") == "Notification" and isinstance(obj.get("Message"), str):
        try:
            obj = json.loads(obj["Message"])
        except (ValueError, RecursionError):
            return None
    if isinstance(obj, dict) and "detail-type" in obj and isinstance(obj.get("detail"), dict):
        obj = obj["detail"]
    if isinstance(obj, dict) and isinstance(obj.get("id"), str):
        return obj["id"]
    return None


class LambdaService:
    def __init__(
        self,
        mocks: AwsMocks,
        project_dir: Path,
        *,
        log_sink: Callable[[str, str], None] | None = None,
        max_rounds: int = 2000,
    ):
        self.mocks = mocks
        self.region = mocks.region
        self.project_dir = project_dir
        self.sqs = mocks.c["sqs"]
        self.logs = mocks.c["logs"]
        self.log_sink = log_sink
        self.max_rounds = max_rounds
        self._modules: dict[str, ModuleType] = {}
        self._roots: dict[str, Path] = {}
        self._sandboxes: dict[str, dict[str, ModuleType]] = {}
        self._tmp: tempfile.TemporaryDirectory | None = None
        self.iam = IamEnforcer(mocks)
        self._layer_roots: dict[str, Path] = {}  # layer ARN -> its python/ folder, unpacked
        self._loggers: dict[str, dict[str, logging.Logger]] = {}  # function -> its own Powertools loggers
        self._last_lines: list[str] = []  # log lines of the latest invocation
        self._router: _StdoutRouter | None = None
        self._seq: dict[str, int] = {}
        self.log_lines: dict[str, list[str]] = {}
        # False (``emulator serve --real-time``): a failed message waits out its visibility timeout.
        self.retry_at_once = True

    # ------------------------------------------------------------ functions
    def function(self, ref: str) -> Function:
        for fn in self.mocks.functions:
            if ref in (fn.name, fn.arn, fn.resource, f"{fn.arn}:$LATEST"):
                return fn
        raise EmulatorError(f"event source mapping names function {ref!r}, which the program did not declare")

    def producer(self) -> Function:
        producers = [f for f in self.mocks.functions if f.handler == PRODUCER_HANDLER]
        if not producers:
            raise EmulatorError(f"the program declares no producer function (handler {PRODUCER_HANDLER})")
        if len(producers) > 1:
            names = ", ".join(f.resource for f in producers)
            raise EmulatorError(f"the program declares several producer functions ({names}); expected one")
        return producers[0]

    def _code_root(self, fn: Function) -> Path:
        """The function's package on disk: exactly the files its code archive holds."""
        root = self._roots.get(fn.name)
        if root is not None:
            return root
        code = fn.code
        if code is None:
            root = (self.project_dir / "handlers").resolve()
        elif isinstance(code, pulumi.FileArchive):
            p = Path(code.path)
            root = (p if p.is_absolute() else self.project_dir / p).resolve()
            if not root.is_dir():
                raise EmulatorError(f"function {fn.resource!r}: code archive {code.path!r} is not a folder")
        else:
            root = self._tmp_dir() / fn.name
            root.mkdir(parents=True, exist_ok=True)
            self._materialize(fn, code, root)
        self._roots[fn.name] = root
        return root

    def _materialize(self, fn: Function, archive: Any, dest: Path) -> None:
        for rel, asset in (getattr(archive, "assets", None) or {}).items():
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(asset, pulumi.FileAsset):
                src = Path(asset.path)
                shutil.copyfile(src if src.is_absolute() else self.project_dir / src, target)
            elif isinstance(asset, pulumi.StringAsset):
                target.write_text(asset.text, encoding="utf-8")
            elif isinstance(asset, pulumi.FileArchive) and Path(asset.path).is_dir():
                src = Path(asset.path)
                shutil.copytree(src if src.is_absolute() else self.project_dir / src, target, dirs_exist_ok=True)
            elif isinstance(asset, pulumi.AssetArchive):
                self._materialize(fn, asset, target)
            else:
                raise EmulatorError(
                    f"function {fn.resource!r}: cannot unpack code archive member {rel!r} ({type(asset).__name__})"
                )

    def _tmp_dir(self) -> Path:
        if self._tmp is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="emulator-lambda-")
        return Path(self._tmp.name)

    def _layer_paths(self, fn: Function) -> list[str]:
        """The python/ folders of the program's own layers on ``fn`` (Lambda's /opt/python), unpacked."""
        paths = []
        for arn in fn.layers:
            code = self.mocks.layers.get(arn)
            if code is None:
                continue  # a published layer (Powertools): already importable here
            root = self._layer_roots.get(arn)
            if root is None:
                if not isinstance(code, pulumi.FileArchive):
                    raise EmulatorError(f"function {fn.resource!r}: layer {arn} is not a FileArchive of a zip")
                src = Path(code.path)
                src = src if src.is_absolute() else self.project_dir / src
                root = self._tmp_dir() / "layers" / hashlib.sha256(arn.encode()).hexdigest()[:16]
                if src.is_dir():
                    shutil.copytree(src, root, dirs_exist_ok=True)
                else:
                    with zipfile.ZipFile(src) as archive:
                        archive.extractall(root)
                self._layer_roots[arn] = root
            paths.append(str(root / "python"))
        return paths

    def _package_modules(self, fn: Function) -> set[str]:
        """Top-level module names the function's package provides (they shadow anything else)."""
        root = self._code_root(fn)
        names = {p.stem for p in root.glob("*.py")}
        names |= {p.parent.name for p in root.glob("*/__init__.py")}
        return names

    @contextlib.contextmanager
    def _isolated_modules(self, fn: Function) -> Iterator[None]:
        """Give each function its own instances of its package's modules and its own Powertools
        logger (a stdlib logger named by the service, which Powertools configures once per
        process), as separate sandboxes would."""
        names = self._package_modules(fn)
        service = fn.environment.get("POWERTOOLS_SERVICE_NAME") or "service_undefined"
        registry = logging.Logger.manager.loggerDict

        def owned(key: str) -> bool:
            return key.split(".", 1)[0] in names

        def owned_logger(key: str) -> bool:
            return key == service or key.startswith(service + ".")

        saved = {k: v for k, v in sys.modules.items() if owned(k)}
        for k in saved:
            del sys.modules[k]
        sys.modules.update(self._sandboxes.setdefault(fn.name, {}))
        saved_loggers = {k: v for k, v in registry.items() if owned_logger(k)}
        for k in saved_loggers:
            del registry[k]
        registry.update(self._loggers.setdefault(fn.name, {}))
        try:
            yield
        finally:
            self._sandboxes[fn.name] = {k: v for k, v in sys.modules.items() if owned(k)}
            for k in [k for k in sys.modules if owned(k)]:
                del sys.modules[k]
            sys.modules.update(saved)
            self._loggers[fn.name] = {k: v for k, v in registry.items() if owned_logger(k)}
            for k in list(self._loggers[fn.name]):
                del registry[k]
            registry.update(saved_loggers)

    def new_execution_environment(self, fn: Function) -> None:
        """Forget ``fn``'s loaded modules and logger: its next invocation is a cold start (new settings)."""
        self._modules.pop(fn.name, None)
        self._sandboxes.pop(fn.name, None)
        self._loggers.pop(fn.name, None)

    def _lambda_env(self, fn: Function) -> dict[str, str]:
        env = {
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_LAMBDA_FUNCTION_NAME": fn.name,
            "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
            "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(fn.memory),
            "AWS_LAMBDA_LOG_GROUP_NAME": fn.log_group,
            "AWS_EXECUTION_ENV": "AWS_Lambda_python3.13",
            "LAMBDA_TASK_ROOT": str(self._code_root(fn)),
            "_HANDLER": fn.handler,
        }
        env.update(fn.environment)
        return env

    @contextlib.contextmanager
    def _invocation(self, fn: Function) -> Iterator[None]:
        """Patch environment, sys.path and stdout as the Lambda runtime would for ``fn``."""
        saved_env = dict(os.environ)
        isolation = self._isolated_modules(fn)
        isolation.__enter__()
        for key in list(os.environ):
            if key.startswith(_SCRUBBED_PREFIXES):
                del os.environ[key]
        os.environ.update(self._lambda_env(fn))
        root = str(self._code_root(fn))
        layers = self._layer_paths(fn)
        sys.path[0:0] = [root, *layers]  # Lambda: the task root, then /opt/python
        sink = io.StringIO()
        router = self._router
        previous_sink = router.sink if router is not None else None
        if router is not None:
            router.sink = sink
        previous_fn, self.iam.current = self.iam.current, fn
        try:
            yield
        finally:
            self.iam.current = previous_fn
            if router is not None:
                router.sink = previous_sink
            for path in (root, *layers):
                with contextlib.suppress(ValueError):
                    sys.path.remove(path)
            os.environ.clear()
            os.environ.update(saved_env)
            isolation.__exit__(None, None, None)
            self._last_lines = [line for line in sink.getvalue().splitlines() if line.strip()]
            self._ship_logs(fn, sink.getvalue())

    def _ship_logs(self, fn: Function, text: str) -> None:
        lines = [line for line in text.splitlines() if line.strip()]
        if not lines:
            return
        self.log_lines.setdefault(fn.name, []).extend(lines)
        if self.log_sink:
            for line in lines:
                self.log_sink(fn.name, line)
        try:
            try:
                self.logs.create_log_group(logGroupName=fn.log_group)
            except self.logs.exceptions.ResourceAlreadyExistsException:
                pass
            stream = f"emulator/{fn.name}"
            try:
                self.logs.create_log_stream(logGroupName=fn.log_group, logStreamName=stream)
            except self.logs.exceptions.ResourceAlreadyExistsException:
                pass
            now = int(time.time() * 1000)
            self.logs.put_log_events(
                logGroupName=fn.log_group,
                logStreamName=stream,
                logEvents=[{"timestamp": now, "message": line} for line in lines],
            )
        except Exception:  # noqa: BLE001 - logs are a convenience, never fail a run over them
            pass

    def _handler(self, fn: Function) -> Callable[[Any, Any], Any]:
        module_name, _, attr = fn.handler.rpartition(".")
        if not module_name:
            raise EmulatorError(f"function {fn.resource!r}: handler {fn.handler!r} is not module.function")
        module = self._modules.get(fn.name)
        if module is None:
            root = self._code_root(fn)
            path = root.joinpath(*module_name.split(".")).with_suffix(".py")
            if not path.is_file():
                raise EmulatorError(
                    f"function {fn.resource!r}: handler module {module_name!r} not found in its package"
                )
            try:
                with self._invocation(fn):  # a cold start sees the function's environment
                    module = importlib.import_module(module_name)
            except Exception as exc:
                raise EmulatorError(
                    f"function {fn.resource!r}: importing {module_name} failed: {type(exc).__name__}: {exc}"
                ) from exc
            self._modules[fn.name] = module
        handler = getattr(module, attr, None)
        if not callable(handler):
            raise EmulatorError(f"function {fn.resource!r}: {fn.handler!r} is not a callable in {module_name}")
        return handler

    def _skipped_duplicates(self) -> set[str]:
        """Message ids the latest consumer invocation logged as skipped duplicates."""
        skipped = set()
        for line in self._last_lines:
            if DUPLICATE_LOG not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            if isinstance(entry, dict) and entry.get("message") == DUPLICATE_LOG and entry.get("message_id"):
                skipped.add(str(entry["message_id"]))
        return skipped

    def invoke(self, fn: Function, event: Any) -> Any:
        handler = self._handler(fn)
        with self._invocation(fn):
            return handler(event, LambdaContext(fn, self.region))

    @contextlib.contextmanager
    def running(self) -> Iterator["LambdaService"]:
        """Route handler stdout to the log groups for the duration of the block."""
        self._router = _StdoutRouter(sys.stderr if self.log_sink is None else io.StringIO())
        saved = sys.stdout
        sys.stdout = self._router  # type: ignore[assignment]
        try:
            with self.iam.installed():
                yield self
        finally:
            sys.stdout = saved
            self._router = None
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None

    # -------------------------------------------------------------- produce
    def produce(self, messages: list[dict[str, Any]]) -> dict[str, Any]:
        fn = self.producer()
        try:
            result = self.invoke(fn, {"messages": messages})
        except EmulatorError:
            raise
        except Exception as exc:
            tb = traceback.format_exc(limit=-3)
            self._ship_logs(fn, tb)
            raise EmulatorError(f"producer function {fn.resource!r} raised {type(exc).__name__}: {exc}") from exc
        if not isinstance(result, dict) or not isinstance(result.get("sent"), list):
            raise EmulatorError(
                f"producer function {fn.resource!r} returned {result!r}; expected {{'sent': [ids], ...}}"
            )
        return result

    # -------------------------------------------------------------- consume
    def consumers(self) -> list[tuple[Mapping, Function, ConsumerStats]]:
        out = []
        for m in self.mocks.mappings:
            fn = self.function(m.function)
            q = self.mocks.queues[m.queue_arn]
            rp = q["attrs"].get("RedrivePolicy")
            dlq = json.loads(rp).get("deadLetterTargetArn") if rp else None
            name = fn.environment.get("MESSAGING_CONSUMER") or fn.resource
            out.append((m, fn, ConsumerStats(name, fn.name, q["name"], m.queue_arn, dlq)))
        return out

    def _record(self, msg: dict[str, Any], queue_arn: str, fifo: bool) -> dict[str, Any]:
        a = msg.get("Attributes", {})
        attributes = {
            "ApproximateReceiveCount": a.get("ApproximateReceiveCount", "1"),
            "SentTimestamp": a.get("SentTimestamp", str(int(time.time() * 1000))),
            "SenderId": a.get("SenderId", "AIDAEMULATOR"),
            "ApproximateFirstReceiveTimestamp": a.get("ApproximateFirstReceiveTimestamp", str(int(time.time() * 1000))),
        }
        if fifo:
            seq = a.get("SequenceNumber")
            if not seq:
                self._seq[msg["MessageId"]] = self._seq.get(msg["MessageId"]) or (len(self._seq) + 1)
                seq = f"{18_000_000_000_000_000_000 + self._seq[msg['MessageId']]}"
            attributes.update(
                {
                    "SequenceNumber": seq,
                    "MessageGroupId": a.get("MessageGroupId", ""),
                    "MessageDeduplicationId": a.get("MessageDeduplicationId", ""),
                }
            )
        message_attributes = {}
        for key, value in (msg.get("MessageAttributes") or {}).items():
            message_attributes[key] = {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": value.get("StringListValues", []),
                "binaryListValues": value.get("BinaryListValues", []),
                "dataType": value.get("DataType"),
            }
            message_attributes[key] = {k: v for k, v in message_attributes[key].items() if v is not None}
        record = {
            "messageId": msg["MessageId"],
            "receiptHandle": msg["ReceiptHandle"],
            "body": msg["Body"],
            "attributes": attributes,
            "messageAttributes": message_attributes,
            "md5OfBody": msg.get("MD5OfBody") or hashlib.md5(msg["Body"].encode()).hexdigest(),
            "eventSource": "aws:sqs",
            "eventSourceARN": queue_arn,
            "awsRegion": self.region,
        }
        if msg.get("MD5OfMessageAttributes"):
            record["md5OfMessageAttributes"] = msg["MD5OfMessageAttributes"]
        return record

    def _receive(self, url: str, count: int) -> list[dict[str, Any]]:
        got: list[dict[str, Any]] = []
        while len(got) < count:
            resp = self.sqs.receive_message(
                QueueUrl=url,
                MaxNumberOfMessages=min(10, count - len(got)),
                WaitTimeSeconds=0,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                MessageSystemAttributeNames=["All"],
            )
            batch = resp.get("Messages", [])
            if not batch:
                break
            got.extend(batch)
        return got

    def _poll_once(self, m: Mapping, fn: Function, stats: ConsumerStats) -> int:
        q = self.mocks.queues[m.queue_arn]
        fifo = q["name"].endswith(".fifo")
        msgs = self._receive(q["url"], m.batch_size)
        if not msgs:
            return 0
        records = [self._record(msg, m.queue_arn, fifo) for msg in msgs]
        for r in records:
            eid = envelope_id(r["body"])
            if eid:
                stats.delivered.add(eid)
        stats.invocations += 1
        failed: set[str]
        self._last_lines = []
        try:
            result = self.invoke(fn, {"Records": records})
        except EmulatorError:
            raise
        except Exception:  # noqa: BLE001 - a raising handler fails the whole batch, as in Lambda
            self._ship_logs(fn, traceback.format_exc(limit=-3))
            failed = {r["messageId"] for r in records}
        else:
            failed = set()
            if m.report_batch_item_failures and isinstance(result, dict) and result.get("batchItemFailures"):
                ids = {r["messageId"] for r in records}
                for item in result["batchItemFailures"]:
                    ident = item.get("itemIdentifier") if isinstance(item, dict) else None
                    if not ident or ident not in ids:
                        failed = ids  # an empty or unknown identifier fails the whole batch
                        break
                    failed.add(ident)
        ok = [r for r in records if r["messageId"] not in failed]
        bad = [r for r in records if r["messageId"] in failed]
        for chunk in range(0, len(ok), 10):
            part = ok[chunk : chunk + 10]
            self.sqs.delete_message_batch(
                QueueUrl=q["url"],
                Entries=[{"Id": str(i), "ReceiptHandle": r["receiptHandle"]} for i, r in enumerate(part)],
            )
        skipped = self._skipped_duplicates()
        for r in ok:
            if r["messageId"] not in skipped:
                eid = envelope_id(r["body"])
                stats.processed.append(eid if eid else r["messageId"])
        for chunk in range(0, len(bad) if self.retry_at_once else 0, 10):
            part = bad[chunk : chunk + 10]
            self.sqs.change_message_visibility_batch(
                QueueUrl=q["url"],
                Entries=[
                    {"Id": str(i), "ReceiptHandle": r["receiptHandle"], "VisibilityTimeout": 0}
                    for i, r in enumerate(part)
                ],
            )
        stats.failed_attempts += len(bad)
        return len(records)

    def _depth(self, url: str) -> int:
        a = self.sqs.get_queue_attributes(
            QueueUrl=url,
            AttributeNames=[
                "ApproximateNumberOfMessages",
                "ApproximateNumberOfMessagesNotVisible",
                "ApproximateNumberOfMessagesDelayed",
            ],
        )["Attributes"]
        return sum(int(v) for v in a.values())

    def mapping_warnings(self) -> list[str]:
        """What AWS refuses (an error) or what the docs warn about, per event source mapping."""
        warnings = []
        for m in self.mocks.mappings:
            fn = self.function(m.function)
            q = self.mocks.queues[m.queue_arn]
            visibility = int(q["attrs"].get("VisibilityTimeout", "30"))
            if visibility < fn.timeout:
                raise EmulatorError(
                    f"event source mapping {m.resource!r}: queue {q['name']} visibility timeout {visibility}s is less "
                    f"than function {fn.resource!r} timeout {fn.timeout}s (AWS refuses the mapping)"
                )
            if visibility < 6 * fn.timeout:
                warnings.append(
                    f"queue {q['name']}: visibility timeout {visibility}s is under 6x the function timeout "
                    f"({fn.timeout}s); AWS recommends at least {6 * fn.timeout}s"
                )
            if not m.report_batch_item_failures:
                warnings.append(
                    f"event source mapping {m.resource!r} lacks ReportBatchItemFailures: one failure retries the batch"
                )
            rp = q["attrs"].get("RedrivePolicy")
            if rp and int(json.loads(rp).get("maxReceiveCount", 0)) < 5:
                warnings.append(
                    f"queue {q['name']}: maxReceiveCount below 5 dead-letters healthy messages under throttling"
                )
        return warnings

    def drain(self) -> list[ConsumerStats]:
        consumers = self.consumers()
        active = [(m, fn, s) for m, fn, s in consumers if m.enabled]
        for m, fn, _ in active:
            verdict = self.iam.check_mapping(fn, self.mocks.queues[m.queue_arn])
            if not verdict.allowed:
                raise EmulatorError(
                    f"event source mapping {m.resource!r} cannot poll {self.mocks.queues[m.queue_arn]['name']}: "
                    f"{verdict.reason} (AWS refuses to create the mapping)"
                )
        for _ in range(self.max_rounds):
            received = sum(self._poll_once(m, fn, s) for m, fn, s in active)
            if received == 0:
                # Nothing visible; a last receive has already moved over-count messages to DLQs.
                if all(self._depth(self.mocks.queues[m.queue_arn]["url"]) == 0 for m, _, _ in active):
                    return [s for _, _, s in consumers]
                raise EmulatorError("queues still hold messages that no receive returns; cannot drain")
        raise EmulatorError(f"queues did not drain within {self.max_rounds} polling rounds")

    def peek_queue_ids(self, queue_arn: str) -> list[str]:
        """Ids in a queue, read straight from the embedded SQS (no receive, nothing changes)."""
        from moto.sqs.models import sqs_backends  # noqa: PLC0415 - loaded inside the running mock

        q = self.mocks.queues.get(queue_arn)
        if q is None:
            return []
        backend = sqs_backends[self.mocks.account][self.region]
        queue = backend.get_queue(q["name"])
        out = []
        for message in list(queue._messages):
            eid = envelope_id(message.body)
            out.append(eid if eid else message.id)
        return out
