"""Shared helpers for the end-to-end tests: the emulator runs the real program
(``__main__.py``, ``components/``) and the real handlers (``handlers/``)
against an embedded AWS, with a stack config written by each test.

Named apart from ``conftest`` so that test modules import it unambiguously.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any, Callable

import yaml

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


REGION = "eu-west-1"
STACK = "e2e"

# The dev stack's consumers (Pulumi.dev.yaml), pinned here so the tests do
# not change when Pulumi.dev.yaml does.
INVENTORY = {"name": "inventory", "match": {"type": ["OrderCreated", "OrderCancelled"]}}
NOTIFICATIONS = {"name": "notifications", "match": {"type": ["OrderShipped"], "data": {"priority": ["HIGH"]}}}
BIG_ORDERS = {"name": "big-orders", "match": {"data": {"total": [{"numeric": [">", 1000]}]}}}
ANALYTICS = {"name": "analytics"}
DEV_CONSUMERS = [INVENTORY, NOTIFICATIONS, BIG_ORDERS, ANALYTICS]


def _total(m: dict) -> Any:
    return (m.get("data") or {}).get("total")


# The same routing, written independently of the program's translation: who
# should receive a message, per consumer.
DEV_SELECTORS: dict[str, Callable[[dict], bool]] = {
    "inventory": lambda m: m["type"] in ("OrderCreated", "OrderCancelled"),
    "notifications": lambda m: m["type"] == "OrderShipped" and (m.get("data") or {}).get("priority") == "HIGH",
    "big-orders": lambda m: (
        isinstance(_total(m), (int, float)) and not isinstance(_total(m), bool) and _total(m) > 1000
    ),
    "analytics": lambda m: True,
}


def order(id_: str, type_: str, *, valid: bool = True, source: str | None = "com.example.orders", **data: Any) -> dict:
    """A demo order envelope; ``valid=False`` leaves out customerAddress (the processor rejects it)."""
    body: dict[str, Any] = {"orderId": f"o-{id_}", "customerName": "Ada Lovelace"}
    if valid:
        body["customerAddress"] = "1 Analytical Way"
    body.update(data)
    env: dict[str, Any] = {"id": id_, "type": type_, "time": "2026-01-01T00:00:00Z", "data": body}
    if source is not None:
        env["source"] = source
    return env


def is_valid(m: dict) -> bool:
    data = m.get("data") or {}
    return all(isinstance(data.get(k), str) and data[k].strip() for k in ("customerName", "customerAddress"))


# A message set for the dev routing: every consumer gets some, some nobody
# but analytics selects, invalid orders for several consumers.
DEV_MESSAGES = [
    order("created-small", "OrderCreated", total=120, priority="LOW"),
    order("created-big", "OrderCreated", total=1500, priority="NORMAL"),
    order("created-big-invalid", "OrderCreated", valid=False, total=2500, priority="HIGH"),
    order("shipped-high", "OrderShipped", total=80, priority="HIGH"),
    order("shipped-high-invalid", "OrderShipped", valid=False, total=90, priority="HIGH"),
    order("shipped-low", "OrderShipped", total=80, priority="LOW"),
    order("shipped-exact-1000", "OrderShipped", total=1000, priority="NORMAL"),
    order("cancelled", "OrderCancelled", total=1000.5, priority="LOW"),
    order("cancelled-invalid", "OrderCancelled", valid=False, total=10, priority="LOW"),
    order("delivered", "OrderDelivered", total=300, priority="HIGH"),
    order("delivered-string-total", "OrderDelivered", total="5000", priority="LOW"),
    order("delivered-no-source", "OrderDelivered", source=None, total=42, priority="LOW"),
]


def expected_report(consumers: list[dict], selectors: dict[str, Callable[[dict], bool]], messages: list[dict]) -> dict:
    """What the report must say, computed from ``selectors`` (not from the program)."""
    out: dict[str, Any] = {"consumers": {}, "unrouted": []}
    for c in consumers:
        chosen = [m for m in messages if selectors[c["name"]](m)]
        out["consumers"][c["name"]] = {
            "processed": sorted(m["id"] for m in chosen if is_valid(m)),
            "dead_lettered": sorted(m["id"] for m in chosen if not is_valid(m)),
        }
    out["unrouted"] = sorted(m["id"] for m in messages if not any(selectors[c["name"]](m) for c in consumers))
    return out


def normalized(report: dict) -> dict:
    """The report's deliveries with lists sorted, for comparisons."""
    return {
        "consumers": {
            name: {"processed": sorted(v["processed"]), "dead_lettered": sorted(v["dead_lettered"])}
            for name, v in report["consumers"].items()
        },
        "unrouted": sorted(report["unrouted"]),
    }


def write_stack(directory: Path, consumers: list[dict], topology: str, **options: Any) -> Path:
    config: dict[str, Any] = {
        "aws:region": REGION,
        "messaging:topology": topology,
        "messaging:consumers": consumers,
    }
    for key, value in options.items():
        config[f"messaging:{key}"] = value
    path = directory / f"Pulumi.{STACK}.yaml"
    path.write_text(yaml.safe_dump({"config": config}, sort_keys=False), encoding="utf-8")
    return path


def assert_accounted(report: dict, messages: list[dict]) -> None:
    """Every sent id is processed, dead-lettered or unrouted; nothing is processed twice by one consumer."""
    sent = set(report["sent"])
    assert sent == {m["id"] for m in messages}
    reached: set[str] = set(report["unrouted"])
    for name, entry in report["consumers"].items():
        assert len(entry["processed"]) == len(set(entry["processed"])), f"{name} processed a message twice"
        assert not set(entry["processed"]) & set(entry["dead_lettered"]), f"{name}: processed and dead-lettered"
        reached |= set(entry["processed"]) | set(entry["dead_lettered"])
    assert reached == sent


class Tamper:
    """A ``program_transform`` that edits (or drops, when ``edit`` returns None) the
    resources of one type whose name is in ``names``; ``hits`` tells which it saw,
    so a renamed resource fails the test loudly instead of tampering with nothing."""

    def __init__(self, typ: str, names: set[str] | str, edit: Callable[[dict], dict | None]):
        self.typ, self.names, self.edit = typ, {names} if isinstance(names, str) else set(names), edit
        self.hits: set[str] = set()

    def __call__(self, typ: str, name: str, inputs: dict) -> dict | None:
        if typ == self.typ and name in self.names:
            self.hits.add(name)
            return self.edit(dict(inputs))
        return inputs

    def assert_applied(self) -> None:
        assert self.hits == self.names, f"no {self.typ} named {sorted(self.names - self.hits)} in the program"


def printed_in_readme(test_file: str, test: str) -> bool:
    """Whether the README prints the test function `test` of `test_file` exactly as that file has it."""
    source = Path(test_file).read_text(encoding="utf-8")
    start = source.index(f"def {test}(")
    return source[start : source.index("\n\n\n", start)] in (ROOT / "README.md").read_text(encoding="utf-8")
