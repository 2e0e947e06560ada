"""One size limit under every topology and both FIFO settings, at the boundary,
for ASCII and multi-byte text: the largest envelope is delivered and processed,
one byte more is refused before anything is sent."""

from __future__ import annotations

import pytest
from e2e_support import order

import emulator
from handlers import envelope as envelopes

PADDINGS = {"ascii": "x", "multi-byte": "ção日本"}  # 1, and 2 1 2 3 3 bytes per character


def padded(id_: str, target_bytes: int, padding: str) -> dict:
    """A complete envelope (nothing for the producer to fill) of exactly target_bytes as UTF-8 JSON."""
    message = order(id_, "OrderCreated", note="")
    base = envelopes.size(envelopes.dumps(message))
    unit = len(padding.encode())
    repeats = (target_bytes - base) // unit
    message["data"]["note"] = padding * repeats + "x" * (target_bytes - base - repeats * unit)
    assert envelopes.size(envelopes.dumps(message)) == target_bytes
    return message


TOPOLOGIES = [
    ("point-to-point", False),
    ("point-to-point", True),
    ("fanout", False),
    ("fanout", True),
    ("eventbridge", False),
    ("eventbridge", True),
]


@pytest.mark.parametrize(("topology", "fifo"), TOPOLOGIES, ids=[f"{t}-{'fifo' if f else 'std'}" for t, f in TOPOLOGIES])
def test_the_largest_envelope_is_processed_and_one_byte_more_refused_under_every_topology(emulate, topology, fifo):
    largest = [padded(f"max-{name}", envelopes.MAX_ENVELOPE_BYTES, p) for name, p in PADDINGS.items()]
    report = emulate([{"name": "orders"}], topology, largest, fifo=fifo)
    assert sorted(report["consumers"]["orders"]["processed"]) == ["max-ascii", "max-multi-byte"]
    assert report["unrouted"] == [] and report["consumers"]["orders"]["dead_lettered"] == []

    padding = PADDINGS["multi-byte" if fifo else "ascii"]
    over = [order("small", "OrderCreated"), padded("over", envelopes.MAX_ENVELOPE_BYTES + 1, padding)]
    with pytest.raises(emulator.EmulatorError, match=r"messages\[1\]: the envelope is 260,097 bytes as UTF-8 JSON"):
        emulate([{"name": "orders"}], topology, over, fifo=fifo)
