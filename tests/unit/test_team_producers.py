"""The team's own producers (`messaging:producers`): each deployed from the code folder with the
channel environment and exactly the publish grant, the same grant exported for publishers outside
the stack (`publishPolicyArn`, `publisherEnvironment`); bad entries refused before any resource."""

from __future__ import annotations

import json
import textwrap

import pytest
from pulumi_harness import ACCOUNT, REGION, ROOT, attempt_program, run_program, stack_config

from components import ConsumerArgs, MessagingArgs, ProducerArgs, policies
from components.config import ConfigError

RUNTIME = sorted(f"handlers/{p.name}" for p in (ROOT / "handlers").glob("*.py"))
CHECKOUT = """
    from handlers.publisher import publish


    def place(event, context):
        return publish([{"type": "OrderCreated", "data": order} for order in event["orders"]])


    def helper(order):
        return order
"""
CONSUMERS = [{"name": "inventory", "match": {"type": ["OrderCreated"]}}, {"name": "analytics"}]


@pytest.fixture
def team(tmp_path, monkeypatch):
    """A project folder (Pulumi runs the program from it) whose code folder `team/` holds a producer."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "team" / "tests").mkdir(parents=True)
    (tmp_path / "team" / "checkout.py").write_text(textwrap.dedent(CHECKOUT))
    (tmp_path / "team" / "orders.py").write_text("def process(envelope):\n    pass\n")
    (tmp_path / "team" / "tests" / "test_checkout.py").write_text("")
    return tmp_path


def program(topology: str = "fanout", producers: list | None = None, **keys):
    if producers is None:
        producers = [{"name": "checkout", "handler": "checkout:place"}]
    return stack_config(topology, CONSUMERS, codePath="team", producers=producers, **keys)


def statements(registration) -> list[dict]:
    return registration.json_input("policy")["Statement"]


def send_grants(registration) -> list[dict]:
    return [s for s in statements(registration) if s["Sid"].startswith("Send")]


def test_a_team_producer_is_deployed_from_the_code_folder_with_the_channel_environment(team):
    deployment = run_program(program())
    function = deployment.named("checkout-function")
    topic_arn = deployment.output("fanout-topic", "arn")
    assert function.inputs["handler"] == "checkout.place"
    assert sorted(function.inputs["code"].assets) == sorted([*RUNTIME, "checkout.py", "orders.py"])
    assert function.inputs["environment"]["variables"] == {
        "MESSAGING_CHANNEL": "sns",
        "MESSAGING_TARGET": topic_arn,
        "MESSAGING_DEFAULT_SOURCE": "com.example.orders",
        "MESSAGING_FIFO": "false",
        "POWERTOOLS_SERVICE_NAME": "checkout",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }
    assert (function.inputs["timeout"], function.inputs["memorySize"]) == (30, 256)  # the producer defaults
    # The built-in producer stays, unchanged beside it.
    builtin = deployment.named("producer-function")
    assert builtin.inputs["handler"] == "handlers.producer.handler"
    assert builtin.inputs["code"].assets.keys() == function.inputs["code"].assets.keys()
    assert deployment.registered_outputs("messaging")["producers"] == {
        "checkout": {"function": function.outputs["name"]}
    }


def test_a_team_producer_may_send_only_to_the_current_channel(team):
    deployment = run_program(program(producers=[{"name": "checkout", "handler": "checkout:place", "memoryMb": 512,
                                                  "timeoutSeconds": 60}]))  # fmt: skip
    function = deployment.named("checkout-function")
    assert (function.inputs["timeout"], function.inputs["memorySize"]) == (60, 512)
    policy = deployment.named("checkout-role-policy")
    logs = deployment.output("checkout-logs", "arn")
    assert statements(policy) == [
        {"Sid": "SendToTarget", "Effect": "Allow", "Action": ["sns:Publish"],
         "Resource": [deployment.output("fanout-topic", "arn")]},
        {"Sid": "WriteOwnLogs", "Effect": "Allow", "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
         "Resource": [f"{logs}:*"]},
    ]  # fmt: skip
    assert policy.inputs["role"] == deployment.output("checkout-role", "name")


def test_during_a_switch_a_team_producer_may_send_to_the_new_and_the_draining_channel_only(team):
    deployment = run_program(program("eventbridge", previousTopology="fanout"))
    bus_arn = deployment.output("eventbridge-bus", "arn")
    topic_arn = deployment.output("fanout-topic", "arn")
    assert send_grants(deployment.named("checkout-role-policy")) == [
        {"Sid": "SendToTarget", "Effect": "Allow", "Action": ["events:PutEvents"], "Resource": [bus_arn]},
        {"Sid": "SendToDrainingTarget1", "Effect": "Allow", "Action": ["sns:Publish"], "Resource": [topic_arn]},
    ]
    env = deployment.named("checkout-function").inputs["environment"]["variables"]
    assert (env["MESSAGING_CHANNEL"], env["MESSAGING_TARGET"]) == (
        "events",
        deployment.output("eventbridge-bus", "name"),
    )


@pytest.mark.parametrize(
    ("topology", "switch", "key_grant"),
    [
        ("point-to-point", None, True),
        ("fanout", None, True),
        ("eventbridge", None, False),
        ("eventbridge", "fanout", True),
    ],
    ids=["queue", "topic", "bus (EventBridge holds its own grant)", "bus while the topic drains"],
)
def test_the_publish_policy_grants_exactly_what_the_producers_are_granted(team, topology, switch, key_grant):
    keys = {"encryption": "kms", **({"previousTopology": switch} if switch else {})}
    consumers = CONSUMERS[:1] if topology == "point-to-point" else CONSUMERS
    config = stack_config(topology, [{"name": c["name"]} for c in consumers] if topology == "point-to-point" else
                          consumers, codePath="team", producers=[{"name": "checkout", "handler": "checkout:place"}],
                          **keys)  # fmt: skip
    deployment = run_program(config)
    published = deployment.named("publish-policy")
    key_arn = deployment.output("encryption-key", "arn")
    for producer in ("producer", "checkout"):
        granted = [s for s in statements(deployment.named(f"{producer}-role-policy")) if s["Sid"] != "WriteOwnLogs"]
        assert statements(published) == granted
    assert ({"Sid": "EncryptMessages", "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
             "Resource": [key_arn]} in statements(published)) is key_grant  # fmt: skip
    outputs = deployment.registered_outputs("messaging")
    assert outputs["publish_policy_arn"] == published.outputs["arn"]
    assert outputs["publish_policy_arn"].startswith(f"arn:aws:iam::{ACCOUNT}:policy/")
    builtin_env = deployment.named("producer-function").inputs["environment"]["variables"]
    assert outputs["publisher_environment"] == {
        **{k: v for k, v in builtin_env.items() if k.startswith("MESSAGING_")},
        "AWS_REGION": REGION,
    }


def test_the_publish_policy_function_is_pure_and_grants_the_key_only_where_a_channel_encrypts_with_it():
    key = "arn:aws:kms:eu-west-1:1:key/k"
    queue = ("sqs", "arn:aws:sqs:eu-west-1:1:q")
    bus = ("events", "arn:aws:events:eu-west-1:1:event-bus/b")
    assert policies.publish_policy(targets=[bus], kms_key_arn=key) == {
        "Version": "2012-10-17",
        "Statement": [{"Sid": "SendToTarget", "Effect": "Allow", "Action": ["events:PutEvents"], "Resource": [bus[1]]}],
    }
    assert policies.publish_policy(targets=[bus, queue], kms_key_arn=key)["Statement"] == [
        {"Sid": "SendToTarget", "Effect": "Allow", "Action": ["events:PutEvents"], "Resource": [bus[1]]},
        {"Sid": "SendToDrainingTarget1", "Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [queue[1]]},
        {"Sid": "EncryptMessages", "Effect": "Allow", "Action": ["kms:GenerateDataKey", "kms:Decrypt"],
         "Resource": [key]},
    ]  # fmt: skip
    assert policies.publish_policy(targets=[queue], kms_key_arn=None)["Statement"] == [
        {"Sid": "SendToTarget", "Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [queue[1]]}
    ]


def test_producers_built_in_code_are_validated_as_stack_config_is(team):
    args = MessagingArgs(topology="fanout", consumers=[ConsumerArgs(name="inventory", processor="orders:process")],
                         producers=[ProducerArgs(name="checkout", handler="checkout:place")], code_path="team",
                         region=REGION)  # fmt: skip
    assert args.producers == (ProducerArgs(name="checkout", handler="checkout:place"),)
    with pytest.raises(ConfigError) as caught:
        MessagingArgs(topology="fanout", consumers=[ConsumerArgs(name="inventory", processor="orders:process")],
                      producers=[ProducerArgs(name="inventory", handler="checkout:place", memory_mb=64)],
                      code_path="team", region=REGION)  # fmt: skip
    assert str(caught.value) == (
        "invalid stack config:\n"
        '  - messaging:producers[0].name: "inventory" is also the name of messaging:consumers[0]; a producer\'s name '
        "must differ from every consumer's (their resources would share names)\n"
        "  - messaging:producers[0].memoryMb: 64 is not allowed; use a whole number from 128 to 10240"
    )


# ------------------------------------------------------------------ bad entries, each refused before any resource

PRODUCER = {"name": "checkout", "handler": "checkout:place"}


@pytest.mark.parametrize(
    ("producers", "expected"),
    [
        (
            [PRODUCER, {**PRODUCER, "handler": "checkout:place"}],
            'messaging:producers[1].name: "checkout" is a duplicate of messaging:producers[0].name; producer names '
            "must be unique",
        ),
        (
            [{**PRODUCER, "name": "analytics"}],
            'messaging:producers[0].name: "analytics" is also the name of messaging:consumers[1]; a producer\'s name '
            "must differ from every consumer's (their resources would share names)",
        ),
        (
            [{**PRODUCER, "name": "producer"}],
            'messaging:producers[0].name: "producer" is reserved; the stack names its own resources after it; '
            "reserved names are producer, alarms, encryption, idempotency, monitoring, point-to-point, fanout, "
            "eventbridge, eventbridge-delivery, schedules, schemas",
        ),
        (
            [{**PRODUCER, "name": "Checkout"}],
            "messaging:producers[0].name: \"Checkout\" is not allowed; use lowercase letters, digits and '-' (not at "
            "either end), at most 40 characters",
        ),
        (
            [{**PRODUCER, "handler": "checkout.place"}],
            'messaging:producers[0].handler (producer "checkout"): "checkout.place" is not allowed; give '
            "module:function inside the code folder, e.g. checkout:handler",
        ),
        (
            [{"name": "checkout"}],
            'messaging:producers[0].handler (producer "checkout"): null is not allowed; give module:function inside '
            "the code folder, e.g. checkout:handler",
        ),
        (
            [{**PRODUCER, "handler": "cart:place"}],
            'messaging:producers[0].handler (producer "checkout"): "cart:place": no module "cart" in {root}/team; '
            "modules found: checkout, orders",
        ),
        (
            [{**PRODUCER, "handler": "checkout:pay"}],
            'messaging:producers[0].handler (producer "checkout"): "checkout:pay": checkout defines no top-level '
            'function "pay"; functions found: helper, place',
        ),
        (
            [{**PRODUCER, "handler": "checkout:helper"}],
            'messaging:producers[0].handler (producer "checkout"): "checkout:helper": helper(order) must take exactly '
            "two positional parameters (event, context)",
        ),
        (
            [{**PRODUCER, "timeoutSeconds": 901}],
            "messaging:producers[0].timeoutSeconds: 901 is not allowed; use a whole number from 1 to 900",
        ),
        (
            [{**PRODUCER, "memoryMb": 10_241}],
            "messaging:producers[0].memoryMb: 10241 is not allowed; use a whole number from 128 to 10240",
        ),
        (
            [{**PRODUCER, "memory": 512}],
            "messaging:producers[0].memory: unknown key; known keys are name, handler, timeoutSeconds, memoryMb "
            "(did you mean memoryMb?)",
        ),
        (
            {"name": "checkout"},
            'messaging:producers: {"name": "checkout"} is not allowed; give a list of producers, e.g. '
            '[{"name": "checkout", "handler": "checkout:handler"}]',
        ),
    ],
    ids=[
        "duplicate name",
        "a consumer's name",
        "reserved name",
        "bad name",
        "handler without colon",
        "no handler",
        "missing module",
        "missing function",
        "wrong arity",
        "timeout too long",
        "memory too large",
        "unknown key",
        "not a list",
    ],
)
def test_a_bad_producer_is_refused_with_key_value_and_what_is_allowed_and_nothing_is_created(team, producers, expected):
    error, deployment = attempt_program(program(producers=producers))
    assert isinstance(error, ConfigError)
    assert str(error) == "invalid stack config: " + expected.replace("{root}", str(team))
    assert deployment.registrations == []


def test_the_publisher_environment_carries_the_event_schemas_the_producer_checks():
    schemas = {"types": {"OrderCreated": "tests/unit/schemas/order-created.json"}}
    deployment = run_program(stack_config("fanout", schemas=schemas))
    builtin_env = deployment.named("producer-function").inputs["environment"]["variables"]
    published = deployment.registered_outputs("messaging")["publisher_environment"]
    assert published["MESSAGING_SCHEMAS"] == builtin_env["MESSAGING_SCHEMAS"]
    assert json.loads(published["MESSAGING_SCHEMAS"])["OrderCreated"]["required"] == [
        "orderId",
        "customerName",
        "customerAddress",
    ]
