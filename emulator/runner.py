"""One emulator run: deploy the stack, publish the messages, drain, report (``python -m emulator``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable
from typing import Mapping as TMapping

from .aws import ProgramTransform
from .errors import EmulatorError
from .messages import demo_orders, validate_messages
from .report import format_summary
from .stack import PROJECT_DIR, Stack, default_project_dir, patched_environ

__all__ = ["PROJECT_DIR", "default_project_dir", "format_summary", "patched_environ", "run"]


def run(
    stack: str = "dev",
    topology: str | None = None,
    messages: list[dict[str, Any]] | None = None,
    *,
    count: int | None = None,
    config_overrides: TMapping[str, Any] | None = None,
    program_transform: ProgramTransform | None = None,
    project_dir: str | Path | None = None,
    stack_file: str | Path | None = None,
    log_sink: Callable[[str, str], None] | None = None,
    details: bool = False,
    producer: str | None = None,
    event: Any = None,
    schedules: list[str] | None = None,
) -> dict[str, Any]:
    """Run the program and its handlers offline; return the report (README: Emulator).

    ``messages``: envelopes to send (or ``count`` generated demo orders).
    ``config_overrides``: config keys (``messaging:`` optional) replacing the
    stack file's for this run; ``None`` values remove a key.
    ``program_transform(type, name, inputs)``: edit (return new inputs) or drop
    (return ``None``) a declared resource before it is created.
    ``stack_file``: a stack config file to use instead of ``Pulumi.<stack>.yaml``.
    ``log_sink(function_name, line)``: receives every line the handlers log.
    ``details``: add a ``"details"`` key (delivered ids, invocation counts, routes).
    ``producer``: the name of one of ``messaging:producers`` to invoke with ``event``
    instead of the built-in producer with ``messages`` (see ``Stack.publish_from``).
    ``schedules``: names of ``messaging:schedules`` entries to fire once each (in order)
    instead of publishing ``messages`` (see ``Stack.fire_schedule``).
    ``topology``: overrides ``messaging:topology``; a program that deploys another one (it sets its
    topology in code) is refused (``EmulatorError``) before anything is sent.
    """
    if producer is None and not schedules:
        if messages is None:
            messages = demo_orders(count if count is not None else 12)
        validate_messages(messages)
    overrides = dict(config_overrides or {})
    if topology is not None:
        overrides["topology"] = topology  # the project's own namespace, as the program reads it
    with Stack(
        stack,
        config=overrides,
        stack_file=stack_file,
        project_dir=project_dir,
        program_transform=program_transform,
        log_sink=log_sink,
    ) as deployed:
        if topology is not None and deployed.topology != topology:
            raise EmulatorError(
                f"topology {topology!r} cannot be set for this program: it deploys "
                f"{deployed.topology or 'no Messaging component'}, set in its code (it does not read "
                f"{deployed.project}:topology); drop --topology (topology=) or change the program"
            )
        if schedules:
            for name in schedules:
                deployed.fire_schedule(name)
        elif producer is None:
            deployed.publish(messages)
        else:
            deployed.publish_from(producer, event)
        deployed.drain()
        return deployed.report(details=details)
