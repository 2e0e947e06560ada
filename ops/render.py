"""Output: one JSON object (``--json``), or tables a person reads at a glance; progress bars on a terminal only."""

from __future__ import annotations

import contextlib
import json
import sys
from typing import Any, Iterator, Sequence

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table


class Output:
    def __init__(self, as_json: bool):
        self.as_json = as_json
        self.console = Console(soft_wrap=True, width=None if sys.stdout.isatty() else 160)
        self.err = Console(stderr=True)

    def result(self, data: dict[str, Any], text: Sequence[Any] = ()) -> None:
        """Print ``data`` as JSON, or ``text`` (strings and rich tables) for a person."""
        if self.as_json:
            sys.stdout.write(json.dumps(data, default=str) + "\n")
            return
        for item in text:
            self.console.print(item)

    @contextlib.contextmanager
    def progress(self, description: str, total: int | None) -> Iterator[Any]:
        """A progress bar on a terminal (stderr), nothing when piped or with --json."""
        if self.as_json or not self.err.is_terminal:
            yield _Silent()
            return
        columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()]
        with Progress(*columns, console=self.err, transient=True) as bar:
            yield _Bar(bar, bar.add_task(description, total=total))


class _Silent:
    def update(self, completed: int, total: int | None = None) -> None:
        pass


class _Bar:
    def __init__(self, bar: Progress, task: Any):
        self.bar, self.task = bar, task

    def update(self, completed: int, total: int | None = None) -> None:
        self.bar.update(self.task, completed=completed, total=total)


def table(title: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> Table:
    t = Table(title=title, title_justify="left", show_lines=False)
    for column in columns:
        t.add_column(column)
    for row in rows:
        t.add_row(*("-" if v is None else str(v) for v in row))
    return t
