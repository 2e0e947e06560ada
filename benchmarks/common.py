"""Shared helpers: the handlers on sys.path, machine description, quiet logs."""

from __future__ import annotations

import contextlib
import os
import platform
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HANDLERS = ROOT / "handlers"


def use_handlers() -> None:
    if str(HANDLERS) not in sys.path:
        sys.path.insert(0, str(HANDLERS))


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> str:
    return (
        f"{cpu_model()}, {os.cpu_count()} cores, Python {platform.python_version()} "
        f"({platform.python_implementation()}), {platform.system()} {platform.machine()}"
    )


@contextlib.contextmanager
def restored_environ():
    """Benchmarks set handler environment variables; put the process's back afterwards."""
    saved = dict(os.environ)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@contextlib.contextmanager
def quiet():
    """Handler logs (Powertools JSON on stdout) go nowhere while measuring."""
    with open(os.devnull, "w") as sink, contextlib.redirect_stdout(sink):
        yield


def median(values: list[float]) -> float:
    return statistics.median(values)


def table(headers: list[str], rows: list[list[object]]) -> str:
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    return "\n".join(lines)
