"""``python -m emulator``: exit codes, one clear line on bad input, never a traceback."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from e2e_support import ROOT, write_stack


def cli(*args: str, cwd=ROOT) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "emulator", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        # Nothing of this machine's AWS setup; pip's own variables, for a team's requirements.txt in app/.
        env={
            "PATH": "/usr/bin:/bin",
            "PYTHONPATH": str(ROOT),
            **{k: v for k, v in os.environ.items() if k.startswith("PIP_")},
        },
    )


def assert_clean_failure(result: subprocess.CompletedProcess, *needles: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr + result.stdout
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]


@pytest.fixture
def stack_dir(tmp_path):
    """A project folder with the real program (symlinked) and a stack of our own."""
    for name in ("__main__.py", "Pulumi.yaml", "components", "handlers", "app", "emulator"):
        (tmp_path / name).symlink_to(ROOT / name)
    write_stack(tmp_path, [{"name": "orders"}], "point-to-point")
    return tmp_path


def test_missing_messages_file(tmp_path):
    assert_clean_failure(cli("--messages", str(tmp_path / "nope.json")), "not found", "nope.json")


@pytest.mark.parametrize("path", ["/dev/null", "empty.json"])
def test_an_empty_or_special_messages_file_is_called_empty_not_missing(tmp_path, path):
    (tmp_path / "empty.json").write_text("", encoding="utf-8")
    target = path if path.startswith("/") else str(tmp_path / path)
    assert_clean_failure(cli("--messages", target), f"messages file {target} is empty")


def test_a_directory_as_messages_file_is_named_a_directory(tmp_path):
    assert_clean_failure(cli("--messages", str(tmp_path)), f"messages file {tmp_path} is a directory")


def test_malformed_json_array(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text('[{"type": "OrderCreated"},', encoding="utf-8")
    assert_clean_failure(cli("--messages", str(bad)), "malformed JSON")


def test_malformed_json_lines_name_the_line(tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"type": "OrderCreated"}\n{"type": \n', encoding="utf-8")
    assert_clean_failure(cli("--messages", str(bad)), "line 2", "malformed JSON")


def test_an_envelope_without_type_is_refused_before_anything_is_sent(tmp_path):
    bad = tmp_path / "untyped.json"
    bad.write_text(json.dumps([{"type": "OrderCreated", "data": {}}, {"id": "x", "data": {}}]), encoding="utf-8")
    assert_clean_failure(cli("--messages", str(bad)), "message 2", "type")


def test_unknown_stack():
    assert_clean_failure(cli("--stack", "no-such-stack"), "unknown stack", "no-such-stack")


def test_config_the_program_rejects_surfaces_its_message(stack_dir):
    write_stack(stack_dir, [{"name": "a"}, {"name": "b"}], "point-to-point")
    result = cli("--stack", "e2e", "--count", "2", cwd=stack_dir)
    assert_clean_failure(result, "point-to-point", "messaging:consumers")


def test_json_run_prints_exactly_one_report_object(stack_dir, tmp_path):
    messages = tmp_path / "orders.jsonl"
    messages.write_text(
        "\n".join(
            json.dumps(m)
            for m in [
                {"id": "a", "type": "OrderCreated", "data": {"customerName": "A", "customerAddress": "B"}},
                {"id": "b", "type": "OrderShipped", "data": {"customerName": "A"}},
            ]
        )
        + "\n",
        encoding="utf-8",
    )
    result = cli("--stack", "e2e", "--messages", str(messages), "--json", cwd=stack_dir)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)  # the whole stdout is one JSON document
    assert {"stack", "topology", "sent", "consumers", "unrouted"} <= set(report)
    assert report["sent"] == ["a", "b"]
    assert report["consumers"] == {"orders": {"processed": ["a"], "dead_lettered": ["b"]}}
    assert report["unrouted"] == []


def test_summary_run_names_each_consumer_with_its_counts(stack_dir):
    result = cli("--stack", "e2e", "--count", "5", cwd=stack_dir)
    assert result.returncode == 0, result.stderr
    assert "orders" in result.stdout and "dead-lettered" in result.stdout
    assert "unrouted (0)" in result.stdout


def test_a_misspelt_namespace_is_refused_in_one_line(stack_dir):
    path = stack_dir / "Pulumi.e2e.yaml"
    path.write_text(path.read_text().replace("messaging:topology", "messagin:topology"))
    result = cli("--stack", "e2e", "--json", cwd=stack_dir)
    assert result.returncode == 2
    assert_clean_failure(result, "messagin:topology: unknown namespace 'messagin'")


@pytest.mark.parametrize(
    "args, needle",
    [
        (["--topology", "mesh"], "argument --topology: invalid choice: 'mesh'"),
        (["--count", "many"], "argument --count: invalid int value: 'many'"),
        (["--no-such-flag"], "unrecognized arguments: --no-such-flag"),
        (["serve", "--port", "http"], "argument --port: invalid int value: 'http'"),
    ],
)
def test_a_bad_argument_is_one_line_naming_it_with_exit_status_2_and_no_usage_block(args, needle):
    result = cli(*args)
    assert result.returncode == 2
    assert_clean_failure(result, needle)
    assert "usage:" not in result.stderr


@pytest.mark.parametrize("given", ["missing.yaml", "."], ids=["missing", "folder"])
def test_serve_names_the_stack_file_flag_and_path_it_cannot_read_before_deploying(tmp_path, given):
    path = tmp_path / given
    problem = "does not exist" if given == "missing.yaml" else "is a folder, not a file"
    result = cli("serve", "--stack-file", str(path), "--port", "0")
    assert result.returncode == 2
    assert_clean_failure(result, f"emulator serve: error: --stack-file {path}: the stack file {problem}")
