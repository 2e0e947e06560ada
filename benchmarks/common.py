"""Shared helpers: the runtime package on sys.path, cold starts, machine description, quiet logs."""

from __future__ import annotations

import contextlib
import importlib
import logging
import os
import platform
import shutil
import statistics
import sys
import tempfile
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]
HANDLERS = ROOT / "handlers"
APP = ROOT / "app"


def use_handlers() -> None:
    """The `handlers` package and the example code folder importable, as in a function's archive."""
    for path in (APP, ROOT):
        if str(path) not in sys.path:
            sys.path.insert(0, str(path))


def cold_start(module: str) -> ModuleType:
    """`handlers.<module>` imported afresh (its settings read from the current environment)."""
    use_handlers()
    for name in [n for n in sys.modules if n == "handlers" or n.startswith("handlers.")]:
        del sys.modules[name]
    registry = logging.Logger.manager.loggerDict
    for name in [n for n, lg in registry.items() if getattr(lg, "powertools_handler", None) is not None]:
        del registry[name]
    return importlib.import_module(f"handlers.{module}")


@contextlib.contextmanager
def task_root():
    """A folder laid out as a function's archive: the runtime package beside the example code folder."""
    with tempfile.TemporaryDirectory(prefix="task-root-") as folder:
        root = Path(folder)
        shutil.copytree(HANDLERS, root / "handlers", ignore=shutil.ignore_patterns("__pycache__"))
        for path in APP.glob("*.py"):
            shutil.copy(path, root / path.name)
        yield root


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
