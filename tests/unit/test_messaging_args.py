"""`MessagingArgs` built in code: defaults from components/defaults.py, and the very errors
stack config gets, raised where the args are built, before any resource exists."""

import dataclasses
import json
import re

import pytest
from pulumi_harness import REGION, stack_config
from test_config_validation import BAD_CONFIGS

from components import ConsumerArgs, MessagingArgs, defaults
from components.config import CONSUMER_KEYS, STACK_KEYS, ConfigError, ConsumerConfig, StackConfig, parse_stack_config


def snake(key):
    return re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()


def test_every_stack_key_is_a_field_of_messaging_args_with_the_same_default():
    fields = {f.name: f for f in dataclasses.fields(MessagingArgs)}
    for key, (_getter, default) in STACK_KEYS.items():
        assert snake(key) in fields, f"MessagingArgs has no field for messaging:{key}"
        assert fields[snake(key)].default == default, key


def test_every_consumer_key_is_a_field_of_consumer_args_with_the_same_default():
    fields = {f.name: f for f in dataclasses.fields(ConsumerArgs)}
    assert set(fields) == {snake(k) for k in CONSUMER_KEYS} == {f.name for f in dataclasses.fields(ConsumerConfig)}
    for key, default in CONSUMER_KEYS.items():
        if key != "name":
            assert fields[snake(key)].default == default, key


def test_args_are_frozen_and_keyword_only():
    args = MessagingArgs(topology="fanout", consumers=[ConsumerArgs(name="inventory")], region=REGION)
    with pytest.raises(dataclasses.FrozenInstanceError):
        args.topology = "eventbridge"
    with pytest.raises(TypeError):
        ConsumerArgs("inventory")


def test_args_in_code_describe_the_same_stack_as_the_equivalent_stack_config():
    in_code = MessagingArgs(
        topology="eventbridge",
        consumers=[ConsumerArgs(name="inventory", match={"type": ["OrderCreated"]}, batch_size=5)],
        fifo=True,
        region=REGION,
    )
    from_config = parse_stack_config(
        {
            "topology": "eventbridge",
            "fifo": True,
            "consumers": [{"name": "inventory", "match": {"type": ["OrderCreated"]}, "batchSize": 5}],
        },
        project="messaging",
        stack="dev",
        region=REGION,
    )
    assert in_code == MessagingArgs.from_stack_config(from_config)
    assert in_code.as_config()["consumers"][0]["batchSize"] == 5


def test_from_stack_config_keeps_every_value():
    config = parse_stack_config(
        {
            "topology": "fanout",
            "consumers": [{"name": "a", "maxConcurrency": 4}],
            "production": True,
            "alarmEmail": "o@x.io",
        },
        project="messaging",
        stack="dev",
        region=REGION,
    )
    args = MessagingArgs.from_stack_config(config)
    assert (args.topology, args.production, args.alarm_email, args.region) == ("fanout", True, "o@x.io", REGION)
    assert args.consumers == (ConsumerArgs(name="a", max_concurrency=4),)
    assert isinstance(config, StackConfig)


def _decode(key, text):
    """A config string as the value a program would write in code (None: not expressible in code)."""
    getter = STACK_KEYS[key][0]
    if getter == "get_bool":
        return {"true": True, "false": False}.get(text, text)
    if getter in ("get_int", "get_object"):
        try:
            return json.loads(text)
        except json.JSONDecodeError:
            return text if getter == "get_int" else None
    return text


def _in_code(config):
    """MessagingArgs(**) for a stack config of strings, or None if code cannot say the same thing."""
    kwargs = {}
    for full_key, text in config.items():
        namespace, _, key = full_key.partition(":")
        if namespace == "aws":
            kwargs["region"] = text
            continue
        if namespace != "messaging":
            return None  # code has no other namespace to misspell
        if key not in STACK_KEYS:
            return None  # a misspelled key is a TypeError naming it in code
        value = _decode(key, text)
        if value is None:
            return None
        kwargs[snake(key)] = value
    consumers = kwargs.get("consumers")
    if isinstance(consumers, list):
        kwargs["consumers"] = [
            ConsumerArgs(**{snake(k): v for k, v in c.items()})
            if isinstance(c, dict) and "name" in c and set(c) <= set(CONSUMER_KEYS)
            else c
            for c in consumers
        ]
    return kwargs


CODE_CASES = [(name, _in_code(config), expected) for name, config, expected in BAD_CONFIGS if _in_code(config)]


def test_most_bad_configs_can_be_written_in_code_too():
    assert len(CODE_CASES) >= len(BAD_CONFIGS) - 4


@pytest.mark.parametrize(("kwargs", "expected"), [c[1:] for c in CODE_CASES], ids=[c[0] for c in CODE_CASES])
def test_bad_args_in_code_fail_where_they_are_built_with_the_stack_config_message(kwargs, expected):
    kwargs.setdefault("region", None)
    with pytest.raises(ConfigError) as raised:
        MessagingArgs(**kwargs)
    assert expected in str(raised.value)


def test_defaults_come_from_defaults_py():
    args = MessagingArgs(consumers=[ConsumerArgs(name="inventory")], region=REGION)
    (consumer,) = args.consumers
    assert (args.topology, args.encryption, args.queue_retention_days) == (
        defaults.DEFAULT_TOPOLOGY,
        defaults.ENCRYPTION,
        defaults.QUEUE_RETENTION_DAYS,
    )
    assert (consumer.batch_size, consumer.timeout_seconds, consumer.processor) == (
        defaults.BATCH_SIZE,
        defaults.TIMEOUT_SECONDS,
        defaults.PROCESSOR,
    )


def test_stack_config_helper_is_unchanged_for_the_program():
    assert stack_config("fanout")["messaging:topology"] == "fanout"
