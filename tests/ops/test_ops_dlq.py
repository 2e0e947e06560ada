"""Day 2 on a served stack, through the CLI as a user runs it: dead letters are seen, left alone,
redriven after the fix and processed exactly once (standard and FIFO queues); on the standard stack, scheduled
runs that failed (a producer run that kept failing, an Invoke Scheduler was denied) are listed by status, peeked
with their envelope and reason, and run again by redrive until, fixed, they reach the consumers routing selects."""

from __future__ import annotations

import json
import os
import re
import socket
import urllib.error
import uuid
from collections import Counter

import pytest
from ops_support import REGION, Served, order, processed_once, write_messages

from components import lambda_env

GOOD = [order(f"good-{n}") for n in range(3)]
BAD = [order(f"bad-{n}", valid=False) for n in range(2)]  # the demo processor rejects these (no customerAddress)
SENT = GOOD + BAD
IDS = {m["id"] for m in SENT}
# Valid orders of a type inventory does not take: once their runs succeed, they reach analytics only.
SHIPPED = {"customerName": "Ada Lovelace", "customerAddress": "1 Analytical Way"}
SCHEDULES = [
    {"name": "nightly-shipping", "schedule": "cron(0 2 * * ? *)",  # its producer run fails
     "envelope": {"type": "OrderShipped", "data": {"orderId": "o-nightly", **SHIPPED}}},
    {"name": "hourly-shipping", "schedule": "rate(1 hour)",  # Scheduler may not invoke the producer
     "envelope": {"type": "OrderShipped", "data": {"orderId": "o-hourly", **SHIPPED}}},
]  # fmt: skip
AT = "2026-01-01T02:00:00Z"
JUNK = "not a dead letter of a schedule"


def _scenario(served: Served, tmp_path, consumers: list[str]) -> dict:
    """Send, see the DLQ, peek twice, fix one consumer, redrive it; return what each step answered."""
    seen: dict = {}
    code, seen["send"], err = served.ops("send", "--messages", write_messages(tmp_path, SENT))
    assert code == 0, err
    for c in consumers:
        dlq = served.outputs["consumers"][c]["dlqUrl"]
        served.wait_for(f"{c} DLQ to hold the bad orders", lambda dlq=dlq: served.depth(dlq) == len(BAD))
    seen["peek"] = [served.ops_in_process("dlq", "peek", consumers[0])[1] for _ in range(2)]
    seen["peek_one"] = served.ops_in_process("dlq", "peek", consumers[0], "--limit", "1")
    seen["peek_one_text"] = served.ops_in_process("dlq", "peek", consumers[0], "--limit", "1", as_json=False)
    fixed = served.outputs["consumers"][consumers[0]]
    served.wait_for("the DLQ alarm", lambda: served.alarm_state(fixed["dlqUrl"]) == "ALARM")
    seen["status_before"] = served.ops_in_process("status")[1]
    function = {"FunctionName": fixed["function"]}
    seen["lambda"] = {m: served.metric_sum("AWS/Lambda", m, function) for m in ("Invocations", "Errors")}
    served.set_processor(consumers[0], "audit:record")  # the fix: a processor that accepts every order
    code, seen["redrive"], err = served.ops_in_process("dlq", "redrive", consumers[0], "--wait")
    assert code == 0, err
    deleted = {"QueueName": fixed["queueUrl"].rsplit("/", 1)[-1]}
    served.wait_for(
        "the redriven messages to be processed",
        lambda: (
            served.depth(fixed["queueUrl"]) == 0
            and served.metric_sum("AWS/SQS", "NumberOfMessagesDeleted", deleted) == len(SENT)
        ),
    )
    seen["status_after"] = served.ops_in_process("status")[1]
    seen["tasks"] = served.ops_in_process("dlq", "tasks", consumers[0])[1]
    return seen


def _refusals(served: Served, consumer: str) -> dict:
    """A redrive that cannot finish (the dead letters are held in flight), started twice; cancelled twice."""
    seen: dict = {}
    dlq, sqs = served.outputs["consumers"][consumer]["dlqUrl"], served.client("sqs")
    held: list = []

    def hold() -> bool:
        held.extend(
            sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=600).get("Messages", [])
        )
        return len(held) == len(BAD)

    served.wait_for(f"{consumer}'s dead letters held in flight", hold)
    try:
        redrive = ["dlq", "redrive", consumer, "--max-per-second", "1"]
        seen["first"] = served.ops_in_process(*redrive)
        seen["again"] = served.ops_in_process(*redrive, as_json=False)
        seen["cancel"] = served.ops_in_process("dlq", "redrive", consumer, "--cancel")
        seen["cancel_again"] = served.ops_in_process("dlq", "redrive", consumer, "--cancel", as_json=False)
    finally:
        entries = [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"], "VisibilityTimeout": 0} for i, m in enumerate(held)
        ]
        sqs.change_message_visibility_batch(QueueUrl=dlq, Entries=entries)
    return seen


def run_id(outputs: dict, schedule: str) -> str:
    """The id the producer gives a run's envelope (uuid5 of the schedule ARN and the scheduled time)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{outputs['schedules']['schedules'][schedule]}#{AT}"))


def _schedules_scenario(served: Served) -> dict:
    """Two scheduled runs fail (the producer cannot publish; Scheduler may not invoke it); status, peek; a redrive
    before the fix puts them back; the fix, a redrive that delivers them; a body of neither kind, then a purge."""
    seen: dict = {}
    lam, iam, sqs = served.client("lambda"), served.client("iam"), served.client("sqs")
    producer, schedules = served.outputs["producerFunction"], served.outputs["schedules"]
    env = lam.get_function_configuration(FunctionName=producer)["Environment"]["Variables"]
    broken = {**env, lambda_env.TARGET: env[lambda_env.TARGET] + "-deleted"}  # a topic that does not exist
    lam.update_function_configuration(FunctionName=producer, Environment={"Variables": broken})
    seen["failed_run"] = served.fire("nightly-shipping", AT)
    role = served.client("scheduler").get_schedule(Name="hourly-shipping", GroupName=schedules["group"])
    role_name = role["Target"]["RoleArn"].rsplit("/", 1)[-1]
    (policy_name,) = iam.list_role_policies(RoleName=role_name)["PolicyNames"]
    policy = iam.get_role_policy(RoleName=role_name, PolicyName=policy_name)["PolicyDocument"]
    denied = {**policy, "Statement": [st for st in policy["Statement"] if st.get("Sid") != "InvokeProducer"]}
    iam.put_role_policy(RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(denied))
    seen["denied_invoke"] = served.fire("hourly-shipping", AT)
    iam.put_role_policy(RoleName=role_name, PolicyName=policy_name, PolicyDocument=json.dumps(policy))
    try:
        served.fire("weekly")
    except urllib.error.HTTPError as exc:
        seen["unknown_fire"] = (exc.code, json.loads(exc.read()))
    dlq = schedules["dlqUrl"]
    served.wait_for("the schedules DLQ alarm", lambda: served.alarm_state(dlq) == "ALARM")
    seen["status"] = served.ops_in_process("status")
    seen["status_text"] = served.ops_in_process("status", as_json=False)
    seen["peek"] = served.ops_in_process("dlq", "peek", "schedules")
    seen["peek_text"] = served.ops_in_process("dlq", "peek", "schedules", as_json=False)
    seen["redrive_unfixed"] = served.ops_in_process("dlq", "redrive", "schedules")
    seen["peek_unfixed"] = served.ops_in_process("dlq", "peek", "schedules")
    lam.update_function_configuration(FunctionName=producer, Environment={"Variables": env})  # the fix
    seen["redrive"] = served.ops_in_process("dlq", "redrive", "schedules", "--max-per-second", "5", "--wait")
    analytics = served.outputs["consumers"]["analytics"]["queueUrl"]
    served.wait_for("the re-run envelopes to be processed", lambda: served.depth(analytics) == 0)
    seen["status_after"] = served.ops_in_process("status")
    sqs.send_message(QueueUrl=dlq, MessageBody=JUNK)
    seen["redrive_junk"] = served.ops_in_process("dlq", "redrive", "schedules")
    seen["depth_after_junk"] = served.depth(dlq)
    seen["purge"] = served.ops_in_process("dlq", "purge", "schedules", "--yes")
    seen["depth_after_purge"] = served.wait_for("the purge", lambda: served.depth(dlq) == 0)
    return seen


@pytest.fixture(scope="module")
def standard(tmp_path_factory):
    directory = tmp_path_factory.mktemp("standard")
    config = {
        "aws:region": REGION,
        "messaging:topology": "fanout",
        "messaging:consumers": [{"name": "inventory", "match": {"type": ["OrderCreated"]}}, {"name": "analytics"}],
        "messaging:schedules": SCHEDULES,
    }
    served = Served(directory, config)
    try:
        seen = _scenario(served, directory, ["inventory", "analytics"])
        seen["refusals"] = _refusals(served, "analytics")
        seen["purge_refused"] = served.ops_in_process("dlq", "purge", "analytics", as_json=False)
        seen["purge"] = served.ops_in_process("dlq", "purge", "analytics", "--yes")
        seen["analytics_dlq_after_purge"] = served.wait_for(
            "the purge", lambda: served.depth(served.outputs["consumers"]["analytics"]["dlqUrl"]) == 0
        )
        seen["schedules"] = _schedules_scenario(served)
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
        assert peek["count"] == peek["dlq_depth"] == len(BAD)
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


def test_peek_with_a_limit_says_how_many_it_shows_of_how_many_the_dlq_holds(seen):
    code, one, err = seen["peek_one"]
    assert code == 0, err
    assert (one["count"], one["dlq_depth"], len(one["messages"])) == (1, len(BAD), 1)
    assert one["messages"][0]["id"] in {m["id"] for m in BAD}
    code, text, err = seen["peek_one_text"]
    assert code == 0, err
    assert text.splitlines()[0] == f"showing 1 of {len(BAD)} message(s) in {one['dlq']} (left in place)"


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
def test_a_redrive_aws_refuses_and_a_cancel_with_none_running_exit_1_in_one_line(standard):
    refusals, dlq = standard["refusals"], standard["outputs"]["consumers"]["analytics"]["dlqUrl"].rsplit("/", 1)[-1]
    code, first, err = refusals["first"]
    assert code == 0, err
    assert (first["task"]["status"], first["task"]["moved"], first["task"]["max_per_second"]) == ("RUNNING", 0, 1)
    code, out, err = refusals["again"]
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"ops: error: SQS refused the redrive of {dlq}: There is already a task running. Only one active task is "
        "allowed for a source queue arn at a given time."
    ]
    code, cancel, err = refusals["cancel"]
    assert code == 0, err
    assert cancel == {"consumer": "analytics", "dlq": dlq, "cancelled": True, "moved": 0}
    code, out, err = refusals["cancel_again"]
    assert (code, out) == (1, "")
    assert err.splitlines() == [
        f"ops: error: no redrive of {dlq} is running, so there is nothing to cancel (see `dlq tasks analytics`)"
    ]


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
    scheduled = {run_id(standard["outputs"], s["name"]) for s in SCHEDULES}  # re-run at the end (below)
    assert set(processed_once(standard["report"], "analytics")) == {m["id"] for m in GOOD} | scheduled
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
    assert f"to run a schedule now: curl -X POST {url}/_emulator/schedules/NAME/fire" in served.lines
    assert served.lines[-1] == "stopped"
    assert served.proc.returncode == 0
    with pytest.raises(ProcessLookupError):
        os.kill(served.proc.pid, 0)
    with socket.socket() as probe, pytest.raises(ConnectionRefusedError):  # nothing listens there any more
        probe.connect(("127.0.0.1", int(url.rsplit(":", 1)[1])))


# --- the schedules (standard stack) -----------------------------------------------------------------------


@pytest.fixture
def scheduled(standard):
    return standard["schedules"]


@pytest.mark.xdist_group("ops-standard")
def test_a_run_that_kept_failing_and_an_invoke_scheduler_was_denied_both_end_in_the_schedules_dlq(standard, scheduled):
    dlq = standard["outputs"]["schedules"]["dlqUrl"].rsplit("/", 1)[-1]
    failed, denied = scheduled["failed_run"], scheduled["denied_invoke"]
    assert (failed["invoked"], failed["attempts"], failed["dead_letter"], failed["sent"]) == (True, 3, dlq, [])
    assert (denied["invoked"], denied["attempts"], denied["dead_letter"], denied["sent"]) == (False, 0, dlq, [])
    assert "does not allow lambda:InvokeFunction" in denied["error"]
    assert scheduled["unknown_fire"] == (
        404,
        {"message": "no schedule 'weekly' in this stack (schedules: hourly-shipping, nightly-shipping)"},
    )


@pytest.mark.xdist_group("ops-standard")
def test_status_lists_each_schedule_and_the_schedules_dlq_depth_and_alarm(standard, scheduled):
    code, status, err = scheduled["status"]
    assert code == 0, err
    outputs = standard["outputs"]["schedules"]
    assert status["schedules"] == {
        "group": outputs["group"],
        "dlq": outputs["dlqUrl"].rsplit("/", 1)[-1],
        "dlq_depth": 2,
        "dlq_alarm": "ALARM",
        "schedules": {
            s["name"]: {"arn": outputs["schedules"][s["name"]], "expression": s["schedule"], "state": "ENABLED"}
            for s in SCHEDULES
        },
    }
    code, text, _ = scheduled["status_text"]
    assert code == 0
    assert f"schedules (group {outputs['group']})" in text
    assert re.search(r"│ hourly-shipping +│ rate\(1 hour\) +│ ENABLED │", text)
    assert re.search(r"│ nightly-shipping +│ cron\(0 2 \* \* \? \*\) +│ ENABLED │", text)
    assert f"schedules DLQ {status['schedules']['dlq']}: 2 dead letter(s), alarm ALARM" in text
    assert scheduled["status_after"][1]["schedules"]["dlq_depth"] == 0


@pytest.mark.xdist_group("ops-standard")
def test_peek_schedules_shows_the_envelope_each_run_carried_and_why_it_died(standard, scheduled):
    code, peek, err = scheduled["peek"]
    assert code == 0, err
    arns = standard["outputs"]["schedules"]["schedules"]
    dlq = scheduled["status"][1]["schedules"]["dlq"]
    assert (peek["consumer"], peek["dlq"], peek["count"]) == ("schedules", dlq, 2)
    by_schedule = {m["schedule"]: m for m in peek["messages"]}
    for spec in SCHEDULES:
        letter = by_schedule[spec["name"]]
        assert (letter["envelope"], letter["type"]) == (spec["envelope"], "OrderShipped")
        assert (letter["schedule_arn"], letter["scheduled_time"]) == (arns[spec["name"]], AT)
    run, invoke = by_schedule["nightly-shipping"], by_schedule["hourly-shipping"]
    assert (run["dead_lettered_by"], run["attempts"]) == ("lambda", 3)
    assert run["reason"].startswith(
        "RetriesExhausted after 3 attempt(s): ScheduledSendError: schedule 'nightly-shipping': not sent"
    )
    assert (invoke["dead_lettered_by"], invoke["attempts"]) == ("scheduler", None)
    assert invoke["reason"].startswith("AccessDeniedException: the execution role ")
    assert "does not allow lambda:InvokeFunction" in invoke["reason"]
    code, text, _ = scheduled["peek_text"]
    assert peek["dlq_depth"] == 2
    assert code == 0 and text.startswith(f"showing 2 of 2 failed scheduled run(s) in {peek['dlq']} (left in place)")
    assert "│ nightly-shipping │ 2026-01-01T02:00:00Z │ lambda" in text
    assert "│ hourly-shipping  │ 2026-01-01T02:00:00Z │ scheduler" in text


@pytest.mark.xdist_group("ops-standard")
def test_a_redrive_before_the_fix_runs_each_again_and_lambda_dead_letters_it_anew(scheduled):
    code, redrive, err = scheduled["redrive_unfixed"]
    assert code == 0, err
    assert (redrive["found"], redrive["rerun"], redrive["skipped"], redrive["stopped"]) == (2, 2, [], None)
    before = {m["message_id"] for m in scheduled["peek"][1]["messages"]}
    again = scheduled["peek_unfixed"][1]["messages"]
    assert sorted((m["schedule"], m["dead_lettered_by"], m["attempts"]) for m in again) == [
        ("hourly-shipping", "lambda", 3),
        ("nightly-shipping", "lambda", 3),
    ]
    assert {m["envelope"]["data"]["orderId"] for m in again} == {"o-hourly", "o-nightly"}
    assert before.isdisjoint(m["message_id"] for m in again)  # the old dead letters were deleted


@pytest.mark.xdist_group("ops-standard")
def test_a_redrive_after_the_fix_delivers_each_envelope_once_to_the_consumers_routing_selects(standard, scheduled):
    code, redrive, err = scheduled["redrive"]
    assert code == 0, err
    assert redrive == {
        "consumer": "schedules",
        "dlq": scheduled["status"][1]["schedules"]["dlq"],
        "destination": "producer function",
        "function": standard["outputs"]["producerFunction"],
        "found": 2,
        "rerun": 2,
        "skipped": [],
        "stopped": None,
        "max_per_second": 5,
    }
    report = standard["report"]
    ids = {run_id(standard["outputs"], s["name"]) for s in SCHEDULES}
    assert ids <= set(processed_once(report, "analytics"))  # analytics takes every type
    assert ids.isdisjoint(report["consumers"]["inventory"]["processed"])  # inventory takes OrderCreated only
    assert Counter(i for i in report["sent"] if i in ids) == dict.fromkeys(ids, 1)  # each published once
    assert report["unrouted"] == []


@pytest.mark.xdist_group("ops-standard")
def test_a_body_of_neither_kind_stays_in_the_dlq_until_purged(scheduled):
    code, out, _ = scheduled["redrive_junk"]
    redrive = json.loads(out)
    assert code == 1
    assert (redrive["found"], redrive["rerun"], redrive["stopped"]) == (1, 0, None)
    assert [m["reason"] for m in redrive["skipped"]] == [
        "neither a Scheduler dead letter nor a Lambda destination record"
    ]
    assert scheduled["depth_after_junk"] == 1
    code, purge, err = scheduled["purge"]
    assert code == 0, err
    assert purge == {"consumer": "schedules", "dlq": redrive["dlq"], "purged": 1}
