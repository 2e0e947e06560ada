"""Powertools Logger per service name, fetched at invocation time.

One process (the emulator) runs several functions whose POWERTOOLS_SERVICE_NAME
differ, so the logger is looked up per invocation and cached per service.
Records go to whatever sys.stdout is at write time, so a caller that redirects
stdout (pytest's capsys, the emulator's --json mode) also redirects handler logs.
"""

from __future__ import annotations

import os
import sys

import env
from aws_lambda_powertools import Logger

_loggers: dict[str, Logger] = {}


class _CurrentStdout:
    """A stream that writes to the sys.stdout of the moment."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


def get_logger() -> Logger:
    service = env.service_name()
    logger = _loggers.get(service)
    if logger is None:
        logger = _loggers[service] = Logger(service=service, stream=_CurrentStdout())
    level = (os.environ.get(env.LOG_LEVEL) or "").strip()
    if level:
        logger.setLevel(level.upper())
    return logger


_bound: dict[int, dict] = {}


def bind_context(logger: Logger, context: object, **keys: str) -> None:
    """Per-invocation keys (function request id, consumer name) on every record."""
    keys["function_request_id"] = getattr(context, "aws_request_id", None)
    if _bound.get(id(logger)) != keys:  # unchanged keys: nothing to redo
        logger.append_keys(**keys)
        _bound[id(logger)] = keys
