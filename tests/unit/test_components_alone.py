"""Each component built on its own, from its own narrow args, under the recording mocks:
what its children are (each a child of the component, named after it) and their inputs."""

import pulumi
import pulumi_aws as aws
import pytest
from pulumi_harness import ACCOUNT, REGION, build_under_mocks

from components import defaults, policies
from components.alarms import Alarms, AlarmsArgs
from components.config import ConsumerConfig
from components.consumer import Consumer, ConsumerComponentArgs
from components.forward import Forward, ForwardArgs
from components.idempotency import IdempotencyArgs, IdempotencyStore
from components.producer import Producer, ProducerComponentArgs
from components.stack_key import StackKey, StackKeyArgs
from components.topologies import (
    TOPOLOGIES,
    Channel,
    Endpoint,
    EventBridge,
    EventBridgeArgs,
    Fanout,
    FanoutArgs,
    PointToPoint,
    RouteSpec,
    Topology,
    TopologyArgs,
)

TAGS = {"team": "shop"}
KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/k-1"
ALARM_TOPIC = f"arn:aws:sns:{REGION}:{ACCOUNT}:alarms"
TOPIC_ARN = f"arn:aws:sns:{REGION}:{ACCOUNT}:orders"
QUEUE_URL = f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/orders-queue"
QUEUE_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-queue"
DLQ_ARN = f"arn:aws:sqs:{REGION}:{ACCOUNT}:orders-dlq"


def consumer_config(**tuning):
    values = dict(
        name="orders",
        match=None,
        batch_size=10,
        batching_window_seconds=0,
        max_concurrency=None,
        timeout_seconds=20,
        memory_mb=256,
        max_receive_count=6,
        processor=defaults.PROCESSOR,
    )
    return ConsumerConfig(**{**values, **tuning})


def children_of(d, component_type):
    (component,) = d.of_type(component_type)
    return component, {r.name: r for r in d.registrations if r.parent == component.urn}


def test_consumer_alone_builds_an_encrypted_queue_pair_whose_policies_grant_exactly_the_given_sources():
    def build():
        Consumer(
            "orders",
            ConsumerComponentArgs(
                consumer=consumer_config(),
                account_id=ACCOUNT,
                alarm_topic_arn=ALARM_TOPIC,
                tags=TAGS,
                grants=[policies.SendGrant(service=policies.SNS_PRINCIPAL, source_arns=(TOPIC_ARN,))],
                fifo=True,
                queue_retention_days=2,
                kms_key_arn=KEY_ARN,
            ),
        )

    d = build_under_mocks(build)
    _, children = children_of(d, "messaging:consumer:Consumer")
    assert set(children) == {
        "orders-queue",
        "orders-dlq",
        "orders-queue-policy",
        "orders-dlq-policy",
        "orders-role",
        "orders-logs",
        "orders-role-policy",
        "orders-function",
        "orders-event-source",
        "orders-dlq-alarm",
    }
    queue = children["orders-queue"]
    assert queue.inputs["tags"] == {"team": "shop", "consumer": "orders"}
    assert (queue.inputs["fifoQueue"], queue.inputs["kmsMasterKeyId"]) == (True, KEY_ARN)
    assert queue.inputs["messageRetentionSeconds"] == 2 * 86400
    assert queue.inputs["visibilityTimeoutSeconds"] == 6 * 20
    assert queue.json_input("redrivePolicy") == {
        "deadLetterTargetArn": d.output("orders-dlq", "arn"),
        "maxReceiveCount": 6,
    }
    for role in ("queue", "dlq"):
        allow = children[f"orders-{role}-policy"].json_input("policy")["Statement"][1]
        assert allow["Principal"] == {"Service": "sns.amazonaws.com"}
        assert allow["Condition"]["ArnEquals"] == {"aws:SourceArn": [TOPIC_ARN]}
        assert allow["Resource"] == d.output(f"orders-{role}", "arn")
    assert children["orders-dlq-alarm"].inputs["alarmActions"] == [ALARM_TOPIC]


def test_consumer_alone_without_grants_accepts_no_service():
    def build():
        Consumer(
            "orders",
            ConsumerComponentArgs(
                consumer=consumer_config(), account_id=ACCOUNT, alarm_topic_arn=ALARM_TOPIC, tags=TAGS
            ),
        )

    d = build_under_mocks(build)
    statements = d.named("orders-queue-policy").json_input("policy")["Statement"]
    assert [s["Effect"] for s in statements] == ["Deny"]
    assert d.named("orders-queue").inputs["sqsManagedSseEnabled"] is True


def test_producer_alone_sends_to_its_channel_and_its_draining_one():
    def build():
        Producer(
            "orders-producer",
            ProducerComponentArgs(
                channel=Channel("sqs", QUEUE_URL, QUEUE_ARN),
                draining=[Channel("sns", TOPIC_ARN, TOPIC_ARN)],
                tags=TAGS,
                source="com.example.shop",
                fifo=False,
                log_retention_days=7,
            ),
        )

    d = build_under_mocks(build)
    _, children = children_of(d, "messaging:producer:Producer")
    assert set(children) == {
        "orders-producer-role",
        "orders-producer-logs",
        "orders-producer-role-policy",
        "orders-producer-function",
    }
    variables = children["orders-producer-function"].inputs["environment"]["variables"]
    assert (variables["MESSAGING_CHANNEL"], variables["MESSAGING_TARGET"]) == ("sqs", QUEUE_URL)
    assert variables["MESSAGING_DEFAULT_SOURCE"] == "com.example.shop"
    assert children["orders-producer-logs"].inputs["retentionInDays"] == 7
    statements = children["orders-producer-role-policy"].json_input("policy")["Statement"]
    assert statements[:2] == [
        {"Sid": "SendToTarget", "Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [QUEUE_ARN]},
        {"Sid": "SendToDrainingTarget1", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": [TOPIC_ARN]},
    ]
    assert children["orders-producer-role"].inputs["tags"] == TAGS


def test_alarms_alone_subscribe_the_email_to_an_encrypted_topic_for_this_accounts_alarms():
    def build():
        Alarms(
            "ops",
            AlarmsArgs(
                account_id=ACCOUNT, region=REGION, tags=TAGS, alarm_email="ops@example.com", kms_key_arn=KEY_ARN
            ),
        )

    d = build_under_mocks(build)
    _, children = children_of(d, "messaging:alarms:Alarms")
    assert set(children) == {"ops-topic", "ops-topic-policy", "ops-email"}
    assert children["ops-topic"].inputs["kmsMasterKeyId"] == KEY_ARN
    assert children["ops-email"].inputs["endpoint"] == "ops@example.com"
    cloudwatch = children["ops-topic-policy"].json_input("policy")["Statement"][1]
    assert cloudwatch["Condition"]["ArnLike"] == {"aws:SourceArn": f"arn:aws:cloudwatch:{REGION}:{ACCOUNT}:alarm:*"}


def test_idempotency_store_alone_is_an_encrypted_on_demand_table_with_point_in_time_recovery():
    d = build_under_mocks(
        lambda: IdempotencyStore("dedupe", IdempotencyArgs(tags=TAGS, point_in_time_recovery=True, kms_key_arn=KEY_ARN))
    )
    table = d.named("dedupe-table")
    assert table.inputs["pointInTimeRecovery"] == {"enabled": True}
    assert table.inputs["serverSideEncryption"] == {"enabled": True, "kmsKeyArn": KEY_ARN}
    assert table.inputs["tags"] == TAGS


def test_stack_key_alone_then_its_policy_names_exactly_the_given_sources_and_bus():
    bus_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/orders"
    rule_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/orders/inventory"

    def build():
        key = StackKey(
            "vault",
            StackKeyArgs(
                account_id=ACCOUNT, region=REGION, alias_name="alias/shop", description="shop", tags=TAGS, protect=True
            ),
        )
        key.allow_services(
            [policies.SendGrant(service=policies.EVENTS_PRINCIPAL, source_arns=(rule_arn,))], bus_arns=[bus_arn]
        )
        with pytest.raises(RuntimeError, match="exactly one policy"):
            key.allow_services([])

    d = build_under_mocks(build)
    _, children = children_of(d, "messaging:encryption:StackKey")
    assert set(children) == {"vault-key", "vault-alias", "vault-policy"}
    assert children["vault-key"].protect is True
    assert children["vault-alias"].inputs["name"] == "alias/shop"
    statements = {s["Sid"]: s for s in children["vault-policy"].json_input("policy")["Statement"]}
    assert statements["EventsDeliversToQueues"]["Condition"]["ArnEquals"] == {"aws:SourceArn": [rule_arn]}
    assert statements["EventsEncryptsBus"] == {
        "Sid": "EventsEncryptsBus",
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": ["kms:DescribeKey", "kms:GenerateDataKey", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo"],
        "Resource": "*",
        "Condition": {"ArnEquals": {"aws:SourceArn": [bus_arn]}, "StringEquals": {"aws:SourceAccount": ACCOUNT}},
    }


def endpoints(wait_for=()):
    return [
        Endpoint(name="inventory", queue_url=QUEUE_URL, queue_arn=QUEUE_ARN, dlq_arn=DLQ_ARN, wait_for=wait_for),
        Endpoint(name="analytics", queue_url=QUEUE_URL + "2", queue_arn=QUEUE_ARN + "2", dlq_arn=DLQ_ARN + "2"),
    ]


ROUTES = [RouteSpec(name="inventory", match={"type": ["OrderCreated"]}), RouteSpec(name="analytics")]


def test_the_three_topologies_implement_one_protocol_keyed_by_their_kind():
    assert TOPOLOGIES == {"point-to-point": PointToPoint, "fanout": Fanout, "eventbridge": EventBridge}
    assert all(issubclass(cls, Topology) for cls in TOPOLOGIES.values())
    with pytest.raises(TypeError):
        Topology("x:y:Z", "incomplete")  # abstract: sources, grants and routes must be defined


def test_point_to_point_alone_creates_nothing_and_connects_the_producer_to_the_queue():
    channels = []

    def build():
        p2p = PointToPoint("direct", TopologyArgs(routes=ROUTES[:1], account_id=ACCOUNT, tags=TAGS))
        assert p2p.grant_for("inventory") is None and list(p2p.service_grants) == []
        channels.append(p2p.connect(endpoints()[:1]))

    d = build_under_mocks(build)
    assert d.resources == []
    assert channels == [Channel("sqs", QUEUE_URL, QUEUE_ARN)]


def test_fanout_alone_has_its_topic_first_then_one_filtered_subscription_per_endpoint_that_waits():
    def build():
        marker = aws.sqs.Queue("marker")  # stands for the policies a route must wait for
        fanout = Fanout(
            "orders-fanout",
            FanoutArgs(routes=ROUTES, account_id=ACCOUNT, tags=TAGS, raw_delivery=False, kms_key_arn=KEY_ARN),
        )
        fanout.connect(endpoints(wait_for=[marker]))
        with pytest.raises(RuntimeError, match="called twice"):
            fanout.connect(endpoints())

    d = build_under_mocks(build)
    _, children = children_of(d, "messaging:topology:Fanout")
    assert set(children) == {
        "orders-fanout-topic",
        "orders-fanout-topic-policy",
        "orders-fanout-inventory-subscription",
        "orders-fanout-analytics-subscription",
    }
    assert children["orders-fanout-topic"].inputs["tags"] == TAGS
    assert children["orders-fanout-topic"].inputs["kmsMasterKeyId"] == KEY_ARN
    inventory = children["orders-fanout-inventory-subscription"]
    assert (inventory.inputs["endpoint"], inventory.inputs["rawMessageDelivery"]) == (QUEUE_ARN, False)
    assert inventory.json_input("filterPolicy") == {"type": ["OrderCreated"]}
    assert inventory.json_input("redrivePolicy") == {"deadLetterTargetArn": DLQ_ARN}
    assert d.named("marker").urn in inventory.dependencies
    assert "filterPolicy" not in children["orders-fanout-analytics-subscription"].inputs


def test_eventbridge_alone_encrypts_bus_and_archive_with_the_key_and_dead_letters_fifo_to_a_standard_queue():
    def build():
        bus = EventBridge(
            "orders-bus",
            EventBridgeArgs(
                routes=ROUTES,
                account_id=ACCOUNT,
                tags=TAGS,
                fifo=True,
                kms_key_arn=KEY_ARN,
                archive_retention_days=3,
                alarm_topic_arn=ALARM_TOPIC,
            ),
        )
        assert [pulumi.Output.from_input(a) for a in bus.encrypted_sources]
        bus.connect(endpoints())

    d = build_under_mocks(build)
    _, children = children_of(d, "messaging:topology:EventBridge")
    assert set(children) == {
        "orders-bus-bus",
        "orders-bus-archive",
        "orders-bus-inventory-rule",
        "orders-bus-analytics-rule",
        "orders-bus-delivery-dlq",
        "orders-bus-delivery-dlq-policy",
        "orders-bus-delivery-dlq-alarm",
        "orders-bus-inventory-target",
        "orders-bus-analytics-target",
        "orders-bus-inventory-failed-invocations-alarm",
        "orders-bus-analytics-failed-invocations-alarm",
    }
    failed = children["orders-bus-inventory-failed-invocations-alarm"].inputs
    assert (failed["namespace"], failed["metricName"], failed["dimensions"], failed["alarmActions"]) == (
        "AWS/Events",
        "FailedInvocations",
        {"EventBusName": d.output("orders-bus-bus", "name"), "RuleName": "inventory"},
        [ALARM_TOPIC],
    )
    assert children["orders-bus-bus"].inputs["kmsKeyIdentifier"] == KEY_ARN
    assert children["orders-bus-archive"].inputs["kmsKeyIdentifier"] == KEY_ARN
    assert children["orders-bus-archive"].inputs["retentionDays"] == 3
    assert children["orders-bus-inventory-rule"].inputs["name"] == "inventory"
    assert children["orders-bus-inventory-rule"].json_input("eventPattern") == {"detail-type": ["OrderCreated"]}
    dlq = children["orders-bus-delivery-dlq"]
    assert "fifoQueue" not in dlq.inputs and dlq.retain_on_delete and dlq.inputs["kmsMasterKeyId"] == KEY_ARN
    target = children["orders-bus-inventory-target"]
    assert target.inputs["deadLetterConfig"] == {"arn": d.output("orders-bus-delivery-dlq", "arn")}
    assert target.inputs["sqsTarget"] == {"messageGroupId": "inventory"}
    assert d.named("orders-bus-delivery-dlq-policy").urn in target.dependencies


def test_eventbridge_without_a_key_leaves_bus_and_archive_on_aws_owned_encryption():
    def build():
        bus = EventBridge(
            "b", EventBridgeArgs(routes=ROUTES, account_id=ACCOUNT, tags=TAGS, alarm_topic_arn=ALARM_TOPIC)
        )
        assert list(bus.encrypted_sources) == []

    d = build_under_mocks(build)
    assert "kmsKeyIdentifier" not in d.named("b-bus").inputs
    assert "kmsKeyIdentifier" not in d.named("b-archive").inputs


def test_forward_alone_targets_the_other_bus_with_a_role_for_its_rule_and_a_standard_dlq_on_the_key():
    rule_arn = f"arn:aws:events:{REGION}:{ACCOUNT}:rule/shop-bus/partner"
    other_bus = "arn:aws:events:us-west-2:111122223333:event-bus/partner"

    def build():
        Forward(
            "partner",
            ForwardArgs(
                consumer_name="partner",
                config_key="messaging:consumers[0].bus",
                target_bus_arn=other_bus,
                rule_name="partner",
                rule_arn=rule_arn,
                bus_name="shop-bus",
                bus_arn=f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/shop-bus",
                account_id=ACCOUNT,
                alarm_topic_arn=ALARM_TOPIC,
                tags=TAGS,
                kms_key_arn=KEY_ARN,
                maximum_retry_attempts=3,
                maximum_event_age_in_seconds=600,
            ),
        )

    d = build_under_mocks(build)
    _, children = children_of(d, "messaging:forward:Forward")
    assert set(children) == {
        "partner-dlq",
        "partner-dlq-policy",
        "partner-role",
        "partner-role-policy",
        "partner-target",
        "partner-dlq-alarm",
    }
    target = children["partner-target"].inputs
    assert (target["arn"], target["rule"], target["eventBusName"]) == (other_bus, "partner", "shop-bus")
    assert target["retryPolicy"] == {"maximumRetryAttempts": 3, "maximumEventAgeInSeconds": 600}
    assert children["partner-dlq"].inputs["kmsMasterKeyId"] == KEY_ARN
    assert not children["partner-dlq"].inputs.get("fifoQueue")
    assert children["partner-role"].json_input("assumeRolePolicy") == policies.events_assume_role_policy(
        rule_arn=rule_arn, account_id=ACCOUNT
    )
    assert children["partner-role-policy"].json_input("policy") == policies.forward_role_policy(bus_arn=other_bus)
    assert children["partner-role"].inputs["tags"] == {**TAGS, "consumer": "partner"}
