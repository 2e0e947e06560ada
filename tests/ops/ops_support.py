"""Helpers for the ops tests: a served stack (``python -m emulator serve``) and ``python -m ops``, both as
subprocesses on 127.0.0.1, stopped by the test that starts them.

Named apart from ``conftest`` so that test modules import it unambiguously.
"""

from __future__ import annotations

import io
import json
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request
from collections import Counter
from contextlib import redirect_stderr, redirect_stdout
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Callable
from unittest import mock

import boto3
import yaml

ROOT = Path(__file__).resolve().parents[2]
REGION = "eu-west-1"
STACK = "ops"
START_TIMEOUT_SECONDS = 90  # generous for a loaded 2-core machine; never asserted as a timing
WAIT_SECONDS = 30


def order(id_: str, *, valid: bool = True, type_: str = "OrderCreated", **data: Any) -> dict:
    """A demo order envelope; ``valid=False`` leaves out customerAddress, which the demo processor rejects."""
    body: dict[str, Any] = {"orderId": f"o-{id_}", "customerName": "Ada Lovelace", **data}
    if valid:
        body["customerAddress"] = "1 Analytical Way"
    return {"id": id_, "type": type_, "source": "com.example.orders", "data": body}


def _clean_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env["PYTHONPATH"] = str(ROOT)
    env["AWS_EC2_METADATA_DISABLED"] = "true"  # nothing may reach beyond 127.0.0.1
    return env


class Served:
    """A running ``python -m emulator serve`` and the environment that points SDKs at it."""

    def __init__(self, directory: Path, config: dict[str, Any], *extra: str):
        self.directory = directory
        self.stack_file = directory / f"Pulumi.{STACK}.yaml"
        self.stack_file.write_text(yaml.safe_dump({"config": config}, sort_keys=False), encoding="utf-8")
        self.outputs_file = directory / "outputs.json"
        self.report_file = directory / "report.json"
        command = [
            sys.executable, "-m", "emulator", "serve", "--stack", STACK, "--stack-file", str(self.stack_file),
            "--port", "0", "--outputs", str(self.outputs_file), "--report", str(self.report_file), *extra,
        ]  # fmt: skip
        self.proc = subprocess.Popen(
            command, cwd=ROOT, env=_clean_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        self.lines: list[str] = []
        self.stderr: list[str] = []
        ready = threading.Event()

        def read_stdout() -> None:
            for line in self.proc.stdout:
                self.lines.append(line.rstrip("\n"))
                if line.startswith("press Ctrl-C"):
                    ready.set()
            ready.set()

        def read_stderr() -> None:
            for line in self.proc.stderr:
                self.stderr.append(line.rstrip("\n"))

        threading.Thread(target=read_stdout, daemon=True).start()
        threading.Thread(target=read_stderr, daemon=True).start()
        if not ready.wait(START_TIMEOUT_SECONDS) or self.proc.poll() is not None:
            self.stop()
            raise AssertionError(f"emulator serve did not start: {self.lines} {self.stderr}")
        export = next(line for line in self.lines if line.startswith("export "))
        self.env = _clean_env()
        self.env.update(dict(pair.split("=", 1) for pair in export.split()[1:]))
        self.url = self.env["AWS_ENDPOINT_URL"]
        self.outputs = json.loads(self.outputs_file.read_text())

    # ------------------------------------------------------------ use it
    def ops(self, *args: str, as_json: bool = True, env: dict[str, str] | None = None) -> tuple[int, Any, str]:
        """``python -m ops --outputs FILE ARGS [--json]``: exit status, parsed JSON (or text), stderr."""
        command = [sys.executable, "-m", "ops", "--outputs", str(self.outputs_file), *args]
        if as_json:
            command.append("--json")
        done = subprocess.run(command, cwd=ROOT, env=env or self.env, capture_output=True, text=True, timeout=120)
        body: Any = done.stdout
        if as_json and done.returncode == 0:
            lines = done.stdout.splitlines()
            assert len(lines) == 1, f"--json printed {len(lines)} lines: {done.stdout!r}"
            body = json.loads(lines[0])
        return done.returncode, body, done.stderr

    def ops_in_process(self, *args: str, as_json: bool = True, stack: str | None = None) -> tuple[int, Any, str]:
        """As ``ops``, but ops' own main() in this process with the served stack's environment: the same answers
        without a Python start-up per command (the CLI itself runs as a subprocess in ``ops``). ``stack``: read the
        outputs with ``--stack NAME`` instead, from a stand-in ``pulumi`` that prints the served stack's outputs."""
        from ops.__main__ import main  # noqa: PLC0415 - what the CLI runs

        where = ["--stack", stack] if stack else ["--outputs", str(self.outputs_file)]
        command = [*where, *args, *(["--json"] if as_json else [])]
        env = dict(self.env)
        if stack:
            env["PATH"] = os.pathsep.join([str(self._pulumi_stand_in(stack)), env.get("PATH", "")])
        out, err = io.StringIO(), io.StringIO()
        with mock.patch.dict(os.environ, env, clear=True), redirect_stdout(out), redirect_stderr(err):
            try:
                code = main(command)
            except SystemExit as exc:  # argparse's usage errors
                code = exc.code
        body: Any = out.getvalue()
        if as_json and code == 0:
            lines = body.splitlines()
            assert len(lines) == 1, f"--json printed {len(lines)} lines: {body!r}"
            body = json.loads(lines[0])
        return code, body, err.getvalue()

    def _pulumi_stand_in(self, stack: str) -> Path:
        """A folder holding a ``pulumi`` that answers ``stack output --json --stack STACK`` with the outputs file,
        and anything else with exit status 1."""
        folder = self.directory / "pulumi-stand-in"
        folder.mkdir(exist_ok=True)
        script = folder / "pulumi"
        expected = shlex.quote(f"stack output --json --stack {stack}")
        script.write_text(
            "#!/bin/sh\n"
            f'if [ "$*" = {expected} ]; then exec cat {shlex.quote(str(self.outputs_file))}; fi\n'
            'echo "pulumi stand-in: unexpected arguments: $*" >&2; exit 1\n',
            encoding="utf-8",
        )
        script.chmod(0o755)
        return folder

    def fire(self, schedule: str, at: str | None = None) -> dict[str, Any]:
        """Run a schedule now as serve offers it (``POST /_emulator/schedules/NAME/fire``); what it did."""
        query = f"?{urllib.parse.urlencode({'at': at})}" if at else ""
        request = urllib.request.Request(f"{self.url}/_emulator/schedules/{schedule}/fire{query}", method="POST")
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # 127.0.0.1, never a proxy
        with direct.open(request, timeout=60) as answer:
            return json.loads(answer.read())

    def client(self, service: str):
        return boto3.client(
            service,
            endpoint_url=self.url,
            region_name=REGION,
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )

    def depth(self, url: str) -> int:
        a = self.client("sqs").get_queue_attributes(
            QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
        )["Attributes"]
        return int(a["ApproximateNumberOfMessages"]) + int(a["ApproximateNumberOfMessagesNotVisible"])

    def metric_sum(self, namespace: str, metric: str, dims: dict[str, str], seconds: int = 3600) -> int:
        now = datetime.now(timezone.utc)
        points = self.client("cloudwatch").get_metric_statistics(
            Namespace=namespace,
            MetricName=metric,
            Dimensions=[{"Name": k, "Value": v} for k, v in dims.items()],
            StartTime=now - timedelta(seconds=seconds),
            EndTime=now + timedelta(seconds=1),
            Period=seconds,
            Statistics=["Sum"],
        )["Datapoints"]
        return int(sum(p["Sum"] for p in points))

    def alarm_state(self, queue_url: str) -> str | None:
        name = queue_url.rsplit("/", 1)[-1]
        for alarm in self.client("cloudwatch").describe_alarms()["MetricAlarms"]:
            if {"Name": "QueueName", "Value": name} in alarm.get("Dimensions", []):
                return alarm["StateValue"]
        return None

    def wait_for(self, what: str, check: Callable[[], Any]) -> Any:
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what}; serve said {self.stderr[-5:]}")
            time.sleep(0.1)

    def set_processor(self, consumer: str, processor: str) -> None:
        """Deploy a processor fix the way an operator would hot-fix: UpdateFunctionConfiguration."""
        lam = self.client("lambda")
        function = self.outputs["consumers"][consumer]["function"]
        env = lam.get_function_configuration(FunctionName=function)["Environment"]["Variables"]
        env["MESSAGING_PROCESSOR"] = processor
        lam.update_function_configuration(FunctionName=function, Environment={"Variables": env})

    def update(self, config: dict[str, Any]) -> str:
        """Write ``config`` as the stack file and SIGHUP serve (pulumi up, the emulator's way); wait for the line
        it prints (stdout: what changed; stderr: the refusal) and return it; reload the outputs it wrote."""
        done, refused = len(self.lines), len(self.stderr)
        self.stack_file.write_text(yaml.safe_dump({"config": config}, sort_keys=False), encoding="utf-8")
        self.proc.send_signal(signal.SIGHUP)

        def answer() -> str | None:
            new = [line for line in self.lines[done:] if line.startswith("updated stack ")]
            new += [line for line in self.stderr[refused:] if line.startswith("emulator serve: update ")]
            return new[0] if new else None

        line = self.wait_for("serve to apply the stack file", answer)
        self.outputs = json.loads(self.outputs_file.read_text())
        return line

    # ----------------------------------------------------------- stop it
    def stop(self) -> dict[str, Any] | None:
        """SIGTERM, wait for exit, return the report serve wrote (None if it never got that far)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("emulator serve did not stop on SIGTERM") from None
        if self.report_file.is_file():
            return json.loads(self.report_file.read_text())
        return None


def processed_once(report: dict, consumer: str) -> Counter:
    counts = Counter(report["consumers"][consumer]["processed"])
    assert all(n == 1 for n in counts.values()), f"{consumer} processed some message twice: {counts}"
    return counts


def write_messages(directory: Path, messages: list[dict], name: str = "messages.json") -> str:
    path = directory / name
    path.write_text(json.dumps(messages), encoding="utf-8")
    return str(path)
