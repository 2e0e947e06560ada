"""A consumer that forwards to another event bus (`bus: <event bus ARN>`): its rule targets that bus with a
role allowed only events:PutEvents on it, a retry policy and a DLQ; refused wherever it cannot work."""

import json

import pytest
from pulumi_harness import ACCOUNT, DEMO_CONSUMERS, REGION, stack_config
from pulumi_harness import _suffix as mock_suffix

from components import ConsumerArgs, MessagingArgs, defaults, policies, routing
from components.config import ConfigError
from components.forward import not_the_own_bus

PARTNER_BUS = "arn:aws:events:us-east-1:111122223333:event-bus/partner-orders"
PARTNER = {"name": "partner", "match": {"type": ["OrderShipped"]}, "bus": PARTNER_BUS}
# The stack's own bus as the recording mock names it (tests/pulumi_harness.py).
OWN_BUS = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/eventbridge-bus-{mock_suffix('eventbridge-bus')}"


def test_the_forwarding_role_policy_allows_exactly_put_events_on_exactly_the_target_bus():
    assert policies.forward_role_policy(bus_arn=PARTNER_BUS) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "PutEventsOnTargetBus",
                "Effect": "Allow",
                "Action": ["events:PutEvents"],
                "Resource": [PARTNER_BUS],
            }
        ],
    }


def test_the_forwarding_role_trusts_eventbridge_for_exactly_one_rule_of_this_account():
    rule = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/bus/partner"
    assert policies.events_assume_role_policy(rule_arn=rule, account_id=ACCOUNT) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "EventsAssumesForRule",
                "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {
                    "ArnEquals": {"aws:SourceArn": [rule]},
                    "StringEquals": {"aws:SourceAccount": ACCOUNT},
                },
            }
        ],
    }


def test_the_own_bus_check_passes_another_bus_and_refuses_the_own_one_naming_the_key():
    assert not_the_own_bus(PARTNER_BUS, OWN_BUS, "messaging:consumers[4].bus") == PARTNER_BUS
    with pytest.raises(ConfigError, match=r"messaging:consumers\[4\]\.bus: .* is this stack's own event bus"):
        not_the_own_bus(OWN_BUS, OWN_BUS, "messaging:consumers[4].bus")


@pytest.fixture
def forwarding(deploy):
    return deploy("eventbridge", [*DEMO_CONSUMERS, PARTNER])


def test_the_rule_of_a_forwarding_consumer_has_the_event_pattern_of_its_match(forwarding):
    rule = forwarding.named("eventbridge-partner-rule")
    assert rule.json_input("eventPattern") == routing.event_pattern(PARTNER["match"])
    assert rule.inputs["eventBusName"] == forwarding.output("eventbridge-bus", "name")


def test_the_rule_targets_the_other_bus_with_the_forwarding_role_a_retry_policy_and_its_dlq(forwarding):
    target = forwarding.named("partner-target")
    assert target.inputs["arn"] == PARTNER_BUS
    assert target.inputs["rule"] == "partner"
    assert target.inputs["eventBusName"] == forwarding.output("eventbridge-bus", "name")
    assert target.inputs["roleArn"] == forwarding.output("partner-role", "arn")
    assert target.inputs["retryPolicy"] == {
        "maximumEventAgeInSeconds": defaults.EVENTBRIDGE_MAX_EVENT_AGE_SECONDS,
        "maximumRetryAttempts": defaults.EVENTBRIDGE_MAX_RETRY_ATTEMPTS,
    }
    assert target.inputs["deadLetterConfig"] == {"arn": forwarding.output("partner-dlq", "arn")}
    assert "sqsTarget" not in target.inputs and "input" not in target.inputs
    # Created only once the role may put and the DLQ accepts the rule.
    assert {forwarding.named("partner-role-policy").urn, forwarding.named("partner-dlq-policy").urn} <= set(
        target.dependencies
    )


def test_the_forwarding_role_may_only_put_events_on_the_target_bus_for_its_own_rule(forwarding):
    rule_arn = forwarding.output("eventbridge-partner-rule", "arn")
    role = forwarding.named("partner-role")
    assert role.json_input("assumeRolePolicy") == policies.events_assume_role_policy(
        rule_arn=rule_arn, account_id=ACCOUNT
    )
    (role_policy,) = [p for p in forwarding.of_type("aws:iam/rolePolicy:RolePolicy") if p.name.startswith("partner")]
    assert role_policy.inputs["role"] == forwarding.output("partner-role", "name")
    (statement,) = role_policy.json_input("policy")["Statement"]
    assert (statement["Effect"], statement["Action"], statement["Resource"]) == (
        "Allow",
        ["events:PutEvents"],
        [PARTNER_BUS],
    )


def test_the_forwarding_dlq_is_standard_encrypted_tls_only_accepts_only_its_rule_and_alarms(forwarding):
    dlq = forwarding.named("partner-dlq")
    assert dlq.inputs["sqsManagedSseEnabled"] is True and not dlq.inputs.get("fifoQueue")
    assert dlq.inputs["messageRetentionSeconds"] == defaults.DLQ_RETENTION_DAYS * defaults.SECONDS_PER_DAY
    deny, allow = forwarding.named("partner-dlq-policy").json_input("policy")["Statement"]
    assert deny["Effect"] == "Deny" and deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert allow == {
        "Sid": "AllowEventsSendMessage",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sqs:SendMessage",
        "Resource": dlq.outputs["arn"],
        "Condition": {
            "ArnEquals": {"aws:SourceArn": [forwarding.output("eventbridge-partner-rule", "arn")]},
            "StringEquals": {"aws:SourceAccount": ACCOUNT},
        },
    }
    alarm = forwarding.named("partner-dlq-alarm")
    assert alarm.inputs["dimensions"] == {"QueueName": dlq.outputs["name"]}
    assert (alarm.inputs["metricName"], alarm.inputs["threshold"]) == ("ApproximateNumberOfMessagesVisible", 1)
    assert alarm.inputs["alarmActions"] == [forwarding.output("alarms-topic", "arn")]


def test_a_forwarding_consumer_has_no_queue_no_function_and_is_exported_with_its_bus_and_dlq(forwarding):
    names = {r.name for r in forwarding.resources}
    assert {"partner-queue", "partner-function", "partner-event-source", "partner-dlq-policy"} & names == {
        "partner-dlq-policy"
    }
    assert not any(n.startswith("monitoring-partner-") for n in names)  # no queue age, no function alarms
    assert forwarding.exports["forwards"] == {
        "partner": {
            "bus": PARTNER_BUS,
            "dlqUrl": forwarding.output("partner-dlq", "url"),
            "role": forwarding.output("partner-role", "arn"),
        }
    }
    assert "partner" not in forwarding.exports["consumers"]
    assert set(forwarding.exports["consumers"]) == {c["name"] for c in DEMO_CONSUMERS}


def test_the_stack_key_lets_eventbridge_dead_letter_into_the_forwarding_dlq(deploy):
    d = deploy("eventbridge", [*DEMO_CONSUMERS, PARTNER], encryption="kms")
    assert d.named("partner-dlq").inputs["kmsMasterKeyId"] == d.output("encryption-key", "arn")
    (policy,) = d.of_type("aws:kms/keyPolicy:KeyPolicy")
    (events,) = [s for s in policy.json_input("policy")["Statement"] if s["Sid"] == "EventsDeliversToQueues"]
    assert d.output("eventbridge-partner-rule", "arn") in events["Condition"]["ArnEquals"]["aws:SourceArn"]


def test_while_switching_from_fanout_the_draining_topic_has_no_subscription_for_a_forwarding_consumer(deploy):
    d = deploy("eventbridge", [*DEMO_CONSUMERS, PARTNER], previousTopology="fanout")
    subscribed = {s.name for s in d.of_type("aws:sns/topicSubscription:TopicSubscription")}
    assert subscribed == {f"fanout-{c['name']}-subscription" for c in DEMO_CONSUMERS}
    assert d.named("partner-target").inputs["arn"] == PARTNER_BUS


# --------------------------------------------------------------- refusals
BAD = [
    (
        "bus under fanout",
        stack_config("fanout", [*DEMO_CONSUMERS, PARTNER]),
        f'messaging:consumers[4].bus: "{PARTNER_BUS}" under fanout; forwarding to another event bus needs '
        "messaging:topology eventbridge",
    ),
    (
        "bus under point-to-point",
        stack_config("point-to-point", [{"name": "partner", "bus": PARTNER_BUS}]),
        f'messaging:consumers[0].bus: "{PARTNER_BUS}" under point-to-point; forwarding to another event bus needs '
        "messaging:topology eventbridge",
    ),
    (
        "a queue ARN",
        stack_config("eventbridge", [{"name": "partner", "bus": f"arn:aws:sqs:{REGION}:{ACCOUNT}:partner"}]),
        f'messaging:consumers[0].bus: "arn:aws:sqs:{REGION}:{ACCOUNT}:partner" is not an event bus ARN; use '
        "arn:aws:events:<region>:<12-digit account>:event-bus/<name>",
    ),
    (
        "a bus name instead of an ARN",
        stack_config("eventbridge", [{"name": "partner", "bus": "partner-orders"}]),
        'messaging:consumers[0].bus: "partner-orders" is not an event bus ARN',
    ),
    (
        "an account that is not 12 digits",
        stack_config("eventbridge", [{"name": "partner", "bus": "arn:aws:events:us-east-1:1111:event-bus/p"}]),
        'messaging:consumers[0].bus: "arn:aws:events:us-east-1:1111:event-bus/p" is not an event bus ARN',
    ),
    (
        "a rule ARN",
        stack_config("eventbridge", [{"name": "partner", "bus": "arn:aws:events:us-east-1:111122223333:rule/p"}]),
        "is not an event bus ARN",
    ),
    (
        "a bus name with a space",
        stack_config(
            "eventbridge", [{"name": "partner", "bus": "arn:aws:events:us-east-1:111122223333:event-bus/a b"}]
        ),
        "is not an event bus ARN",
    ),
    (
        "another partition",
        stack_config(
            "eventbridge", [{"name": "partner", "bus": "arn:aws-cn:events:cn-north-1:111122223333:event-bus/p"}]
        ),
        "is not an event bus ARN",
    ),
    (
        "a region AWS does not have",
        stack_config(
            "eventbridge", [{"name": "partner", "bus": "arn:aws:events:mars-north-1:111122223333:event-bus/p"}]
        ),
        'names region "mars-north-1", which is not an AWS region of the aws partition; use one of ',
    ),
    (
        "not a string",
        stack_config("eventbridge", [{"name": "partner", "bus": 42}]),
        "messaging:consumers[0].bus: 42 is not an event bus ARN",
    ),
    (
        "bus with a processor",
        stack_config("eventbridge", [{**PARTNER, "processor": "orders:process"}]),
        'messaging:consumers[0].processor: "orders:process" is not allowed with bus; a consumer that forwards to '
        "another event bus has no queue and no function, so it takes only name, match, bus and the retry keys "
        "(maximumRetryAttempts, maximumEventAgeInSeconds)",
    ),
    (
        "bus with a batch size",
        stack_config("eventbridge", [{**PARTNER, "batchSize": 5}]),
        "messaging:consumers[0].batchSize: 5 is not allowed with bus",
    ),
    (
        "bus with a message age alarm",
        stack_config("eventbridge", [{**PARTNER, "maxMessageAgeSeconds": 600}]),
        "messaging:consumers[0].maxMessageAgeSeconds: 600 is not allowed with bus",
    ),
]


@pytest.mark.parametrize(("config", "expected"), [c[1:] for c in BAD], ids=[c[0] for c in BAD])
def test_a_bad_forwarding_consumer_is_refused_before_any_resource_naming_key_value_and_allowed(
    attempt, config, expected
):
    error, deployment = attempt(config)
    assert isinstance(error, ConfigError), f"expected a ConfigError, got {error!r}"
    assert expected in str(error)
    assert deployment.registrations == []


def test_forwarding_to_the_stacks_own_bus_is_refused_and_no_target_is_created(attempt):
    error, deployment = attempt(stack_config("eventbridge", [*DEMO_CONSUMERS, {**PARTNER, "bus": OWN_BUS}]))
    assert isinstance(error, ConfigError), f"expected a ConfigError, got {error!r}"
    assert f"messaging:consumers[4].bus: {OWN_BUS!r} is this stack's own event bus" in str(error)
    assert [r for r in deployment.registrations if r.name == "partner-target"] == []


def test_the_same_refusals_in_code_where_the_args_are_built():
    with pytest.raises(ConfigError, match=r"consumers\[0\]\.bus: .* under fanout"):
        MessagingArgs(topology="fanout", consumers=[ConsumerArgs(name="partner", bus=PARTNER_BUS)], region=REGION)
    with pytest.raises(ConfigError, match=r"consumers\[0\]\.timeoutSeconds: 60 is not allowed with bus"):
        MessagingArgs(
            topology="eventbridge",
            consumers=[ConsumerArgs(name="partner", bus=PARTNER_BUS, timeout_seconds=60)],
            region=REGION,
        )
    with pytest.raises(ConfigError, match=r'consumers\[0\]\.bus: "partner" is not an event bus ARN'):
        MessagingArgs(topology="eventbridge", consumers=[ConsumerArgs(name="partner", bus="partner")], region=REGION)


def test_a_forwarding_consumer_in_code_takes_its_defaults_untouched_and_is_accepted():
    args = MessagingArgs(
        topology="eventbridge",
        consumers=[ConsumerArgs(name="inventory"), ConsumerArgs(name="partner", bus=PARTNER_BUS)],
        region=REGION,
    )
    assert [c.bus for c in args.stack_config().consumers] == [None, PARTNER_BUS]
    assert json.dumps(args.as_config()["consumers"][1]) == json.dumps(
        {
            "name": "partner",
            "match": None,
            "maximumRetryAttempts": None,
            "maximumEventAgeInSeconds": None,
            "bus": PARTNER_BUS,
        }
    )
