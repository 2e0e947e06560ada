"""Bad stack config fails the whole program before any resource is registered,
with one message that names the key, the bad value and what is allowed."""

import json

import pytest
from pulumi_harness import DEMO_CONSUMERS, REGION, stack_config

from components.config import ConfigError, parse_stack_config

ONE = [{"name": "inventory"}]


def consumers_with(**tuning):
    return [{"name": "inventory", **tuning}]


# (id, config strings, expected message fragment)
BAD_CONFIGS = [
    (
        "unknown topology",
        stack_config("pubsub", ONE),
        'messaging:topology: "pubsub" is not allowed; allowed values are point-to-point, fanout, eventbridge',
    ),
    (
        "empty consumer list",
        stack_config("fanout", []),
        "messaging:consumers: [] is not allowed; give a non-empty list of consumers",
    ),
    (
        "consumers not a list",
        {**stack_config("fanout", ONE), "messaging:consumers": json.dumps({"name": "x"})},
        'messaging:consumers: {"name": "x"} is not allowed; give a non-empty list',
    ),
    (
        "consumers not JSON",
        {**stack_config("fanout", ONE), "messaging:consumers": "[inventory"},
        'messaging:consumers: "[inventory" is not allowed; give valid JSON',
    ),
    (
        "consumers missing",
        {k: v for k, v in stack_config("fanout", ONE).items() if k != "messaging:consumers"},
        "messaging:consumers: not set; list at least one consumer",
    ),
    (
        "consumer not an object",
        stack_config("fanout", ["inventory"]),
        'messaging:consumers[0]: "inventory" is not allowed; a consumer is an object with at least a name',
    ),
    (
        "duplicate consumer name",
        stack_config("fanout", [{"name": "inventory"}, {"name": "inventory"}]),
        'messaging:consumers[1].name: "inventory" is a duplicate; consumer names must be unique',
    ),
    (
        "uppercase consumer name",
        stack_config("fanout", [{"name": "Inventory"}]),
        "messaging:consumers[0].name: \"Inventory\" is not allowed; use lowercase letters, digits and '-'",
    ),
    (
        "consumer name with underscore",
        stack_config("fanout", [{"name": "big_orders"}]),
        'messaging:consumers[0].name: "big_orders" is not allowed',
    ),
    (
        "consumer name ending in dash",
        stack_config("fanout", [{"name": "orders-"}]),
        'messaging:consumers[0].name: "orders-" is not allowed',
    ),
    ("consumer name too long", stack_config("fanout", [{"name": "a" * 41}]), "at most 40 characters"),
    (
        "consumer without name",
        stack_config("fanout", [{"match": {"type": ["A"]}}]),
        "messaging:consumers[0].name: null is not allowed",
    ),
    (
        "unknown consumer key",
        stack_config("fanout", [{"name": "inventory", "batchsize": 5}]),
        "messaging:consumers[0].batchsize: unknown key; known keys are name, match, batchSize",
    ),
    (
        "several consumers under point-to-point",
        stack_config("point-to-point", [{"name": "a"}, {"name": "b"}]),
        "messaging:consumers: 2 consumers under point-to-point, which serves exactly one; use topology fanout or "
        "eventbridge",
    ),
    (
        "match under point-to-point",
        stack_config("point-to-point", [{"name": "a", "match": {"type": ["X"]}}]),
        'messaging:consumers[0].match: {"type": ["X"]} under point-to-point, which has no routing; remove `match` or '
        "use topology fanout or eventbridge",
    ),
    (
        "unknown match key",
        stack_config("fanout", [{"name": "a", "match": {"kind": ["X"]}}]),
        'messaging:consumers[0].match.kind: unknown match key "kind"; allowed keys are type, source, data',
    ),
    (
        "unknown match operator",
        stack_config("eventbridge", [{"name": "a", "match": {"type": [{"wildcard": "O*"}]}}]),
        'messaging:consumers[0].match.type[0].wildcard: unknown operator "wildcard"',
    ),
    (
        "numeric rule with a string bound",
        stack_config("fanout", [{"name": "a", "match": {"data": {"total": [{"numeric": [">", "1000"]}]}}}]),
        'messaging:consumers[0].match.data.total[0].numeric[1]: "1000" is not a number',
    ),
    (
        "numeric rule with a bad operator",
        stack_config("fanout", [{"name": "a", "match": {"data": {"total": [{"numeric": ["=>", 1]}]}}}]),
        'operator "=>" in ["=>", 1] is not allowed',
    ),
    (
        "numeric rule with an empty range",
        stack_config("fanout", [{"name": "a", "match": {"data": {"total": [{"numeric": [">", 10, "<", 10]}]}}}]),
        "is an empty range",
    ),
    (
        "too many value combinations",
        stack_config(
            "fanout",
            [
                {
                    "name": "a",
                    "match": {"type": [f"T{i}" for i in range(8)], "data": {"region": [f"r{i}" for i in range(10)]}},
                }
            ],
        ),
        "160 value combinations; at most 150 are allowed",
    ),
    (
        "a field name with a dot",
        stack_config("fanout", [{"name": "a", "match": {"data": {"customer.tier": ["gold"]}}}]),
        'field name "customer.tier" is not allowed; a dot in a key is read by both services as a nesting step',
    ),
    (
        "match nested too deep",
        stack_config(
            "eventbridge", [{"name": "a", "match": {"data": {"a": {"b": {"c": {"d": {"e": {"f": ["x"]}}}}}}}}]
        ),
        "nested 6 levels deep; at most 5 levels",
    ),
    (
        "fifo not a boolean",
        stack_config("fanout", ONE, fifo="maybe"),
        'messaging:fifo: "maybe" is not allowed; use true or false',
    ),
    (
        "retention not a number",
        stack_config("fanout", ONE, queueRetentionDays="week"),
        'messaging:queueRetentionDays: "week" is not allowed; use a whole number',
    ),
    (
        "batch size above the FIFO limit",
        stack_config("fanout", consumers_with(batchSize=20, batchingWindowSeconds=1), fifo=True),
        "messaging:consumers[0].batchSize: 20 is not allowed; use a whole number from 1 to 10 (FIFO limit)",
    ),
    (
        "batching window with FIFO",
        stack_config("fanout", consumers_with(batchingWindowSeconds=5), fifo=True),
        "messaging:consumers[0].batchingWindowSeconds: 5 is not allowed with messaging:fifo true",
    ),
    (
        "large batch without a window",
        stack_config("fanout", consumers_with(batchSize=100)),
        "messaging:consumers[0].batchingWindowSeconds: 0 with batchSize 100; AWS requires a batching window of at "
        "least 1 second",
    ),
    (
        "batch size zero",
        stack_config("fanout", consumers_with(batchSize=0)),
        "messaging:consumers[0].batchSize: 0 is not allowed; use a whole number from 1 to 10000",
    ),
    (
        "batch size as text",
        stack_config("fanout", consumers_with(batchSize="ten")),
        'messaging:consumers[0].batchSize: "ten" is not allowed; use a whole number from 1 to 10000',
    ),
    (
        "max concurrency below 2",
        stack_config("fanout", consumers_with(maxConcurrency=1)),
        "messaging:consumers[0].maxConcurrency: 1 is not allowed; use a whole number from 2 to 1000",
    ),
    (
        "timeout above Lambda's limit",
        stack_config("fanout", consumers_with(timeoutSeconds=901)),
        "messaging:consumers[0].timeoutSeconds: 901 is not allowed; use a whole number from 1 to 900",
    ),
    (
        "memory below Lambda's minimum",
        stack_config("fanout", consumers_with(memoryMb=64)),
        "messaging:consumers[0].memoryMb: 64 is not allowed; use a whole number from 128 to 10240",
    ),
    (
        "max receive count that dead-letters healthy messages",
        stack_config("fanout", consumers_with(maxReceiveCount=1)),
        "messaging:consumers[0].maxReceiveCount: 1 is not allowed; use a whole number from 5 to 1000 (below 5, "
        "throttling alone dead-letters healthy messages)",
    ),
    (
        "max receive count as a boolean",
        stack_config("fanout", consumers_with(maxReceiveCount=True)),
        "messaging:consumers[0].maxReceiveCount: true is not allowed",
    ),
    (
        "unknown processor",
        stack_config("fanout", consumers_with(processor="billing")),
        'messaging:consumers[0].processor (consumer "inventory"): "billing" is not allowed; give module:function '
        "inside the code folder, e.g. orders:process",
    ),
    (
        "unknown encryption",
        stack_config("fanout", ONE, encryption="sse-c"),
        'messaging:encryption: "sse-c" is not allowed; allowed values are sqs-managed, kms',
    ),
    (
        "the AWS-managed aws/sqs key",
        stack_config("fanout", ONE, encryption="alias/aws/sqs"),
        'messaging:encryption: "alias/aws/sqs" is not allowed; the AWS-managed aws/sqs key cannot be used by SNS or '
        "EventBridge",
    ),
    (
        "queue retention above 14 days",
        stack_config("fanout", ONE, queueRetentionDays=15),
        "messaging:queueRetentionDays: 15 is not allowed; use a whole number from 1 to 14",
    ),
    (
        "DLQ retention shorter than the queue's",
        stack_config("fanout", ONE, queueRetentionDays=7, dlqRetentionDays=3),
        "messaging:dlqRetentionDays: 3 is shorter than queueRetentionDays (7)",
    ),
    (
        "log retention CloudWatch does not offer",
        stack_config("fanout", ONE, logRetentionDays=10),
        "messaging:logRetentionDays: 10 is not allowed; allowed values are 1, 3, 5, 7, 14, 30",
    ),
    (
        "negative archive retention",
        stack_config("eventbridge", ONE, archiveRetentionDays=-1),
        "messaging:archiveRetentionDays: -1 is not allowed; use a whole number from 0 to 36500",
    ),
    (
        "alarm email that is not an address",
        stack_config("fanout", ONE, alarmEmail="ops"),
        'messaging:alarmEmail: "ops" is not an email address',
    ),
    (
        "source reserved by AWS",
        stack_config("eventbridge", ONE, source="aws.orders"),
        'messaging:source: "aws.orders" is not allowed; '
        "give a non-empty name of at most 256 characters not starting with 'aws.'",
    ),
    (
        "idempotency window of zero",
        stack_config("fanout", ONE, idempotency=True, idempotencyTtlSeconds=0),
        "messaging:idempotencyTtlSeconds: 0 is not allowed",
    ),
    (
        "misspelled stack key",
        {**stack_config("fanout", ONE), "messaging:topolgy": "eventbridge"},
        "messaging:topolgy: unknown key; known keys are topology, previousTopology",
    ),
    (
        "previous topology equal to the topology",
        stack_config("fanout", ONE, previousTopology="fanout"),
        'messaging:previousTopology: "fanout" is not allowed; name the topology you are switching away from, one of '
        "fanout, eventbridge and not messaging:topology itself",
    ),
    (
        "previous topology point-to-point",
        stack_config("fanout", ONE, previousTopology="point-to-point"),
        'messaging:previousTopology: "point-to-point" is not allowed',
    ),
    (
        "region missing",
        {k: v for k, v in stack_config("fanout", ONE).items() if k != "aws:region"},
        "aws:region: not set",
    ),
]


def test_the_matrix_covers_at_least_thirty_distinct_mistakes():
    assert len({case[0] for case in BAD_CONFIGS}) >= 30


@pytest.mark.parametrize(("config", "expected"), [c[1:] for c in BAD_CONFIGS], ids=[c[0] for c in BAD_CONFIGS])
def test_bad_config_fails_before_any_resource_with_a_message_naming_key_value_and_allowed(attempt, config, expected):
    error, deployment = attempt(config)
    assert isinstance(error, ConfigError), f"expected a ConfigError, got {error!r}"
    assert expected in str(error)
    assert deployment.registrations == [], [r.urn for r in deployment.registrations]


def test_all_mistakes_are_reported_together_in_one_message(attempt):
    error, deployment = attempt(stack_config("pubsub", [{"name": "A"}, {"name": "b", "batchSize": 0}]))
    message = str(error)
    assert message.startswith("invalid stack config:")
    assert 'messaging:topology: "pubsub"' in message
    assert 'messaging:consumers[0].name: "A"' in message
    assert "messaging:consumers[1].batchSize: 0" in message
    assert deployment.registrations == []


def test_defaults_fill_every_key_the_stack_leaves_out():
    config = parse_stack_config(
        {"topology": "fanout", "consumers": [{"name": "inventory"}]}, project="messaging", stack="dev", region=REGION
    )
    (consumer,) = config.consumers
    assert (consumer.batch_size, consumer.batching_window_seconds, consumer.max_concurrency) == (10, 0, None)
    assert (consumer.timeout_seconds, consumer.memory_mb, consumer.max_receive_count, consumer.processor) == (
        30,
        256,
        5,
        "orders:process",
    )
    assert consumer.visibility_timeout_seconds == 180
    assert (config.fifo, config.encryption, config.idempotency, config.production) == (
        False,
        "sqs-managed",
        False,
        False,
    )
    assert (config.queue_retention_days, config.dlq_retention_days, config.log_retention_days) == (4, 14, 30)


def test_zero_and_false_given_in_config_are_kept_not_replaced_by_defaults():
    config = parse_stack_config(
        {
            "topology": "eventbridge",
            "consumers": [{"name": "inventory", "batchingWindowSeconds": 0}],
            "rawDelivery": False,
            "archiveRetentionDays": 0,
        },
        project="messaging",
        stack="dev",
        region=REGION,
    )
    assert config.raw_delivery is False
    assert config.archive_retention_days == 0


def test_the_demo_consumers_are_valid_under_both_routing_topologies():
    for topology in ("fanout", "eventbridge"):
        config = parse_stack_config(
            {"topology": topology, "consumers": DEMO_CONSUMERS}, project="messaging", stack="dev", region=REGION
        )
        assert [c.name for c in config.consumers] == ["inventory", "notifications", "big-orders", "analytics"]


def test_unknown_stack_key_is_refused_by_the_pure_parser():
    with pytest.raises(ConfigError, match="messaging:topolgy: unknown key"):
        parse_stack_config({"topolgy": "fanout", "consumers": ONE}, project="messaging", stack="dev", region=REGION)
