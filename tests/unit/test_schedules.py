"""messaging:schedules: refused at preview like the rest of config, and the resources a schedule gets
(the Scheduler schedule, its role, its DLQ and alarm, the producer's on-failure destination)."""

import json

import pytest
from pulumi_harness import ACCOUNT, REGION, attempt_program, run_program, stack_config

from components import ConsumerArgs, MessagingArgs, ScheduleArgs, defaults, schedule_config
from components.config import ConfigError, parse_stack_config
from components.schedule_policies import scheduler_assume_role_policy, scheduler_role_policy
from handlers import envelope as envelopes

REPORT = {"name": "daily-report", "schedule": "cron(0 6 * * ? *)", "envelope": {"type": "ReportDue", "data": {}}}
HIGH_SHIPPED = {
    "name": "big-shipped",
    "schedule": "rate(5 minutes)",
    "envelope": {"type": "OrderShipped", "source": "com.example.shop", "data": {"priority": "HIGH", "total": 5000}},
}
ORDER_SCHEMA = "tests/unit/schemas/order-created.json"


def parse(schedules, **options):
    raw = {"topology": "fanout", "consumers": [{"name": "inventory"}], "schedules": schedules, **options}
    return parse_stack_config(raw, project="messaging", stack="dev", region=REGION)


def refusal(schedules, **options) -> list[str]:
    with pytest.raises(ConfigError) as raised:
        parse(schedules, **options)
    text = str(raised.value).removeprefix("invalid stack config:")
    return [line.strip().removeprefix("- ") for line in text.strip().splitlines() if line.strip()]


# ------------------------------------------------------------------ config


def test_a_valid_schedule_is_read_as_written():
    (schedule,) = parse([REPORT]).schedules
    assert (schedule.name, schedule.schedule, dict(schedule.envelope)) == (
        "daily-report",
        "cron(0 6 * * ? *)",
        {"type": "ReportDue", "data": {}},
    )


def test_no_schedules_by_default():
    assert (
        parse_stack_config(
            {"topology": "fanout", "consumers": [{"name": "a"}]}, project="messaging", stack="dev", region=REGION
        ).schedules
        == ()
    )
    assert defaults.SCHEDULES == ()


BAD = [
    (
        "invalid cron",
        [{**REPORT, "schedule": "cron(0 6 * * * *)"}],
        'messaging:schedules[0].schedule: "cron(0 6 * * * *)" is not allowed; exactly one of day-of-month and '
        "day-of-week must be ? (day-of-month is '*' and day-of-week is '*'); e.g. cron(0 8 * * ? *) for every day "
        "or cron(0 8 ? * MON-FRI *) for weekdays",
    ),
    (
        "invalid rate",
        [{**REPORT, "schedule": "rate(1 hours)"}],
        'messaging:schedules[0].schedule: "rate(1 hours)" is not allowed; a rate of 1 takes the singular unit: '
        "rate(1 hour)",
    ),
    (
        "missing schedule",
        [{"name": "x", "envelope": {"type": "T"}}],
        "messaging:schedules[0].schedule: null is not allowed; give a cron(...) or rate(...) expression, e.g. "
        "rate(5 minutes), rate(1 hour) or cron(0 8 * * ? *) (08:00 UTC daily)",
    ),
    (
        "missing type",
        [{**REPORT, "envelope": {"data": {}}}],
        "messaging:schedules[0].envelope.type: missing; an envelope needs a type (a non-empty string of at most 128 "
        "characters, e.g. ReportDue): it selects the consumers",
    ),
    (
        "empty type",
        [{**REPORT, "envelope": {"type": " "}}],
        'messaging:schedules[0].envelope.type: " " is not allowed; required, a non-empty string of at most 128 '
        "characters, e.g. ReportDue",
    ),
    (
        "type too long",
        [{**REPORT, "envelope": {"type": "T" * 129}}],
        "messaging:schedules[0].envelope.type: 129 characters is not allowed; at most 128 (EventBridge's detail-type)",
    ),
    (
        "id given",
        [{**REPORT, "envelope": {"type": "ReportDue", "id": "r-1"}}],
        'messaging:schedules[0].envelope.id: "r-1" is not allowed; the producer fills id at each run (a new id for '
        "every run), so leave it out",
    ),
    (
        "time given",
        [{**REPORT, "envelope": {"type": "ReportDue", "time": "2026-01-01T00:00:00Z"}}],
        'messaging:schedules[0].envelope.time: "2026-01-01T00:00:00Z" is not allowed; the producer fills time at '
        "each run (the time the run was scheduled for), so leave it out",
    ),
    (
        "reserved source",
        [{**REPORT, "envelope": {"type": "ReportDue", "source": "aws.scheduler"}}],
        'messaging:schedules[0].envelope.source: "aws.scheduler" is not allowed; a non-empty string of at most 256 '
        "characters not starting with 'aws.' (reserved by AWS), or leave it out for messaging:source",
    ),
    (
        "data not an object",
        [{**REPORT, "envelope": {"type": "ReportDue", "data": [1]}}],
        "messaging:schedules[0].envelope.data: [1] is not allowed; data is a JSON object when present",
    ),
    (
        "missing envelope",
        [{"name": "x", "schedule": "rate(1 day)"}],
        'messaging:schedules[0].envelope: not set; give the envelope to publish, e.g. {"type": "ReportDue", '
        '"data": {}}',
    ),
    (
        "duplicate name",
        [REPORT, {**REPORT, "schedule": "rate(1 day)"}],
        'messaging:schedules[1].name: "daily-report" is a duplicate of messaging:schedules[0].name; schedule names '
        "must be unique",
    ),
    (
        "name too long",
        [{**REPORT, "name": "n" * 65}],
        f"messaging:schedules[0].name: \"{'n' * 65}\" is not allowed; use letters, digits, '-', '_' and '.', at "
        "most 64 characters (EventBridge Scheduler's schedule names)",
    ),
    (
        "name with a space",
        [{**REPORT, "name": "daily report"}],
        "messaging:schedules[0].name: \"daily report\" is not allowed; use letters, digits, '-', '_' and '.', at "
        "most 64 characters (EventBridge Scheduler's schedule names)",
    ),
    (
        "unknown key",
        [{**REPORT, "timezone": "UTC"}],
        "messaging:schedules[0].timezone: unknown key; known keys are name, schedule, envelope",
    ),  # fmt: skip
    (
        "not a list",
        {"name": "x"},
        'messaging:schedules: {"name": "x"} is not allowed; give a list of schedules, e.g. [{"name": "daily-report", '
        '"schedule": "cron(0 6 * * ? *)", "envelope": {"type": "ReportDue"}}]',
    ),
    (
        "item not an object",
        ["daily-report"],
        'messaging:schedules[0]: "daily-report" is not allowed; a schedule is an object with a name, a schedule and '
        "an envelope",
    ),
]


@pytest.mark.parametrize(("schedules", "expected"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_a_bad_schedule_is_refused_with_key_value_and_what_is_allowed(schedules, expected):
    assert refusal(schedules) == [expected]


def test_the_longest_name_and_every_allowed_character_are_accepted():
    name = ("Aa0-_." * 11)[: defaults.SCHEDULE_NAME_MAX_LENGTH]
    assert [s.name for s in parse([{**REPORT, "name": name}]).schedules] == [name]


def test_every_schedule_mistake_is_reported_at_once_with_the_rest_of_the_config():
    errors = refusal(
        [{"name": "a b", "schedule": "rate(2 hour)", "envelope": {"id": "x"}}, REPORT, REPORT],
        fifo="maybe-not-a-bool",
    )
    assert errors == [
        'messaging:fifo: "maybe-not-a-bool" is not allowed; use true or false',
        "messaging:schedules[0].name: \"a b\" is not allowed; use letters, digits, '-', '_' and '.', at most 64 "
        "characters (EventBridge Scheduler's schedule names)",
        'messaging:schedules[0].schedule: "rate(2 hour)" is not allowed; a rate over 1 takes the plural unit: '
        "rate(2 hours)",
        'messaging:schedules[0].envelope.id: "x" is not allowed; the producer fills id at each run (a new id for '
        "every run), so leave it out",
        "messaging:schedules[0].envelope.type: missing; an envelope needs a type (a non-empty string of at most 128 "
        "characters, e.g. ReportDue): it selects the consumers",
        'messaging:schedules[2].name: "daily-report" is a duplicate of messaging:schedules[1].name; schedule names '
        "must be unique",
    ]


def test_an_envelope_breaking_its_types_schema_is_refused_naming_the_field_and_the_rule():
    bad = {**REPORT, "envelope": {"type": "OrderCreated", "data": {"orderId": "o-1", "customerName": "Ada"}}}
    errors = refusal([bad], schemas={"types": {"OrderCreated": ORDER_SCHEMA}})
    assert errors == [
        "messaging:schedules[0].envelope.data: 'customerAddress' is a required property (rule: required); the "
        "OrderCreated schema in messaging:schemas refuses it"
    ]
    good = {"type": "OrderCreated", "data": {"orderId": "o-1", "customerName": "Ada", "customerAddress": "1 Way"}}
    assert parse([{**REPORT, "envelope": good}], schemas={"types": {"OrderCreated": ORDER_SCHEMA}}).schedules


def test_the_largest_envelope_is_accepted_and_one_byte_more_refused_as_the_producer_counts_it():
    def sized(target: int) -> dict:
        envelope = {"type": "ReportDue", "data": {"pad": ""}}
        filled = {"id": "00000000-0000-0000-0000-000000000000", "time": "2026-01-01T00:00:00Z",
                  "source": defaults.DEFAULT_SOURCE, **envelope}  # fmt: skip
        envelope["data"]["pad"] = "é" * ((target - len(envelopes.dumps(filled).encode())) // 2)
        if (target - len(envelopes.dumps(filled).encode())) % 2:
            envelope["data"]["pad"] += "x"
        return envelope

    largest, over = sized(envelopes.MAX_ENVELOPE_BYTES), sized(envelopes.MAX_ENVELOPE_BYTES + 1)
    assert parse([{**REPORT, "envelope": largest}]).schedules
    assert refusal([{**REPORT, "envelope": over}]) == [
        f"messaging:schedules[0].envelope: {envelopes.MAX_ENVELOPE_BYTES + 1:,} bytes as UTF-8 JSON once id and "
        f"time are filled, over the limit of {envelopes.MAX_ENVELOPE_BYTES:,} bytes; publish less, or a reference to "
        "the data"
    ]


ENVELOPES = [
    {"type": "ReportDue"},
    {"type": "ReportDue", "source": "com.example.reports", "data": {"a": 1}},
    {"type": ""},
    {"type": 5},
    {"data": {}},
    {"type": "T" * 128},
    {"type": "T" * 129},
    {"type": "ReportDue", "source": ""},
    {"type": "ReportDue", "source": "aws.events"},
    {"type": "ReportDue", "source": "s" * 256},
    {"type": "ReportDue", "source": "s" * 257},
    {"type": "ReportDue", "data": "text"},
    {"type": "ReportDue", "Type": "Notification", "TopicArn": "arn:aws:sns:x", "Message": "{}"},
    {"type": "ReportDue", "version": "0", "detail-type": "X", "detail": {}, "source": "com.example.orders"},
    {"type": "ReportDue", "data": {"x": float("nan")}},
]


@pytest.mark.parametrize("envelope", ENVELOPES, ids=[json.dumps(e, default=str)[:40] for e in ENVELOPES])
def test_a_scheduled_envelope_is_refused_at_preview_exactly_when_the_producer_would_refuse_it(envelope):
    try:
        envelopes.outgoing(dict(envelope), 0)
        envelopes.dumps(envelopes.complete(dict(envelope), defaults.DEFAULT_SOURCE), 0)
        producer_refuses = False
    except envelopes.EnvelopeError:
        producer_refuses = True
    try:
        parse([{**REPORT, "envelope": envelope}])
        config_refuses = False
    except ConfigError:
        config_refuses = True
    assert config_refuses is producer_refuses


def test_the_preview_check_uses_the_producers_own_limits():
    assert schedule_config.MAX_TYPE_CHARS == envelopes.MAX_TYPE_CHARS
    assert schedule_config.MAX_SOURCE_CHARS == envelopes.MAX_SOURCE_CHARS
    assert schedule_config.MAX_ENVELOPE_BYTES == envelopes.MAX_ENVELOPE_BYTES
    assert defaults.RESERVED_SOURCE_PREFIX == envelopes.RESERVED_SOURCE_PREFIX


def test_args_in_code_are_refused_with_the_stack_config_message_and_read_back_from_stack_config():
    with pytest.raises(ConfigError) as raised:
        MessagingArgs(
            topology="fanout",
            consumers=[ConsumerArgs(name="inventory")],
            schedules=[ScheduleArgs(name="r", schedule="rate(0 days)", envelope={"type": "ReportDue"})],
            region=REGION,
        )
    assert str(raised.value) == (
        'invalid stack config: messaging:schedules[0].schedule: "rate(0 days)" is not allowed; the rate value '
        "'0' is not a positive whole number, e.g. rate(5 minutes)"
    )
    args = MessagingArgs.from_stack_config(parse([REPORT, HIGH_SHIPPED]))
    assert args.schedules == (ScheduleArgs(**REPORT), ScheduleArgs(**HIGH_SHIPPED))


def test_a_bad_schedule_registers_no_resource():
    error, deployment = attempt_program(stack_config("fanout", schedules=[{**REPORT, "envelope": {}}]))
    assert isinstance(error, ConfigError)
    assert "messaging:schedules[0].envelope.type: missing" in str(error)
    assert deployment.registrations == []


# ------------------------------------------------------------------ resources


@pytest.fixture(scope="module")
def deployed():
    return run_program(stack_config("eventbridge", schedules=[REPORT, HIGH_SHIPPED]))


def test_each_schedule_invokes_the_producer_at_its_expression_with_its_envelope(deployed):
    producer_arn = deployed.output("producer-function", "arn")
    (group,) = deployed.of_type("aws:scheduler/scheduleGroup:ScheduleGroup")
    role_arn = deployed.output("schedules-role", "arn")
    dlq_arn = deployed.output("schedules-dlq", "arn")
    for spec in (REPORT, HIGH_SHIPPED):
        schedule = deployed.named(f"schedules-schedule-{spec['name']}")
        target = schedule.inputs["target"]
        assert schedule.inputs["name"] == spec["name"]
        assert schedule.inputs["groupName"] == group.outputs["name"]
        assert schedule.inputs["scheduleExpression"] == spec["schedule"]
        assert schedule.inputs["flexibleTimeWindow"] == {"mode": "OFF"}
        assert target["arn"] == producer_arn
        assert target["roleArn"] == role_arn
        assert json.loads(target["input"]) == {
            "schedule": spec["name"],
            "scheduleArn": "<aws.scheduler.schedule-arn>",
            "scheduledTime": "<aws.scheduler.scheduled-time>",
            "envelope": spec["envelope"],
        }
        assert target["deadLetterConfig"] == {"arn": dlq_arn}
        assert target["retryPolicy"] == {
            "maximumEventAgeInSeconds": defaults.SCHEDULE_MAX_EVENT_AGE_SECONDS,
            "maximumRetryAttempts": defaults.SCHEDULE_MAX_RETRY_ATTEMPTS,
        }
        # Created only once the role may invoke and the DLQ takes dead letters.
        assert {deployed.named("schedules-role-policy").urn, deployed.named("schedules-dlq-policy").urn} <= set(
            schedule.dependencies
        )


def test_the_schedules_role_may_only_invoke_the_producer_and_send_dead_letters(deployed):
    role = deployed.named("schedules-role")
    group_arn = deployed.output("schedules-group", "arn")
    assert role.json_input("assumeRolePolicy") == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "SchedulerAssumesForThisGroup",
                "Effect": "Allow",
                "Principal": {"Service": "scheduler.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "StringEquals": {"aws:SourceAccount": ACCOUNT},
                    "ArnLike": {"aws:SourceArn": group_arn.replace(":schedule-group/", ":schedule/") + "/*"},
                },
            }
        ],
    }
    policy = deployed.named("schedules-role-policy")
    assert policy.inputs["role"] == role.outputs["name"]
    assert policy.json_input("policy")["Statement"] == [
        {
            "Sid": "InvokeProducer",
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": [deployed.output("producer-function", "arn")],
        },
        {
            "Sid": "SendDeadLetters",
            "Effect": "Allow",
            "Action": ["sqs:SendMessage"],
            "Resource": [deployed.output("schedules-dlq", "arn")],
        },
    ]
    roles_used = {s.inputs["target"]["roleArn"] for s in deployed.of_type("aws:scheduler/schedule:Schedule")}
    assert roles_used == {role.outputs["arn"]}


def test_a_failed_scheduled_run_goes_to_the_encrypted_tls_only_schedules_dlq_which_alarms(deployed):
    dlq = deployed.named("schedules-dlq")
    assert dlq.inputs["sqsManagedSseEnabled"] is True and not dlq.inputs.get("fifoQueue")
    assert dlq.inputs["messageRetentionSeconds"] == defaults.DLQ_RETENTION_DAYS * defaults.SECONDS_PER_DAY
    (deny,) = deployed.named("schedules-dlq-policy").json_input("policy")["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    config = deployed.named("schedules-producer-async")
    assert config.inputs == {
        "functionName": deployed.output("producer-function", "name"),
        "maximumRetryAttempts": defaults.SCHEDULE_ASYNC_RETRY_ATTEMPTS,
        "destinationConfig": {"onFailure": {"destination": dlq.outputs["arn"]}},
    }
    grant = deployed.named("schedules-producer-dead-letters")
    assert grant.inputs["role"] == deployed.output("producer-role", "name")
    assert grant.json_input("policy")["Statement"] == [
        {"Sid": "SendFailedRuns", "Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [dlq.outputs["arn"]]}
    ]
    alarm = deployed.named("schedules-dlq-alarm")
    assert (alarm.inputs["metricName"], alarm.inputs["dimensions"], alarm.inputs["threshold"]) == (
        "ApproximateNumberOfMessagesVisible",
        {"QueueName": dlq.outputs["name"]},
        defaults.DLQ_ALARM_THRESHOLD,
    )
    assert alarm.inputs["alarmActions"] == [deployed.output("alarms-topic", "arn")]


def test_the_dashboard_shows_the_depth_of_the_schedules_dlq_its_alarm_watches(deployed):
    body = json.loads(deployed.named("monitoring-dashboard").inputs["dashboardBody"])
    (graph,) = [w for w in body["widgets"] if w["properties"]["title"] == "schedules: dead-letter queue"]
    assert graph["properties"]["metrics"] == [
        [
            "AWS/SQS",
            "ApproximateNumberOfMessagesVisible",
            "QueueName",
            deployed.output("schedules-dlq", "name"),
            {"label": "DLQ depth", "stat": "Maximum"},
        ]
    ]
    alarm = deployed.named("schedules-dlq-alarm").inputs
    assert [alarm["namespace"], alarm["metricName"], *next(iter(alarm["dimensions"].items()))] == graph["properties"][
        "metrics"
    ][0][:4]


def test_the_stack_output_names_the_group_the_dlq_and_every_schedule(deployed):
    group = deployed.output("schedules-group", "name")
    assert deployed.exports["schedules"] == {
        "group": group,
        "dlqUrl": deployed.output("schedules-dlq", "url"),
        "schedules": {
            name: f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/{group}/{name}"
            for name in ("daily-report", "big-shipped")
        },
    }


def test_without_schedules_nothing_of_them_is_declared():
    deployment = run_program(stack_config("fanout"))
    assert not [r for r in deployment.registrations if r.name.startswith("schedules")]
    assert deployment.exports["schedules"] == {}


def test_under_the_stack_key_the_schedules_role_and_the_producer_may_encrypt_dead_letters():
    deployment = run_program(stack_config("fanout", encryption="kms", schedules=[REPORT]))
    key_arn = deployment.output("encryption-key", "arn")
    assert deployment.named("schedules-dlq").inputs["kmsMasterKeyId"] == key_arn
    for name, sid in (("schedules-role-policy", "EncryptDeadLetters"), ("schedules-producer-dead-letters",
                                                                         "EncryptFailedRuns")):  # fmt: skip
        statements = deployment.named(name).json_input("policy")["Statement"]
        assert statements[-1] == {
            "Sid": sid,
            "Effect": "Allow",
            "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
            "Resource": [key_arn],
        }


def test_the_policies_are_pure_functions_of_their_arns():
    group = f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule-group/g-1"
    trust = scheduler_assume_role_policy(ACCOUNT, group)
    assert trust["Statement"][0]["Condition"]["ArnLike"] == {
        "aws:SourceArn": f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/g-1/*"
    }
    policy = scheduler_role_policy(function_arn="arn:f", dlq_arn="arn:q", kms_key_arn=None)
    assert [(s["Action"], s["Resource"]) for s in policy["Statement"]] == [
        (["lambda:InvokeFunction"], ["arn:f"]),
        (["sqs:SendMessage"], ["arn:q"]),
    ]


def test_schedules_alone_name_every_child_after_the_component_and_parent_it():
    from pulumi_harness import build_under_mocks

    from components.schedule_config import ScheduleConfig
    from components.schedules import Schedules, SchedulesArgs

    function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:publisher"

    def build():
        Schedules(
            "timers",
            SchedulesArgs(
                schedules=[ScheduleConfig(name="tick", schedule="rate(1 minute)", envelope={"type": "Tick"})],
                producer_function_name="publisher",
                producer_function_arn=function_arn,
                producer_role_name="publisher-role",
                account_id=ACCOUNT,
                alarm_topic_arn=f"arn:aws:sns:{REGION}:{ACCOUNT}:alarms",
                tags={"team": "shop"},
                production=True,
            ),
        )

    d = build_under_mocks(build)
    (component,) = d.of_type("messaging:schedules:Schedules")
    children = {r.name: r for r in d.registrations if r.parent == component.urn}
    assert set(children) == {
        "timers-group",
        "timers-dlq",
        "timers-dlq-policy",
        "timers-role",
        "timers-role-policy",
        "timers-producer-dead-letters",
        "timers-producer-async",
        "timers-schedule-tick",
        "timers-dlq-alarm",
    }
    assert children["timers-schedule-tick"].inputs["target"]["arn"] == function_arn
    assert children["timers-producer-async"].inputs["functionName"] == "publisher"
    assert children["timers-producer-dead-letters"].inputs["role"] == "publisher-role"
    assert (children["timers-dlq"].protect, children["timers-dlq"].retain_on_delete) == (True, True)
    assert d.registered_outputs("timers")["schedule_arns"] == {
        "tick": f"arn:aws:scheduler:{REGION}:{ACCOUNT}:schedule/{children['timers-group'].outputs['name']}/tick"
    }
