"""`python -m benchmarks`: run every handler benchmark, print Markdown tables."""

from __future__ import annotations

import argparse
import time

from . import consumer_speed, emulator_speed, import_time, producer_calls
from .common import machine


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument("--quick", action="store_true", help="smaller sizes and fewer repetitions")
    args = parser.parse_args()
    quick = args.quick
    started = time.perf_counter()
    print("# Handler benchmarks\n")
    print(f"Machine: {machine()}\n")
    print("## Producer: API calls for 1000 messages (100 B..200 KiB)\n")
    print(producer_calls.run(n=200 if quick else 1000))
    print(
        "\nStandard channels may regroup entries (no order guarantee there); FIFO keeps input order, "
        "where the exact in-order minimum is the reference.\n"
    )
    print("## Consumer: CPU time per record, a do-nothing team processor, no idempotency\n")
    print(consumer_speed.run(records=2_000 if quick else 10_000, passes=3 if quick else 9))
    print(
        "\nTargets: within 1.2x the bare unwrap loop at 1,000 records per event and 1.5x at 10. "
        "The bare loop decodes each body to the envelope and nothing more.\n"
    )
    print("## Import time (cold start share)\n")
    print(import_time.run(runs=5 if quick else 15))
    print("\n## Emulator: N orders to five consumers, against a bare moto loop in the same process\n")
    print(emulator_speed.run(sizes=(50, 100) if quick else (250, 1000, 2000)))
    print(f"\n_Total benchmark time: {time.perf_counter() - started:.0f} s._")


if __name__ == "__main__":
    main()
