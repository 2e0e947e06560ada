"""Bad stack config fails the whole program before any resource is registered,
with one message that names the key, the bad value and what is allowed."""

import json
import re
from pathlib import Path

import boto3
import pytest
from pulumi_harness import DEMO_CONSUMERS, REGION, stack_config

from components import ConsumerArgs, MessagingArgs, defaults
from components.config import STACK_KEYS, ConfigError, parse_stack_config

TOPOLOGIES = defaults.TOPOLOGIES

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
        "misspelled consumer key, with the key it was meant to be",
        stack_config("fanout", [{"name": "inventory", "batchsize": 5}]),
        "maxMessageAgeSeconds, delivery, maximumRetryAttempts, maximumEventAgeInSeconds, bus (did you mean batchSize?)",
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
    (
        "region that is not an AWS region",
        {**stack_config("fanout", ONE), "aws:region": "eu-west-9"},
        'aws:region: "eu-west-9" is not an AWS region; known regions are af-south-1, ap-east-1,',
    ),
    (
        "region outside the aws partition",
        {**stack_config("fanout", ONE), "aws:region": "cn-north-1"},
        'aws:region: "cn-north-1" is in the aws-cn partition; the program deploys only to the aws partition',
    ),
    (
        "key in a misspelt namespace",
        {**stack_config("fanout", ONE), "messagin:topology": "eventbridge"},
        'messagin:topology: unknown namespace "messagin"; this program reads only messaging:*, aws:* and pulumi:* '
        "keys (did you mean messaging:topology?)",
    ),
    (
        "consumer named like the producer",
        stack_config("fanout", [{"name": "producer"}]),
        'messaging:consumers[0].name: "producer" is reserved; the stack names its own resources after it; reserved '
        "names are producer, alarms",
    ),
    (
        "consumer named like the EventBridge delivery DLQ",
        stack_config("eventbridge", [{"name": "eventbridge-delivery"}]),
        'messaging:consumers[0].name: "eventbridge-delivery" is reserved',
    ),
    (
        "more consumers than an EventBridge bus allows rules",
        stack_config("eventbridge", [{"name": f"c{i}"} for i in range(300)]),
        "messaging:consumers: 300 consumers under eventbridge need 300 rules on the bus and its archive one more; "
        "EventBridge allows 300 rules per event bus in eu-west-1",
    ),
    (
        "more consumers than a FIFO topic allows subscriptions",
        stack_config("fanout", [{"name": f"c{i}"} for i in range(101)], fifo=True),
        "messaging:consumers: 101 consumers under fanout with messaging:fifo true; SNS allows 100 subscriptions per "
        "FIFO topic",
    ),
    (
        "more consumers with a match than a topic allows filter policies",
        stack_config("fanout", [{"name": f"c{i}", "match": {"type": ["A"]}} for i in range(201)]),
        "messaging:consumers: 201 consumers with a match under fanout; SNS allows 200 filter policies per topic",
    ),
    (
        "non-ASCII consumer name",
        stack_config("fanout", [{"name": "inventário"}]),
        'messaging:consumers[0].name: "inventário" is not allowed',
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


# --- Every mistake at once ------------------------------------------------------------------------------------


def test_the_issue_example_reports_the_type_error_and_every_other_mistake(attempt):
    error, deployment = attempt(stack_config("pubsub", [{"name": "A", "batchSize": 0}], fifo="maybe"))
    assert isinstance(error, ConfigError)
    assert str(error).splitlines()[1:] == [
        '  - messaging:fifo: "maybe" is not allowed; use true or false',
        '  - messaging:topology: "pubsub" is not allowed; allowed values are point-to-point, fanout, eventbridge',
        "  - messaging:consumers[0].name: \"A\" is not allowed; use lowercase letters, digits and '-' (not at either "
        "end), at most 40 characters",
        "  - messaging:consumers[0].batchSize: 0 is not allowed; use a whole number from 1 to 10000",
    ]
    assert deployment.registrations == []


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_one_message_lists_every_bad_key_whatever_the_topology(attempt, topology):
    config = {
        **stack_config(topology, [{"name": "A", "batchSize": 0}], fifo="maybe", queueRetentionDays="week"),
        "messaging:topolgy": "fanout",
        "messagin:source": "com.example.shop",
        "aws:region": "eu-west-9",
    }
    error, deployment = attempt(config)
    assert isinstance(error, ConfigError)
    lines = str(error).splitlines()
    assert lines[0] == "invalid stack config:"
    assert lines[1:5] == [
        '  - messaging:fifo: "maybe" is not allowed; use true or false',
        '  - messaging:queueRetentionDays: "week" is not allowed; use a whole number',
        "  - messaging:topolgy: unknown key; known keys are " + ", ".join(STACK_KEYS) + " (did you mean topology?)",
        '  - messagin:source: unknown namespace "messagin"; this program reads only messaging:*, aws:* and pulumi:* '
        "keys (did you mean messaging:source?)",
    ]
    assert lines[5].startswith('  - aws:region: "eu-west-9" is not an AWS region; known regions are ')
    assert lines[6:] == [
        "  - messaging:consumers[0].name: \"A\" is not allowed; use lowercase letters, digits and '-' (not at either "
        "end), at most 40 characters",
        "  - messaging:consumers[0].batchSize: 0 is not allowed; use a whole number from 1 to 10000",
    ]
    assert deployment.registrations == []


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_args_built_in_code_list_every_bad_field_in_one_message_whatever_the_topology(topology):
    with pytest.raises(ConfigError) as raised:
        MessagingArgs(
            topology=topology,
            consumers=[ConsumerArgs(name="A", batch_size=0)],
            fifo="maybe",
            queue_retention_days="week",
            region="eu-west-9",
        )
    lines = str(raised.value).splitlines()
    assert lines[0] == "invalid stack config:"
    assert lines[1].startswith('  - aws:region: "eu-west-9" is not an AWS region')
    assert lines[2:4] == [
        '  - messaging:fifo: "maybe" is not allowed; use true or false',
        '  - messaging:queueRetentionDays: "week" is not allowed; use a whole number from 1 to 14',
    ]
    assert lines[4:] == [
        "  - messaging:consumers[0].name: \"A\" is not allowed; use lowercase letters, digits and '-' (not at either "
        "end), at most 40 characters",
        "  - messaging:consumers[0].batchSize: 0 is not allowed; use a whole number from 1 to 10000",
    ]


# --- Only the mistake that was made ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        (
            {"queueRetentionDays": 15},
            "messaging:queueRetentionDays: 15 is not allowed; use a whole number from 1 to 14",
        ),
        ({"dlqRetentionDays": 0}, "messaging:dlqRetentionDays: 0 is not allowed; use a whole number from 1 to 14"),
        (
            {"queueRetentionDays": 20, "dlqRetentionDays": 30},
            "messaging:queueRetentionDays: 20 is not allowed; use a whole number from 1 to 14\n"
            "  - messaging:dlqRetentionDays: 30 is not allowed; use a whole number from 1 to 14",
        ),
    ],
    ids=["queue retention above 14", "DLQ retention of 0", "both out of range"],
)
def test_a_retention_out_of_range_reports_no_second_dlq_error(options, expected):
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(
            {"topology": "fanout", "consumers": ONE, **options}, project="messaging", stack="dev", region=REGION
        )
    assert str(raised.value).removeprefix("invalid stack config:").lstrip("\n -").removeprefix(" ") == expected


@pytest.mark.parametrize(
    ("name", "shown"),
    [("inventário", '"inventário"'), ("注文", '"注文"'), ("a\u200bb", '"a\\u200bb"')],
    ids=["accented", "japanese", "an invisible character stays visible"],
)
def test_a_name_is_shown_as_written_not_escaped(name, shown):
    with pytest.raises(ConfigError) as raised:
        parse_stack_config(
            {"topology": "fanout", "consumers": [{"name": name}]}, project="messaging", stack="dev", region=REGION
        )
    assert str(raised.value) == (
        f"invalid stack config: messaging:consumers[0].name: {shown} is not allowed; use lowercase letters, digits "
        "and '-' (not at either end), at most 40 characters"
    )


# --- What AWS would refuse, refused first ----------------------------------------------------------------------


def parse(topology, consumers, region=REGION, **options):
    return parse_stack_config(
        {"topology": topology, "consumers": consumers, **options}, project="messaging", stack="dev", region=region
    )


def named(count, **consumer):
    return [{"name": f"c{i}", **consumer} for i in range(count)]


@pytest.mark.parametrize(
    ("region", "rules"), [(REGION, 300), ("us-east-1", 300), ("af-south-1", 100), ("eu-south-1", 100)]
)
def test_eventbridge_takes_as_many_consumers_as_the_bus_has_rules_beside_its_archive(region, rules):
    assert len(parse("eventbridge", named(rules - 1), region=region).consumers) == rules - 1
    with pytest.raises(ConfigError) as raised:
        parse("eventbridge", named(rules), region=region)
    assert str(raised.value) == (
        f"invalid stack config: messaging:consumers: {rules} consumers under eventbridge need {rules} rules on the "
        f"bus and its archive one more; EventBridge allows {rules} rules per event bus in {region} (its default "
        "quota, adjustable with a quota request; the program checks the default), so use at most "
        f"{rules - 1} consumers"
    )


def test_a_bus_still_draining_counts_its_rules_too():
    with pytest.raises(ConfigError, match="300 consumers under eventbridge need 300 rules"):
        parse("fanout", named(300), previousTopology="eventbridge")


def test_a_fifo_topic_takes_as_many_consumers_as_it_allows_subscriptions():
    assert len(parse("fanout", named(100), fifo=True).consumers) == 100
    with pytest.raises(ConfigError) as raised:
        parse("fanout", named(101), fifo=True)
    assert str(raised.value) == (
        "invalid stack config: messaging:consumers: 101 consumers under fanout with messaging:fifo true; SNS allows "
        "100 subscriptions per FIFO topic, so use at most 100 consumers"
    )


def test_a_standard_topic_takes_as_many_consumers_with_a_match_as_it_allows_filter_policies():
    assert len(parse("fanout", named(200, match={"type": ["A"]})).consumers) == 200
    # Consumers without a match have no filter policy: they do not count.
    unfiltered = [{"name": f"all-{i}"} for i in range(50)]
    assert len(parse("fanout", named(200, match={"type": ["A"]}) + unfiltered).consumers) == 250
    with pytest.raises(ConfigError) as raised:
        parse("fanout", named(201, match={"type": ["A"]}))
    assert str(raised.value) == (
        "invalid stack config: messaging:consumers: 201 consumers with a match under fanout; SNS allows 200 filter "
        "policies per topic (its default quota, adjustable with a quota request; the program checks the default), so "
        "give at most 200 consumers a match"
    )


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_a_region_aws_does_not_have_is_refused_listing_the_known_regions(topology):
    with pytest.raises(ConfigError) as raised:
        parse(topology, ONE, region="eu-west-9")
    message = str(raised.value)
    assert message.startswith('invalid stack config: aws:region: "eu-west-9" is not an AWS region; known regions are ')
    listed = message.split("known regions are ", 1)[1].split(" (", 1)[0].split(", ")
    assert listed == sorted(boto3.session.Session().get_available_regions("sqs"))
    assert {"eu-west-1", "us-east-1", "ap-southeast-2"} <= set(listed)


@pytest.mark.parametrize("region", ["eu-west-1", "us-east-1", "ap-southeast-2", "il-central-1"])
def test_every_region_of_the_aws_partition_is_accepted(region):
    assert parse("fanout", ONE, region=region).region == region


@pytest.mark.parametrize("topology", TOPOLOGIES)
def test_a_key_in_a_misspelt_namespace_is_reported_by_the_program_itself(attempt, topology):
    error, deployment = attempt({**stack_config(topology, ONE), "messagin:topology": "eventbridge"})
    assert str(error) == (
        'invalid stack config: messagin:topology: unknown namespace "messagin"; this program reads only messaging:*, '
        "aws:* and pulumi:* keys (did you mean messaging:topology?)"
    )
    assert deployment.registrations == []


def test_keys_of_the_aws_provider_and_of_pulumi_are_not_mistakes(attempt):
    error, _deployment = attempt({**stack_config("fanout", ONE), "aws:profile": "dev", "pulumi:tags": "{}"})
    assert error is None


# --- Names the program uses itself -----------------------------------------------------------------------------

CONSUMER_TYPE = "messaging:consumer:Consumer"


def _stack_level_names_and_consumer_roles(deployment):
    """Logical names of everything not under a consumer, and the roles a consumer names its children by."""
    by_urn = {r.urn: r for r in deployment.registrations}

    def consumer_of(registration):
        while registration is not None:
            if registration.typ == CONSUMER_TYPE:
                return registration
            registration = by_urn.get(registration.parent)
        return None

    stack_level, roles = set(), set()
    for registration in deployment.registrations:
        if registration.typ == "messaging:index:Messaging":
            continue
        owner = consumer_of(registration)
        if owner is None:
            stack_level.add(registration.name)
        elif owner is not registration:
            roles.add(registration.name.removeprefix(f"{owner.name}-"))
    return stack_level, roles


def test_the_reserved_names_are_exactly_the_names_whose_resources_the_stack_itself_uses(deploy):
    everything = deploy(
        "eventbridge",
        [{"name": "inventory"}],
        previousTopology="fanout",
        fifo=True,
        encryption="kms",
        idempotency=True,
        alarmEmail="ops@example.com",
        schedules=[{"name": "nightly", "schedule": "rate(1 day)", "envelope": {"type": "ReportDue"}}],
        schemas={"discovery": True, "types": {"OrderCreated": "tests/unit/schemas/order-created.json"}},
    )
    stack_level, roles = _stack_level_names_and_consumer_roles(everything)
    stack_level |= _stack_level_names_and_consumer_roles(deploy("point-to-point"))[0]
    components = {r.name for r in everything.registrations if not r.custom} | {"point-to-point"}
    clashes = {name for name in stack_level if name in components and name != "inventory"} | {
        name.removesuffix(f"-{role}") for name in stack_level for role in roles if name.endswith(f"-{role}")
    }
    clashes = {name for name in clashes if re.match(defaults.CONSUMER_NAME_PATTERN, name) and name != "inventory"}
    assert set(defaults.RESERVED_NAMES) == clashes
    assert "producer" in clashes and "eventbridge-delivery" in clashes


@pytest.mark.parametrize("topology", TOPOLOGIES)
@pytest.mark.parametrize("name", defaults.RESERVED_NAMES)
def test_a_consumer_named_like_a_resource_of_the_stack_is_refused_listing_the_reserved_names(name, topology):
    with pytest.raises(ConfigError) as raised:
        parse(topology, [{"name": name}])
    assert str(raised.value) == (
        f'invalid stack config: messaging:consumers[0].name: "{name}" is reserved; the stack names its own resources '
        f"after it; reserved names are {', '.join(defaults.RESERVED_NAMES)}"
    )


def test_the_readme_names_every_reserved_name_and_consumer_limit():
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    reserved_row = next(line for line in readme.splitlines() if line.startswith("| `name` |"))
    assert ", ".join(f"`{name}`" for name in defaults.RESERVED_NAMES) in reserved_row
    rules = defaults.EVENTBRIDGE_RULES_PER_BUS - defaults.EVENTBRIDGE_ARCHIVE_RULES
    assert f"| `eventbridge` | {rules} consumers" in readme
    assert f"| `fanout` with `fifo` | {defaults.SNS_FIFO_TOPIC_SUBSCRIPTIONS} consumers |" in readme
    assert f"| `fanout` | {defaults.SNS_FILTER_POLICIES_PER_TOPIC} consumers with a `match` |" in readme
