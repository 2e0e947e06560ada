"""Embedded AWS emulator: run the real Pulumi program and Lambda handlers offline.

    import emulator
    report = emulator.run(stack="dev", topology="fanout", count=12)

See ``emulator.runner.run`` for every option and the README (Emulator) for
the report's contract.
"""

from .errors import EmulatorError, ProgramError
from .messages import demo_orders, load_messages
from .report import format_summary
from .runner import run
from .stack import Stack

__all__ = ["EmulatorError", "ProgramError", "Stack", "demo_orders", "format_summary", "load_messages", "run"]
