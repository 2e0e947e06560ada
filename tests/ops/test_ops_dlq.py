"""Day 2 on a served stack, through the CLI as a user runs it: dead letters are seen, left alone,
redriven after the fix and processed exactly once (standard and FIFO queues)."""

from __future__ import annotations

import os
import socket

import pytest
from ops_support import REGION, Served, order, processed_once, write_messages

GOOD = [order(f"good-{n}") for n in range(3)]
BAD = [order(f"bad-{n}", valid=False) for n in range(2)]  # the demo processor rejects these (no customerAddress)
SENT = GOOD + BAD
IDS = {m["id"] for m in SENT}


def _scenario(served: Served, tmp_path, consumers: list[str]) -> dict:
    """Send, see the DLQ, peek twice, fix one consumer, redrive it; return what each step answered."""
    seen: dict = {}
    code, seen["send"], err = served.ops("send", "--messages", write_messages(tmp_path, SENT))
    assert code == 0, err
    for c in consumers:
        dlq = served.outputs["consumers"][c]["dlqUrl"]
        served.wait_for(f"{c} DLQ to hold the bad orders", lambda dlq=dlq: served.depth(dlq) == len(BAD))
    seen["peek"] = [served.ops("dlq", "peek", consumers[0])[1] for _ in range(2)]
    fixed = served.outputs["consumers"][consumers[0]]
    served.wait_for("the DLQ alarm", lambda: served.alarm_state(fixed["dlqUrl"]) == "ALARM")
    seen["status_before"] = served.ops("status")[1]
    function = {"FunctionName": fixed["function"]}
    seen["lambda"] = {m: served.metric_sum("AWS/Lambda", m, function) for m in ("Invocations", "Errors")}
    served.set_processor(consumers[0], "audit:record")  # the fix: a processor that accepts every order
    code, seen["redrive"], err = served.ops("dlq", "redrive", consumers[0], "--wait")
    assert code == 0, err
    deleted = {"QueueName": fixed["queueUrl"].rsplit("/", 1)[-1]}
    served.wait_for(
        "the redriven messages to be processed",
        lambda: (
            served.depth(fixed["queueUrl"]) == 0
            and served.metric_sum("AWS/SQS", "NumberOfMessagesDeleted", deleted) == len(SENT)
        ),
    )
    seen["status_after"] = served.ops("status")[1]
    seen["tasks"] = served.ops("dlq", "tasks", consumers[0])[1]
    return seen


@pytest.fixture(scope="module")
def standard(tmp_path_factory):
    directory = tmp_path_factory.mktemp("standard")
    config = {
        "aws:region": REGION,
        "messaging:topology": "fanout",
        "messaging:consumers": [{"name": "inventory", "match": {"type": ["OrderCreated"]}}, {"name": "analytics"}],
    }
    served = Served(directory, config)
    try:
        seen = _scenario(served, directory, ["inventory", "analytics"])
        seen["purge_refused"] = served.ops("dlq", "purge", "analytics", as_json=False)
        seen["purge"] = served.ops("dlq", "purge", "analytics", "--yes")
        seen["analytics_dlq_after_purge"] = served.wait_for(
            "the purge", lambda: served.depth(served.outputs["consumers"]["analytics"]["dlqUrl"]) == 0
        )
    finally:
        seen_report = served.stop()
    seen["report"] = seen_report
    seen["outputs"] = served.outputs
    seen["served"] = served
    return seen


@pytest.fixture(scope="module")
def fifo(tmp_path_factory):
    directory = tmp_path_factory.mktemp("fifo")
    config = {
        "aws:region": REGION,
        "messaging:topology": "point-to-point",
        "messaging:fifo": True,
        "messaging:consumers": [{"name": "inventory"}],
    }
    served = Served(directory, config)
    try:
        seen = _scenario(served, directory, ["inventory"])
    finally:
        seen_report = served.stop()
    seen["report"] = seen_report
    seen["outputs"] = served.outputs
    return seen


@pytest.fixture(
    params=[
        pytest.param("standard", marks=pytest.mark.xdist_group("ops-standard")),
        pytest.param("fifo", marks=pytest.mark.xdist_group("ops-fifo")),
    ]
)
def seen(request):
    return request.getfixturevalue(request.param)


def test_send_reports_every_id_the_producer_sent(seen):
    assert seen["send"] == {
        "function": seen["outputs"]["producerFunction"],
        "sent": [m["id"] for m in SENT],
        "failed": [],
    }


def test_peek_lists_exactly_the_dead_letters_and_leaves_them(seen):
    first, second = seen["peek"]
    for peek in (first, second):
        assert peek["consumer"] == "inventory"
        assert peek["dlq"] == seen["outputs"]["consumers"]["inventory"]["dlqUrl"].rsplit("/", 1)[-1]
        assert peek["count"] == len(BAD)
        assert sorted(m["id"] for m in peek["messages"]) == sorted(m["id"] for m in BAD)
        for m in peek["messages"]:
            assert m["type"] == "OrderCreated"
            assert f'"id":"{m["id"]}"' in m["excerpt"]
            assert m["sent"] <= m["first_receive"] <= m["last_receive"]
            assert m["message_id"]
    # The consumer received each message maxReceiveCount (5) times; every peek is one more receive.
    by_id = {m["id"]: m for m in first["messages"]}
    for m in second["messages"]:
        assert m["receive_count"] == by_id[m["id"]]["receive_count"] + 1
        assert by_id[m["id"]]["receive_count"] >= 6
        assert m["first_receive"] == by_id[m["id"]]["first_receive"]


def test_status_shows_the_dead_letters_alarm_and_mapping(seen):
    status = seen["status_before"]
    inv = status["consumers"]["inventory"]
    assert status["topology"] in ("fanout", "point-to-point")
    assert status["producer"] == seen["outputs"]["producerFunction"]
    assert status["channel"] == seen["outputs"]["channel"]
    assert status["switch"] is None
    assert inv["queue"] == seen["outputs"]["consumers"]["inventory"]["queueUrl"].rsplit("/", 1)[-1]
    assert (inv["visible"], inv["in_flight"], inv["dlq_depth"]) == (0, 0, len(BAD))
    assert inv["dlq_alarm"] == "ALARM"
    assert inv["mapping"] == "Enabled"
    assert inv["processed"] == len(GOOD)
    # The queue held messages for moments only: its oldest message's age over the last minute is small, not absent.
    assert isinstance(inv["oldest_age_seconds"], int) and 0 <= inv["oldest_age_seconds"] <= 30
    assert status["processed_window_seconds"] == 3600


def test_dead_letters_the_processor_reported_as_item_failures_are_no_function_errors(seen):
    # The consumer answers a failing record with batchItemFailures: Lambda counts no error for that.
    assert seen["lambda"]["Errors"] == 0 and seen["lambda"]["Invocations"] >= 2
    alarms = {(a["metric"], *a["dimensions"].values()): a["state"] for a in seen["status_before"]["alarms"]}
    inventory = seen["status_before"]["consumers"]["inventory"]
    function = seen["outputs"]["consumers"]["inventory"]["function"]
    assert alarms[("ApproximateNumberOfMessagesVisible", inventory["dlq"])] == "ALARM"
    assert alarms[("Errors", function)] == "OK"
    assert alarms[("Throttles", function)] == "OK"
    assert alarms[("ApproximateAgeOfOldestMessage", inventory["queue"])] == "OK"
    # Every delivery from the topic succeeded (fanout only: point-to-point has no ingress alarm).
    failed = [state for (metric, *_), state in alarms.items() if metric == "NumberOfNotificationsFailed"]
    assert failed == (["OK"] if seen["status_before"]["topology"] == "fanout" else [])


def test_redrive_after_the_fix_empties_the_dlq_and_everything_is_processed_once(seen):
    task = seen["redrive"]["task"]
    assert seen["redrive"]["consumer"] == "inventory"
    assert seen["redrive"]["destination"] == "source queue"
    assert (task["status"], task["moved"], task["to_move"], task["handle"]) == ("COMPLETED", len(BAD), len(BAD), None)
    after = seen["status_after"]["consumers"]["inventory"]
    assert (after["visible"], after["in_flight"], after["dlq_depth"], after["processed"]) == (0, 0, 0, len(SENT))
    assert [t["status"] for t in seen["tasks"]["tasks"]] == ["COMPLETED"]
    assert seen["tasks"]["tasks"][0]["moved"] == len(BAD)
    report = seen["report"]
    assert set(processed_once(report, "inventory")) == IDS
    assert report["consumers"]["inventory"]["dead_lettered"] == []
    assert report["unrouted"] == []


@pytest.mark.xdist_group("ops-standard")
def test_the_other_consumer_keeps_its_dead_letters_until_purged(standard):
    code, _, err = standard["purge_refused"]
    assert code == 2 and "add --yes" in err and len(err.strip().splitlines()) == 1
    code, purge, _ = standard["purge"]
    assert code == 0
    assert purge == {
        "consumer": "analytics",
        "dlq": standard["outputs"]["consumers"]["analytics"]["dlqUrl"].rsplit("/", 1)[-1],
        "purged": len(BAD),
    }
    assert set(processed_once(standard["report"], "analytics")) == {m["id"] for m in GOOD}
    assert standard["report"]["consumers"]["analytics"]["dead_lettered"] == []


@pytest.mark.xdist_group("ops-standard")
def test_serve_prints_how_to_reach_it_and_stops_on_sigterm_leaving_nothing(standard):
    served = standard["served"]
    url = served.url
    assert url.startswith("http://127.0.0.1:")
    assert served.lines[0] == f"serving stack ops (fanout, simulated time) on {url}"
    assert served.lines[2] == (
        f"export AWS_ENDPOINT_URL={url} AWS_REGION={REGION} AWS_DEFAULT_REGION={REGION} "
        "AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing"
    )
    assert served.lines[-1] == "stopped"
    assert served.proc.returncode == 0
    with pytest.raises(ProcessLookupError):
        os.kill(served.proc.pid, 0)
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):  # nothing listens there any more
        probe.connect(("127.0.0.1", int(url.rsplit(":", 1)[1])))
