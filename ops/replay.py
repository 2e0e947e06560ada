"""``ops replay``: StartReplay from the stack's archive into its bus, for one consumer's rules or all."""

from __future__ import annotations

import time
from datetime import datetime, timezone
from typing import Any

from .errors import REFUSED, OpsError
from .render import Output
from .stack import Forward, Stack

POLL_SECONDS = 0.5  # s: how often --wait asks DescribeReplay
DONE = ("COMPLETED", "CANCELLED", "FAILED")


def parse_time(flag: str, value: str) -> datetime:
    """ISO 8601 (``2026-01-01T10:00:00Z``, a date, or with an offset); naive times are UTC."""
    try:
        when = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise OpsError(f"{flag} {value!r} is not an ISO 8601 time (e.g. 2026-01-01T10:00:00Z)") from None
    return when if when.tzinfo else when.replace(tzinfo=timezone.utc)


def _archive(stack: Stack, bus_arn: str) -> dict[str, Any]:
    archives = stack.client("events").list_archives(EventSourceArn=bus_arn).get("Archives", [])
    if not archives:
        raise OpsError(f"event bus {stack.bus['name']} has no archive, so there is nothing to replay")
    return archives[0]


def replay(stack: Stack, out: Output, start: str, end: str, consumer: str | None, wait: bool) -> dict[str, Any]:
    begin, finish = parse_time("--from", start), parse_time("--to", end)
    if begin >= finish:
        raise OpsError(f"--from {start} is not before --to {end}")
    c = stack.consumer_or_forward(consumer) if consumer else None  # a forward's rule replays to its bus again
    bus = stack.bus
    archive = _archive(stack, bus["arn"])
    destination: dict[str, Any] = {"Arn": bus["arn"]}
    rules: list[str] = []
    if c is not None:
        found = stack.rules_for(c, bus["name"])
        if not found:
            if isinstance(c, Forward):
                where = f"bus {c.bus}"
            else:
                where = "function" if c.direct else f"queue {c.queue_name}"
            raise OpsError(f"no rule on bus {bus['name']} delivers to consumer {c.name}'s {where}")
        destination["FilterArns"] = [r["arn"] for r in found]
        rules = [r["name"] for r in found]
    name = f"ops-{c.name if c else 'all'}-{int(time.time() * 1000)}"[:64]
    events = stack.client("events")
    events.start_replay(
        ReplayName=name,
        EventSourceArn=archive["ArchiveArn"] if "ArchiveArn" in archive else _archive_arn(stack, archive),
        EventStartTime=begin,
        EventEndTime=finish,
        Destination=destination,
    )
    described = events.describe_replay(ReplayName=name)
    if wait:
        with out.progress(f"replaying {archive['ArchiveName']}", None) as bar:
            while described["State"] not in DONE:
                bar.update(0)
                time.sleep(POLL_SECONDS)
                described = events.describe_replay(ReplayName=name)
    return {
        "replay": name,
        "state": described["State"],
        "archive": archive["ArchiveName"],
        "bus": bus["name"],
        "from": begin.isoformat().replace("+00:00", "Z"),
        "to": finish.isoformat().replace("+00:00", "Z"),
        "consumer": c.name if c else None,
        "rules": rules,
    }


def _archive_arn(stack: Stack, archive: dict[str, Any]) -> str:
    return stack.client("events").describe_archive(ArchiveName=archive["ArchiveName"])["ArchiveArn"]


def run(stack: Stack, out: Output, start: str, end: str, consumer: str | None, wait: bool) -> int:
    data = replay(stack, out, start, end, consumer, wait)
    target = f"consumer {data['consumer']} (rules {', '.join(data['rules'])})" if data["consumer"] else "every rule"
    out.result(
        data,
        [f"replay {data['replay']} of {data['archive']} {data['from']} .. {data['to']} to {target}: {data['state']}"],
    )
    return REFUSED if data["state"] == "FAILED" else 0
