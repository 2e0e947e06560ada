"""``ops send``: publish envelopes through the stack's producer function (Lambda Invoke)."""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

from .errors import REFUSED, OpsError, Refused
from .render import Output, table

CHUNK = 500  # envelopes per Invoke: far below Lambda's 6 MB synchronous payload limit for demo-sized orders
# What the producer raises for an envelope it refuses (handlers/envelope.py EnvelopeError), named by Lambda's errorType.
ENVELOPE_ERROR = "EnvelopeError"
DEMO_TYPES = ("OrderCreated", "OrderShipped", "OrderCancelled", "OrderDelivered")


def load(path: str) -> list[dict[str, Any]]:
    """A JSON array of envelopes, or one envelope per line."""
    p = Path(path)
    if not p.is_file():
        raise OpsError(f"messages file not found: {p}")
    try:
        text = p.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as exc:
        raise OpsError(f"cannot read messages file {p}: {exc}") from None
    if not text:
        raise OpsError(f"messages file {p} is empty")
    try:
        messages = (
            json.loads(text)
            if text.startswith("[")
            else [json.loads(line) for line in text.splitlines() if line.strip()]
        )
    except ValueError as exc:
        raise OpsError(f"{p}: malformed JSON: {exc}") from None
    return check(messages, str(p))


def check(messages: Any, origin: str) -> list[dict[str, Any]]:
    """The envelope shape, checked before the first Invoke so that nothing is half sent (the producer checks again)."""
    if not isinstance(messages, list) or not messages:
        raise OpsError(f"{origin}: expected a non-empty JSON array (or JSON lines) of envelopes")
    for index, m in enumerate(messages):
        where = f"{origin}: message {index + 1}"
        if not isinstance(m, dict):
            raise OpsError(f"{where} is not a JSON object")
        if not isinstance(m.get("type"), str) or not m["type"].strip():
            raise OpsError(f"{where} has no 'type' (every envelope needs a non-empty string type)")
        for key in ("id", "source", "time"):
            if key in m and not isinstance(m[key], str):
                raise OpsError(f"{where}: {key!r} must be a string")
        if "data" in m and not isinstance(m["data"], dict):
            raise OpsError(f"{where}: 'data' must be a JSON object")
    return messages


def demo_orders(count: int) -> list[dict[str, Any]]:
    """``count`` valid demo orders; the producer gives each its id, time and source."""
    if count < 1:
        raise OpsError(f"--count {count}: must be at least 1")
    rng = random.Random()
    return [
        {
            "type": DEMO_TYPES[i % len(DEMO_TYPES)],
            "data": {
                "orderId": f"o-{rng.getrandbits(32):08x}",
                "total": round(rng.uniform(5, 2000), 2),
                "customerName": "Ada Lovelace",
                "customerAddress": "1 Analytical Way",
                "priority": rng.choice(("LOW", "NORMAL", "HIGH")),
            },
        }
        for i in range(count)
    ]


def send(stack, messages: list[dict[str, Any]], out: Output) -> dict[str, Any]:
    lam = stack.client("lambda")
    function = stack.outputs["producerFunction"]
    sent: list[str] = []
    failed: list[dict[str, Any]] = []
    with out.progress("sending", len(messages)) as bar:
        for start in range(0, len(messages), CHUNK):
            chunk = messages[start : start + CHUNK]
            response = lam.invoke(FunctionName=function, Payload=json.dumps({"messages": chunk}).encode())
            payload = json.loads(response["Payload"].read() or b"null")
            done = f" ({len(sent)} sent before this batch)" if sent else " (nothing was sent)"
            where = f"messages {start + 1}..{start + len(chunk)}"
            if response.get("FunctionError"):
                error = payload if isinstance(payload, dict) else {}
                if error.get("errorType") == ENVELOPE_ERROR:  # bad input: the producer sent none of the batch
                    raise OpsError(f"the producer {function} refused {where}: {error.get('errorMessage')}{done}")
                reason = ": ".join(str(error[k]) for k in ("errorType", "errorMessage") if error.get(k)) or payload
                raise Refused(f"the producer {function} failed on {where}: {reason}{done}")
            if not isinstance(payload, dict) or not isinstance(payload.get("sent"), list):
                raise Refused(f"the producer {function} answered {payload!r} for {where}; expected {{sent, failed}}")
            sent += payload["sent"]
            failed += payload.get("failed") or []
            bar.update(start + len(chunk))
    return {"function": function, "sent": sent, "failed": failed}


def run(stack, out: Output, messages_file: str | None, count: int | None) -> int:
    messages = load(messages_file) if messages_file else demo_orders(count)
    result = send(stack, messages, out)
    text: list[Any] = [
        f"sent {len(result['sent'])} message(s) through {result['function']}, failed {len(result['failed'])}"
    ]
    if result["failed"]:
        text.append(
            table("failed", ["id", "code", "message"], [[f["id"], f["code"], f["message"]] for f in result["failed"]])
        )
    out.result(result, text)
    return REFUSED if result["failed"] else 0
