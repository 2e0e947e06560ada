"""`delivery: direct`: SNS or EventBridge invokes the consumer's function, with no queue and no mapping;
a Lambda permission scoped to exactly that topic or rule; a DLQ for what the service cannot deliver and what
keeps failing; and the config refused where it cannot mean anything."""

import pytest
from pulumi_harness import ACCOUNT, REGION

from components import ConsumerArgs, MessagingArgs, defaults
from components.config import ConfigError, parse_stack_config

PERMISSION = "aws:lambda/permission:Permission"
QUEUE = "aws:sqs/queue:Queue"
ESM = "aws:lambda/eventSourceMapping:EventSourceMapping"
BIG_ORDERS = {"data": {"total": [{"numeric": [">", 1000]}]}}
ALERTS = {"name": "alerts", "delivery": "direct", "match": BIG_ORDERS}
CONSUMERS = [ALERTS, {"name": "inventory", "match": {"type": ["OrderCreated"]}}]


def dlq_statements(d, consumer):
    return d.named(f"{consumer}-dlq-policy").json_input("policy")["Statement"]


# --- fanout: a lambda subscription ----------------------------------------------------------------------------


def test_under_fanout_a_direct_consumer_is_a_lambda_subscription_filtered_by_its_match(deploy):
    d = deploy("fanout", CONSUMERS)
    sub = d.named("fanout-alerts-subscription")
    assert sub.inputs["protocol"] == "lambda"
    assert sub.inputs["endpoint"] == d.output("alerts-function", "arn")
    assert sub.inputs["topic"] == d.output("fanout-topic", "arn")
    assert sub.json_input("filterPolicy") == BIG_ORDERS
    assert sub.inputs["filterPolicyScope"] == "MessageBody"
    assert sub.json_input("redrivePolicy") == {"deadLetterTargetArn": d.output("alerts-dlq", "arn")}
    assert "rawMessageDelivery" not in sub.inputs  # SNS has no raw delivery to Lambda
    # The queue consumer beside it is unchanged.
    assert d.named("fanout-inventory-subscription").inputs["protocol"] == "sqs"


def test_under_fanout_sns_may_invoke_the_function_only_from_the_stack_topic(deploy):
    d = deploy("fanout", CONSUMERS)
    (permission,) = d.of_type(PERMISSION)
    assert permission.name == "fanout-alerts-permission"
    assert permission.inputs == {
        "action": "lambda:InvokeFunction",
        "function": d.output("alerts-function", "name"),
        "principal": "sns.amazonaws.com",
        "sourceArn": d.output("fanout-topic", "arn"),
    }
    # SNS invokes nothing before the permission and the DLQ policy exist.
    deps = d.named("fanout-alerts-subscription").dependencies
    assert {permission.urn, d.named("alerts-dlq-policy").urn} <= set(deps)


def test_under_fanout_the_subscription_dlq_accepts_only_sns_from_the_topic_over_tls(deploy):
    d = deploy("fanout", CONSUMERS)
    deny, allow = dlq_statements(d, "alerts")
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert allow == {
        "Sid": "AllowSnsSendMessage",
        "Effect": "Allow",
        "Principal": {"Service": "sns.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": d.output("alerts-dlq", "arn"),
        "Condition": {
            "ArnEquals": {"aws:SourceArn": [d.output("fanout-topic", "arn")]},
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
        },
    }
    assert d.named("alerts-dlq").inputs["sqsManagedSseEnabled"] is True


# --- eventbridge: a function target ---------------------------------------------------------------------------


def test_under_eventbridge_the_rule_targets_the_function_with_its_retry_policy_and_dlq(deploy):
    consumers = [{**ALERTS, "maximumRetryAttempts": 4, "maximumEventAgeInSeconds": 600}, CONSUMERS[1]]
    d = deploy("eventbridge", consumers)
    target = d.named("eventbridge-alerts-target")
    assert target.inputs["arn"] == d.output("alerts-function", "arn")
    assert target.inputs["rule"] == d.output("eventbridge-alerts-rule", "name")
    assert target.inputs["eventBusName"] == d.output("eventbridge-bus", "name")
    assert target.inputs["retryPolicy"] == {"maximumRetryAttempts": 4, "maximumEventAgeInSeconds": 600}
    assert target.inputs["deadLetterConfig"] == {"arn": d.output("alerts-dlq", "arn")}
    assert d.named("eventbridge-alerts-rule").json_input("eventPattern")["detail"] == BIG_ORDERS


def test_under_eventbridge_a_consumer_without_retry_keys_gets_the_documented_defaults(deploy):
    d = deploy("eventbridge", CONSUMERS)
    for consumer in ("alerts", "inventory"):
        assert d.named(f"eventbridge-{consumer}-target").inputs["retryPolicy"] == {
            "maximumRetryAttempts": defaults.EVENTBRIDGE_MAX_RETRY_ATTEMPTS,
            "maximumEventAgeInSeconds": defaults.EVENTBRIDGE_MAX_EVENT_AGE_SECONDS,
        }


def test_a_queue_consumer_under_eventbridge_takes_its_retry_keys_too(deploy):
    d = deploy("eventbridge", [{"name": "inventory", "maximumRetryAttempts": 0, "maximumEventAgeInSeconds": 60}])
    target = d.named("eventbridge-inventory-target")
    assert target.inputs["arn"] == d.output("inventory-queue", "arn")
    assert target.inputs["retryPolicy"] == {"maximumRetryAttempts": 0, "maximumEventAgeInSeconds": 60}


def test_under_eventbridge_events_may_invoke_the_function_only_from_its_own_rule(deploy):
    d = deploy("eventbridge", CONSUMERS)
    (permission,) = d.of_type(PERMISSION)
    rule_arn = d.output("eventbridge-alerts-rule", "arn")
    assert rule_arn == f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{d.output('eventbridge-bus', 'name')}/alerts"
    assert permission.inputs == {
        "action": "lambda:InvokeFunction",
        "function": d.output("alerts-function", "name"),
        "principal": "events.amazonaws.com",
        "sourceArn": rule_arn,
    }
    assert permission.urn in d.named("eventbridge-alerts-target").dependencies
    allow = dlq_statements(d, "alerts")[1]
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Condition"]["ArnEquals"] == {"aws:SourceArn": [rule_arn]}


# --- the consumer itself --------------------------------------------------------------------------------------


@pytest.mark.parametrize("topology", ["fanout", "eventbridge"])
def test_a_direct_consumer_has_no_queue_and_no_event_source_mapping(deploy, topology):
    d = deploy(topology, CONSUMERS)
    queues = {r.name for r in d.of_type(QUEUE)}
    assert "alerts-dlq" in queues and "alerts-queue" not in queues
    assert [r.name for r in d.of_type(ESM)] == ["inventory-event-source"]
    assert "alerts-queue-policy" not in {r.name for r in d.registrations}


@pytest.mark.parametrize("topology", ["fanout", "eventbridge"])
def test_what_keeps_failing_after_lambdas_retries_goes_to_the_consumer_dlq(deploy, topology):
    d = deploy(topology, CONSUMERS)
    function = d.named("alerts-function")
    assert function.inputs["deadLetterConfig"] == {"targetArn": d.output("alerts-dlq", "arn")}
    config = d.named("alerts-async-config")
    assert config.inputs == {
        "functionName": d.output("alerts-function", "name"),
        "maximumRetryAttempts": defaults.LAMBDA_ASYNC_RETRY_ATTEMPTS,
        "maximumEventAgeInSeconds": defaults.LAMBDA_ASYNC_MAX_EVENT_AGE_SECONDS,
    }
    assert "deadLetterConfig" not in d.named("inventory-function").inputs


def test_the_direct_consumer_role_may_send_to_its_dlq_and_read_no_queue(deploy):
    d = deploy("fanout", CONSUMERS)
    statements = {s["Sid"]: s for s in d.named("alerts-role-policy").json_input("policy")["Statement"]}
    assert "ConsumeOwnQueue" not in statements
    assert statements["DeadLetterFailedInvocations"]["Action"] == ["sqs:SendMessage"]
    assert statements["DeadLetterFailedInvocations"]["Resource"] == [d.output("alerts-dlq", "arn")]


def test_a_direct_consumer_under_a_stack_key_may_encrypt_what_it_dead_letters(deploy):
    d = deploy("eventbridge", CONSUMERS, encryption="kms")
    statements = {s["Sid"]: s for s in d.named("alerts-role-policy").json_input("policy")["Statement"]}
    assert statements["DecryptMessages"]["Action"] == ["kms:GenerateDataKey", "kms:Decrypt"]
    assert d.named("alerts-dlq").inputs["kmsMasterKeyId"] == d.output("encryption-key", "arn")


@pytest.mark.parametrize("topology", ["fanout", "eventbridge"])
def test_a_direct_consumer_exports_its_dlq_and_function_and_no_queue(deploy, topology):
    d = deploy(topology, CONSUMERS)
    consumers = d.registered_outputs("messaging")["consumers"]
    # No queueUrl: the engine drops a None output.
    assert consumers["alerts"] == {
        "dlqUrl": d.output("alerts-dlq", "url"),
        "function": d.output("alerts-function", "name"),
        "delivery": "direct",
    }
    assert consumers["inventory"]["delivery"] == "queue"


# --- alarms and dashboard -------------------------------------------------------------------------------------


def test_a_direct_consumer_alarms_on_its_dlq_errors_and_throttles_but_not_on_a_queue_age(deploy):
    d = deploy("fanout", CONSUMERS)
    alarms = {r.name: r for r in d.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")}
    assert alarms["alerts-dlq-alarm"].inputs["dimensions"] == {"QueueName": d.output("alerts-dlq", "name")}
    assert "monitoring-alerts-age-alarm" not in alarms
    assert {"monitoring-alerts-errors-alarm", "monitoring-alerts-throttles-alarm"} <= set(alarms)
    assert "monitoring-inventory-age-alarm" in alarms


def test_the_dashboard_row_of_a_direct_consumer_shows_its_events_and_no_queue(deploy):
    d = deploy("eventbridge", CONSUMERS)
    widgets = d.named("monitoring-dashboard").json_input("dashboardBody")["widgets"]
    titles = [w["properties"]["title"] for w in widgets if w["properties"]["title"].startswith("alerts:")]
    assert titles == [
        "alerts: events (direct)",
        "alerts: event age (ms)",
        "alerts: dead-letter queue",
        "alerts: function errors",
        "alerts: duration (ms)",
        "alerts: concurrency",
    ]
    function = d.output("alerts-function", "name")
    events = next(w for w in widgets if w["properties"]["title"] == "alerts: events (direct)")
    assert events["properties"]["metrics"][0][:4] == ["AWS/Lambda", "AsyncEventsReceived", "FunctionName", function]
    queues = {
        m[3]
        for w in widgets
        for m in w["properties"]["metrics"]
        if m[0] == "AWS/SQS" and "alerts" in w["properties"]["title"]
    }
    assert queues == {d.output("alerts-dlq", "name")}


# --- config refusals ------------------------------------------------------------------------------------------


def parse(topology, consumers, **options):
    return parse_stack_config(
        {"topology": topology, "consumers": consumers, **options}, project="messaging", stack="dev", region=REGION
    )


def refusal(topology, consumers, **options) -> str:
    with pytest.raises(ConfigError) as caught:
        parse(topology, consumers, **options)
    return str(caught.value)


def test_direct_under_point_to_point_is_refused_naming_key_value_and_what_is_allowed(attempt):
    from pulumi_harness import stack_config

    error, deployment = attempt(stack_config("point-to-point", [{"name": "inventory", "delivery": "direct"}]))
    assert isinstance(error, ConfigError)
    assert (
        'messaging:consumers[0].delivery: "direct" under point-to-point, where the producer sends to the '
        "consumer's queue; use delivery queue, or topology fanout or eventbridge"
    ) in str(error)
    assert deployment.registrations == []


def test_an_unknown_delivery_is_refused_listing_the_choices():
    assert 'messaging:consumers[0].delivery: "push" is not allowed; allowed values are queue, direct' in refusal(
        "fanout", [{"name": "a", "delivery": "push"}]
    )


@pytest.mark.parametrize("topology", ["fanout", "eventbridge"])
def test_direct_with_fifo_is_refused(topology):
    assert 'messaging:consumers[0].delivery: "direct" with messaging:fifo true' in refusal(
        topology, [{"name": "a", "delivery": "direct"}], fifo=True
    )


def test_a_refused_direct_delivery_does_not_report_the_keys_that_depend_on_it_a_second_time():
    message = refusal("fanout", [{"name": "a", "delivery": "direct", "batchSize": 20}], fifo=True)
    assert 'messaging:consumers[0].delivery: "direct" with messaging:fifo true' in message
    assert message.count("messaging:consumers[0].batchSize") == 1  # the FIFO limit only, not "not allowed with direct"
    assert "(FIFO limit)" in message


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("batchSize", 20),
        ("batchingWindowSeconds", 5),
        ("maxConcurrency", 4),
        ("maxReceiveCount", 9),
        ("maxMessageAgeSeconds", 600),
    ],
)
def test_queue_tuning_on_a_direct_consumer_is_refused_as_meaningless(key, value):
    message = refusal("eventbridge", [{"name": "a", "delivery": "direct", key: value}])
    assert f"messaging:consumers[0].{key}: {value} is not allowed with delivery direct" in message


@pytest.mark.parametrize(
    ("key", "value", "ok"),
    [
        ("maximumRetryAttempts", 0, True),
        ("maximumRetryAttempts", 185, True),
        ("maximumRetryAttempts", -1, False),
        ("maximumRetryAttempts", 186, False),
        ("maximumEventAgeInSeconds", 60, True),
        ("maximumEventAgeInSeconds", 86_400, True),
        ("maximumEventAgeInSeconds", 59, False),
        ("maximumEventAgeInSeconds", 86_401, False),
        ("maximumRetryAttempts", "3", False),
        ("maximumEventAgeInSeconds", True, False),
    ],
)
def test_retry_settings_are_checked_against_awss_ranges_at_both_ends(key, value, ok):
    consumers = [{"name": "a", "delivery": "direct", key: value}]
    if ok:
        (consumer,) = parse("eventbridge", consumers).consumers
        assert (
            getattr(
                consumer, {"maximumRetryAttempts": "maximum_retry_attempts"}.get(key, "maximum_event_age_in_seconds")
            )
            == value
        )
        return
    low, high = (
        defaults.EVENTBRIDGE_RETRY_ATTEMPTS_RANGE
        if key == "maximumRetryAttempts"
        else defaults.EVENTBRIDGE_EVENT_AGE_RANGE_SECONDS
    )
    message = refusal("eventbridge", consumers)
    assert f"messaging:consumers[0].{key}:" in message
    assert f"use a whole number from {low} to {high}" in message


def test_the_retry_ranges_are_awss():
    assert defaults.EVENTBRIDGE_RETRY_ATTEMPTS_RANGE == (0, 185)
    assert defaults.EVENTBRIDGE_EVENT_AGE_RANGE_SECONDS == (60, 86_400)


@pytest.mark.parametrize("topology", ["fanout", "point-to-point"])
@pytest.mark.parametrize("key", ["maximumRetryAttempts", "maximumEventAgeInSeconds"])
def test_retry_settings_without_eventbridge_are_refused_saying_sns_keeps_its_own_policy(topology, key):
    message = refusal(topology, [{"name": "a", key: 100}])
    assert f"messaging:consumers[0].{key}: 100 is not allowed without topology eventbridge" in message
    assert "SNS retries Lambda and SQS deliveries with its own AWS-managed policy" in message


def test_retry_settings_are_kept_while_eventbridge_drains_into_fanout():
    (consumer,) = parse("fanout", [{"name": "a", "maximumRetryAttempts": 3}], previousTopology="eventbridge").consumers
    assert consumer.maximum_retry_attempts == 3


def test_args_built_in_code_are_refused_exactly_like_stack_config():
    with pytest.raises(ConfigError) as caught:
        MessagingArgs(topology="point-to-point", consumers=[ConsumerArgs(name="a", delivery="direct")], region=REGION)
    assert 'messaging:consumers[0].delivery: "direct" under point-to-point' in str(caught.value)
    with pytest.raises(ConfigError, match=r"consumers\[0\].maximumRetryAttempts: 186 is not allowed"):
        MessagingArgs(
            topology="eventbridge",
            consumers=[ConsumerArgs(name="a", delivery="direct", maximum_retry_attempts=186)],
            region=REGION,
        )
    args = MessagingArgs(
        topology="eventbridge",
        consumers=[ConsumerArgs(name="a", delivery="direct", maximum_event_age_in_seconds=120)],
        region=REGION,
    )
    assert args.consumers[0].delivery == "direct"
