"""Producer API calls per N messages vs the fewest possible.

The producer runs for real (validation, sizing, packing, sending) against a
recording stand-in client that accepts every entry, so the count is exactly
the calls the producer would make. Each recorded request is checked against
the limits with sizes computed here independently (the AWS way for
EventBridge). Two references, computed independently of the handler code:

- in-order minimum: exact fewest calls when requests must be consecutive runs
  of the input (dynamic programming); what FIFO can achieve.
- lower bound: max(ceil(n/10), ceil(total bytes/limit), number of entries over
  half the limit); no packing in any order does better. Calls equal to it are
  provably minimal.
"""

from __future__ import annotations

import json
import math
import os
import random

from .common import cold_start, quiet, restored_environ, table
from .request_limits import LIMIT, counted_size, lower_bound, min_calls_in_order

KIB = 1024


class Recorder:
    """Accepts every entry of SendMessageBatch / PublishBatch / PutEvents and records the request."""

    def __init__(self) -> None:
        self.requests: list[list[dict]] = []

    def send_message_batch(self, QueueUrl, Entries):  # noqa: N803 - boto3 names
        self.requests.append(Entries)
        return {"Successful": [{"Id": e["Id"], "MessageId": e["Id"]} for e in Entries], "Failed": []}

    def publish_batch(self, TopicArn, PublishBatchRequestEntries):  # noqa: N803
        self.requests.append(PublishBatchRequestEntries)
        return {"Successful": [{"Id": e["Id"]} for e in PublishBatchRequestEntries], "Failed": []}

    def put_events(self, Entries):  # noqa: N803
        self.requests.append(Entries)
        return {"FailedEntryCount": 0, "Entries": [{"EventId": str(n)} for n in range(len(Entries))]}


def messages(n: int, distribution: str, seed: int) -> list[dict]:
    """Order envelopes whose JSON is about the drawn size (100 B .. 200 KiB)."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        if distribution == "log-uniform":
            size = int(math.exp(rng.uniform(math.log(100), math.log(200 * KIB))))
        else:
            size = rng.randint(100, 200 * KIB)
        data = {"orderId": f"o-{i}", "customerName": "Ada", "customerAddress": "London"}
        base = len(str(data)) + 120
        data["note"] = "x" * max(0, size - base)
        out.append({"type": "OrderCreated", "data": data})
    return out


def run(n: int = 1000) -> str:
    rows = []
    cases = [
        ("sqs", False, "log-uniform"),
        ("sns", False, "log-uniform"),
        ("events", False, "log-uniform"),
        ("sqs", False, "uniform"),
        ("sns", False, "uniform"),
        ("events", False, "uniform"),
        ("sqs", True, "log-uniform"),
        ("sns", True, "log-uniform"),
    ]
    with restored_environ():
        os.environ.setdefault("AWS_REGION", "eu-west-1")
        for channel, fifo, distribution in cases:
            recorder = Recorder()
            os.environ["MESSAGING_CHANNEL"] = channel
            os.environ["MESSAGING_TARGET"] = {"sqs": "https://q", "sns": "arn:aws:sns:::t", "events": "bus"}[channel]
            os.environ["MESSAGING_FIFO"] = "true" if fifo else "false"
            batch = messages(n, distribution, seed=42)
            with quiet():  # one block: the logger keeps writing to the stream it found at the cold start
                publisher = cold_start("publisher")
                publisher._api = recorder  # the channel client this execution environment would have made
                result = publisher.publish(batch)
            assert len(result["sent"]) == n and not result["failed"]
            size_of: dict[str, int] = {}
            for request in recorder.requests:
                assert 1 <= len(request) <= 10, "too many entries in a request"
                assert sum(counted_size(channel, e) for e in request) <= LIMIT, "request over the payload limit"
                for entry in request:
                    body = entry.get("MessageBody") or entry.get("Message") or entry["Detail"]
                    size_of[json.loads(body)["id"]] = counted_size(channel, entry)
            assert sorted(size_of) == sorted(result["sent"]), "an entry was sent twice or not at all"
            sizes = [size_of[i] for i in result["sent"]]  # input order
            calls, floor, in_order = len(recorder.requests), lower_bound(sizes), min_calls_in_order(sizes)
            if calls == floor:
                verdict = "minimal (= lower bound)"
            elif fifo and calls == in_order:
                verdict = "minimal for FIFO order (= in-order minimum)"
            else:
                verdict = f"+{calls - floor} over lower bound (not proven minimal)"
            rows.append(
                [
                    channel + (" FIFO" if fifo else ""),
                    distribution,
                    n,
                    f"{sum(sizes) / 2**20:.1f}",
                    calls,
                    in_order,
                    floor,
                    verdict,
                ]
            )
    return table(
        [
            "channel",
            "sizes (100 B..200 KiB)",
            "messages",
            "MiB",
            "calls",
            "in-order minimum (exact)",
            "lower bound (any order)",
            "result",
        ],
        rows,
    )
