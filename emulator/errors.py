"""Errors the emulator reports to its user as one clear line."""


class EmulatorError(Exception):
    """Bad input, bad config, or a program the emulator cannot run faithfully.

    The CLI prints the message on one line (no traceback) and exits non-zero.
    """


class ProgramError(EmulatorError):
    """The Pulumi program itself failed (for example its config validation)."""
