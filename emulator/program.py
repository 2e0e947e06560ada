"""Run the project's real ``__main__.py`` under Pulumi's mock runtime, then reset it.

Pulumi's runtime state (settings, root stack, config, mocks) is process-wide;
``run_program`` installs it for one run and puts everything back afterwards,
so the emulator can run many times in one process and never leaks into other
tests that use Pulumi mocks.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import os
import runpy
import sys
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator
from unittest import mock

import pulumi
from pulumi.runtime import config as pulumi_config
from pulumi.runtime import settings as pulumi_settings
from pulumi.runtime.stack import run_pulumi_func

from .aws import AwsMocks
from .errors import EmulatorError, ProgramError


@contextlib.contextmanager
def _project_cwd(project_dir: Path) -> Iterator[None]:
    """Pulumi runs a program from its project folder (relative archive paths resolve there)."""
    saved_cwd = os.getcwd()
    saved_path = list(sys.path)
    os.chdir(project_dir)
    if str(project_dir) not in sys.path:
        sys.path.insert(0, str(project_dir))
    try:
        yield
    finally:
        os.chdir(saved_cwd)
        sys.path[:] = saved_path


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip() or type(exc).__name__
    return " ".join(text.split())


def recording_thread_loops(created: list[asyncio.AbstractEventLoop]) -> Callable[[], asyncio.AbstractEventLoop]:
    """Pulumi's helper that gives each of its mock monitor's worker threads an event loop, recording in
    `created` every loop it makes (Pulumi never closes them)."""

    def ensure_event_loop() -> asyncio.AbstractEventLoop:
        try:
            return asyncio.get_event_loop()
        except RuntimeError:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            created.append(loop)
            return loop

    return ensure_event_loop


@contextlib.contextmanager
def _closing_thread_loops() -> Iterator[None]:
    """The mock monitor's thread loops closed when the program is done, so none is left to the garbage collector."""
    from pulumi.runtime import mocks as pulumi_mocks  # noqa: PLC0415

    created: list[asyncio.AbstractEventLoop] = []
    original = pulumi_mocks._ensure_event_loop
    pulumi_mocks._ensure_event_loop = recording_thread_loops(created)
    try:
        yield
    finally:
        pulumi_mocks._ensure_event_loop = original
        for loop in created:
            if not loop.is_running():
                loop.close()


@contextlib.contextmanager
def without_stack_traces() -> Iterator[None]:
    """Pulumi walks and converts the whole Python stack for every resource it registers (a source position
    the engine shows in its output); under the mocks nobody shows it, and below a deep caller (a test
    suite) it is about a third of a program run. An empty trace is what the SDK itself sends when it
    finds no user frame."""
    from pulumi.runtime import resource  # noqa: PLC0415 - patched for the length of one run
    from pulumi.runtime.proto import source_pb2  # noqa: PLC0415

    with mock.patch.object(resource, "_get_stack_trace", source_pb2.StackTrace):
        yield


def cancel_pending(loop: asyncio.AbstractEventLoop) -> None:
    """A failed program leaves outputs pending on its loop: cancel and finish them now, rather than leave
    un-awaited coroutines for the garbage collector to report inside whatever runs later."""
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    if pending:
        loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))


async def _resolved(outputs: dict[str, Any]) -> dict[str, Any]:
    return {key: await pulumi.Output.from_input(value).future() for key, value in outputs.items()}


def _recording_messaging(found: list[pulumi.Resource]) -> Callable[[Any], None]:
    """A stack transformation that changes nothing and records every Messaging component the program declares
    (a program may build them in code, whatever its config says)."""
    from components.messaging import Messaging  # noqa: PLC0415 - the program imports it anyway

    def seen(args: pulumi.ResourceTransformationArgs) -> None:
        if args.type_ == Messaging.TYPE:
            found.append(args.resource)

    return seen


def deployed_topology(mocks: AwsMocks, exports: dict[str, Any]) -> str:
    """The stack's topology as the report names it: that of the program's Messaging components (distinct ones
    in the order declared, comma-separated), else the program's ``topology`` export, else empty."""
    if mocks.topologies:
        return ", ".join(dict.fromkeys(mocks.topologies))
    exported = exports.get("topology")
    return exported if isinstance(exported, str) else ""


def run_program(
    mocks: AwsMocks,
    project_dir: Path,
    project: str,
    stack: str,
    config: dict[str, str],
) -> dict[str, Any]:
    """Declare every resource of the program into ``mocks``; return the stack's exports. ``mocks.topologies``: the
    topology of each Messaging component the program declared."""
    main = project_dir / "__main__.py"
    if not main.is_file():
        raise EmulatorError(f"no Pulumi program at {main}")
    saved_config = dict(pulumi_config.CONFIG.get())
    saved_secret_keys = set(pulumi_config._SECRET_KEYS.get())
    policy = asyncio.get_event_loop_policy()
    previous_loop = getattr(getattr(policy, "_local", None), "_loop", None)
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    exports: dict[str, Any] = {}
    program_error: BaseException | None = None
    try:
        pulumi_settings.reset_options()
        pulumi.runtime.set_mocks(mocks, project=project, stack=stack, preview=False)
        pulumi_config.set_all_config(dict(config), [])
        root = pulumi_settings.get_root_resource()

        components: list[pulumi.Resource] = []

        def program() -> None:
            pulumi.runtime.register_stack_transformation(_recording_messaging(components))
            runpy.run_path(str(main), run_name="__main__")

        # The project's folder for the whole run: resources register (and their assets are read) after the
        # program's body has returned, too.
        with _closing_thread_loops(), without_stack_traces(), _project_cwd(project_dir):
            try:
                loop.run_until_complete(run_pulumi_func(program))
            except BaseException as exc:  # noqa: BLE001 - reported below as one line
                program_error = exc
            if root is not None and program_error is None:
                # Resolved while the loop still runs: the values `pulumi stack output --json` prints.
                exports = loop.run_until_complete(_resolved(dict(getattr(root, "outputs", {}) or {})))
                found = loop.run_until_complete(_resolved({str(i): c.topology for i, c in enumerate(components)}))
                mocks.topologies = [str(t) for t in found.values()]
            with contextlib.suppress(Exception):
                loop.run_until_complete(loop.shutdown_default_executor())  # the worker threads end here
    finally:
        with contextlib.suppress(Exception):
            cancel_pending(loop)
        with contextlib.suppress(Exception):
            loop.run_until_complete(loop.shutdown_default_executor())
        loop.close()
        # Leave the thread as we found it, creating no loop that nobody closes: the previous loop,
        # or none set (asyncio's default policy then makes one for whoever asks, as before the run).
        if previous_loop is not None and not previous_loop.is_closed():
            asyncio.set_event_loop(previous_loop)
        else:
            asyncio.set_event_loop(None)
            local = getattr(policy, "_local", None)
            if local is not None and hasattr(local, "_set_called"):
                local._set_called = False
        pulumi_settings.reset_options()
        pulumi_config.set_all_config(saved_config, list(saved_secret_keys))
    if program_error is not None or mocks.errors:
        # Coroutines of the abandoned program are collected now, quietly, not in someone else's test.
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message=".*was never awaited", category=RuntimeWarning)
            gc.collect()
    # An error raised inside a mock is the precise one; Pulumi may wrap it.
    own = next((e for e in mocks.errors if isinstance(e, EmulatorError)), None)
    if own is not None:
        raise own
    if mocks.errors:
        exc = mocks.errors[0]
        raise EmulatorError(f"creating a resource failed: {type(exc).__name__}: {_first_line(exc)}") from exc
    if program_error is not None:
        if isinstance(program_error, (KeyboardInterrupt, SystemExit)):
            raise program_error
        raise ProgramError(f"the Pulumi program failed: {_first_line(program_error)}") from program_error
    return exports
