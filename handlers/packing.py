"""Packing batch entries into requests.

Packing. Every request holds at most MAX_ENTRIES entries and at most
MAX_REQUEST_BYTES of counted payload, and the producer uses as few requests as
it can find:

- FIFO (order matters): greedy in input order; an entry joins the current batch
  while both limits hold, else opens the next. Among all ways to cut the ordered
  list into consecutive batches this is minimal. Proof (exchange argument): any
  prefix of a feasible batch is feasible, so by induction the k-th greedy batch
  ends at or after the k-th batch of any other in-order split.
- Standard channels (no order guarantee in SQS standard, SNS standard or
  EventBridge): the smallest of three packings: the in-order greedy one above
  (so never worse than in-order), first-fit decreasing, and "spread"
  (decreasing sizes, each into the open batch with the most room, for the
  fewest batch count that succeeds, found by bisection from `lower_bound`:
  max(ceil(n/10), ceil(total/limit), entries over half the limit)). When the
  result meets that lower bound it is provably minimal; the benchmark reports
  both. Within a batch, and across batches, entries keep their input order.
"""

from __future__ import annotations

import heapq
from typing import Sequence

MAX_ENTRIES = 10
# 256 KiB of counted payload per request: SendMessageBatch, PublishBatch and PutEvents alike.
MAX_REQUEST_BYTES = 262_144


class EntryTooLarge(ValueError):
    """An entry alone exceeds the request payload limit."""


def pack_in_order(
    sizes: Sequence[int], max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_REQUEST_BYTES
) -> list[list[int]]:
    """Greedy in-order packing into consecutive batches (minimal for in-order; see module doc)."""
    batches: list[list[int]] = []
    current: list[int] = []
    used = 0
    for i, size in enumerate(sizes):
        if size > max_bytes:
            raise EntryTooLarge(f"entry {i} is {size} bytes, over the {max_bytes}-byte request limit")
        if current and (len(current) == max_entries or used + size > max_bytes):
            batches.append(current)
            current, used = [], 0
        current.append(i)
        used += size
    if current:
        batches.append(current)
    return batches


def lower_bound(sizes: Sequence[int], max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_REQUEST_BYTES) -> int:
    """No packing, in any order, can use fewer requests than this."""
    if not sizes:
        return 0
    halves = sum(1 for s in sizes if 2 * s > max_bytes)  # two of these never share a request
    by_count = -(-len(sizes) // max_entries)
    by_bytes = -(-sum(sizes) // max_bytes)
    return max(by_count, by_bytes, halves)


def _first_fit_decreasing(sizes: Sequence[int], max_entries: int, max_bytes: int) -> list[list[int]]:
    batches: list[list[int]] = []
    used: list[int] = []
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        for b, batch in enumerate(batches):
            if len(batch) < max_entries and used[b] + sizes[i] <= max_bytes:
                batch.append(i)
                used[b] += sizes[i]
                break
        else:
            batches.append([i])
            used.append(sizes[i])
    return batches


def _spread(sizes: Sequence[int], count: int, max_entries: int, max_bytes: int) -> list[list[int]] | None:
    """Decreasing sizes, each into the batch with the most room among `count`; None if stuck."""
    if count * max_entries < len(sizes):
        return None
    batches: list[list[int]] = [[] for _ in range(count)]
    room = [(-max_bytes, b) for b in range(count)]  # heap of (-free bytes, batch) with a free slot
    for i in sorted(range(len(sizes)), key=lambda i: -sizes[i]):
        if not room or -room[0][0] < sizes[i]:
            return None
        free, b = heapq.heappop(room)
        batches[b].append(i)
        if len(batches[b]) < max_entries:
            heapq.heappush(room, (free + sizes[i], b))
    return [batch for batch in batches if batch]


def pack(
    sizes: Sequence[int],
    *,
    keep_order: bool = True,
    max_entries: int = MAX_ENTRIES,
    max_bytes: int = MAX_REQUEST_BYTES,
) -> list[list[int]]:
    """Index lists, one per request, covering every entry once (see module doc)."""
    best = pack_in_order(sizes, max_entries, max_bytes)
    if keep_order:
        return best
    floor = lower_bound(sizes, max_entries, max_bytes)
    if len(best) > floor:
        ffd = _first_fit_decreasing(sizes, max_entries, max_bytes)
        if len(ffd) < len(best):
            best = ffd
        low, high = floor, len(best) - 1  # bisect the fewest batches "spread" manages
        while low <= high:
            middle = (low + high) // 2
            found = _spread(sizes, middle, max_entries, max_bytes)
            if found is None:
                low = middle + 1
            else:
                best, high = found, len(found) - 1
    return sorted((sorted(batch) for batch in best), key=lambda batch: batch[0])
