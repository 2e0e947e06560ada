"""The services' request limits, computed independently of the handlers.

One oracle for the producer's batching, used by its tests (tests/handlers) and
by the benchmark that reports calls against the minimum.
"""

from __future__ import annotations

import math

LIMIT = 262_144  # bytes per request: SendMessageBatch, PublishBatch and PutEvents alike
MAX_ENTRIES = 10  # entries per request


def counted_size(channel: str, entry: dict) -> int:
    """Request payload of one entry as each service documents it."""
    if channel == "sqs":
        return len(entry["MessageBody"].encode())
    if channel == "sns":
        return len(entry["Message"].encode())
    size = 14 if "Time" in entry else 0
    size += sum(len(entry[k].encode()) for k in ("Source", "DetailType", "Detail"))
    return size + sum(len(r.encode()) for r in entry.get("Resources", []))


def min_calls_in_order(sizes: list[int]) -> int:
    """Exact minimum over all splits into consecutive requests (dynamic programming)."""
    best = [0] + [math.inf] * len(sizes)
    for end in range(1, len(sizes) + 1):
        total = 0
        for start in range(end - 1, max(-1, end - MAX_ENTRIES - 1), -1):
            total += sizes[start]
            if total > LIMIT:
                break
            best[end] = min(best[end], best[start] + 1)
    return int(best[-1])


def lower_bound(sizes: list[int]) -> int:
    """Fewest requests any packing in any order could use."""
    return max(math.ceil(len(sizes) / MAX_ENTRIES), math.ceil(sum(sizes) / LIMIT), sum(2 * s > LIMIT for s in sizes))
