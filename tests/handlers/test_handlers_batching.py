"""Batching and retries: fewest calls within 10 entries and 256 KiB per request;
only failed entries are retried; nothing is lost or silently dropped."""

from __future__ import annotations

import json
import random
import sys

import pytest
from botocore.exceptions import ClientError
from handler_testkit import CallLog, on_client, order, received_envelopes, wire

from benchmarks.request_limits import LIMIT, counted_size, lower_bound, min_calls_in_order
from handlers import packing, sending

METHODS = {"sqs": "send_message_batch", "sns": "publish_batch", "events": "put_events"}


def entries_of(channel: str, request: dict) -> list[dict]:
    return request[{"sqs": "Entries", "sns": "PublishBatchRequestEntries", "events": "Entries"}[channel]]


def envelope_id(channel: str, entry: dict) -> str:
    body = entry.get("MessageBody") or entry.get("Message") or entry["Detail"]
    return json.loads(body)["id"]


def mixed_messages(n: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    messages = []
    for i in range(n):
        size = rng.choice([100, 300, 2_000, 20_000, 60_000, 100_000, 150_000, 204_800])
        messages.append(order(f"m-{i:03d}", padding="x" * rng.randint(size // 2, size)))
    return messages


def check_requests(channel: str, calls: CallLog, messages: list[dict]) -> list[int]:
    """Each request within limits, each message in exactly one request; sizes in input order."""
    requests = [entries_of(channel, r) for r in calls.requests]
    size_of = {}
    for batch in requests:
        assert 1 <= len(batch) <= 10
        assert sum(counted_size(channel, e) for e in batch) <= LIMIT
        for entry in batch:
            assert envelope_id(channel, entry) not in size_of
            size_of[envelope_id(channel, entry)] = counted_size(channel, entry)
    assert set(size_of) == {m["id"] for m in messages}
    return [size_of[m["id"]] for m in messages]


@pytest.mark.parametrize("channel", ["sqs", "sns", "events"])
@pytest.mark.parametrize("seed", [1, 2])
def test_mixed_sizes_use_no_more_calls_than_the_best_in_order_split(channel, seed, aws, lambda_env, producer):
    queue = wire(channel, lambda_env)
    calls = CallLog(channel, lambda_env)
    messages = mixed_messages(40, seed)
    result = producer.handler({"messages": messages}, None)
    assert result == {"sent": [m["id"] for m in messages], "failed": []}
    sizes = check_requests(channel, calls, messages)
    assert lower_bound(sizes) <= len(calls) <= min_calls_in_order(sizes)
    assert sorted(e["id"] for e in received_envelopes(queue)) == sorted(m["id"] for m in messages)


@pytest.mark.parametrize("channel", ["sqs", "sns"])
def test_fifo_mixed_sizes_keep_order_with_the_minimal_in_order_calls(channel, aws, lambda_env, producer):
    queue = wire(channel, lambda_env, fifo=True)
    calls = CallLog(channel, lambda_env)
    messages = mixed_messages(30, 3)
    producer.handler({"messages": messages}, None)
    sizes = check_requests(channel, calls, messages)
    sent_in_order = [envelope_id(channel, e) for r in calls.requests for e in entries_of(channel, r)]
    assert sent_in_order == [m["id"] for m in messages]
    assert len(calls) == min_calls_in_order(sizes)
    assert [e["id"] for e in received_envelopes(queue)] == [m["id"] for m in messages]


def test_standard_channel_regroups_when_that_saves_calls(aws, lambda_env, producer):
    wire("sqs", lambda_env)
    calls = CallLog("sqs", lambda_env)
    kib = 1024
    messages = [order(f"g-{i}", padding="x" * n) for i, n in enumerate([150 * kib, 150 * kib, 100 * kib, 100 * kib])]
    producer.handler({"messages": messages}, None)
    sizes = check_requests("sqs", calls, messages)
    assert min_calls_in_order(sizes) == 3
    assert len(calls) == 2


@pytest.mark.parametrize("channel", ["sqs", "sns", "events"])
def test_small_messages_go_ten_per_call(channel, aws, lambda_env, producer):
    wire(channel, lambda_env)
    calls = CallLog(channel, lambda_env)
    producer.handler({"messages": [order(f"s-{i}") for i in range(25)]}, None)
    assert [len(entries_of(channel, r)) for r in calls.requests] == [10, 10, 5]


def random_sizes(rng: random.Random) -> list[int]:
    choices = [1, LIMIT // 10, LIMIT // 3, LIMIT // 2, LIMIT // 2 + 1, LIMIT - 5, LIMIT]
    return [rng.choice(choices) for _ in range(rng.randint(1, 25))]


def test_in_order_packing_is_minimal_for_many_random_cases():
    rng = random.Random(7)
    for _ in range(300):
        sizes = random_sizes(rng)
        batches = packing.pack(sizes, keep_order=True)
        assert [i for b in batches for i in b] == list(range(len(sizes)))
        assert all(len(b) <= 10 and sum(sizes[i] for i in b) <= LIMIT for b in batches)
        assert len(batches) == min_calls_in_order(sizes)


def test_order_free_packing_is_valid_and_never_worse_than_in_order():
    rng = random.Random(11)
    for _ in range(300):
        sizes = random_sizes(rng)
        batches = packing.pack(sizes, keep_order=False)
        assert sorted(i for b in batches for i in b) == list(range(len(sizes)))
        assert all(len(b) <= 10 and sum(sizes[i] for i in b) <= LIMIT for b in batches)
        assert lower_bound(sizes) <= len(batches) <= min_calls_in_order(sizes)


# ------------------------------------------------------------------ partial failures


class Flaky:
    """Wraps the producer's real client: chosen entries fail per plan, the rest really go to moto.

    plan: envelope id -> list of failures by attempt, each (code, sender_fault) or None
    (succeed); attempts beyond the list repeat its last element.
    """

    def __init__(self, channel: str, monkeypatch, plan: dict):
        self.channel, self.plan, self.seen = channel, plan, {}
        self.requests: list[list[str]] = []
        self.real = None

        def wrap(api):
            self.real = getattr(api, METHODS[channel])
            monkeypatch.setattr(api, METHODS[channel], self.call)

        on_client(monkeypatch, {"sqs": "sqs", "sns": "sns", "events": "events"}[channel], wrap)

    def _failure(self, eid: str):
        attempt = self.seen.get(eid, 0)
        self.seen[eid] = attempt + 1
        steps = self.plan.get(eid, [None])
        return steps[min(attempt, len(steps) - 1)]

    def call(self, **request):
        key = "PublishBatchRequestEntries" if self.channel == "sns" else "Entries"
        entries = request[key]
        self.requests.append([envelope_id(self.channel, e) for e in entries])
        failures = [self._failure(envelope_id(self.channel, e)) for e in entries]
        passing = [e for e, f in zip(entries, failures, strict=False) if f is None]
        real = self.real(**{**request, key: passing}) if passing else {}
        if self.channel == "events":
            results, real_results = [], iter(real.get("Entries", []))
            for f in failures:
                results.append(next(real_results) if f is None else {"ErrorCode": f[0], "ErrorMessage": "injected"})
            return {"FailedEntryCount": sum(f is not None for f in failures), "Entries": results}
        failed = [
            {"Id": e["Id"], "SenderFault": f[1], "Code": f[0], "Message": "injected"}
            for e, f in zip(entries, failures, strict=False)
            if f is not None
        ]
        return {"Successful": real.get("Successful", []), "Failed": failed}


TRANSIENT = {"sqs": ("InternalError", False), "sns": ("InternalError", False), "events": ("ThrottlingException", False)}
PERMANENT = {
    "sqs": ("InvalidMessageContents", True),
    "sns": ("InvalidParameter", True),
    "events": ("InvalidArgument", True),
}


@pytest.fixture
def sleeps(monkeypatch, producer):
    """The per-entry retry loop's waits, recorded instead of slept."""
    waited: list[float] = []
    producer.on_start.append(lambda: monkeypatch.setattr(sys.modules["handlers.sending"], "_sleep", waited.append))
    return waited


@pytest.mark.parametrize("channel", ["sqs", "sns", "events"])
def test_only_failed_entries_are_retried_and_nothing_is_lost(channel, aws, lambda_env, monkeypatch, sleeps, producer):
    queue = wire(channel, lambda_env)
    flaky = Flaky(channel, monkeypatch, {"p-03": [TRANSIENT[channel], None], "p-11": [TRANSIENT[channel], None]})
    messages = [order(f"p-{i:02d}") for i in range(15)]
    result = producer.handler({"messages": messages}, None)
    assert result == {"sent": [m["id"] for m in messages], "failed": []}
    assert flaky.requests[2:] == [["p-03", "p-11"]]  # one retry call, with exactly the failed entries
    assert len(flaky.requests) == 3 and len(sleeps) == 1
    assert sorted(e["id"] for e in received_envelopes(queue)) == sorted(m["id"] for m in messages)


@pytest.mark.parametrize("channel", ["sqs", "sns", "events"])
def test_sender_fault_is_reported_without_retry(channel, aws, lambda_env, monkeypatch, sleeps, producer):
    queue = wire(channel, lambda_env)
    code = PERMANENT[channel][0]
    flaky = Flaky(channel, monkeypatch, {"q-1": [PERMANENT[channel]]})
    result = producer.handler({"messages": [order(f"q-{i}") for i in range(4)]}, None)
    assert result == {"sent": ["q-0", "q-2", "q-3"], "failed": [{"id": "q-1", "code": code, "message": "injected"}]}
    assert flaky.requests == [["q-0", "q-1", "q-2", "q-3"]] and sleeps == []
    assert sorted(e["id"] for e in received_envelopes(queue)) == ["q-0", "q-2", "q-3"]


@pytest.mark.parametrize("channel", ["sqs", "sns", "events"])
def test_entry_failing_every_attempt_is_reported_after_bounded_backoff(
    channel, aws, lambda_env, monkeypatch, sleeps, producer
):
    queue = wire(channel, lambda_env)
    flaky = Flaky(channel, monkeypatch, {"r-2": [TRANSIENT[channel]]})
    result = producer.handler({"messages": [order(f"r-{i}") for i in range(3)]}, None)
    assert result["sent"] == ["r-0", "r-1"]
    assert result["failed"] == [{"id": "r-2", "code": TRANSIENT[channel][0], "message": "injected"}]
    assert flaky.requests[1:] == [["r-2"]] * (sending.MAX_ATTEMPTS - 1)
    assert len(sleeps) == sending.MAX_ATTEMPTS - 1
    assert sleeps == sorted(sleeps)  # exponential: each wait at least the previous one
    assert sorted(e["id"] for e in received_envelopes(queue)) == ["r-0", "r-1"]


@pytest.mark.parametrize("channel", ["sqs", "sns", "events"])
def test_whole_call_retries_are_left_to_botocores_standard_retry_mode(channel, aws, lambda_env, monkeypatch, producer):
    wire(channel, lambda_env)
    made = []
    on_client(monkeypatch, channel, made.append)
    producer.handler({"messages": [order("c-1")]}, None)
    (api,) = made
    assert api.meta.config.retries == {"mode": "standard", "total_max_attempts": 3}


@pytest.mark.parametrize("channel", ["sqs", "sns", "events"])
def test_a_call_still_throttled_after_botocores_retries_reports_its_entries_without_another_call(
    channel, aws, lambda_env, monkeypatch, sleeps, producer
):
    wire(channel, lambda_env)
    calls = []

    def throttled(**request):
        calls.append(request)
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "slow down"}}, "Batch")

    on_client(monkeypatch, channel, lambda api: monkeypatch.setattr(api, METHODS[channel], throttled))
    result = producer.handler({"messages": [order("t-1"), order("t-2")]}, None)
    assert result == {
        "sent": [],
        "failed": [{"id": i, "code": "ThrottlingException", "message": "slow down"} for i in ("t-1", "t-2")],
    }
    assert len(calls) == 1 and sleeps == []


def test_call_refused_outright_reports_every_entry(aws, lambda_env, sleeps, producer):
    wire("sqs", lambda_env)
    lambda_env.setenv("MESSAGING_TARGET", "https://sqs.eu-west-1.amazonaws.com/123456789012/missing")
    result = producer.handler({"messages": [order("u-1"), order("u-2")]}, None)
    assert result["sent"] == [] and [f["id"] for f in result["failed"]] == ["u-1", "u-2"]
    assert all(f["code"] and f["message"] for f in result["failed"]) and sleeps == []


def test_failures_are_logged_with_envelope_id(aws, lambda_env, monkeypatch, sleeps, capsys, producer):
    wire("sqs", lambda_env)
    Flaky("sqs", monkeypatch, {"v-1": [PERMANENT["sqs"]]})
    producer.handler({"messages": [order("v-0"), order("v-1")]}, None)
    logged = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    (failure,) = [e for e in logged if e["message"] == "send failed"]
    assert failure["envelope_id"] == "v-1" and failure["code"] == "InvalidMessageContents"
    (sent,) = [e for e in logged if e["message"] == "sent"]
    assert sent["envelope_ids"] == ["v-0"]


@pytest.mark.parametrize("channel", ["sqs", "sns"])
def test_fifo_retry_never_lets_a_later_message_of_the_group_overtake(
    channel, aws, lambda_env, monkeypatch, sleeps, producer
):
    queue = wire(channel, lambda_env, fifo=True)
    # 12 messages: two requests of 10 + 2; group A has w-00 (first request) and w-11 (second request)
    messages = [order(f"w-{i:02d}", orderId="A" if i in (0, 11) else f"B{i}") for i in range(12)]
    flaky = Flaky(channel, monkeypatch, {"w-00": [TRANSIENT[channel], None]})
    result = producer.handler({"messages": messages}, None)
    assert result == {"sent": [m["id"] for m in messages], "failed": []}
    assert flaky.requests[0] == [f"w-{i:02d}" for i in range(10)]
    assert flaky.requests[1] == ["w-10"]  # w-11 held back: its group's w-00 is waiting for a retry
    assert flaky.requests[2] == ["w-00", "w-11"]
    arrived = [e["id"] for e in received_envelopes(queue) if e["data"]["orderId"] == "A"]
    assert arrived == ["w-00", "w-11"]
