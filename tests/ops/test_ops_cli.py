"""The CLIs' contracts that need no deployed stack: bad input is one line and exit status 2, before any AWS call;
``emulator serve`` refuses a busy port."""

from __future__ import annotations

import json
import socket
import subprocess
import sys

import pytest
from ops_support import ROOT

OUTPUTS = {
    "topology": "fanout",
    "drainingTopology": None,
    "producerFunction": "producer-function-0000000",
    "channel": {"kind": "sns", "target": "arn:aws:sns:eu-west-1:123456789012:fanout-topic-0000000"},
    "alarmTopicArn": "arn:aws:sns:eu-west-1:123456789012:alarms-topic-0000000",
    "consumers": {
        name: {
            "queueUrl": f"https://sqs.eu-west-1.amazonaws.com/123456789012/{name}-queue-0000000",
            "dlqUrl": f"https://sqs.eu-west-1.amazonaws.com/123456789012/{name}-dlq-0000000",
            "function": f"{name}-function-0000000",
        }
        for name in ("analytics", "inventory")
    },
    "schedules": {
        "group": "schedules-group-0000000",
        "dlqUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/schedules-dlq-0000000",
        "schedules": {"daily-report": "arn:aws:scheduler:eu-west-1:123456789012:schedule/schedules-group-0000000/x"},
    },
}
# Nothing listens here: a command that got as far as calling AWS would fail differently.
UNREACHABLE = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "x"}


def _run(args: list[str], env: dict[str, str], module: str = "ops") -> subprocess.CompletedProcess:
    # No instance-metadata lookups: nothing here may reach beyond 127.0.0.1.
    base = {
        "PATH": "/usr/bin:/bin",
        "PYTHONPATH": str(ROOT),
        "HOME": "/nonexistent",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    return subprocess.run(
        [sys.executable, "-m", module, *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture(scope="module")
def outputs_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("outputs") / "outputs.json"
    path.write_text(json.dumps(OUTPUTS))
    return str(path)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["dlq", "peek", "nope"],
            "unknown consumer 'nope'; this stack's consumers are: analytics, inventory, schedules (the schedules' DLQ)",
        ),
        (["dlq", "tasks", "schedules"], "the schedules' DLQ has no redrive tasks: `dlq redrive schedules` runs the"),
        (["dlq", "redrive", "schedules", "--cancel"], "`dlq redrive schedules` runs no task in the background, so"),
        (["dlq", "purge", "schedules"], "dlq purge deletes every message in schedules-dlq-0000000 for good: add --yes"),
        (["dlq", "redrive", "schedules", "--max-per-second", "0"], "argument --max-per-second: 0 must be at least 1"),
        (["dlq", "purge", "inventory"], "dlq purge deletes every message in inventory-dlq-0000000 for good: add --yes"),
        (
            ["replay", "--from", "2026-01-01T00:00:00Z", "--to", "2026-01-02T00:00:00Z"],
            "this stack's topology is fanout: it has no event bus and no archive",
        ),
        (
            ["replay", "--from", "2026-01-02T00:00:00Z", "--to", "2026-01-01T00:00:00Z"],
            "--from 2026-01-02T00:00:00Z is not before --to",
        ),
        (["replay", "--from", "yesterday", "--to", "2026-01-01"], "--from 'yesterday' is not an ISO 8601 time"),
        (["switch", "status", "--window", "7"], "--window 7 is not allowed: use 1, 5, 10, 30 or a multiple of 60"),
        (["dlq", "redrive", "inventory", "--max-per-second", "501"], "--max-per-second 501: SQS allows 1..500"),
        (["dlq", "redrive", "inventory", "--cancel", "--wait"], "--cancel takes neither --wait nor --max-per-second"),
        (["send", "--count", "0"], "argument --count: 0 must be at least 1"),
        (["dlq", "shuffle", "inventory"], "invalid choice: 'shuffle'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(outputs_file, args, message, monkeypatch, capsys):
    # In-process (the same main() the CLI runs) to keep the suite fast; the next test runs the real CLI.
    from ops.__main__ import main

    for key, value in {**UNREACHABLE, "AWS_EC2_METADATA_DISABLED": "true"}.items():
        monkeypatch.setenv(key, value)
    try:
        code = main(["--outputs", outputs_file, *args, "--json"])
    except SystemExit as exc:  # argparse's usage errors
        code = exc.code
    out, err = capsys.readouterr()
    assert code == 2, err
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert message in err


@pytest.mark.parametrize(
    ("schedules", "args", "message"),
    [
        (
            {},
            ["dlq", "peek", "schedules"],
            "unknown consumer 'schedules'; this stack's consumers are: analytics, inventory; it has no "
            "messaging:schedules, so no schedules DLQ",
        ),
        (
            {"group": "g", "dlqUrl": "https://sqs.eu-west-1.amazonaws.com/123456789012/q"},
            ["status"],
            "output 'schedules' needs group, dlqUrl and schedules (an ARN by schedule name)",
        ),
    ],
)
def test_schedules_the_outputs_lack_or_misstate_are_one_line_and_exit_2(
    tmp_path, schedules, args, message, monkeypatch, capsys
):
    from ops.__main__ import main

    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({**OUTPUTS, "schedules": schedules}))
    for key, value in UNREACHABLE.items():
        monkeypatch.setenv(key, value)
    code = main(["--outputs", str(path), *args])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    (line,) = err.strip().splitlines()
    assert line.startswith("ops: error: ") and line.endswith(message)


def test_missing_outputs_no_pulumi_and_no_credentials_are_one_line_and_exit_2(tmp_path, outputs_file):
    unknown = _run(["--outputs", outputs_file, "dlq", "peek", "nope"], UNREACHABLE)
    missing = _run(["--outputs", str(tmp_path / "none.json"), "status"], UNREACHABLE)
    no_cli = _run(["--stack", "dev", "status"], UNREACHABLE)
    (tmp_path / "empty.json").write_text("{}")
    empty = _run(["--outputs", str(tmp_path / "empty.json"), "status"], UNREACHABLE)
    no_credentials = _run(
        ["--outputs", outputs_file, "status"],
        {"AWS_CONFIG_FILE": str(tmp_path / "none"), "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none")},
    )
    for done, message in (
        (unknown, "unknown consumer 'nope'; this stack's consumers are: analytics, inventory"),
        (missing, "outputs file not found"),
        (no_cli, "the Pulumi CLI is not installed, so --stack cannot read the outputs: pass --outputs FILE"),
        (empty, "has no stack outputs"),
        (no_credentials, "no AWS credentials found"),
    ):
        assert done.returncode == 2, done.stderr
        assert len(done.stderr.strip().splitlines()) == 1 and message in done.stderr
        assert "Traceback" not in done.stderr


def test_serve_refuses_a_busy_port():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _run(["serve", "--stack", "dev", "--port", str(port)], {}, module="emulator")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"emulator serve: error: port {port} on 127.0.0.1 is not available (Address already in use); "
        "choose another with --port (0 picks a free one)"
    ]


@pytest.mark.parametrize("content", ["", " \n"], ids=["empty", "blank"])
def test_an_empty_outputs_file_says_it_is_empty_and_how_to_write_it(tmp_path, content, monkeypatch, capsys):
    from ops.__main__ import main

    path = tmp_path / "outputs.dev.json"
    path.write_text(content)
    for key, value in UNREACHABLE.items():
        monkeypatch.setenv(key, value)
    code = main(["--outputs", str(path), "status"])
    out, err = capsys.readouterr()
    assert (code, out) == (2, "")
    assert err.splitlines() == [
        f"ops: error: outputs file {path} is empty: write it with `pulumi stack output --json > {path}`, "
        "or pass the file `python -m emulator serve` writes"
    ]
