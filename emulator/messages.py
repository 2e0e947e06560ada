"""Messages to send: read from a file (JSON array or JSON lines) or generated demo orders."""

from __future__ import annotations

import json
import random
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from .errors import EmulatorError

DEMO_SOURCE = "com.example.orders"
DEMO_TYPES = ("OrderCreated", "OrderShipped", "OrderCancelled", "OrderDelivered")
DEMO_PRIORITIES = ("LOW", "NORMAL", "HIGH")
DEMO_NAMES = ("Ada Lovelace", "Grace Hopper", "Alan Turing", "Edsger Dijkstra", "Barbara Liskov")
DEMO_ADDRESSES = ("1 Analytical Way", "2 Compiler Street", "3 Enigma Road", "4 Semaphore Lane", "5 Abstraction Ave")


def load_messages(path: str | Path) -> list[dict[str, Any]]:
    """Read envelopes from ``path``: a JSON array of objects, or one JSON object per line."""
    p = Path(path)
    if not p.exists():
        raise EmulatorError(f"messages file not found: {p}")
    if p.is_dir():
        raise EmulatorError(f"messages file {p} is a directory; give a file of JSON envelopes")
    # Not only regular files: /dev/null, /dev/stdin and a shell's <(...) pipe are read like one.
    try:
        text = p.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise EmulatorError(f"cannot read messages file {p}: {exc}") from None
    stripped = text.strip()
    if not stripped:
        raise EmulatorError(f"messages file {p} is empty")
    if stripped.startswith("["):
        try:
            messages = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise EmulatorError(f"{p}: malformed JSON: {exc}") from None
    else:
        messages = []
        try:
            whole = json.loads(stripped)  # one (possibly pretty-printed) envelope
        except json.JSONDecodeError:
            whole = None
        if isinstance(whole, dict):
            validate_messages([whole], origin=str(p))
            return [whole]
        for lineno, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                messages.append(json.loads(line))
            except json.JSONDecodeError as exc:
                raise EmulatorError(f"{p} line {lineno}: malformed JSON: {exc.msg}") from None
    validate_messages(messages, origin=str(p))
    return messages


def validate_messages(messages: Any, origin: str = "messages") -> list[dict[str, Any]]:
    """Check every envelope before anything is sent: objects with a non-empty string ``type``."""
    if not isinstance(messages, list):
        raise EmulatorError(f"{origin}: expected a JSON array of message envelopes")
    if not messages:
        raise EmulatorError(f"{origin}: no messages to send")
    for index, msg in enumerate(messages, start=1):
        where = f"{origin}: message {index}"
        if not isinstance(msg, dict):
            raise EmulatorError(f"{where} is not a JSON object")
        if not isinstance(msg.get("type"), str) or not msg["type"]:
            raise EmulatorError(f"{where} has no 'type' (every envelope needs a non-empty string type)")
        for key in ("id", "source", "time"):
            if key in msg and not isinstance(msg[key], str):
                raise EmulatorError(f"{where}: {key!r} must be a string")
        if "data" in msg and not isinstance(msg["data"], dict):
            raise EmulatorError(f"{where}: 'data' must be a JSON object")
    return messages


def demo_orders(count: int, seed: int = 7) -> list[dict[str, Any]]:
    """``count`` deterministic demo order events; about one in five is invalid.

    Invalid orders lack ``customerName`` or ``customerAddress``: the demo order
    processor rejects them, so they are retried and end in dead-letter queues.
    """
    if count < 1:
        raise EmulatorError("--count must be at least 1")
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    orders = []
    for i in range(count):
        data: dict[str, Any] = {
            "orderId": f"o-{i + 1:04d}",
            "total": round(rng.choice([rng.uniform(5, 900), rng.uniform(1000.01, 5000)]), 2),
            "customerName": rng.choice(DEMO_NAMES),
            "customerAddress": rng.choice(DEMO_ADDRESSES),
            "priority": rng.choice(DEMO_PRIORITIES),
        }
        if i % 5 == 3:
            del data["customerName" if (i // 5) % 2 == 0 else "customerAddress"]
        orders.append(
            {
                "id": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                "type": DEMO_TYPES[(i + rng.randrange(2)) % len(DEMO_TYPES)],
                "source": DEMO_SOURCE,
                "time": (start + timedelta(minutes=i)).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "data": data,
            }
        )
    return orders
