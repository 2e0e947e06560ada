"""The Lambda package itself: environment contract, lazy imports, no Pulumi."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import consumer
import env
import pytest
from handler_testkit import load_event

HANDLERS = env.__file__.rsplit("/", 1)[0]


def test_no_module_imports_pulumi():
    import pathlib

    for path in pathlib.Path(HANDLERS).glob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+pulumi", path.read_text(), re.M), path.name


@pytest.mark.parametrize("module", ["producer", "consumer"])
def test_importing_a_handler_creates_no_client_and_loads_no_boto3(module):
    code = f"import sys, {module}; print(json.dumps(['boto3' in sys.modules, 'pulumi' in sys.modules]))"
    out = subprocess.run(
        [sys.executable, "-c", "import json; " + code], cwd=HANDLERS, capture_output=True, text=True, check=True
    )
    assert json.loads(out.stdout) == [False, False]


def test_consumer_works_without_any_environment_at_all(lambda_env):
    lambda_env.delenv("AWS_REGION")
    lambda_env.delenv("AWS_DEFAULT_REGION")
    assert consumer.handler(load_event("sqs_message.json"), None) == {"batchItemFailures": []}


def test_consumer_defaults():
    settings = env.consumer_settings({})
    assert settings.processor == "orders"
    assert settings.fifo is False
    assert settings.idempotency is False
    assert settings.idempotency_ttl_seconds == 3600
    assert settings.consumer == "consumer"


def test_consumer_name_falls_back_to_the_function_name():
    assert env.consumer_settings({"AWS_LAMBDA_FUNCTION_NAME": "fn-1"}).consumer == "fn-1"
    assert (
        env.consumer_settings({"AWS_LAMBDA_FUNCTION_NAME": "fn-1", "MESSAGING_CONSUMER": "inventory"}).consumer
        == "inventory"
    )


@pytest.mark.parametrize(
    ("raw", "expected"), [("true", True), ("TRUE", True), ("1", True), ("false", False), ("", False), (" no ", False)]
)
def test_fifo_flag_spellings(raw, expected):
    assert env.consumer_settings({"MESSAGING_FIFO": raw}).fifo is expected


@pytest.mark.parametrize("raw", ["0", "-5", "soon", "1.5"])
def test_bad_idempotency_ttl_is_a_clear_error(raw):
    with pytest.raises(ValueError, match=rf"MESSAGING_IDEMPOTENCY_TTL_SECONDS='{re.escape(raw)}'"):
        env.consumer_settings({"MESSAGING_IDEMPOTENCY_TTL_SECONDS": raw})


def test_bad_fifo_flag_fails_the_invocation_loudly(lambda_env):
    lambda_env.setenv("MESSAGING_FIFO", "sometimes")
    with pytest.raises(ValueError, match="MESSAGING_FIFO"):
        consumer.handler(load_event("sqs_message.json"), None)


def test_settings_follow_environment_changes():
    assert env.consumer_settings({"MESSAGING_PROCESSOR": "a"}).processor == "a"
    assert env.consumer_settings({"MESSAGING_PROCESSOR": "b"}).processor == "b"


def test_log_lines_carry_the_service_name_from_the_environment(lambda_env, capsys):
    for service in ("inventory-svc", "billing-svc"):
        lambda_env.setenv("POWERTOOLS_SERVICE_NAME", service)
        event = load_event("sqs_message.json")
        event["Records"][0]["body"] = "not json"
        consumer.handler(event, None)
        lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
        assert lines and {line["service"] for line in lines} == {service}
