"""Import time of each handler module vs importing boto3 alone.

Each figure is the median over fresh interpreter processes (this venv's
python, cwd = handlers/ as Lambda's task root, cases run round-robin) of the
time around the import statement, measured with time.perf_counter inside the
process, so interpreter start-up is excluded. A last row shows what a producer cold
start that then sends pays: the import plus boto3, which the producer loads
on its first call.
"""

from __future__ import annotations

import subprocess
import sys

from .common import HANDLERS, median, table

SNIPPET = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"


def _once(stmt: str) -> float:
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET.format(stmt=stmt)],
        cwd=HANDLERS,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip())


CASES = [
    ("boto3 (reference)", "import boto3"),
    ("producer", "import producer"),
    ("consumer", "import consumer"),
    ("producer + boto3 (what a cold start that sends loads)", "import producer, boto3"),
    (
        "consumer + Powertools idempotency (table set)",
        "import consumer, idempotency, aws_lambda_powertools.utilities.idempotency",
    ),
]


def run(runs: int = 15) -> str:
    samples: dict[str, list[float]] = {label: [] for label, _ in CASES}
    for _ in range(runs):  # round-robin, so machine noise hits every case alike
        for label, stmt in CASES:
            samples[label].append(_once(stmt) * 1000)
    boto3_ms = median(samples[CASES[0][0]])
    rows = []
    for label, _ in CASES:
        ms = median(samples[label])
        rows.append([label, f"{ms:.1f}", f"{ms / boto3_ms:.2f}x"])
    return table(["import", f"median ms ({runs} fresh processes each)", "vs boto3 (target ≤ 1.3x)"], rows)
