"""The one error type the CLI turns into one line and exit status 2."""


class OpsError(Exception):
    """Bad input or an unusable environment: named, one line, nothing was changed."""
