"""ops against a stack with a direct consumer (SNS or EventBridge invokes its function; it has no queue):
status shows "direct" where there is no queue or mapping, the DLQ works as any other's, and redrive says
why there is nothing to redrive into; nothing crashes."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from ops_support import REGION, Served, order, write_messages

GOOD = [order("big-1", total=5000), order("small-1", total=5)]
BAD = [order("big-bad", valid=False, total=7000)]

pytestmark = pytest.mark.xdist_group("ops-direct")  # one served stack for the module, on one worker


def _iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def seen(tmp_path_factory):
    directory = tmp_path_factory.mktemp("direct")
    config = {
        "aws:region": REGION,
        "messaging:topology": "eventbridge",
        "messaging:consumers": [
            {"name": "alerts", "delivery": "direct", "match": {"data": {"total": [{"numeric": [">", 1000]}]}}},
            {"name": "inventory"},
        ],
    }
    served = Served(directory, config)
    out: dict = {"outputs": served.outputs}
    try:
        start = datetime.now(timezone.utc) - timedelta(seconds=2)
        code, out["send"], err = served.ops("send", "--messages", write_messages(directory, GOOD + BAD))
        assert code == 0, err
        dlq = served.outputs["consumers"]["alerts"]["dlqUrl"]
        served.wait_for("the failing invocation in the alerts DLQ", lambda: served.depth(dlq) == 1)
        out["status"] = served.ops("status")
        out["status_text"] = served.ops("status", as_json=False)
        out["peek"] = served.ops("dlq", "peek", "alerts")
        out["redrive"] = served.ops("dlq", "redrive", "alerts", as_json=False)
        time.sleep(1.1)
        out["replay"] = served.ops(
            "replay", "--from", _iso(start), "--to", _iso(datetime.now(timezone.utc)), "--consumer", "alerts", "--wait"
        )
        served.wait_for("the replayed invocation in the DLQ", lambda: served.depth(dlq) == 2)
    finally:
        out["report"] = served.stop()
    return out


def test_a_direct_consumer_has_no_queue_url_in_the_outputs(seen):
    alerts = seen["outputs"]["consumers"]["alerts"]
    assert alerts.get("queueUrl") is None and alerts["delivery"] == "direct"  # null or absent: no queue
    assert alerts["dlqUrl"].rsplit("/", 1)[-1].startswith("alerts-dlq-")


def test_status_shows_direct_where_there_is_no_queue_and_the_dlq_as_for_any_consumer(seen):
    code, status, err = seen["status"]
    assert code == 0, err
    alerts = status["consumers"]["alerts"]
    assert alerts["delivery"] == "direct"
    assert (alerts["queue"], alerts["visible"], alerts["in_flight"], alerts["oldest_age_seconds"]) == (
        None,
        None,
        None,
        None,
    )
    assert alerts["mapping"] == "direct"
    assert alerts["dlq_depth"] == 1
    assert status["consumers"]["inventory"]["delivery"] == "queue"
    code, text, err = seen["status_text"]
    assert code == 0, err
    (row,) = [line for line in text.splitlines() if "alerts" in line]
    assert row.count("direct") >= 4


def test_peek_shows_the_envelope_lambda_dead_lettered(seen):
    code, peek, err = seen["peek"]
    assert code == 0, err
    (message,) = peek["messages"]
    assert (message["id"], message["type"]) == ("big-bad", "OrderCreated")


def test_redrive_of_a_direct_consumer_is_one_line_saying_there_is_no_queue(seen):
    code, out, err = seen["redrive"]
    assert code == 2
    assert err.strip().count("\n") == 0
    assert "consumer alerts is direct" in err and "no queue to redrive" in err


def test_replay_to_a_direct_consumer_finds_the_rule_that_targets_its_function(seen):
    code, replay, err = seen["replay"]
    assert code == 0, err
    assert replay["rules"] == ["alerts"]
    assert replay["state"] == "COMPLETED"
