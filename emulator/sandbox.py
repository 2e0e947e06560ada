"""The function sandbox: runs one declared Lambda function's handler in this process, as Lambda would.

* each function is loaded from its code archive exactly as deployed (the
  ``handlers`` runtime package beside the team's code folder), plus the
  packages of the program's own layers when they import on this machine, in
  its own module instances and its own Powertools logger, as its own cold
  start, with its own environment (the variables the program set, plus what
  the Lambda runtime sets: region, function name, memory, runtime...);
* while a handler runs, its AWS calls are checked against its execution role
  (``emulator.execution_roles``);
* whatever a handler prints (Powertools' JSON logs) goes to the function's
  CloudWatch log group in the embedded AWS (and to ``log_sink``), never to
  the emulator's stdout; the lines of the latest invocation are kept in
  ``last_lines``.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib
import importlib.machinery
import io
import logging
import os
import shutil
import sys
import tempfile
import time
import traceback
import uuid
import zipfile
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Iterator

import pulumi

from components import defaults, lambda_env

from .aws import AwsMocks, Function
from .errors import EmulatorError
from .execution_roles import IamEnforcer

# What the Lambda runtime owns in a function's environment: never inherited from the emulator's process.
LOG_EVENTS_PER_CALL = 1000  # well inside PutLogEvents' 10,000 events and 1 MB per call
_SCRUBBED_PREFIXES = ("MESSAGING_", "POWERTOOLS_", "AWS_LAMBDA_", "_HANDLER", "LAMBDA_")


def _top_level_modules(folder: Path) -> set[str]:
    """The names a folder on sys.path provides: modules, extension modules and packages (namespace ones too)."""
    names: set[str] = set()
    for path in folder.iterdir() if folder.is_dir() else ():  # a layer of no packages has no python/ folder
        name = path.name.split(".", 1)[0] if path.is_file() else path.name
        if name.isidentifier() and name != "__pycache__" and (path.is_dir() or path.suffix in (".py", ".so", ".pyd")):
            names.add(name)
    return names


def _provided(name: str, path: list[str]) -> bool:
    """Whether the emulator's own environment (``path``: its sys.path, without any function's code or layers)
    provides a top-level module ``name``; sys.modules is not asked, as a running function's modules are there."""
    return name in sys.stdlib_module_names or importlib.machinery.PathFinder.find_spec(name, path) is not None


def unhandled_error(exc: BaseException) -> dict[str, Any]:
    """What Lambda answers for a handler that raised: its Invoke payload and an asynchronous record's response."""
    return {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        "stackTrace": traceback.format_exception(exc)[-3:],
    }


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


class FunctionSandbox:
    """The execution environments of a deployment's functions."""

    def __init__(self, mocks: AwsMocks, project_dir: Path, *, log_sink: Callable[[str, str], None] | None = None):
        self.mocks = mocks
        self.region = mocks.region
        self.project_dir = project_dir
        self.logs = mocks.c["logs"]
        self.log_sink = log_sink
        self._modules: dict[str, ModuleType] = {}
        self._roots: dict[str, Path] = {}  # code hash -> its package, unpacked
        self._sandboxes: dict[str, dict[str, ModuleType]] = {}
        self._package_names: dict[str, frozenset[str]] = {}
        self._log_streams: set[tuple[str, str]] = set()  # (group, stream) already created in the embedded AWS
        self._pending_logs: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (group, stream) -> events
        self._tmp: tempfile.TemporaryDirectory | None = None
        self.iam = IamEnforcer(mocks)
        self._layer_roots: dict[str, Path] = {}  # layer ARN -> its python/ folder, unpacked
        self._environment = list(sys.path)  # where the emulator's own packages are (no function's paths yet)
        self._loggers: dict[str, dict[str, logging.Logger]] = {}  # function -> its own Powertools loggers
        self.last_lines: list[str] = []  # log lines of the latest invocation
        self._router: _StdoutRouter | None = None
        self.log_lines: dict[str, list[str]] = {}

    def function(self, ref: str) -> Function:
        for fn in self.mocks.functions:
            if ref in (fn.name, fn.arn, fn.resource, f"{fn.arn}:$LATEST"):
                return fn
        raise EmulatorError(f"event source mapping names function {ref!r}, which the program did not declare")

    def _code_root(self, fn: Function) -> Path:
        """The function's package on disk: exactly the files its code archive held when it was deployed, unpacked
        once per distinct code into a folder of its own (a changed package never meets the import system's
        caches of the one before: its directory listings, its bytecode)."""
        root = self._roots.get(fn.code_hash)
        if root is None:
            root = self._tmp_dir() / "code" / fn.code_hash[:32]
            for rel, data in fn.code.items():
                target = root / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
            root.mkdir(parents=True, exist_ok=True)  # an archive of no files is an empty package
            self._roots[fn.code_hash] = root
        return root

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

    def _package_modules(self, fn: Function) -> frozenset[str]:
        """Top-level module names the function's package provides (they shadow anything else), and those of its
        own layers that this environment lacks: an update's new layer version loads at the next cold start,
        while a layer's copy of what the emulator runs on (boto3, Powertools) stays the one moto patches."""
        names = self._package_names.get(fn.name)
        if names is None:  # a package does not change during a run: list it once, not per invocation
            root = self._code_root(fn)
            names = {p.stem for p in root.glob("*.py")} | {p.parent.name for p in root.glob("*/__init__.py")}
            for layer in self._layer_paths(fn):
                names |= {name for name in _top_level_modules(Path(layer)) if not _provided(name, self._environment)}
            names = self._package_names[fn.name] = frozenset(names)
        return names

    @contextlib.contextmanager
    def _isolated_modules(self, fn: Function) -> Iterator[None]:
        """Give each function its own instances of its package's modules and its own Powertools
        logger (a stdlib logger named by the service, which Powertools configures once per
        process), as separate sandboxes would."""
        names = self._package_modules(fn)
        service = fn.environment.get(lambda_env.SERVICE_NAME) or "service_undefined"
        registry = logging.Logger.manager.loggerDict

        submodules = tuple(f"{n}." for n in names)
        loggers = (service, f"{service}.")

        def take(table: dict[str, Any], prefixes: tuple[str, ...], exact: Any) -> dict[str, Any]:
            """Remove and return the entries of ``table`` the function owns (inline tests: this runs per invocation)."""
            keys = [k for k in table if k in exact or k.startswith(prefixes)]
            return {k: table.pop(k) for k in keys}

        saved = take(sys.modules, submodules, names)
        sys.modules.update(self._sandboxes.setdefault(fn.name, {}))
        saved_loggers = take(registry, loggers[1:], loggers[:1])
        registry.update(self._loggers.setdefault(fn.name, {}))
        try:
            yield
        finally:
            self._sandboxes[fn.name] = take(sys.modules, submodules, names)
            sys.modules.update(saved)
            self._loggers[fn.name] = take(registry, loggers[1:], loggers[:1])
            registry.update(saved_loggers)

    def new_execution_environment(self, fn: Function) -> None:
        """Forget ``fn``'s loaded modules and logger: its next invocation is a cold start, which imports them again
        from the code ``fn`` was deployed with (new settings, or new code after an update)."""
        self._modules.pop(fn.name, None)
        self._package_names.pop(fn.name, None)
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
            "AWS_EXECUTION_ENV": f"AWS_Lambda_{fn.runtime or defaults.LAMBDA_RUNTIME}",
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
            self.last_lines = [line for line in sink.getvalue().splitlines() if line.strip()]
            self.ship_logs(fn, sink.getvalue())

    def ship_logs(self, fn: Function, text: str) -> None:
        """Record ``fn``'s log lines; they reach its log group in the embedded AWS at the next ``flush_logs``."""
        lines = [line for line in text.splitlines() if line.strip()]
        if not lines:
            return
        self.log_lines.setdefault(fn.name, []).extend(lines)
        if self.log_sink:
            for line in lines:
                self.log_sink(fn.name, line)
        now = int(time.time() * 1000)
        self._pending_logs.setdefault((fn.log_group, f"emulator/{fn.name}"), []).extend(
            {"timestamp": now, "message": line} for line in lines
        )

    def flush_logs(self) -> None:
        """Put the recorded lines into each function's log group: one call per batch, not per invocation."""
        pending, self._pending_logs = self._pending_logs, {}
        for (group, stream), events in pending.items():
            try:
                if (group, stream) not in self._log_streams:
                    with contextlib.suppress(self.logs.exceptions.ResourceAlreadyExistsException):
                        self.logs.create_log_group(logGroupName=group)
                    with contextlib.suppress(self.logs.exceptions.ResourceAlreadyExistsException):
                        self.logs.create_log_stream(logGroupName=group, logStreamName=stream)
                    self._log_streams.add((group, stream))
                for start in range(0, len(events), LOG_EVENTS_PER_CALL):
                    self.logs.put_log_events(
                        logGroupName=group,
                        logStreamName=stream,
                        logEvents=events[start : start + LOG_EVENTS_PER_CALL],
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

    def invoke(self, fn: Function, event: Any) -> Any:
        handler = self._handler(fn)
        with self._invocation(fn):
            return handler(event, LambdaContext(fn, self.region))

    @contextlib.contextmanager
    def running(self) -> Iterator["FunctionSandbox"]:
        """Route handler stdout to the log groups for the duration of the block."""
        self._router = _StdoutRouter(sys.stderr if self.log_sink is None else io.StringIO())
        saved = sys.stdout
        sys.stdout = self._router  # type: ignore[assignment]
        try:
            with self.iam.installed():
                yield self
        finally:
            self.flush_logs()
            sys.stdout = saved
            self._router = None
            if self._tmp is not None:
                self._tmp.cleanup()
                self._tmp = None
