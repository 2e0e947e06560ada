"""ops against a stack with a direct consumer (SNS or EventBridge invokes its function; it has no queue):
status shows "direct" where there is no queue or mapping, the DLQ works as any other's, and redrive says
why there is nothing to redrive into; nothing crashes. Lambda's asynchronous-invocation metrics and EventBridge's
failed invocations (a consumer forwarding to a bus that does not exist) are published, and the alarms on them fire."""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone

import pytest
from ops_support import REGION, Served, order, write_messages

GOOD = [order("big-1", total=5000), order("small-1", total=5)]
BAD = [order("big-bad", valid=False, total=7000)]
SHIPPED = [order("shipped-1", type_="OrderShipped", total=5)]  # partner's rule selects it; its bus does not exist
MISSING_BUS = f"arn:aws:events:{REGION}:123456789012:event-bus/not-created"

pytestmark = pytest.mark.xdist_group("ops-direct")  # one served stack for the module, on one worker


def _alarm(served: Served, metric: str, dims: dict[str, str]) -> str | None:
    """The state of the alarm the program declared on ``metric`` with exactly ``dims``."""
    wanted = sorted(dims.items())
    for alarm in served.client("cloudwatch").describe_alarms()["MetricAlarms"]:
        if alarm["MetricName"] == metric and sorted((d["Name"], d["Value"]) for d in alarm["Dimensions"]) == wanted:
            return alarm["StateValue"]
    return None


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
            {"name": "partner", "match": {"type": ["OrderShipped"]}, "bus": MISSING_BUS},
        ],
    }
    served = Served(directory, config)
    out: dict = {"outputs": served.outputs}
    try:
        start = datetime.now(timezone.utc) - timedelta(seconds=2)
        code, out["send"], err = served.ops("send", "--messages", write_messages(directory, GOOD + BAD + SHIPPED))
        assert code == 0, err
        dlq = served.outputs["consumers"]["alerts"]["dlqUrl"]
        served.wait_for("the failing invocation in the alerts DLQ", lambda: served.depth(dlq) == 1)
        alerts_errors = {"FunctionName": served.outputs["consumers"]["alerts"]["function"]}
        served.wait_for("the alerts errors alarm", lambda: _alarm(served, "Errors", alerts_errors) == "ALARM")
        out["status"] = served.ops_in_process("status")
        out["status_text"] = served.ops_in_process("status", as_json=False)
        out["peek"] = served.ops_in_process("dlq", "peek", "alerts")
        out["redrive"] = served.ops_in_process("dlq", "redrive", "alerts", as_json=False)
        time.sleep(1.1)
        out["replay"] = served.ops_in_process(
            "replay", "--from", _iso(start), "--to", _iso(datetime.now(timezone.utc)), "--consumer", "alerts", "--wait"
        )
        served.wait_for("the replayed invocation in the DLQ", lambda: served.depth(dlq) == 2)
        function = {"FunctionName": served.outputs["consumers"]["alerts"]["function"]}
        # Published once a second: wait for the last invocation's datapoint, then read everything.
        served.wait_for(
            "the replay's metrics", lambda: served.metric_sum("AWS/Lambda", "AsyncEventsDropped", function) == 2
        )
        out["lambda"] = {
            m: served.metric_sum("AWS/Lambda", m, function)
            for m in (
                "Invocations",
                "Errors",
                "Throttles",
                "AsyncEventsReceived",
                "AsyncEventsDropped",
                "DeadLetterErrors",
            )
        }
        bus = served.outputs["channel"]["target"]
        events = served.client("events")
        out["rules"] = {}
        for target in (
            MISSING_BUS,
            served.client("sqs").get_queue_attributes(
                QueueUrl=served.outputs["consumers"]["inventory"]["queueUrl"], AttributeNames=["QueueArn"]
            )["Attributes"]["QueueArn"],
        ):
            (rule,) = events.list_rule_names_by_target(TargetArn=target, EventBusName=bus)["RuleNames"]
            dims = {"EventBusName": bus, "RuleName": rule}
            out["rules"][target] = {
                "metrics": {
                    m: served.metric_sum("AWS/Events", m, dims)
                    for m in ("MatchedEvents", "Invocations", "FailedInvocations")
                },
                "alarm": _alarm(served, "FailedInvocations", dims),
            }
        out["alarms"] = {
            "alerts-errors": _alarm(served, "Errors", function),
            "alerts-throttles": _alarm(served, "Throttles", function),
            "inventory-errors": _alarm(
                served, "Errors", {"FunctionName": served.outputs["consumers"]["inventory"]["function"]}
            ),
        }
        # Last, as they leave the producer broken: an envelope it refuses (bad input), then a producer that fails.
        too_long = [order("long-type", type_="Order" + "x" * 124)]  # 129 characters: over EventBridge's 128
        out["send_refused"] = served.ops_in_process(
            "send", "--messages", write_messages(directory, too_long, "long.json")
        )
        lam, producer = served.client("lambda"), served.outputs["producerFunction"]
        env = lam.get_function_configuration(FunctionName=producer)["Environment"]["Variables"]
        lam.update_function_configuration(
            FunctionName=producer, Environment={"Variables": {**env, "MESSAGING_CHANNEL": "carrier-pigeon"}}
        )
        out["send_failed"] = served.ops_in_process("send", "--count", "1")
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
    (row,) = [line for line in text.splitlines() if line.startswith("│ alerts")]
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


def test_send_exits_2_for_an_envelope_the_producer_refuses_and_1_when_the_producer_fails(seen):
    producer = seen["outputs"]["producerFunction"]
    code, out, err = seen["send_refused"]
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"ops: error: the producer {producer} refused messages 1..1: messages[0].type: 129 characters, over the limit "
        "of 128 (nothing was sent)"
    ]
    code, out, err = seen["send_failed"]
    assert (code, out) == (1, "")
    (line,) = err.splitlines()
    assert line.startswith(f"ops: error: the producer {producer} failed on messages 1..1: ")
    assert "ConfigError: MESSAGING_CHANNEL='carrier-pigeon'" in line and line.endswith(" (nothing was sent)")


def test_replay_to_a_direct_consumer_finds_the_rule_that_targets_its_function(seen):
    code, replay, err = seen["replay"]
    assert code == 0, err
    assert replay["rules"] == ["alerts"]
    assert replay["state"] == "COMPLETED"


def test_lambda_publishes_a_direct_consumers_asynchronous_events_and_errors(seen):
    # big-1 and big-bad, then both again from the replay: big-bad raises on each of its three attempts (two
    # retries) and is dropped, after Lambda sent it to the DLQ.
    assert seen["lambda"] == {
        "Invocations": 8,
        "Errors": 6,
        "Throttles": 0,  # the emulator never throttles
        "AsyncEventsReceived": 4,
        "AsyncEventsDropped": 2,
        "DeadLetterErrors": 0,
    }
    assert seen["alarms"] == {"alerts-errors": "ALARM", "alerts-throttles": "OK", "inventory-errors": "OK"}


def test_eventbridge_counts_a_put_on_a_missing_bus_as_a_failed_invocation_and_its_alarm_fires(seen):
    partner = seen["rules"][MISSING_BUS]
    assert partner == {"metrics": {"MatchedEvents": 1, "Invocations": 1, "FailedInvocations": 1}, "alarm": "ALARM"}
    (inventory,) = [r for target, r in seen["rules"].items() if target != MISSING_BUS]
    sent = len(GOOD + BAD + SHIPPED)
    assert inventory == {"metrics": {"MatchedEvents": sent, "Invocations": sent, "FailedInvocations": 0}, "alarm": "OK"}


def test_status_lists_the_alarms_in_alarm_by_name_and_metric(seen):
    code, status, err = seen["status"]
    assert code == 0, err
    firing = {
        (a["namespace"], a["metric"], tuple(a["dimensions"].values()))
        for a in status["alarms"]
        if a["state"] == "ALARM"
    }
    function = seen["outputs"]["consumers"]["alerts"]["function"]
    assert ("AWS/Lambda", "Errors", (function,)) in firing
    assert ("AWS/SQS", "ApproximateNumberOfMessagesVisible", (status["consumers"]["alerts"]["dlq"],)) in firing
    assert all(a["state"] in ("OK", "ALARM") for a in status["alarms"])
    _, text, _ = seen["status_text"]
    (line,) = [line for line in text.splitlines() if line.startswith("alarms: ")]
    assert "in ALARM: " in line and f"AWS/Lambda Errors FunctionName={function}" in line
