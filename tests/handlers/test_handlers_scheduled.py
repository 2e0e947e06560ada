"""The producer invoked by a schedule (EventBridge Scheduler's input, keywords replaced), against moto."""

from __future__ import annotations

import json
import uuid

import pytest
from handler_testkit import CallLog, drain, received_envelopes, wire

from components import schedule_config
from components.schedule_config import ScheduleConfig, scheduler_input
from handlers import scheduled

ARN = "arn:aws:scheduler:eu-west-1:123456789012:schedule/messaging-dev/daily-report"
AT = "2026-01-01T06:00:00Z"


def invocation(envelope: dict, *, at: str = AT, arn: str = ARN) -> dict:
    """What Scheduler passes the producer: the stack's input with its keywords replaced, as Scheduler does."""
    text = json.dumps(scheduler_input(ScheduleConfig(name="daily-report", schedule="rate(1 day)", envelope=envelope)))
    text = text.replace(schedule_config.SCHEDULE_ARN_KEYWORD, arn).replace(schedule_config.SCHEDULED_TIME_KEYWORD, at)
    return json.loads(text)


@pytest.mark.parametrize("channel", ["sqs", "sns", "events"])
def test_a_scheduled_envelope_is_sent_with_the_scheduled_time_and_an_id_of_that_run(channel, aws, lambda_env, producer):
    queue = wire(channel, lambda_env)
    result = producer.handler(invocation({"type": "ReportDue", "data": {"report": "daily"}}), None)
    (arrived,) = received_envelopes(queue)
    expected_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{ARN}#{AT}"))
    assert arrived == {
        "id": expected_id,
        "type": "ReportDue",
        "time": AT,
        "source": "com.example.orders",
        "data": {"report": "daily"},
    }
    assert result == {"sent": [expected_id], "failed": []}


def test_a_retried_run_repeats_its_id_and_the_next_run_gets_a_new_one(aws, lambda_env, producer):
    queue = wire("sqs", lambda_env)
    envelope = {"type": "ReportDue"}
    first = producer.handler(invocation(envelope), None)["sent"]
    retried = producer.handler(invocation(envelope), None)["sent"]
    tomorrow = producer.handler(invocation(envelope, at="2026-01-02T06:00:00Z"), None)["sent"]
    other_schedule = producer.handler(invocation(envelope, arn=ARN.replace("daily-report", "other")), None)["sent"]
    assert first == retried
    assert len({first[0], tomorrow[0], other_schedule[0]}) == 3
    assert [e["time"] for e in received_envelopes(queue)] == [AT, AT, "2026-01-02T06:00:00Z", AT]


@pytest.mark.parametrize(
    ("event", "message"),
    [
        (invocation({"type": "ReportDue", "id": "mine"}), "envelope.id is filled at each run"),
        (invocation({"type": "ReportDue", "time": AT}), "envelope.time is filled at each run"),
        (invocation({"type": "ReportDue"}, at="<aws.scheduler.scheduled-time>"), "scheduledTime must be a UTC time"),
        (invocation({"type": "ReportDue"}, arn="daily-report"), "scheduleArn must be the schedule's ARN"),
        ({**invocation({"type": "ReportDue"}), "envelope": ["ReportDue"]}, "envelope must be an object"),
        (invocation({"data": {}}), r"messages\[0\]\.type: required"),
        (invocation({"type": "ReportDue", "source": "aws.scheduler"}), r"messages\[0\]\.source: 'aws.scheduler'"),
    ],
)
def test_a_scheduled_invocation_that_is_not_one_is_refused_and_nothing_is_sent(
    event, message, aws, lambda_env, producer
):
    queue = wire("sqs", lambda_env)
    calls = CallLog("sqs", lambda_env)
    with pytest.raises(ValueError, match=message):
        producer.handler(event, None)
    assert len(calls) == 0
    assert drain(queue) == []


def test_a_scheduled_run_that_could_not_send_raises_so_lambda_retries_and_dead_letters_it(aws, lambda_env, producer):
    wire("sqs", lambda_env)
    lambda_env.setenv("MESSAGING_TARGET", "https://sqs.eu-west-1.amazonaws.com/123456789012/no-such-queue")
    with pytest.raises(RuntimeError, match=r"schedule 'daily-report': not sent: \[\{'id': '[0-9a-f-]{36}', 'code'"):
        producer.handler(invocation({"type": "ReportDue"}), None)


def test_the_components_and_the_producer_agree_on_the_scheduled_input_keys():
    keys = {schedule_config.INPUT_SCHEDULE, schedule_config.INPUT_SCHEDULE_ARN}
    keys |= {schedule_config.INPUT_SCHEDULED_TIME, schedule_config.INPUT_ENVELOPE}
    assert keys == {scheduled.SCHEDULE, scheduled.SCHEDULE_ARN, scheduled.SCHEDULED_TIME, scheduled.ENVELOPE}
    assert set(scheduled.FILLED) == set(schedule_config.defaults.SCHEDULE_RUNTIME_FIELDS)
