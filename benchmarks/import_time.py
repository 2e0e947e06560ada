"""Cold import of the consumer (with boto3) vs `import boto3` alone.

Each figure is the median over fresh interpreter processes (this venv's
python, cwd = a folder laid out as a function's archive: the `handlers`
package beside the example code folder, as Lambda's task root; cases run
round-robin) of the time around the import statement, measured with
time.perf_counter inside the process, so interpreter start-up is excluded.
"With idempotency" sets MESSAGING_IDEMPOTENCY_TABLE, so the cold start also
builds the Powertools idempotency guard (its DynamoDB client comes with the first envelope).
"""

from __future__ import annotations

import os
import subprocess
import sys

from .common import median, table, task_root

SNIPPET = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"
BASE_ENV = {"AWS_REGION": "eu-west-1", "AWS_DEFAULT_REGION": "eu-west-1"}
IDEMPOTENT = {"MESSAGING_IDEMPOTENCY_TABLE": "bench-table"}

CASES = [
    ("boto3 (reference)", "import boto3", {}),
    ("consumer alone (boto3 not loaded)", "import handlers.consumer", {}),
    ("consumer + boto3", "import boto3, handlers.consumer", {}),
    ("consumer + boto3, idempotency on", "import boto3, handlers.consumer", IDEMPOTENT),
    ("producer + boto3", "import boto3, handlers.producer", {"MESSAGING_CHANNEL": "sqs", "MESSAGING_TARGET": "q"}),
]


def _once(root, stmt: str, extra: dict[str, str]) -> float:
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("MESSAGING_", "POWERTOOLS_"))}
    out = subprocess.run(
        [sys.executable, "-c", SNIPPET.format(stmt=stmt)],
        cwd=root,
        env={**environ, **BASE_ENV, "PYTHONPATH": str(root), **extra},
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def run(runs: int = 15) -> str:
    samples: dict[str, list[float]] = {label: [] for label, _, _ in CASES}
    with task_root() as root:
        for _ in range(runs):  # round-robin, so machine noise hits every case alike
            for label, stmt, extra in CASES:
                samples[label].append(_once(root, stmt, extra) * 1000)
    boto3_ms = median(samples[CASES[0][0]])
    rows = []
    for label, _, _ in CASES:
        ms = median(samples[label])
        rows.append([label, f"{ms:.1f}", f"{ms / boto3_ms:.2f}x"])
    return table(["import", f"median ms ({runs} fresh processes each)", "vs import boto3 (target ≤ 1.3x)"], rows)
