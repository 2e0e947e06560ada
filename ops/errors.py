"""The CLI's errors: one line each; OpsError exits 2 (the command is wrong), Refused exits 1 (it was refused)."""

BAD_INPUT = 2  # exit status: bad input, or a command this stack never takes; nothing was done
REFUSED = 1  # exit status: AWS or the stack refused or failed an operation, or its state does not allow it now


class OpsError(Exception):
    """Bad input, an unusable environment, or a command that does not apply to this stack: named, one line,
    nothing was changed. Running it again unchanged fails the same way."""

    exit_status = BAD_INPUT


class Refused(OpsError):
    """AWS (or the stack's producer function) refused or failed an operation, or the stack's current state does not
    allow it (a redrive already running, none to cancel): the command was right, and may succeed at another time."""

    exit_status = REFUSED
