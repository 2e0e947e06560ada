"""Each topology's resources and the inputs that decide who receives what."""

import pytest
from pulumi_harness import ACCOUNT, DEMO_CONSUMERS, POWERTOOLS_LAYER_ARN, REGION

from components import defaults

QUEUE = "aws:sqs/queue:Queue"
SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
ESM = "aws:lambda/eventSourceMapping:EventSourceMapping"
FUNCTION = "aws:lambda/function:Function"

TLS_DENY = {
    "Sid": "DenyInsecureTransport",
    "Effect": "Deny",
    "Principal": "*",
    "Action": "sqs:*",
    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
}


def send_statement(service, queue_arn, source_arn):
    return {
        "Sid": "Allow" + service.split(".")[0].capitalize() + "SendMessage",
        "Effect": "Allow",
        "Principal": {"Service": service},
        "Action": "sqs:SendMessage",
        "Resource": queue_arn,
        "Condition": {"ArnEquals": {"aws:SourceArn": [source_arn]}, "StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }


# --- every topology: the consumer building block --------------------------------


@pytest.mark.parametrize("topology", ["point-to-point", "fanout", "eventbridge"])
def test_each_consumer_queue_redrives_to_its_own_dlq_after_max_receive_count(deploy, topology):
    d = deploy(topology)
    for consumer in ["inventory"] if topology == "point-to-point" else [c["name"] for c in DEMO_CONSUMERS]:
        queue = d.named(f"{consumer}-queue")
        assert queue.json_input("redrivePolicy") == {
            "deadLetterTargetArn": d.output(f"{consumer}-dlq", "arn"),
            "maxReceiveCount": defaults.MAX_RECEIVE_COUNT,
        }
        assert queue.inputs["visibilityTimeoutSeconds"] == 6 * defaults.TIMEOUT_SECONDS
        assert queue.inputs["messageRetentionSeconds"] == 4 * 86400
        assert d.named(f"{consumer}-dlq").inputs["messageRetentionSeconds"] == 14 * 86400


def test_consumer_event_source_mapping_reports_partial_batch_failures_with_the_configured_tuning(deploy):
    d = deploy(
        "fanout",
        [
            {
                "name": "inventory",
                "batchSize": 50,
                "batchingWindowSeconds": 2,
                "maxConcurrency": 5,
                "timeoutSeconds": 20,
                "memoryMb": 512,
                "maxReceiveCount": 8,
            }
        ],
    )
    esm = d.named("inventory-event-source")
    assert esm.inputs["eventSourceArn"] == d.output("inventory-queue", "arn")
    assert esm.inputs["functionName"] == d.output("inventory-function", "arn")
    assert esm.inputs["functionResponseTypes"] == ["ReportBatchItemFailures"]
    assert esm.inputs["batchSize"] == 50
    assert esm.inputs["maximumBatchingWindowInSeconds"] == 2
    assert esm.inputs["scalingConfig"] == {"maximumConcurrency": 5}
    assert d.named("inventory-queue").inputs["visibilityTimeoutSeconds"] == 120  # 6 x 20 s
    assert d.named("inventory-queue").json_input("redrivePolicy")["maxReceiveCount"] == 8
    function = d.named("inventory-function")
    assert (function.inputs["timeout"], function.inputs["memorySize"]) == (20, 512)
    # The mapping must not start polling before its role may read the queue.
    assert d.named("inventory-role-policy").urn in esm.dependencies


def test_consumer_function_runs_the_shared_consumer_handler_on_arm64_with_json_logs(deploy):
    d = deploy("fanout")
    function = d.named("notifications-function")
    assert function.inputs["handler"] == "handlers.consumer.handler"
    assert function.inputs["runtime"] == defaults.LAMBDA_RUNTIME
    assert function.inputs["architectures"] == ["arm64"]
    assert function.inputs["role"] == d.output("notifications-role", "arn")
    # The layer ARN is read from AWS's public parameter for the pinned Powertools release.
    assert function.inputs["layers"] == [POWERTOOLS_LAYER_ARN]
    assert function.inputs["loggingConfig"] == {"logFormat": "JSON", "logGroup": d.output("notifications-logs", "name")}
    assert d.named("notifications-logs").inputs["retentionInDays"] == 30
    assert function.inputs["environment"] == {
        "variables": {
            "MESSAGING_CONSUMER": "notifications",
            "MESSAGING_PROCESSOR": "orders:process",
            "MESSAGING_FIFO": "false",
            "POWERTOOLS_SERVICE_NAME": "notifications",
            "POWERTOOLS_LOG_LEVEL": "INFO",
        }
    }


def test_consumer_role_may_only_consume_its_own_queue_and_write_its_own_logs(deploy):
    d = deploy("fanout")
    policy = d.named("inventory-role-policy").json_input("policy")
    assert policy["Statement"] == [
        {
            "Sid": "ConsumeOwnQueue",
            "Effect": "Allow",
            "Action": [
                "sqs:ReceiveMessage",
                "sqs:DeleteMessage",
                "sqs:GetQueueAttributes",
                "sqs:ChangeMessageVisibility",
            ],
            "Resource": [d.output("inventory-queue", "arn")],
        },
        {
            "Sid": "WriteOwnLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [d.output("inventory-logs", "arn") + ":*"],
        },
    ]
    assert d.named("inventory-role").json_input("assumeRolePolicy")["Statement"] == [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]


def test_every_dlq_has_a_depth_alarm_that_notifies_the_alarm_topic(deploy):
    d = deploy("eventbridge")
    topic_arn = d.output("alarms-topic", "arn")
    for consumer in [c["name"] for c in DEMO_CONSUMERS]:
        alarm = d.named(f"{consumer}-dlq-alarm")
        assert alarm.inputs["dimensions"] == {"QueueName": d.output(f"{consumer}-dlq", "name")}
        assert alarm.inputs["metricName"] == "ApproximateNumberOfMessagesVisible"
        assert alarm.inputs["threshold"] == 1
        assert alarm.inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
        assert alarm.inputs["alarmActions"] == [topic_arn]


# --- point-to-point ----------------------------------------------------------------


def test_point_to_point_producer_sends_straight_to_the_one_queue(deploy):
    d = deploy("point-to-point")
    assert len(d.of_type(QUEUE)) == 2  # the queue and its DLQ, nothing else
    assert d.of_type(SUBSCRIPTION) == [] and d.of_type(RULE) == []
    producer = d.named("producer-function")
    assert producer.inputs["handler"] == "handlers.producer.handler"
    assert producer.inputs["environment"]["variables"] == {
        "MESSAGING_CHANNEL": "sqs",
        "MESSAGING_TARGET": d.output("inventory-queue", "url"),
        "MESSAGING_DEFAULT_SOURCE": "com.example.orders",
        "MESSAGING_FIFO": "false",
        "POWERTOOLS_SERVICE_NAME": "producer",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    statements = d.named("producer-role-policy").json_input("policy")["Statement"]
    assert statements[0] == {
        "Sid": "SendToTarget",
        "Effect": "Allow",
        "Action": ["sqs:SendMessage"],
        "Resource": [d.output("inventory-queue", "arn")],
    }


def test_point_to_point_queue_policy_only_enforces_tls(deploy):
    d = deploy("point-to-point")
    for role in ("queue", "dlq"):
        policy = d.named(f"inventory-{role}-policy")
        assert policy.inputs["queueUrl"] == d.output(f"inventory-{role}", "url")
        assert policy.json_input("policy")["Statement"] == [
            {**TLS_DENY, "Resource": d.output(f"inventory-{role}", "arn")}
        ]


# --- fanout ------------------------------------------------------------------------


def test_fanout_subscribes_each_queue_with_its_match_as_a_message_body_filter_policy(deploy):
    d = deploy("fanout")
    topic_arn = d.output("fanout-topic", "arn")
    subscriptions = {s.name: s for s in d.of_type(SUBSCRIPTION)}
    assert set(subscriptions) == {f"fanout-{c['name']}-subscription" for c in DEMO_CONSUMERS}
    for consumer in DEMO_CONSUMERS:
        sub = subscriptions[f"fanout-{consumer['name']}-subscription"]
        assert sub.inputs["topic"] == topic_arn
        assert sub.inputs["protocol"] == "sqs"
        assert sub.inputs["endpoint"] == d.output(f"{consumer['name']}-queue", "arn")
        assert sub.inputs["rawMessageDelivery"] is True
        assert sub.json_input("redrivePolicy") == {"deadLetterTargetArn": d.output(f"{consumer['name']}-dlq", "arn")}
        if "match" in consumer:
            assert sub.json_input("filterPolicy") == consumer["match"]
            assert sub.inputs["filterPolicyScope"] == "MessageBody"
        else:
            assert "filterPolicy" not in sub.inputs  # analytics receives every message


def test_fanout_filter_policy_for_numeric_and_nested_matches(deploy):
    d = deploy("fanout")
    assert d.named("fanout-big-orders-subscription").json_input("filterPolicy") == {
        "data": {"total": [{"numeric": [">", 1000]}]}
    }
    assert d.named("fanout-notifications-subscription").json_input("filterPolicy") == {
        "type": ["OrderShipped"],
        "data": {"priority": ["HIGH"]},
    }


def test_fanout_queue_and_dlq_accept_sns_only_from_this_topic_and_subscriptions_wait_for_it(deploy):
    d = deploy("fanout")
    topic_arn = d.output("fanout-topic", "arn")
    for consumer in [c["name"] for c in DEMO_CONSUMERS]:
        for role in ("queue", "dlq"):
            arn = d.output(f"{consumer}-{role}", "arn")
            assert d.named(f"{consumer}-{role}-policy").json_input("policy")["Statement"] == [
                {**TLS_DENY, "Resource": arn},
                send_statement("sns.amazonaws.com", arn, topic_arn),
            ]
        sub = d.named(f"fanout-{consumer}-subscription")
        assert d.named(f"{consumer}-queue-policy").urn in sub.dependencies
        assert d.named(f"{consumer}-dlq-policy").urn in sub.dependencies


def test_fanout_topic_is_encrypted_and_the_producer_may_publish_only_to_it(deploy):
    d = deploy("fanout")
    assert d.named("fanout-topic").inputs["kmsMasterKeyId"] == "alias/aws/sns"
    topic_arn = d.output("fanout-topic", "arn")
    producer = d.named("producer-function").inputs["environment"]["variables"]
    assert (producer["MESSAGING_CHANNEL"], producer["MESSAGING_TARGET"]) == ("sns", topic_arn)
    assert d.named("producer-role-policy").json_input("policy")["Statement"][0] == {
        "Sid": "SendToTarget",
        "Effect": "Allow",
        "Action": ["sns:Publish"],
        "Resource": [topic_arn],
    }


def test_fanout_without_raw_delivery_keeps_the_sns_wrapper(deploy):
    d = deploy("fanout", rawDelivery=False)
    assert {s.inputs["rawMessageDelivery"] for s in d.of_type(SUBSCRIPTION)} == {False}


# --- eventbridge -------------------------------------------------------------------


def test_eventbridge_rule_per_consumer_on_the_custom_bus_with_the_translated_pattern(deploy):
    d = deploy("eventbridge")
    bus_name = d.output("eventbridge-bus", "name")
    expected = {
        "inventory": {"detail-type": ["OrderCreated", "OrderCancelled"]},
        "notifications": {"detail-type": ["OrderShipped"], "detail": {"data": {"priority": ["HIGH"]}}},
        "big-orders": {"detail": {"data": {"total": [{"numeric": [">", 1000]}]}}},
        "analytics": {"detail": {"id": [{"exists": True}]}},
    }
    for consumer, pattern in expected.items():
        rule = d.named(f"eventbridge-{consumer}-rule")
        assert rule.inputs["eventBusName"] == bus_name
        assert rule.json_input("eventPattern") == pattern


def test_eventbridge_targets_sit_on_the_rules_bus_with_dlq_and_explicit_retry_policy(deploy):
    d = deploy("eventbridge")
    bus_name = d.output("eventbridge-bus", "name")
    for consumer in [c["name"] for c in DEMO_CONSUMERS]:
        target = d.named(f"eventbridge-{consumer}-target")
        assert target.inputs["rule"] == d.output(f"eventbridge-{consumer}-rule", "name")
        assert target.inputs["eventBusName"] == bus_name
        assert target.inputs["arn"] == d.output(f"{consumer}-queue", "arn")
        assert target.inputs["deadLetterConfig"] == {"arn": d.output(f"{consumer}-dlq", "arn")}
        assert target.inputs["retryPolicy"] == {"maximumEventAgeInSeconds": 3600, "maximumRetryAttempts": 185}
        assert "roleArn" not in target.inputs  # SQS targets use the queue policy, not a role
        assert "inputPath" not in target.inputs and "inputTransformer" not in target.inputs
        assert d.named(f"{consumer}-queue-policy").urn in target.dependencies


def test_eventbridge_queue_policies_accept_events_only_from_that_consumers_rule(deploy):
    d = deploy("eventbridge")
    for consumer in [c["name"] for c in DEMO_CONSUMERS]:
        rule_arn = d.output(f"eventbridge-{consumer}-rule", "arn")
        assert rule_arn.startswith(f"arn:aws:events:{REGION}:{ACCOUNT}:rule/{d.output('eventbridge-bus', 'name')}/")
        for role in ("queue", "dlq"):
            arn = d.output(f"{consumer}-{role}", "arn")
            assert d.named(f"{consumer}-{role}-policy").json_input("policy")["Statement"] == [
                {**TLS_DENY, "Resource": arn},
                send_statement("events.amazonaws.com", arn, rule_arn),
            ]


def test_eventbridge_archive_and_producer_put_events_on_the_bus(deploy):
    d = deploy("eventbridge", archiveRetentionDays=30)
    archive = d.named("eventbridge-archive")
    assert archive.inputs["eventSourceArn"] == d.output("eventbridge-bus", "arn")
    assert archive.inputs["retentionDays"] == 30
    variables = d.named("producer-function").inputs["environment"]["variables"]
    assert (variables["MESSAGING_CHANNEL"], variables["MESSAGING_TARGET"]) == (
        "events",
        d.output("eventbridge-bus", "name"),
    )
    assert d.named("producer-role-policy").json_input("policy")["Statement"][0] == {
        "Sid": "SendToTarget",
        "Effect": "Allow",
        "Action": ["events:PutEvents"],
        "Resource": [d.output("eventbridge-bus", "arn")],
    }


# --- options -----------------------------------------------------------------------


def test_idempotency_creates_one_on_demand_table_with_ttl_granted_only_to_consumers(deploy):
    d = deploy("fanout", idempotency=True, idempotencyTtlSeconds=600)
    (table,) = d.of_type("aws:dynamodb/table:Table")
    assert table.inputs["billingMode"] == "PAY_PER_REQUEST"
    assert table.inputs["hashKey"] == "id"
    assert table.inputs["ttl"] == {"attributeName": "expiration", "enabled": True}
    table_arn, table_name = table.outputs["arn"], table.outputs["name"]
    for consumer in [c["name"] for c in DEMO_CONSUMERS]:
        variables = d.named(f"{consumer}-function").inputs["environment"]["variables"]
        assert variables["MESSAGING_IDEMPOTENCY_TABLE"] == table_name
        assert variables["MESSAGING_IDEMPOTENCY_TTL_SECONDS"] == "600"
        statements = d.named(f"{consumer}-role-policy").json_input("policy")["Statement"]
        assert {
            "Sid": "IdempotencyRecords",
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:UpdateItem", "dynamodb:DeleteItem"],
            "Resource": [table_arn],
        } in statements
    assert table_arn not in d.named("producer-role-policy").inputs["policy"]


def test_without_idempotency_there_is_no_table_and_no_table_in_the_environment(deploy):
    d = deploy("fanout")
    assert d.of_type("aws:dynamodb/table:Table") == []
    for function in d.of_type(FUNCTION):
        assert "MESSAGING_IDEMPOTENCY_TABLE" not in function.inputs["environment"]["variables"]


def test_alarm_email_subscribes_the_address_to_the_alarm_topic(deploy):
    d = deploy("point-to-point", alarmEmail="ops@example.com")
    email = d.named("alarms-email")
    assert (email.inputs["protocol"], email.inputs["endpoint"]) == ("email", "ops@example.com")
    assert email.inputs["topic"] == d.output("alarms-topic", "arn")


# --- the bus on the stack key ------------------------------------------------------


def bus_statement(d):
    (policy,) = d.of_type("aws:kms/keyPolicy:KeyPolicy")
    return [s for s in policy.json_input("policy")["Statement"] if s["Sid"] == "EventsEncryptsBus"]


def test_under_kms_the_bus_and_its_archive_are_encrypted_with_the_stack_key(deploy):
    d = deploy("eventbridge", encryption="kms")
    (key,) = d.of_type("aws:kms/key:Key")
    assert d.named("eventbridge-bus").inputs["kmsKeyIdentifier"] == key.outputs["arn"]
    assert d.named("eventbridge-archive").inputs["kmsKeyIdentifier"] == key.outputs["arn"]


def test_the_key_lets_eventbridge_encrypt_only_for_this_stacks_bus(deploy):
    d = deploy("eventbridge", encryption="kms")
    assert bus_statement(d) == [
        {
            "Sid": "EventsEncryptsBus",
            "Effect": "Allow",
            "Principal": {"Service": "events.amazonaws.com"},
            "Action": ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
            "Resource": "*",
            "Condition": {
                "ArnEquals": {"aws:SourceArn": [d.output("eventbridge-bus", "arn")]},
                "StringEquals": {"aws:SourceAccount": ACCOUNT},
            },
        }
    ]


def test_while_draining_eventbridge_the_old_bus_keeps_its_key_and_leaving_it_drops_the_grant(deploy):
    during = deploy("fanout", encryption="kms", previousTopology="eventbridge")
    (statement,) = bus_statement(during)
    assert statement["Condition"]["ArnEquals"]["aws:SourceArn"] == [during.output("eventbridge-bus", "arn")]
    assert bus_statement(deploy("fanout", encryption="kms")) == []


def test_without_a_stack_key_the_bus_keeps_aws_owned_encryption(deploy):
    d = deploy("eventbridge")
    assert "kmsKeyIdentifier" not in d.named("eventbridge-bus").inputs
    assert "kmsKeyIdentifier" not in d.named("eventbridge-archive").inputs
