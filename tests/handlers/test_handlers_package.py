"""The runtime package itself: one package beside the team's code, environment
contract, lazy imports, no Pulumi."""

from __future__ import annotations

import json
import pathlib
import re
import shutil
import subprocess
import sys
import textwrap

import pytest
from handler_testkit import load_event

from handlers import env

HANDLERS = pathlib.Path(env.__file__).parent
RUNTIME_MODULES = sorted(p.stem for p in HANDLERS.glob("*.py") if p.stem != "__init__")


def test_no_module_imports_pulumi():
    for path in HANDLERS.glob("*.py"):
        assert not re.search(r"^\s*(import|from)\s+pulumi", path.read_text(), re.M), path.name


def test_runtime_modules_import_each_other_through_the_package_only():
    # A bare `import logs` would pick a team module of that name from the archive root.
    for path in HANDLERS.glob("*.py"):
        bare = re.findall(rf"^\s*import ({'|'.join(RUNTIME_MODULES)})\b", path.read_text(), re.M)
        assert not bare, f"{path.name} imports {bare} outside the handlers package"


def lambda_task_root(tmp_path: pathlib.Path, team: dict[str, str]) -> pathlib.Path:
    """A folder laid out as a function's archive: handlers/ package + the team's modules."""
    shutil.copytree(HANDLERS, tmp_path / "handlers", ignore=shutil.ignore_patterns("__pycache__"))
    for name, source in team.items():
        (tmp_path / name).write_text(textwrap.dedent(source))
    return tmp_path


def run_in(root: pathlib.Path, code: str, environ: dict[str, str]) -> str:
    import os

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("MESSAGING_", "POWERTOOLS_"))}
    done = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=root,
        env={**clean, "AWS_REGION": "eu-west-1", "PYTHONPATH": str(root), **environ},
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


def test_a_team_module_named_like_each_runtime_module_still_works(tmp_path):
    team = {
        f"{name}.py": "CALLS = []\n\ndef process(envelope):\n    CALLS.append(envelope['id'])\n"
        for name in RUNTIME_MODULES
    }
    root = lambda_task_root(tmp_path, team)
    event = json.dumps(load_event("sqs_message.json"))
    code = f"""
        import importlib, json, sys

        class Context:
            function_name, function_version, memory_limit_in_mb, aws_request_id = "fn", "$LATEST", 128, "r"
            invoked_function_arn = "arn:aws:lambda:eu-west-1:123456789012:function:fn"

        results = {{}}
        for name in {RUNTIME_MODULES!r}:
            for module in [m for m in sys.modules if m.split(".")[0] in ("handlers", name)]:
                del sys.modules[module]
            import os
            os.environ["MESSAGING_PROCESSOR"] = name + ":process"
            consumer = importlib.import_module("handlers.consumer")
            answer = consumer.handler(json.loads({event!r}), Context())
            team = importlib.import_module(name)
            runtime = importlib.import_module("handlers." + name)
            results[name] = [answer, team.CALLS, runtime is not team]
        print(json.dumps(results))
    """
    producer_env = {"MESSAGING_CHANNEL": "sqs", "MESSAGING_TARGET": "https://sqs.eu-west-1.amazonaws.com/1/q"}
    results = json.loads(run_in(root, code, {"POWERTOOLS_LOG_LEVEL": "ERROR", **producer_env}))
    (envelope_id,) = {json.loads(r["body"])["id"] for r in load_event("sqs_message.json")["Records"]}
    assert results == {name: [{"batchItemFailures": []}, [envelope_id], True] for name in RUNTIME_MODULES}


@pytest.mark.parametrize(
    ("module", "environ"),
    [
        ("producer", {"MESSAGING_CHANNEL": "sqs", "MESSAGING_TARGET": "https://sqs.eu-west-1.amazonaws.com/1/q"}),
        ("consumer", {}),
    ],
)
def test_importing_a_handler_creates_no_client_and_loads_no_boto3(module, environ, tmp_path):
    root = lambda_task_root(tmp_path, {"orders.py": (HANDLERS.parent / "app" / "orders.py").read_text()})
    code = f"import json, sys, handlers.{module}; print(json.dumps(['boto3' in sys.modules, 'pulumi' in sys.modules]))"
    assert json.loads(run_in(root, code, environ)) == [False, False]


def test_consumer_works_without_any_environment_at_all(lambda_env, consumer):
    lambda_env.delenv("AWS_REGION")
    lambda_env.delenv("AWS_DEFAULT_REGION")
    assert consumer.handler(load_event("sqs_message.json"), None) == {"batchItemFailures": []}


def test_consumer_defaults():
    settings = env.consumer_settings({})
    assert settings.processor == "orders:process"
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


def test_bad_fifo_flag_fails_the_cold_start_loudly(lambda_env, consumer):
    lambda_env.setenv("MESSAGING_FIFO", "sometimes")
    with pytest.raises(ValueError, match="MESSAGING_FIFO"):
        consumer.cold_start()


def test_log_lines_carry_the_service_name_of_their_execution_environment(lambda_env, consumer, capsys):
    for service in ("inventory-svc", "billing-svc"):
        lambda_env.setenv("POWERTOOLS_SERVICE_NAME", service)
        consumer.cold_start()
        event = load_event("sqs_message.json")
        event["Records"][0]["body"] = "not json"
        consumer.handler(event, None)
        lines = [json.loads(x) for x in capsys.readouterr().out.splitlines() if x.startswith("{")]
        assert lines and {line["service"] for line in lines} == {service}


def test_log_lines_carry_the_lambda_context_and_the_consumer_name(lambda_env, consumer, capsys):
    lambda_env.setenv("MESSAGING_CONSUMER", "inventory")
    event = load_event("sqs_message.json")
    event["Records"][0]["body"] = "not json"
    consumer.handler(event, None)
    (line,) = [json.loads(x) for x in capsys.readouterr().out.splitlines() if '"unparseable record"' in x]
    assert (line["consumer"], line["function_name"], line["function_request_id"], line["cold_start"]) == (
        "inventory",
        "consumer-fn",
        "req-1",
        line["cold_start"],
    )
    assert isinstance(line["cold_start"], bool)
